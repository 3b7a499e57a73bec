package app_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// TestShortlistToSignedOffResults takes a round from shortlist scores to signed-off results, with the
// applications, donations and funding services faked, and checks every number against hand computations.
// (Which roles may call what is the api's authorisation table, tested there.)
func TestShortlistToSignedOffResults(t *testing.T) {
	don := &fakeDonations{confirmed: map[string]int64{}}
	fund := fakeFunding{pool: 25_000_000, share: map[int64]int64{20_000_000: 10_000_000, 20_000_001: 20_000_000, 10_000_000: 0}}
	f := setup(t, don, fund)
	roundID := f.apps.round.ID
	don.confirmed[f.A], don.confirmed[f.C] = 10_000_000, 10_000_000

	// Shortlist: A 80, B 70, C 62, I (idea-only) 60 → A, B, C shortlisted.
	_, sl := f.computedShortlist(t)
	var order []string
	for _, e := range sl.Entries {
		order = append(order, fmt.Sprintf("%d:%d:%v", e.Rank, e.PanelScore, e.Shortlisted))
	}
	if fmt.Sprint(order) != "[1:8000:true 2:7000:true 3:6200:true 4:6000:false]" {
		t.Fatalf("shortlist = %v", order)
	}

	// Publishing records the outcome first: a failed stage push leaves it unconfirmed, publishing again
	// pushes what is missing at once.
	st, _ := f.svc.GetRoundReviewStatus(service, roundID)
	if st.ShortlistPublished {
		t.Fatal("published before publishing")
	}
	f.apps.failNext = 1
	_, err := f.svc.PublishShortlist(organizer, f.roundCmd())
	mustErr(t, "publish with a failing stage push", err, domain.ErrStagePushFailed)
	if st, _ = f.svc.GetRoundReviewStatus(service, roundID); st.ShortlistPublished {
		t.Fatal("the shortlist counts as published while a stage is unconfirmed")
	}
	if _, err := f.svc.PublishShortlist(organizer, f.roundCmd()); err != nil {
		t.Fatal(err)
	}
	if st, _ = f.svc.GetRoundReviewStatus(service, roundID); !st.ShortlistPublished {
		t.Fatal("not published after the retry")
	}
	want := map[string]string{f.A: "SHORTLISTED", f.B: "SHORTLISTED", f.C: "SHORTLISTED", f.I: "NOT_SHORTLISTED"}
	if f.apps.stagesNow() != fmt.Sprint(want) {
		t.Fatalf("stages = %v, want %v", f.apps.stagesNow(), want)
	}

	// Votes during promotion: A 2, B 1, C 0.
	f.apps.setPhase(domain.PhasePromotion, f.clock.Now())
	f.vote(t, "13800000001", f.A)
	f.vote(t, "13800000002", f.A)
	f.vote(t, "13800000002", f.B)

	// Final review: 20 members. P: A 75.00, B 85.00, C 65.00.
	f.clock.Add(time.Hour)
	f.apps.setPhase(domain.PhaseFinalReview, f.clock.Now())
	final := f.panel(t, domain.StageFinal, finalMembers("f", 20))
	f.scoreAll(t, final, map[string]int{f.A: 75, f.B: 85, f.C: 65})
	_, err = score(operator, f, final.ID, f.I, "f-0", 99)
	mustErr(t, "final score of an idea-only application", err, domain.ErrNotFinalist)

	res, err := f.svc.ComputeResults(operator, f.roundCmd())
	if err != nil {
		t.Fatal(err)
	}
	// D: A 10,000,000/20,000,000 = 50.00; B 0; C 100.00. V (max 2): A 100.00, B 50.00, C 0.
	// Totals: A (450000+100000+200000)/100 = 7500; B (510000+0+100000)/100 = 6100; C (390000+200000)/100 = 5900.
	// Pool 25,000,000: A takes 10,000,000; B's 20,000,000 does not fit the 15,000,000 left; C (0) is selected.
	// Idea prizes among B (idea points 65 → 65.00) and I (60 → 60.00): B tier 1, I tier 2.
	type row struct {
		id             string
		p, d, v, total int64
		rank           int
		selected       bool
		skip           string
		tier           int
		stage          string
	}
	wantRows := []row{
		{f.A, 7500, 5000, 10000, 7500, 1, true, "", 0, "SELECTED"},
		{f.B, 8500, 0, 5000, 6100, 2, false, domain.SkipPoolExhausted, 1, "IDEA_PRIZE"},
		{f.C, 6500, 10000, 0, 5900, 3, true, "", 0, "SELECTED"},
		{f.I, 0, 0, 0, 0, 0, false, "", 2, "IDEA_PRIZE"},
	}
	if len(res.Entries) != len(wantRows) {
		t.Fatalf("%d entries", len(res.Entries))
	}
	for i, w := range wantRows {
		e := res.Entries[i]
		got := row{e.ApplicationID, e.PanelScore, e.DonationScore, e.VoteScore, e.TotalScore, e.Rank, e.Selected, e.SkipReason, e.IdeaPrizeTier, e.FinalStage()}
		if got != w {
			t.Errorf("entry %d = %+v, want %+v", i, got, w)
		}
	}
	if in := res.Entries[1].Inputs; in.GovernmentFen != 20_000_000 || in.PoolRemainingFen != 15_000_000 || in.MaxVotes != 2 || in.Votes != 1 || in.Panel.Count != 18 || in.IdeaScore != 6500 {
		t.Fatalf("B's inputs: %+v", in)
	}
	if len(don.asked) == 0 {
		t.Fatal("donations never asked")
	}
	for _, at := range don.asked {
		if !at.Equal(f.apps.round.DonationCutoff) {
			t.Fatalf("donations asked at %s, not at the cutoff %s", at, f.apps.round.DonationCutoff)
		}
	}
	if st, _ = f.svc.GetRoundReviewStatus(service, roundID); st.ResultsState != domain.ResultsComputed {
		t.Fatalf("status results = %s", st.ResultsState)
	}
	_, err = score(operator, f, final.ID, f.A, "f-0", 10)
	mustErr(t, "final score after computing", err, domain.ErrStageComputed)
	_, err = f.svc.GetResults(anyone, roundID)
	mustErr(t, "public results before sign-off", err, domain.ErrResultsNotPublic)

	_, err = f.svc.ApproveResults(organizer, f.roundCmd())
	mustErr(t, "approve in FINAL_REVIEW", err, domain.ErrWrongPhase)
	f.apps.setPhase(domain.PhaseApproval, f.clock.Now())
	if again, err := f.svc.ComputeResults(operator, f.roundCmd()); err != nil || len(again.Entries) != 4 || again.Entries[0].TotalScore != 7500 {
		t.Fatalf("recompute in APPROVAL before approval: %v", err)
	}
	_, err = f.svc.SignOffResults(committee, f.roundCmd())
	mustErr(t, "sign off before approval", err, domain.ErrResultsState)
	if res, err = f.svc.ApproveResults(organizer, f.roundCmd()); err != nil || res.State != domain.ResultsApproved || res.ApprovedBy != "organizer" {
		t.Fatalf("approve: %v %v", res.State, err)
	}
	_, err = f.svc.ComputeResults(operator, f.roundCmd())
	mustErr(t, "recompute after approval", err, domain.ErrResultsState)

	f.apps.failNext = 1
	_, err = f.svc.SignOffResults(committee, f.roundCmd())
	mustErr(t, "sign-off with a failing stage push", err, domain.ErrStagePushFailed)
	if st, _ = f.svc.GetRoundReviewStatus(service, roundID); st.ResultsState != domain.ResultsApproved {
		t.Fatalf("results count as signed off with a stage unconfirmed: %s", st.ResultsState)
	}
	if res, err = f.svc.SignOffResults(committee, f.roundCmd()); err != nil || res.State != domain.ResultsSignedOff {
		t.Fatalf("sign off again: %v %v", res.State, err)
	}
	want = map[string]string{f.A: "SELECTED", f.B: "IDEA_PRIZE", f.C: "SELECTED", f.I: "IDEA_PRIZE"}
	if f.apps.stagesNow() != fmt.Sprint(want) {
		t.Fatalf("final stages = %v, want %v", f.apps.stagesNow(), want)
	}
	if st, _ = f.svc.GetRoundReviewStatus(service, roundID); st.ResultsState != domain.ResultsSignedOff {
		t.Fatalf("status results = %s", st.ResultsState)
	}
	if pub, err := f.svc.GetResults(anyone, roundID); err != nil || len(pub.Entries) != 4 {
		t.Fatalf("public results: %v", err)
	}
}

// TestResultsRefuseWithoutCollaborators checks the computation refuses, rather than guesses, while funding or
// donations are missing.
func TestResultsRefuseWithoutCollaborators(t *testing.T) {
	f := setup(t, nil, nil)
	f.apps.setPhase(domain.PhaseFinalReview, f.clock.Now())
	_, err := f.svc.ComputeResults(operator, f.roundCmd())
	mustErr(t, "no funding", err, domain.ErrFundingMissing)
	f = setup(t, nil, fakeFunding{})
	f.apps.setPhase(domain.PhaseFinalReview, f.clock.Now())
	_, err = f.svc.ComputeResults(operator, f.roundCmd())
	mustErr(t, "no donations", err, domain.ErrDonationsMissing)
}
