package app_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/services/reviews/internal/app"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// TestVotesCountOncePerDay casts the same vote concurrently, then on the next calendar day in Asia/Shanghai,
// and checks the tally counts exactly the votes allowed.
func TestVotesCountOncePerDay(t *testing.T) {
	f := setup(t, nil, nil)
	roundID := f.apps.round.ID
	f.computedShortlist(t)
	early := f.voterToken(t, "13800000010")
	if _, err := f.castVote(early, f.A); !errors.Is(err, domain.ErrVotingClosed) {
		t.Fatalf("vote in SHORTLISTING: %v", err)
	}
	if _, err := f.svc.PublishShortlist(organizer, f.roundCmd()); err != nil {
		t.Fatal(err)
	}
	// 15:30 UTC is 23:30 in Shanghai.
	f.clock.Add(6*time.Hour + 30*time.Minute)
	f.apps.setPhase(domain.PhasePromotion, f.clock.Now())

	code, _, err := f.svc.SendVoterCode(anyone, "13800000009")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.VerifyVoter(anyone, "13800000009", "x"+code[1:]); !errors.Is(err, domain.ErrCodeInvalid) {
		t.Fatalf("wrong code: %v", err)
	}
	token, _, err := f.svc.VerifyVoter(anyone, "13800000009", code)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.castVote(token, f.I); !errors.Is(err, domain.ErrNotOnShortlist) {
		t.Fatalf("vote for an idea-only application: %v", err)
	}
	if _, err := f.castVote("not-a-token", f.A); !errors.Is(err, domain.ErrVoterTokenInvalid) {
		t.Fatalf("vote with an unknown token: %v", err)
	}

	var wg sync.WaitGroup
	var mu sync.Mutex
	results := map[string]int{}
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.castVote(token, f.A)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				results["ok"]++
			case errors.Is(err, domain.ErrAlreadyVoted):
				results["again"]++
			default:
				results[err.Error()]++
			}
		}()
	}
	wg.Wait()
	if results["ok"] != 1 || results["again"] != 7 {
		t.Fatalf("concurrent votes: %v", results)
	}
	f.clock.Add(time.Hour) // 00:30 the next day in Shanghai
	if v, err := f.castVote(token, f.A); err != nil || v.Day != "2026-05-02" {
		t.Fatalf("vote the next day: %+v %v", v, err)
	}
	tallies, err := f.svc.Tallies(anyone, roundID)
	if err != nil || len(tallies) != 1 || tallies[0].Votes != 2 {
		t.Fatalf("tallies = %+v %v", tallies, err)
	}
}

// TestVoteRequestIDsArePerVoter checks a request ID is its voter's own: a retried vote answers the first one,
// while the same ID from another voter casts that voter's vote.
func TestVoteRequestIDsArePerVoter(t *testing.T) {
	f := setup(t, nil, nil)
	f.publishedShortlist(t)
	f.apps.setPhase(domain.PhasePromotion, f.clock.Now())
	key := idempotency.Key{RequestID: "same-id", Fingerprint: []byte("same body")}
	cast := func(token string) domain.Vote {
		t.Helper()
		v, err := f.svc.CastVote(anyone, app.CastVote{Key: key, VoterToken: token, RoundID: f.apps.round.ID, ApplicationID: f.A})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	one, two := f.voterToken(t, "13800000021"), f.voterToken(t, "13800000022")
	first := cast(one)
	if again := cast(one); again.ID != first.ID || !again.CastAt.Equal(first.CastAt) {
		t.Fatalf("retry answered %+v, want %+v", again, first)
	}
	if other := cast(two); other.ID == first.ID {
		t.Fatal("another voter's request with the same ID got the first voter's answer")
	}
	if tallies, err := f.svc.Tallies(anyone, f.apps.round.ID); err != nil || len(tallies) != 1 || tallies[0].Votes != 2 {
		t.Fatalf("tallies = %+v %v, want 2 votes for A", tallies, err)
	}
}

// TestVoterCodesPerPhoneAreLimited checks a phone gets at most MaxCodesPerPhone codes an hour: every new code
// brings MaxCodeAttempts fresh guesses, so without a cap per phone the attempts limit bounds nothing.
func TestVoterCodesPerPhoneAreLimited(t *testing.T) {
	f := setup(t, nil, nil)
	for i := 0; i < app.MaxCodesPerPhone; i++ {
		if _, _, err := f.svc.SendVoterCode(anyone, "13800000007"); err != nil {
			t.Fatalf("code %d: %v", i+1, err)
		}
		f.clock.Add(time.Minute)
	}
	_, _, err := f.svc.SendVoterCode(anyone, "13800000007")
	mustErr(t, "one code too many", err, domain.ErrCodeRateLimited)
	if _, _, err := f.svc.SendVoterCode(anyone, "13800000008"); err != nil {
		t.Fatalf("another phone: %v", err)
	}
	f.clock.Add(time.Hour)
	if _, _, err := f.svc.SendVoterCode(anyone, "13800000007"); err != nil {
		t.Fatalf("an hour later: %v", err)
	}
}

// failingSender records the codes it is asked to send and fails.
type failingSender struct{ codes []string }

func (s *failingSender) Send(_ context.Context, _, code string) (string, error) {
	s.codes = append(s.codes, code)
	return "", errors.New("sms gateway down")
}

// TestUnsentCodesCountAndAreVoid checks the sender runs after the code is committed: a code that could not be
// sent is reported, cannot be used, and still counts against the phone's limit, so failures do not let a caller
// get more codes than the limit. Without a sender nothing is stored.
func TestUnsentCodesCountAndAreVoid(t *testing.T) {
	f := setup(t, nil, nil)
	sender := &failingSender{}
	failing := f.with(func(c *app.Config) { c.Sender = sender })
	for i := 0; i < app.MaxCodesPerPhone; i++ {
		_, _, err := failing.SendVoterCode(anyone, "13800000031")
		mustErr(t, "send failure", err, domain.ErrCodeSendFailed)
	}
	_, _, err := failing.SendVoterCode(anyone, "13800000031")
	mustErr(t, "a code beyond the limit after failed sends", err, domain.ErrCodeRateLimited)
	_, _, err = f.svc.VerifyVoter(anyone, "13800000031", sender.codes[len(sender.codes)-1])
	mustErr(t, "verify with an unsent code", err, domain.ErrCodeInvalid)

	none := f.with(func(c *app.Config) { c.Sender = nil })
	for i := 0; i <= app.MaxCodesPerPhone; i++ {
		_, _, err := none.SendVoterCode(anyone, "13800000032")
		mustErr(t, "no sender", err, domain.ErrCodeSenderMissing)
	}
	if _, _, err := f.svc.SendVoterCode(anyone, "13800000032"); err != nil {
		t.Fatalf("refusals without a sender used up the phone's limit: %v", err)
	}
}
