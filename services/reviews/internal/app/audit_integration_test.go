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

// TestConflictAfterComputeKeepsScores checks that a conflict declared or detected once the stage is computed
// is refused and removes no score: a recused member's score is deleted when the recusal is recorded, so a
// late recusal would silently change the scores a computed shortlist was ranked from.
func TestConflictAfterComputeKeepsScores(t *testing.T) {
	don := &fakeDonations{donors: map[string][]string{}}
	f := setup(t, don, nil)
	roundID := f.apps.round.ID
	ms := members("s", 10)
	ms[1] = domain.Member{ReviewerID: "s-1", Name: "Donor rep", Kind: domain.KindDonorRep, DonorID: "donor-9"}
	panel, _, err := f.svc.CreatePanel(operator, roundID, domain.StageShortlist, ms)
	if err != nil {
		t.Fatal(err)
	}
	f.scoreAll(t, panel, map[string]int{f.A: 80, f.B: 70, f.C: 62, f.I: 60})
	sl, err := f.svc.ComputeShortlist(operator, roundID)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := sl.Entry(f.A)

	_, err = f.svc.DeclareConflict(as("s-2", identity.Reviewer), panel.ID, "s-2", f.A, "remembered late")
	mustErr(t, "declare after the shortlist is computed", err, domain.ErrStageComputed)
	don.donors[f.A] = []string{"donor-9"} // pledged after the computation
	err = f.svc.DetectConflicts(operator, panel.ID, "s-1", f.A)
	mustErr(t, "detect (a score attempt) after the shortlist is computed", err, domain.ErrStageComputed)

	sl, err = f.svc.ComputeShortlist(operator, roundID)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := sl.Entry(f.A)
	if after.Inputs.Count+len(after.Inputs.Dropped) != before.Inputs.Count+len(before.Inputs.Dropped) {
		t.Fatalf("A's scores changed after the stage was computed: %d then %d scores", before.Inputs.Count+len(before.Inputs.Dropped),
			after.Inputs.Count+len(after.Inputs.Dropped))
	}
	recs, err := f.svc.ListRecusals(operator, f.A)
	if err != nil || len(recs) != 0 {
		t.Fatalf("recusals of A recorded after the computation: %+v %v", recs, err)
	}
}

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

// toFinalReview takes the fixture through a published shortlist (A, B, C shortlisted) into FINAL_REVIEW with a
// final panel of 20, every finalist scored totals[app].
func (f *fixture) toFinalReview(t *testing.T, totals map[string]int) domain.Panel {
	t.Helper()
	roundID := f.apps.round.ID
	panel, _, err := f.svc.CreatePanel(operator, roundID, domain.StageShortlist, members("s", 10))
	if err != nil {
		t.Fatal(err)
	}
	f.scoreAll(t, panel, map[string]int{f.A: 80, f.B: 70, f.C: 62, f.I: 60})
	if _, err := f.svc.ComputeShortlist(operator, roundID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.PublishShortlist(organizer, roundID); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Hour)
	f.apps.setPhase(domain.PhaseFinalReview, f.clock.Now())
	final, _, err := f.svc.CreatePanel(operator, roundID, domain.StageFinal, members("f", 20))
	if err != nil {
		t.Fatal(err)
	}
	f.scoreAll(t, final, totals)
	return final
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
			_, err := f.svc.SubmitScore(operator, final.ID, f.A, "f-0", crit(5))
			amended <- err
		}()
		time.Sleep(300 * time.Millisecond) // time enough for the amendment to commit unless it must wait
	}
	res, err := f.svc.ComputeResults(operator, f.apps.round.ID)
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
	if _, err := f.svc.ComputeResults(operator, roundID); err != nil {
		t.Fatal(err)
	}
	f.apps.setPhase(domain.PhaseApproval, f.clock.Now())
	if _, err := f.svc.ApproveResults(organizer, roundID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SignOffResults(committee, roundID); err != nil {
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
	panel, _, err := f.svc.CreatePanel(operator, roundID, domain.StageShortlist, members("s", 10))
	if err != nil {
		t.Fatal(err)
	}
	f.scoreAll(t, panel, map[string]int{f.A: 80, f.B: 70, f.C: 62, f.I: 60})
	if _, err := f.svc.ComputeShortlist(operator, roundID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.PublishShortlist(organizer, roundID); err != nil {
		t.Fatal(err)
	}
	f.apps.setPhase(domain.PhasePromotion, f.clock.Now())
	f.vote(t, "13800000001", f.A)
	code, _, _ := f.svc.SendVoterCode(anyone, "13800000002")
	token, _, _ := f.svc.VerifyVoter(anyone, "13800000002", code)
	late, _ := f.svc.Voter(anyone, token)
	promotion, _ := f.apps.GetRound(anyone, roundID) // read by the late vote before the close

	f.clock.Add(time.Minute)
	f.apps.setPhase(domain.PhaseFinalReview, f.clock.Now()) // voting closes: the cutoff
	f.clock.Add(time.Second)
	if _, err := f.svc.CastVote(anyone, promotion, late, f.B); err != nil {
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
	final, _, err := f.svc.CreatePanel(operator, roundID, domain.StageFinal, members("f", 20))
	if err != nil {
		t.Fatal(err)
	}
	f.scoreAll(t, final, map[string]int{f.A: 75, f.B: 85, f.C: 65})
	res, err := f.svc.ComputeResults(operator, roundID)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Entries {
		if e.ApplicationID == f.B && (e.Inputs.Votes != 0 || e.VoteScore != 0) {
			t.Fatalf("B counts a vote cast after voting closed: %+v", e.Inputs)
		}
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
