package app_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/pgtest"
	"github.com/commonweal/commonweal/pkg/sealed"
	"github.com/commonweal/commonweal/services/reviews/internal/app"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
	"github.com/commonweal/commonweal/services/reviews/internal/store"
	"github.com/commonweal/commonweal/services/reviews/internal/store/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const rolePassword = "reviews-test"

var tmpl = pgtest.NewTemplate("reviews_"+pgtest.HashFS(migrations.FS), func(ctx context.Context, _, dbURL string) error {
	return db.Migrate(ctx, db.Settings{AdminURL: dbURL, Schema: "reviews", Password: rolePassword}, migrations.FS)
})

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// fakeApps stands in for the applications service: rounds and applications in memory, stages recorded, and a
// SetStage that can be made to fail.
type fakeApps struct {
	mu       sync.Mutex
	round    domain.Round
	apps     []domain.Application
	stages   map[string]string
	failNext int
}

func (f *fakeApps) GetRound(_ context.Context, id string) (domain.Round, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if id != f.round.ID {
		return domain.Round{}, errs.ErrNotFound
	}
	return f.round, nil
}

func (f *fakeApps) GetApplication(_ context.Context, id string) (domain.Application, error) {
	for _, a := range f.apps {
		if a.ID == id {
			return a, nil
		}
	}
	return domain.Application{}, errs.ErrNotFound
}

func (f *fakeApps) ListAccepted(context.Context, string) ([]domain.Application, error) {
	return f.apps, nil
}

func (f *fakeApps) SetStage(_ context.Context, id, stage string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failNext > 0 {
		f.failNext--
		return errs.ErrServiceUnavailable
	}
	f.stages[id] = stage
	return nil
}

func (f *fakeApps) setPhase(p domain.Phase, at time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.round.Phase, f.round.PhaseEnteredAt = p, at
	if p == domain.PhaseFinalReview {
		f.round.DonationCutoff = at
	}
}

type fakeDonations struct {
	confirmed map[string]int64
	donors    map[string][]string
	asked     []time.Time
}

func (f *fakeDonations) ConfirmedAt(_ context.Context, id string, at time.Time) (int64, error) {
	f.asked = append(f.asked, at)
	return f.confirmed[id], nil
}

func (f *fakeDonations) Donors(_ context.Context, id string) ([]string, error) {
	return f.donors[id], nil
}

type fakeFunding struct {
	share map[int64]int64 // by budget
	pool  int64
}

func (f fakeFunding) GovernmentShare(_ context.Context, _ string, budget, _ int64) (int64, error) {
	return f.share[budget], nil
}

func (f fakeFunding) PoolAvailable(context.Context, string) (int64, error) { return f.pool, nil }

type fixture struct {
	svc        *app.Service
	apps       *fakeApps
	clock      *clock
	A, B, C, I string
}

func policy() domain.Policy {
	return domain.Policy{ShortlistQuota: 3, SelectionQuota: 2, ShortlistPanelMin: 10, FinalPanelMin: 20, TrimExtremes: true,
		Rubric:  []domain.Criterion{{Name: "BREADTH", MaxPoints: 15}, {Name: "URGENCY", MaxPoints: 15}, {Name: "PUBLIC_BENEFIT", MaxPoints: 15}, {Name: "INNOVATION", MaxPoints: 20}, {Name: "PLANNING", MaxPoints: 20}, {Name: "TEAM", MaxPoints: 15}},
		Weights: domain.Weights{Panel: 60, Donation: 20, Vote: 20}, IdeaPrizeTiers: []domain.IdeaPrizeTier{{Tier: 1, AmountFen: 300_000, Count: 1}, {Tier: 2, AmountFen: 200_000, Count: 1}},
		VotesPerVoterPerDay: 1, TimeZone: "Asia/Shanghai"}
}

