package e2e

import (
	"testing"
	"time"
)

// TestVoteDurabilityUnderKill kills the reviews process (SIGKILL: no graceful shutdown) while voters are
// voting through the gateway, restarts it and lets the voting go on: every vote answered 200 is stored (none
// acknowledged and then lost), none is stored twice, no more are stored than were cast, and the tallies count
// exactly the stored votes. A vote in flight when the process died may be stored without its answer: that is
// allowed (the voter did not hear back), losing an acknowledged one is not. The same check runs under load
// in `make bench` (BENCH_SCENARIOS=kill).
func TestVoteDurabilityUnderKill(t *testing.T) {
	t.Parallel()
	s := Start(t, "VOTE_RATE_LIMIT=0", "VOTER_CODE_RATE_LIMIT=0")
	w := newReviewRound(t, s, 3, 3)
	w.publishShortlist(t, func(m, a int) int { return 60 + a })
	st, body := w.advance(t, "PHASE_PUBLICITY")
	expectTB(t, "publicity", st, body, 200, "")
	time.Sleep(publicityPeriod + 100*time.Millisecond)
	st, body = w.advance(t, "PHASE_PROMOTION")
	expectTB(t, "promotion", st, body, 200, "")

	votes := newVoteLoad(t, s, w.roundID, w.apps)
	votes.seed(30_000)
	stop := votes.start(8)
	t.Cleanup(func() { stop() }) // on a failure: before the suite stops (stopping twice is harmless)
	// waitAcked waits until n votes have been answered 200 in all.
	waitAcked := func(n int64, what string) {
		t.Helper()
		for deadline := time.Now().Add(time.Minute); votes.ackedAll.Load() < n; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) || votes.next.Load() >= votes.capacity {
				stop()
				t.Fatalf("%s: only %d votes acknowledged (in a minute, or every seeded voter voted; other answers: %v)", what, votes.ackedAll.Load(), votes.failures)
			}
		}
	}
	// The kill lands while votes are being written: eight voters keep voting, before, during and after it.
	waitAcked(300, "before the kill")
	s.Kill("reviews")
	killedAt := votes.ackedAll.Load()
	s.Restart("reviews")
	waitAcked(killedAt+300, "after the restart") // votes are accepted again
	stop()
	t.Log(votes.check(t, false))
}
