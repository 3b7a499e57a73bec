package app_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/reviews/internal/app"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

func (f *fixture) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPurgeKeepsWhatTheLimitCounts checks the purge deletes a code only once it has expired and left the
// window the phone's limit counts (so purging never gives a phone more codes), and a token once it expired.
func TestPurgeKeepsWhatTheLimitCounts(t *testing.T) {
	f := setup(t, nil, nil)
	token := f.voterToken(t, "13800000041")
	for i := 1; i < app.MaxCodesPerPhone; i++ {
		if _, _, err := f.svc.SendVoterCode(anyone, "13800000042"); err != nil {
			t.Fatal(err)
		}
	}
	f.clock.Add(app.CodeTTL + time.Minute) // every code expired, all still within the window
	if p, err := f.svc.PurgeVoterCredentials(anyone); err != nil || p != (app.Purged{}) {
		t.Fatalf("purge within the window: %+v %v", p, err)
	}
	if _, _, err := f.svc.SendVoterCode(anyone, "13800000042"); err != nil {
		t.Fatal(err)
	}
	_, _, err := f.svc.SendVoterCode(anyone, "13800000042")
	mustErr(t, "the limit still counts expired codes", err, domain.ErrCodeRateLimited)

	f.clock.Add(app.CodeWindow + time.Minute)
	p, err := f.svc.PurgeVoterCredentials(anyone)
	if err != nil || p.Codes != 1+app.MaxCodesPerPhone || p.Tokens != 0 {
		t.Fatalf("purge after the window: %+v %v", p, err)
	}
	if n := f.count(t, "voter_codes"); n != 0 {
		t.Fatalf("%d codes left", n)
	}
	if _, err := f.castVote(token, f.A); errors.Is(err, domain.ErrVoterTokenInvalid) || f.count(t, "voter_tokens") != 1 {
		// The round is not in PROMOTION, so the vote is refused, but not for the token.
		t.Fatalf("a live token was purged: %v", err)
	}

	f.clock.Add(24 * time.Hour)
	if p, err := f.svc.PurgeVoterCredentials(anyone); err != nil || p != (app.Purged{Tokens: 1}) {
		t.Fatalf("purge after the token expired: %+v %v", p, err)
	}
	_, err = f.castVote(token, f.A)
	mustErr(t, "a purged token", err, domain.ErrVoterTokenInvalid)
}

// TestPurgeRunsInBatches checks a backlog larger than a batch is purged completely, by the background task.
func TestPurgeRunsInBatches(t *testing.T) {
	f := setup(t, nil, nil)
	ctx := context.Background()
	voter, past := ids.New(), f.clock.Now().Add(-48*time.Hour)
	backlog := 2*app.PurgeBatch + 7
	if _, err := f.pool.Exec(ctx, `INSERT INTO voters (id, phone_hmac, created_at) VALUES ($1, '\x01', $2)`, voter, past); err != nil {
		t.Fatal(err)
	}
	if _, err := f.pool.Exec(ctx, `INSERT INTO voter_tokens (token_hash, voter_id, expires_at, created_at)
		SELECT int4send(i), $1, $2, $2 FROM generate_series(1, $3) i`, voter, past, backlog); err != nil {
		t.Fatal(err)
	}
	if _, err := f.pool.Exec(ctx, `INSERT INTO voter_codes (phone_hmac, code_hmac, expires_at, created_at)
		SELECT '\x01', '\x02', $1, $1 FROM generate_series(1, $2)`, past, backlog); err != nil {
		t.Fatal(err)
	}
	live := f.voterToken(t, "13800000043")

	bg, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); f.svc.PurgeVoterCredentialsEvery(time.Hour)(bg) }()
	deadline := time.Now().Add(10 * time.Second)
	for f.count(t, "voter_tokens") != 1 || f.count(t, "voter_codes") != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("left %d tokens, %d codes", f.count(t, "voter_tokens"), f.count(t, "voter_codes"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	if _, err := f.castVote(live, f.A); errors.Is(err, domain.ErrVoterTokenInvalid) {
		t.Fatalf("a live token was purged: %v", err)
	}
}
