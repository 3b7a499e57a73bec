package e2e

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestVoteBatchAnswersEachVote casts many votes at once, so the gateway sends them to reviews together
// (CastVotes) and reviews writes them in group commits: each request still gets its own answer — its vote,
// or its own status and reason (a repeat, an application off the shortlist, a bogus token) — with a vote
// carrying a request_id among them, and the stored votes and tallies are exactly the votes answered 200.
func TestVoteBatchAnswersEachVote(t *testing.T) {
	s := Start(t, "VOTE_RATE_LIMIT=0", "VOTER_CODE_RATE_LIMIT=0")
	w := newReviewRound(t, s, 4, 3)
	w.publishShortlist(t, func(m, a int) int { return 60 + a }) // the three highest: apps 1 to 3
	st, body := w.advance(t, "PHASE_PUBLICITY")
	expect(t, "publicity", st, body, 200, "")
	time.Sleep(publicityPeriod + 100*time.Millisecond)
	st, body = w.advance(t, "PHASE_PROMOTION")
	expect(t, "promotion", st, body, 200, "")
	off, A, B, C := w.apps[0], w.apps[1], w.apps[2], w.apps[3]

	type call struct {
		app, token, requestID string
		status                int
		reason                string
	}
	var calls []call
	for i := range 6 {
		tok := voter(t, s, fmt.Sprintf("1350000%04d", 2100+i))
		calls = append(calls, call{app: A, token: tok, status: 200}, call{app: B, token: tok, status: 200},
			call{app: off, token: tok, status: 412, reason: "APPLICATION_NOT_ON_SHORTLIST"})
		if i == 0 {
			calls = append(calls, call{app: C, token: tok, requestID: "batch-test-1", status: 200})
		}
	}
	for i := range 4 {
		calls = append(calls, call{app: A, token: fmt.Sprint("bogus-token-", i), status: 401, reason: "VOTER_TOKEN_INVALID"})
	}
	type answer struct {
		status int
		reason string
		app    string
	}
	run := func(calls []call) []answer {
		out := make([]answer, len(calls))
		var ready, wg sync.WaitGroup
		start := make(chan struct{})
		for k, c := range calls {
			ready.Add(1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				b := map[string]any{}
				if c.requestID != "" {
					b["request_id"] = c.requestID
				}
				ready.Done()
				<-start
				st, body := s.Do("POST", "/v1/rounds/"+w.roundID+"/applications/"+c.app+"/votes", "", b, "X-Voter-Token", c.token)
				out[k] = answer{st, Reason(body), str(body["applicationId"])}
			}()
		}
		ready.Wait()
		close(start)
		wg.Wait()
		return out
	}
	for k, a := range run(calls) {
		c := calls[k]
		if a.status != c.status || c.reason != "" && a.reason != c.reason || a.status == 200 && a.app != c.app {
			t.Errorf("vote %d (%s): %d %s for %s, want %d %s", k, c.app, a.status, a.reason, a.app, c.status, c.reason)
		}
	}
	// The same votes again, at once, twice each: every one is now a repeat or refused as before.
	var again []call
	for _, c := range calls {
		if c.status == 200 {
			c.status, c.reason = 409, "VOTE_ALREADY_CAST"
			if c.requestID != "" {
				c.status, c.reason = 200, "" // a retry with the same request_id: the first answer
			}
		}
		again = append(again, c, c)
	}
	for k, a := range run(again) {
		c := again[k]
		if a.status != c.status || c.reason != "" && a.reason != c.reason {
			t.Errorf("repeat %d (%s): %d %s, want %d %s", k, c.app, a.status, a.reason, c.status, c.reason)
		}
	}
	got := tallies(t, s, w.roundID)
	if got[A] != "6" || got[B] != "6" || got[C] != "1" || got[off] != "" && got[off] != "0" {
		t.Errorf("tallies %v, want A 6, B 6, C 1", got)
	}
	if n := s.Count(`SELECT count(*) FROM reviews.votes WHERE round_id = $1`, w.roundID); n != 13 {
		t.Errorf("%d votes stored, want 13", n)
	}
}
