package app_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/services/reviews/internal/app"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// hookDonations runs during before answering the first ConfirmedAt, to act while results are computed.
type hookDonations struct {
	fakeDonations
	during func()
}

func (h *hookDonations) ConfirmedAt(ctx context.Context, id string, at time.Time) (int64, error) {
	if h.during != nil {
		h.during()
		h.during = nil
	}
	return h.fakeDonations.ConfirmedAt(ctx, id, at)
}

// TestComputeResultsAgainstConcurrentScore amends a final score while the results are being computed: either
// the amendment is refused (the stage is computed) or the results use it; never a stored score the computed
// results silently ignore and that can no longer be amended.
func TestComputeResultsAgainstConcurrentScore(t *testing.T) {
	don := &hookDonations{fakeDonations: fakeDonations{confirmed: map[string]int64{}}}
	fund := fakeFunding{pool: 100_000_000, share: map[int64]int64{}}
	f := setup(t, don, fund)
	final := f.toFinalReview(t, map[string]int{f.A: 75, f.B: 85, f.C: 65})

	amended := make(chan error, 1)
	don.during = func() {
		go func() {
			_, err := score(operator, f, final.ID, f.A, "f-0", 5)
			amended <- err
		}()
		time.Sleep(300 * time.Millisecond) // time enough for the amendment to commit unless it must wait
	}
	res, err := f.svc.ComputeResults(operator, f.roundCmd())
	if err != nil {
		t.Fatal(err)
	}
	amendErr := <-amended
	var used []domain.MemberTotal
	for _, e := range res.Entries {
		if e.ApplicationID == f.A {
			used = append(append(used, e.Inputs.Panel.Used...), e.Inputs.Panel.Dropped...)
		}
	}
	var f0 int64 = -1
	for _, m := range used {
		if m.ReviewerID == "f-0" {
			f0 = m.Total
		}
	}
	switch {
	case amendErr == nil && f0 != 5:
		t.Fatalf("the amendment to 5 was stored but the results used f-0's total %d", f0)
	case amendErr != nil && !errors.Is(amendErr, domain.ErrStageComputed):
		t.Fatalf("amendment: %v", amendErr)
	case amendErr != nil && f0 != 75:
		t.Fatalf("the amendment was refused but the results used f-0's total %d", f0)
	}
}

// blockingSender runs during inside its first Send, as a slow SMS provider would take its time.
type blockingSender struct{ during func() }

func (b *blockingSender) Send(_ context.Context, _, code string) (string, error) {
	if b.during != nil {
		during := b.during
		b.during = nil
		during()
	}
	return code, nil
}

// TestRemoteCallsHoldNoLockOrConnection runs the use cases that call other services (donations while the
// results are computed, the code sender) on a pool of ONE connection, and while the remote call is in progress
// runs another use case that needs the same round's (or phone's) lock and a connection: it completes, because
// no transaction, lock or connection is held across a remote call.
func TestRemoteCallsHoldNoLockOrConnection(t *testing.T) {
	don := &hookDonations{fakeDonations: fakeDonations{confirmed: map[string]int64{}}}
	fund := fakeFunding{pool: 100_000_000, share: map[int64]int64{}}
	f := setupPool(t, don, fund, 1)
	final := f.toFinalReview(t, map[string]int{f.A: 75, f.B: 85, f.C: 65})

	concurrently := func(what string, fn func(ctx context.Context) error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- fn(ctx) }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%s during a remote call: %v", what, err)
			}
		case <-ctx.Done():
			t.Errorf("%s waited for a remote call to finish: a lock or connection is held across it", what)
		}
	}
	don.during = func() {
		concurrently("a final score (the round's lock)", func(ctx context.Context) error {
			_, err := score(identity.With(ctx, identity.From(operator)), f, final.ID, f.A, "f-0", 70)
			return err
		})
	}
	if _, err := f.svc.ComputeResults(operator, f.roundCmd()); err != nil {
		t.Fatal(err)
	}

	sender := &blockingSender{}
	sending := f.with(func(c *app.Config) { c.Sender = sender })
	sender.during = func() {
		concurrently("another code for the same phone (the phone's lock)", func(ctx context.Context) error {
			_, _, err := sending.SendVoterCode(ctx, "13800000041")
			return err
		})
	}
	if _, _, err := sending.SendVoterCode(anyone, "13800000041"); err != nil {
		t.Fatal(err)
	}
}

// TestPublicResultsHideReviewersAndUnplaced checks what anyone reads of signed-off results: the finalists and
// the idea-prize winners, without each reviewer's total (the public shortlist shows no inputs either), while
// staff still read every entry with its inputs.
func TestPublicResultsHideReviewersAndUnplaced(t *testing.T) {
	don := &fakeDonations{confirmed: map[string]int64{}}
	fund := fakeFunding{pool: 100_000_000, share: map[int64]int64{}}
	f := setup(t, don, fund)
	f.apps.round.Policy.IdeaPrizeTiers = []domain.IdeaPrizeTier{{Tier: 1, AmountFen: 300_000, Count: 1}}
	f.toFinalReview(t, map[string]int{f.A: 75, f.B: 85, f.C: 65})
	roundID := f.apps.round.ID
	// Selected: B (51.00), A (45.00); C (39.00) wins the one idea prize (final idea points 65 > I's 60); I
	// (not shortlisted, no prize) has no public result.
	if _, err := f.svc.ComputeResults(operator, f.roundCmd()); err != nil {
		t.Fatal(err)
	}
	f.apps.setPhase(domain.PhaseApproval, f.clock.Now())
	if _, err := f.svc.ApproveResults(organizer, f.roundCmd()); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SignOffResults(committee, f.roundCmd()); err != nil {
		t.Fatal(err)
	}
	staff, err := f.svc.GetResults(operator, roundID)
	if err != nil || len(staff.Entries) != 4 || len(staff.Entries[0].Inputs.Panel.Used) == 0 {
		t.Fatalf("staff results: %+v %v", staff.Entries, err)
	}
	for _, who := range []context.Context{anyone, as("s-3", identity.Reviewer), as("app", identity.Applicant)} {
		pub, err := f.svc.GetResults(who, roundID)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, e := range pub.Entries {
			ids = append(ids, e.ApplicationID)
			if len(e.Inputs.Panel.Used) > 0 || len(e.Inputs.Panel.Dropped) > 0 {
				t.Fatalf("public results show reviewers' totals: %+v", e.Inputs.Panel)
			}
		}
		if len(ids) != 3 || ids[0] != f.B || ids[1] != f.A || ids[2] != f.C {
			t.Fatalf("public results list %v, want B, A, C (I was neither a finalist nor a prize winner)", ids)
		}
	}
}