func setup(t *testing.T, donations app.Donations, funding app.Funding) *fixture {
	t.Helper()
	_, dbURL := tmpl.Database(t)
	pool, err := db.Open(context.Background(), db.Settings{AdminURL: dbURL, Schema: "reviews", Password: rolePassword})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	box, err := sealed.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)}
	f := &fixture{clock: c, A: store.NewID(), B: store.NewID(), C: store.NewID(), I: store.NewID()}
	roundID := store.NewID()
	f.apps = &fakeApps{round: domain.Round{ID: roundID, Phase: domain.PhaseShortlisting, Policy: policy()}, stages: map[string]string{},
		apps: []domain.Application{
			{ID: f.A, RoundID: roundID, OrgID: "org-a", Accepted: true, BudgetFen: 20_000_000, FirstSubmitAt: c.t.Add(-4 * time.Hour)},
			{ID: f.B, RoundID: roundID, OrgID: "org-b", PartnerOrgID: "org-p", Accepted: true, BudgetFen: 20_000_001, FirstSubmitAt: c.t.Add(-3 * time.Hour)},
			{ID: f.C, RoundID: roundID, OrgID: "org-c", Accepted: true, BudgetFen: 10_000_000, FirstSubmitAt: c.t.Add(-2 * time.Hour)},
			{ID: f.I, RoundID: roundID, OrgID: "person-i", Accepted: true, IdeaOnly: true, FirstSubmitAt: c.t.Add(-1 * time.Hour)},
		}}
	f.svc = app.New(store.New(pool, box), app.Config{Apps: f.apps, Donations: donations, Funding: funding, Sender: app.DevSender{},
		PhoneKey: []byte("test-key"), Now: c.Now})
	return f
}

func as(subject string, roles ...identity.Role) context.Context {
	return identity.With(context.Background(), identity.Identity{Subject: subject, Roles: roles})
}

var (
	operator  = as("operator", identity.Operator)
	organizer = as("organizer", identity.Organizer)
	committee = as("committee", identity.Committee)
	service   = as("service:applications", identity.Service)
	anyone    = context.Background()
)

func members(prefix string, n int) []domain.Member {
	out := make([]domain.Member, n)
	for i := range out {
		out[i] = domain.Member{ReviewerID: fmt.Sprintf("%s-%d", prefix, i), Name: "R", Kind: domain.KindExpert}
	}
	return out
}

// crit spreads a total over the rubric in order, so its idea points are min(total, 65).
func crit(total int) map[string]int {
	out := map[string]int{}
	for _, c := range policy().Rubric {
		v := min(c.MaxPoints, total)
		out[c.Name] = v
		total -= v
	}
	return out
}

func (f *fixture) scoreAll(t *testing.T, panel domain.Panel, totals map[string]int) {
	t.Helper()
	for app, total := range totals {
		for _, m := range panel.Members {
			if err := f.svc.DetectConflicts(operator, panel.ID, m.ReviewerID, app); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.SubmitScore(operator, panel.ID, app, m.ReviewerID, crit(total)); err != nil {
				t.Fatalf("score %s by %s: %v", app, m.ReviewerID, err)
			}
		}
	}
}

func mustErr(t *testing.T, what string, err error, want *errs.Error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: err = %v, want %s", what, err, want.Reason)
	}
}

func (f *fixture) vote(t *testing.T, phone, app string) {
	t.Helper()
	code, _, err := f.svc.SendVoterCode(anyone, phone)
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := f.svc.VerifyVoter(anyone, phone, code)
	if err != nil {
		t.Fatal(err)
	}
	voter, err := f.svc.Voter(anyone, token)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := f.apps.GetRound(anyone, f.apps.round.ID)
	if _, err := f.svc.CastVote(anyone, r, voter, app); err != nil {
		t.Fatal(err)
	}
}

