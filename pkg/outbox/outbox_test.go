package outbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var tmpl = pgtest.NewTemplate("pkgoutbox_"+hash(Table), func(ctx context.Context, _, dbURL string) error {
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	_, err = pool.Exec(ctx, Table)
	return err
})

func hash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:6])
}

func setup(t *testing.T) (context.Context, *pgxpool.Pool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	_, url := tmpl.Database(t)
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return ctx, pool
}

func enqueue(t *testing.T, ctx context.Context, pool *pgxpool.Pool, rollback bool, msgs ...Message) []int64 {
	t.Helper()
	var ids []int64
	errRollback := errors.New("rollback")
	err := db.InTx(ctx, pool, func(ctx context.Context) error {
		for _, m := range msgs {
			id, err := Enqueue(ctx, pool, m)
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		if rollback {
			return errRollback
		}
		return nil
	})
	if err != nil && !(rollback && errors.Is(err, errRollback)) {
		t.Fatal(err)
	}
	return ids
}

// recorder is a receiver that fails the first failures deliveries and records what it accepted.
type recorder struct {
	mu       sync.Mutex
	got      []string
	failures atomic.Int32
}

func (r *recorder) handle(_ context.Context, m Message) error {
	if r.failures.Add(-1) >= 0 {
		return errors.New("receiver down")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, string(m.Payload))
	return nil
}

func (r *recorder) received() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got...)
}

func TestRolledBackMessagesAreNeverDelivered(t *testing.T) {
	ctx, pool := setup(t)
	rec := &recorder{}
	relay := NewRelay(pool, map[string]Handler{"stage": rec.handle})
	enqueue(t, ctx, pool, true, Message{Topic: "stage", Key: "r1", Payload: []byte("lost")})
	ids := enqueue(t, ctx, pool, false, Message{Topic: "stage", Key: "r1", Payload: []byte("kept")})
	if err := relay.DeliverNow(ctx, ids); err != nil {
		t.Fatal(err)
	}
	if n, err := relay.Once(ctx); err != nil || n != 0 {
		t.Fatalf("Once after delivery tried %d (%v), want nothing due", n, err)
	}
	if got := rec.received(); len(got) != 1 || got[0] != "kept" {
		t.Fatalf("received %v, want [kept]", got)
	}
	if n, _ := Pending(ctx, pool, "r1"); n != 0 {
		t.Fatalf("%d pending, want 0", n)
	}
}

func TestFailedDeliveryIsRetriedUntilAccepted(t *testing.T) {
	ctx, pool := setup(t)
	rec := &recorder{}
	rec.failures.Store(2)
	relay := NewRelay(pool, map[string]Handler{"stage": rec.handle})
	relay.MaxBackoff = 0 // retry as soon as the relay polls again
	relay.Interval = 10 * time.Millisecond
	ids := enqueue(t, ctx, pool, false, Message{Topic: "stage", Key: "r2", Payload: []byte("a")}, Message{Topic: "stage", Key: "r2", Payload: []byte("b")})
	if err := relay.DeliverNow(ctx, ids); err == nil {
		t.Fatal("DeliverNow reported success while the receiver was down")
	}
	if n, _ := Pending(ctx, pool, "r2"); n != 2 {
		t.Fatalf("%d pending after failures, want 2", n)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { relay.Run(runCtx); close(done) }()
	for {
		if n, _ := Pending(ctx, pool, "r2"); n == 0 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("the relay never delivered")
		case <-time.After(10 * time.Millisecond):
		}
	}
	stop()
	<-done
	got := rec.received()
	if len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Fatalf("received %v, want [a b] once each", got)
	}
	var attempts int
	if err := pool.QueryRow(ctx, `SELECT max(attempts) FROM outbox`).Scan(&attempts); err != nil || attempts < 2 {
		t.Fatalf("attempts = %d (%v), want the failures counted", attempts, err)
	}
}

func TestConcurrentRelaysDeliverOnce(t *testing.T) {
	ctx, pool := setup(t)
	rec := &recorder{}
	var msgs []Message
	for i := range 40 {
		msgs = append(msgs, Message{Topic: "stage", Key: "r3", Payload: []byte{byte('A' + i%26), byte('0' + i/26)}})
	}
	enqueue(t, ctx, pool, false, msgs...)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			relay := NewRelay(pool, map[string]Handler{"stage": rec.handle})
			relay.Batch = 3
			for {
				n, err := relay.Once(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	got := rec.received()
	seen := map[string]bool{}
	for _, g := range got {
		if seen[g] {
			t.Errorf("%q delivered twice", g)
		}
		seen[g] = true
	}
	if len(seen) != 40 {
		t.Fatalf("%d distinct deliveries, want 40", len(seen))
	}
}

func TestUnknownTopicStaysPending(t *testing.T) {
	ctx, pool := setup(t)
	relay := NewRelay(pool, map[string]Handler{})
	ids := enqueue(t, ctx, pool, false, Message{Topic: "nobody", Key: "r4", Payload: []byte("x")})
	if err := relay.DeliverNow(ctx, ids); err == nil {
		t.Fatal("a message without a handler was reported delivered")
	}
	if n, _ := Pending(ctx, pool, "r4"); n != 1 {
		t.Fatalf("%d pending, want 1", n)
	}
}

func TestBackoff(t *testing.T) {
	r := &Relay{MaxBackoff: 10 * time.Second}
	for attempts, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 8 * time.Second, 5: 10 * time.Second, 50: 10 * time.Second} {
		if got := r.backoff(attempts); got != want {
			t.Errorf("backoff(%d) = %s, want %s", attempts, got, want)
		}
	}
}
