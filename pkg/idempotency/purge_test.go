package idempotency

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func TestPurgeDeletesOnlyOldRecordsInBatches(t *testing.T) {
	pool := newPool(t)
	ctx := testCtx(t)
	now := time.Now()
	for i := 0; i < 7; i++ {
		if _, err := pool.Exec(ctx, `INSERT INTO idempotency_keys (request_id, fingerprint, created_at) VALUES ($1, 'x', $2)`, fmt.Sprintf("old-%d", i), now.Add(-40*24*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 3; i++ {
		if _, err := pool.Exec(ctx, `INSERT INTO idempotency_keys (request_id, fingerprint, created_at) VALUES ($1, 'x', $2)`, fmt.Sprintf("new-%d", i), now.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	s := NewPG(pool)
	n, err := s.Purge(ctx, now.Add(-DefaultRetention), 2)
	if err != nil || n != 7 {
		t.Fatalf("Purge = %d, %v; want 7, nil", n, err)
	}
	if got := count(t, pool, `SELECT count(*) FROM idempotency_keys WHERE request_id LIKE 'old-%'`); got != 0 {
		t.Fatalf("%d old records left", got)
	}
	if got := count(t, pool, `SELECT count(*) FROM idempotency_keys WHERE request_id LIKE 'new-%'`); got != 3 {
		t.Fatalf("%d recent records left, want 3", got)
	}
	if n, err := s.Purge(ctx, now.Add(-DefaultRetention), 0); err != nil || n != 0 {
		t.Fatalf("second Purge = %d, %v; want 0, nil (idempotent)", n, err)
	}
}

func TestPurgeEveryStopsWithContext(t *testing.T) {
	pool := newPool(t)
	if _, err := pool.Exec(testCtx(t), `INSERT INTO idempotency_keys (request_id, fingerprint, created_at) VALUES ('old', 'x', now() - interval '31 days')`); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(testCtx(t))
	done := make(chan struct{})
	go func() { defer close(done); NewPG(pool).PurgeEvery(ctx, DefaultRetention, time.Hour, time.Now) }()
	deadline := time.Now().Add(10 * time.Second)
	for count(t, pool, `SELECT count(*) FROM idempotency_keys`) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("old record not purged")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("PurgeEvery did not stop")
	}
}