// TestShortlistToSignedOffResults takes a round from shortlist scores to signed-off results, with the
// applications, donations and funding services faked, and checks every number against hand computations.
func TestShortlistToSignedOffResults(t *testing.T) {
	don := &fakeDonations{confirmed: map[string]int64{}}
	fund := fakeFunding{pool: 25_000_000, share: map[int64]int64{20_000_000: 10_000_000, 20_000_001: 20_000_000, 10_000_000: 0}}
	f := setup(t, don, fund)
	roundID := f.apps.round.ID
	don.confirmed[f.A], don.confirmed[f.C] = 10_000_000, 10_000_000

	panel, _, err := f.svc.CreatePanel(operator, roundID, domain.StageShortlist, members("s", 10))
	if err != nil {
		t.Fatal(err)
	}
	// Shortlist: A 80, B 70, C 62, I (idea-only) 60 → A, B, C shortlisted.
	f.scoreAll(t, panel, map[string]int{f.A: 80, f.B: 70, f.C: 62, f.I: 60})
	sl, err := f.svc.ComputeShortlist(operator, roundID)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, e := range sl.Entries {
		order = append(order, fmt.Sprintf("%d:%d:%v", e.Rank, e.PanelScore, e.Shortlisted))
	}
	if fmt.Sprint(order) != "[1:8000:true 2:7000:true 3:6200:true 4:6000:false]" {
		t.Fatalf("shortlist = %v", order)
	}

	// Publishing records the outcome first: a failed stage push leaves it unconfirmed, publishing again
	// pushes what is missing.
	st, _ := f.svc.GetRoundReviewStatus(service, roundID)
	if st.ShortlistPublished {
		t.Fatal("published before publishing")
	}
	f.apps.failNext = 1
	_, err = f.svc.PublishShortlist(organizer, roundID)
	mustErr(t, "publish with a failing stage push", err, domain.ErrStagePushFailed)
	if st, _ = f.svc.GetRoundReviewStatus(service, roundID); st.ShortlistPublished {
		t.Fatal("the shortlist counts as published while a stage is unconfirmed")
	}
	if _, err := f.svc.PublishShortlist(organizer, roundID); err != nil {
		t.Fatal(err)
	}
	if st, _ = f.svc.GetRoundReviewStatus(service, roundID); !st.ShortlistPublished {
		t.Fatal("not published after the retry")
	}
	want := map[string]string{f.A: "SHORTLISTED", f.B: "SHORTLISTED", f.C: "SHORTLISTED", f.I: "NOT_SHORTLISTED"}
	if fmt.Sprint(f.apps.stages) != fmt.Sprint(want) {
		t.Fatalf("stages = %v, want %v", f.apps.stages, want)
	}
	_, err = f.svc.GetRoundReviewStatus(operator, roundID)
	mustErr(t, "status asked by a person", err, errs.ErrPermissionDenied)

	// Votes during promotion: A 2, B 1, C 0.
	f.apps.setPhase(domain.PhasePromotion, f.clock.Now())
	f.vote(t, "13800000001", f.A)
	f.vote(t, "13800000002", f.A)
	f.vote(t, "13800000002", f.B)

	// Final review: 20 members. P: A 75.00, B 85.00, C 65.00.
	f.clock.Add(time.Hour)
	f.apps.setPhase(domain.PhaseFinalReview, f.clock.Now())
	final, _, err := f.svc.CreatePanel(operator, roundID, domain.StageFinal, members("f", 20))
	if err != nil {
		t.Fatal(err)
	}
	f.scoreAll(t, final, map[string]int{f.A: 75, f.B: 85, f.C: 65})
	_, err = f.svc.SubmitScore(operator, final.ID, f.I, "f-0", crit(99))
	mustErr(t, "final score of an idea-only application", err, domain.ErrNotFinalist)

	res, err := f.svc.ComputeResults(operator, roundID)
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
	for _, at := range don.asked {
		if !at.Equal(f.apps.round.DonationCutoff) {
			t.Fatalf("donations asked at %s, not at the cutoff %s", at, f.apps.round.DonationCutoff)
		}
	}
	if st, _ = f.svc.GetRoundReviewStatus(service, roundID); st.ResultsState != domain.ResultsComputed {
		t.Fatalf("status results = %s", st.ResultsState)
	}
	_, err = f.svc.SubmitScore(operator, final.ID, f.A, "f-0", crit(10))
	mustErr(t, "final score after computing", err, domain.ErrStageComputed)
	_, err = f.svc.GetResults(anyone, roundID)
	mustErr(t, "public results before sign-off", err, domain.ErrResultsNotPublic)

	_, err = f.svc.ApproveResults(organizer, roundID)
	mustErr(t, "approve in FINAL_REVIEW", err, domain.ErrWrongPhase)
	f.apps.setPhase(domain.PhaseApproval, f.clock.Now())
	if again, err := f.svc.ComputeResults(operator, roundID); err != nil || len(again.Entries) != 4 || again.Entries[0].TotalScore != 7500 {
		t.Fatalf("recompute in APPROVAL before approval: %v", err)
	}
	_, err = f.svc.SignOffResults(committee, roundID)
	mustErr(t, "sign off before approval", err, domain.ErrResultsState)
	_, err = f.svc.ApproveResults(operator, roundID)
	mustErr(t, "operator approves", err, errs.ErrPermissionDenied)
	if res, err = f.svc.ApproveResults(organizer, roundID); err != nil || res.State != domain.ResultsApproved {
		t.Fatalf("approve: %v %v", res.State, err)
	}
	_, err = f.svc.ComputeResults(operator, roundID)
	mustErr(t, "recompute after approval", err, domain.ErrResultsState)
	_, err = f.svc.SignOffResults(organizer, roundID)
	mustErr(t, "organizer signs off", err, errs.ErrPermissionDenied)

	f.apps.failNext = 1
	_, err = f.svc.SignOffResults(committee, roundID)
	mustErr(t, "sign-off with a failing stage push", err, domain.ErrStagePushFailed)
	if st, _ = f.svc.GetRoundReviewStatus(service, roundID); st.ResultsState != domain.ResultsApproved {
		t.Fatalf("results count as signed off with a stage unconfirmed: %s", st.ResultsState)
	}
	if res, err = f.svc.SignOffResults(committee, roundID); err != nil || res.State != domain.ResultsSignedOff {
		t.Fatalf("sign off again: %v %v", res.State, err)
	}
	want = map[string]string{f.A: "SELECTED", f.B: "IDEA_PRIZE", f.C: "SELECTED", f.I: "IDEA_PRIZE"}
	if fmt.Sprint(f.apps.stages) != fmt.Sprint(want) {
		t.Fatalf("final stages = %v, want %v", f.apps.stages, want)
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
	_, err := f.svc.ComputeResults(operator, f.apps.round.ID)
	mustErr(t, "no funding", err, domain.ErrFundingMissing)
	f = setup(t, nil, fakeFunding{})
	f.apps.setPhase(domain.PhaseFinalReview, f.clock.Now())
	_, err = f.svc.ComputeResults(operator, f.apps.round.ID)
	mustErr(t, "no donations", err, domain.ErrDonationsMissing)
}

// TestConflicts checks detected and declared conflicts: a donor representative whose donor pledged, a member
// of the partner organisation, and a declaration that removes a score already given.
func TestConflicts(t *testing.T) {
	don := &fakeDonations{donors: map[string][]string{}}
	f := setup(t, don, nil)
	roundID := f.apps.round.ID
	don.donors[f.C] = []string{"donor-9"}
	ms := members("s", 10)
	ms[0].AffiliationOrgID = "org-p" // B's partner
	ms[1] = domain.Member{ReviewerID: "s-1", Name: "Donor rep", Kind: domain.KindDonorRep, DonorID: "donor-9"}
	panel, _, err := f.svc.CreatePanel(operator, roundID, domain.StageShortlist, ms)
	if err != nil {
		t.Fatal(err)
	}
	if len(panel.Recusals) != 2 {
		t.Fatalf("recusals at creation: %+v", panel.Recusals)
	}
	_, err = f.svc.SubmitScore(operator, panel.ID, f.B, "s-0", crit(70))
	mustErr(t, "partner's member scores", err, domain.ErrRecused)
	_, err = f.svc.SubmitScore(operator, panel.ID, f.C, "s-1", crit(70))
	mustErr(t, "pledging donor's representative scores", err, domain.ErrRecused)

	// A donor pledges to A after the panel was created: detected when the representative scores.
	don.donors[f.A] = []string{"donor-9"}
	err = f.svc.DetectConflicts(operator, panel.ID, "s-1", f.A)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.SubmitScore(operator, panel.ID, f.A, "s-1", crit(70))
	mustErr(t, "newly conflicted representative", err, domain.ErrRecused)

	// A declaration removes a score already given.
	rev := as("s-2", identity.Reviewer)
	if _, err := f.svc.SubmitScore(rev, panel.ID, f.A, "s-2", crit(70)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.DeclareConflict(rev, panel.ID, "s-2", f.A, "my cousin leads the project"); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.SubmitScore(rev, panel.ID, f.A, "s-2", crit(70))
	mustErr(t, "score after declaring", err, domain.ErrRecused)
	recs, err := f.svc.ListRecusals(operator, f.A)
	if err != nil || len(recs) != 2 {
		t.Fatalf("recusals of A: %+v %v", recs, err)
	}
	_, err = f.svc.DeclareConflict(as("s-3", identity.Reviewer), panel.ID, "s-2", f.A, "x")
	mustErr(t, "declaring for another", err, domain.ErrNotSelf)

	// Without the donations service a donor representative's score cannot be checked, so it is refused.
	f2 := setup(t, nil, nil)
	p2, _, err := f2.svc.CreatePanel(operator, f2.apps.round.ID, domain.StageShortlist, ms)
	if err != nil {
		t.Fatal(err)
	}
	err = f2.svc.DetectConflicts(operator, p2.ID, "s-1", f2.A)
	mustErr(t, "donor rep without donations", err, domain.ErrDonationsMissing)
}

// TestVotesCountOncePerDay casts the same vote concurrently, then on the next calendar day in Asia/Shanghai,
// and checks the tally counts exactly the votes allowed.
func TestVotesCountOncePerDay(t *testing.T) {
	f := setup(t, nil, nil)
	roundID := f.apps.round.ID
	panel, _, err := f.svc.CreatePanel(operator, roundID, domain.StageShortlist, members("s", 10))
	if err != nil {
		t.Fatal(err)
	}
	f.scoreAll(t, panel, map[string]int{f.A: 80, f.B: 70, f.C: 62, f.I: 60})
	if _, err := f.svc.ComputeShortlist(operator, roundID); err != nil {
		t.Fatal(err)
	}
	r, _ := f.apps.GetRound(anyone, roundID)
	if _, err := f.svc.CastVote(anyone, r, store.NewID(), f.A); !errors.Is(err, domain.ErrVotingClosed) {
		t.Fatalf("vote in SHORTLISTING: %v", err)
	}
	if _, err := f.svc.PublishShortlist(organizer, roundID); err != nil {
		t.Fatal(err)
	}
	// 15:30 UTC is 23:30 in Shanghai.
	f.clock.Add(6*time.Hour + 30*time.Minute)
	f.apps.setPhase(domain.PhasePromotion, f.clock.Now())
	r, _ = f.apps.GetRound(anyone, roundID)

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
	voter, err := f.svc.Voter(anyone, token)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CastVote(anyone, r, voter, f.I); !errors.Is(err, domain.ErrNotOnShortlist) {
		t.Fatalf("vote for an idea-only application: %v", err)
	}

	var wg sync.WaitGroup
	var mu sync.Mutex
	results := map[string]int{}
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.svc.CastVote(anyone, r, voter, f.A)
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
	if v, err := f.svc.CastVote(anyone, r, voter, f.A); err != nil || v.Day != "2026-05-02" {
		t.Fatalf("vote the next day: %+v %v", v, err)
	}
	tallies, err := f.svc.Tallies(anyone, roundID)
	if err != nil || len(tallies) != 1 || tallies[0].Votes != 2 {
		t.Fatalf("tallies = %+v %v", tallies, err)
	}
}
