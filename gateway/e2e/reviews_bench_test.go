package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// BenchmarkCastVotes casts b.N votes through the gateway, from many goroutines, and reports votes/s. Every
// vote is a distinct (voter, application) pair so all of them count. Run it with `make bench-votes` (a fixed
// number of votes); setting up the round takes about fifteen seconds and is not timed.
func BenchmarkCastVotes(b *testing.B) {
	if b.N == 1 {
		// The framework's probe run with N=1: return without the expensive set-up (b.Skip would end the
		// benchmark); `make bench-votes` fixes b.N for the real run.
		return
	}
	s := Start(b, "VOTE_RATE_LIMIT=0", "VOTER_CODE_RATE_LIMIT=0", "LOG_LEVEL=error")
	const finalists = 3
	w := newReviewRound(b, s, finalists, finalists)
	w.publishShortlist(b, func(m, a int) int { return 60 + a })
	st, body := w.advance(b, "PHASE_PUBLICITY")
	expectTB(b, "publicity", st, body, 200, "")
	time.Sleep(publicityPeriod + 100*time.Millisecond)
	st, body = w.advance(b, "PHASE_PROMOTION")
	expectTB(b, "promotion", st, body, 200, "")

	// Test set-up, not the code under test: voters and their tokens are seeded with SQL (the token's
	// SHA-256 is what the service stores), so the benchmark measures casting votes only.
	voters := (b.N + finalists - 1) / finalists
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.DBURL)
	if err != nil {
		b.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO reviews.voters (id, phone_hmac, created_at) SELECT md5('bench-voter-' || i)::uuid, sha256(('bench-phone-' || i)::bytea), now() FROM generate_series(1, $1) i`,
		`INSERT INTO reviews.voter_tokens (token_hash, voter_id, expires_at, created_at) SELECT sha256(('bench-token-' || i)::bytea), md5('bench-voter-' || i)::uuid, now() + interval '1 day', now() FROM generate_series(1, $1) i`,
	} {
		if _, err := conn.Exec(ctx, q, voters); err != nil {
			b.Fatal(err)
		}
	}
	conn.Close(ctx)

	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}}
	var next, failed atomic.Int64
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) - 1
			app := w.apps[i%finalists]
			req, _ := http.NewRequest("POST", s.URL+"/v1/rounds/"+w.roundID+"/applications/"+app+"/votes", strings.NewReader(`{}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Voter-Token", fmt.Sprintf("bench-token-%d", i/finalists+1))
			resp, err := client.Do(req)
			if err != nil || resp.StatusCode != 200 {
				if failed.Add(1) == 1 {
					b.Errorf("vote %d: %v %v", i, err, resp.Status)
				}
			}
			if resp != nil {
				resp.Body.Close()
			}
		}
	})
	b.StopTimer()
	rate := float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(rate, "votes/s")
	fmt.Printf("cast %d votes through the gateway in %s: %.0f votes/s (%d failed)\n", b.N, b.Elapsed().Round(time.Millisecond), rate, failed.Load())
	var stored int64
	for _, t := range talliesTB(b, s, w.roundID) {
		stored += t
	}
	if stored != int64(b.N)-failed.Load() {
		b.Fatalf("tallies add up to %d, want %d", stored, int64(b.N)-failed.Load())
	}
}

func talliesTB(tb testing.TB, s *Suite, roundID string) map[string]int64 {
	st, body := s.Do("GET", "/v1/rounds/"+roundID+"/tallies", "", nil)
	expectTB(tb, "tallies", st, body, 200, "")
	out := map[string]int64{}
	for _, x := range body["tallies"].([]any) {
		m := x.(map[string]any)
		var n int64
		fmt.Sscan(str(m["votes"]), &n)
		out[str(m["applicationId"])] = n
	}
	return out
}