// TestResultsCountVotesBeforeTheClose casts a vote that passed the PROMOTION check just before the organizer
// closed voting but lands after the close (the donation cutoff): the results count only the votes cast before
// the close.
func TestResultsCountVotesBeforeTheClose(t *testing.T) {
	don := &fakeDonations{confirmed: map[string]int64{}}
	fund := fakeFunding{pool: 100_000_000, share: map[int64]int64{}}
	f := setup(t, don, fund)
	roundID := f.apps.round.ID
	f.publishedShortlist(t)
	f.apps.setPhase(domain.PhasePromotion, f.clock.Now())
	f.vote(t, "13800000001", f.A)
	late := f.voterToken(t, "13800000002")
	promotion := f.apps.round // what the late vote reads, just before the close

	f.clock.Add(time.Minute)
	f.apps.setPhase(domain.PhaseFinalReview, f.clock.Now()) // voting closes: the cutoff
	f.clock.Add(time.Second)
	f.apps.next = &promotion
	if _, err := f.castVote(late, f.B); err != nil {
		t.Fatal(err)
	}
	tallies, err := f.svc.Tallies(anyone, roundID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tl := range tallies {
		if tl.ApplicationID == f.B && tl.Votes != 0 {
			t.Fatalf("public tallies count a vote cast after voting closed: %+v", tallies)
		}
	}
	final := f.panel(t, domain.StageFinal, finalMembers("f", 20))
	f.scoreAll(t, final, map[string]int{f.A: 75, f.B: 85, f.C: 65})
	res, err := f.svc.ComputeResults(operator, f.roundCmd())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Entries {
		if e.ApplicationID == f.B && (e.Inputs.Votes != 0 || e.VoteScore != 0) {
			t.Fatalf("B counts a vote cast after voting closed: %+v", e.Inputs)
		}
	}
}

// TestResultsRecheckTheFinalists changes the finalists (by hand: no use case adds one once the shortlist is
// published) while donations is asked about them: the unit of work finds a finalist no other service was
// asked about, and refuses rather than compute it without its donations and share.
func TestResultsRecheckTheFinalists(t *testing.T) {
	don := &hookDonations{fakeDonations: fakeDonations{confirmed: map[string]int64{}}}
	fund := fakeFunding{pool: 100_000_000, share: map[int64]int64{}}
	f := setup(t, don, fund)
	f.toFinalReview(t, map[string]int{f.A: 75, f.B: 85, f.C: 65})
	don.during = func() {
		if _, err := f.pool.Exec(context.Background(), `UPDATE shortlist_entries SET idea_only = false, shortlisted = true WHERE application_id = $1`, f.I); err != nil {
			t.Error(err)
		}
	}
	_, err := f.svc.ComputeResults(operator, f.roundCmd())
	mustErr(t, "a finalist appeared", err, domain.ErrResultsInputsChanged)
	_, err = f.svc.GetResults(operator, f.apps.round.ID)
	mustErr(t, "results after the refusal", err, domain.ErrResultsNotComputed)
}

// TestWithdrawnPartnerLeavesTheFinalists: B was partnered when the shortlist was computed; its partner then
// withdrew consent, so the applications service answers it idea-only. The results must not select it or give
// it matching money: it competes for idea prizes only.
func TestWithdrawnPartnerLeavesTheFinalists(t *testing.T) {
	fund := fakeFunding{pool: 100_000_000, share: map[int64]int64{}}
	f := setup(t, &fakeDonations{confirmed: map[string]int64{}}, fund)
	f.toFinalReview(t, map[string]int{f.A: 75, f.B: 95, f.C: 65})
	f.apps.mu.Lock()
	for i := range f.apps.apps {
		if f.apps.apps[i].ID == f.B {
			f.apps.apps[i].IdeaOnly = true
		}
	}
	f.apps.mu.Unlock()
	res, err := f.svc.ComputeResults(operator, f.roundCmd())
	if err != nil {
		t.Fatal(err)
	}
	seen := false
	for _, e := range res.Entries {
		switch e.ApplicationID {
		case f.B:
			seen = true
			if e.Finalist || e.Selected {
				t.Errorf("B (partner withdrew) is finalist=%v selected=%v; want neither", e.Finalist, e.Selected)
			}
		case f.A:
			if !e.Finalist || !e.Selected {
				t.Errorf("A finalist=%v selected=%v; want both", e.Finalist, e.Selected)
			}
		}
	}
	if !seen {
		t.Error("B is missing from the results (it still competes for idea prizes)")
	}
}
