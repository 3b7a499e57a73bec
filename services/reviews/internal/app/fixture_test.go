package app_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/commonweal/commonweal/pkg/authz/authztest"
	"github.com/commonweal/commonweal/pkg/dbtest"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/fakeclock"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/pkg/outbox"
	"github.com/commonweal/commonweal/pkg/pgtest"
	"github.com/commonweal/commonweal/services/reviews/internal/app"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
	"github.com/commonweal/commonweal/services/reviews/internal/store"
	"github.com/commonweal/commonweal/services/reviews/internal/store/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var schema = dbtest.New("reviews", "reviews-test", migrations.FS)

// fakeApps stands in for the applications service: rounds and applications in memory, stages recorded, and a
// SetStage that can be made to fail.
type fakeApps struct {
	mu       sync.Mutex
	round    domain.Round
	apps     []domain.Application
	stages   map[string]string
	failNext int
	// next, when set, is what the next GetRound answers (a round read just before it changed).
	next *domain.Round
}

func (f *fakeApps) GetRound(_ context.Context, id string) (domain.Round, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if id != f.round.ID {
		return domain.Round{}, errs.ErrNotFound
	}
	if f.next != nil {
		r := *f.next
		f.next = nil
		return r, nil
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

func (f *fakeApps) stagesNow() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fmt.Sprint(f.stages)
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
	cfg        app.Config
	pool       *pgxpool.Pool
	relay      *outbox.Relay
	apps       *fakeApps
	clock      *fakeclock.Clock
	A, B, C, I string
}

func policy() domain.Policy {
	return domain.Policy{ShortlistQuota: 3, SelectionQuota: 2, ShortlistPanelMin: 10, FinalPanelMin: 20, TrimExtremes: true,
		Rubric:  []domain.Criterion{{Name: "BREADTH", MaxPoints: 15}, {Name: "URGENCY", MaxPoints: 15}, {Name: "PUBLIC_BENEFIT", MaxPoints: 15}, {Name: "INNOVATION", MaxPoints: 20}, {Name: "PLANNING", MaxPoints: 20}, {Name: "TEAM", MaxPoints: 15}},
		Weights: domain.Weights{Panel: 60, Donation: 20, Vote: 20}, IdeaPrizeTiers: []domain.IdeaPrizeTier{{Tier: 1, AmountFen: 300_000, Count: 1}, {Tier: 2, AmountFen: 200_000, Count: 1}},
		VotesPerVoterPerDay: 1, TimeZone: "Asia/Shanghai",
		ShortlistPanelMix: domain.DefaultPanelMix(domain.StageShortlist), FinalPanelMix: domain.DefaultPanelMix(domain.StageFinal)}
}

func setup(t *testing.T, donations app.Donations, funding app.Funding) *fixture {
	return setupPool(t, donations, funding, 0)
}

// setupPool is setup with a pool of at most maxConns connections (0: the default).
func setupPool(t *testing.T, donations app.Donations, funding app.Funding, maxConns int32) *fixture {
	t.Helper()
	pool := schema.Pool(t, maxConns)
	c := fakeclock.New(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
	f := &fixture{clock: c, pool: pool, A: ids.New(), B: ids.New(), C: ids.New(), I: ids.New()}
	roundID := ids.New()
	f.apps = &fakeApps{round: domain.Round{ID: roundID, Phase: domain.PhaseShortlisting, Policy: policy()}, stages: map[string]string{},
		apps: []domain.Application{
			{ID: f.A, RoundID: roundID, OrgID: "org-a", Accepted: true, BudgetFen: 20_000_000, FirstSubmitAt: c.Now().Add(-4 * time.Hour)},
			{ID: f.B, RoundID: roundID, OrgID: "org-b", PartnerOrgID: "org-p", Accepted: true, BudgetFen: 20_000_001, FirstSubmitAt: c.Now().Add(-3 * time.Hour)},
			{ID: f.C, RoundID: roundID, OrgID: "org-c", Accepted: true, BudgetFen: 10_000_000, FirstSubmitAt: c.Now().Add(-2 * time.Hour)},
			{ID: f.I, RoundID: roundID, OrgID: "person-i", Accepted: true, IdeaOnly: true, FirstSubmitAt: c.Now().Add(-1 * time.Hour)},
		}}
	deliver := app.DeliverStage(f.apps)
	f.relay = outbox.NewRelay(pool, map[string]outbox.Handler{
		app.StageTopic: func(ctx context.Context, m outbox.Message) error { return deliver(ctx, m.Payload) },
	})
	f.relay.Interval, f.relay.MaxBackoff = 20*time.Millisecond, 50*time.Millisecond
	f.cfg = app.Config{Repo: store.New(pool, dbtest.Box(t)), Requests: idempotency.NewPG(pool), Outbox: store.NewOutbox(pool, f.relay),
		Apps: f.apps, Donations: donations, Funding: funding, Sender: app.DevSender{}, PhoneKey: []byte("test-key"), Now: c.Now}
	f.svc = app.New(f.cfg)
	return f
}

// with returns the use cases with a changed configuration.
func (f *fixture) with(change func(*app.Config)) *app.Service {
	cfg := f.cfg
	change(&cfg)
	return app.New(cfg)
}

func (f *fixture) roundCmd() app.RoundCommand { return app.RoundCommand{RoundID: f.apps.round.ID} }

var (
	as        = authztest.As // the context of a call by subject holding roles
	operator  = as("operator", identity.Operator)
	organizer = as("organizer", identity.Organizer)
	committee = as("committee", identity.Committee)
	service   = as("service:applications", identity.Service)
	anyone    = context.Background()
)

// seedKinds are the member kinds of the shortlist panel's default mix, which members cycles through.
var seedKinds = []domain.MemberKind{domain.KindExpert, domain.KindDepartment, domain.KindFinanceAudit, domain.KindGrassroots, domain.KindMedia}

// members returns n shortlist panel members prefix-0 …, cycling through the kinds of the default mix.
func members(prefix string, n int) []domain.Member {
	out := make([]domain.Member, n)
	for i := range out {
		out[i] = domain.Member{ReviewerID: fmt.Sprintf("%s-%d", prefix, i), Name: "R", Kind: seedKinds[i%len(seedKinds)]}
	}
	return out
}

// panelDonor is the donor the final panel's representative stands for: it pledged to nothing, so it causes
// no recusal.
const panelDonor = "donor-on-the-panel"

// finalMembers is members with the last one a donor representative, as the final panel's default mix asks.
func finalMembers(prefix string, n int) []domain.Member {
	out := members(prefix, n)
	out[n-1].Kind, out[n-1].DonorID = domain.KindDonorRep, panelDonor
	return out
}

func (f *fixture) panel(t *testing.T, stage domain.Stage, ms []domain.Member) domain.Panel {
	t.Helper()
	p, err := f.svc.CreatePanel(operator, app.CreatePanel{RoundID: f.apps.round.ID, Stage: stage, Members: ms})
	if err != nil {
		t.Fatal(err)
	}
	return p
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

func score(ctx context.Context, f *fixture, panelID, application, reviewer string, total int) (domain.Score, error) {
	return f.svc.SubmitScore(ctx, app.SubmitScore{PanelID: panelID, ApplicationID: application, ReviewerID: reviewer, Criteria: crit(total)})
}

func (f *fixture) scoreAll(t *testing.T, panel domain.Panel, totals map[string]int) {
	t.Helper()
	for appID, total := range totals {
		for _, m := range panel.Members {
			if _, err := score(operator, f, panel.ID, appID, m.ReviewerID, total); err != nil {
				t.Fatalf("score %s by %s: %v", appID, m.ReviewerID, err)
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

// voterToken verifies a phone through the dev sender.
func (f *fixture) voterToken(t *testing.T, phone string) string {
	t.Helper()
	code, _, err := f.svc.SendVoterCode(anyone, phone)
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := f.svc.VerifyVoter(anyone, phone, code)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

func (f *fixture) castVote(token, application string) (domain.Vote, error) {
	return f.svc.CastVote(anyone, app.CastVote{VoterToken: token, RoundID: f.apps.round.ID, ApplicationID: application})
}

func (f *fixture) vote(t *testing.T, phone, application string) {
	t.Helper()
	if _, err := f.castVote(f.voterToken(t, phone), application); err != nil {
		t.Fatal(err)
	}
}

// computedShortlist scores the shortlist by a panel of ten (A 80, B 70, C 62, I 60: A, B, C shortlisted) and
// computes it.
func (f *fixture) computedShortlist(t *testing.T) (domain.Panel, domain.Shortlist) {
	t.Helper()
	panel := f.panel(t, domain.StageShortlist, members("s", 10))
	f.scoreAll(t, panel, map[string]int{f.A: 80, f.B: 70, f.C: 62, f.I: 60})
	sl, err := f.svc.ComputeShortlist(operator, f.roundCmd())
	if err != nil {
		t.Fatal(err)
	}
	return panel, sl
}

// publishedShortlist computes the shortlist (computedShortlist) and publishes it.
func (f *fixture) publishedShortlist(t *testing.T) domain.Panel {
	t.Helper()
	panel, _ := f.computedShortlist(t)
	if _, err := f.svc.PublishShortlist(organizer, f.roundCmd()); err != nil {
		t.Fatal(err)
	}
	return panel
}

// toFinalReview takes the fixture through a published shortlist into FINAL_REVIEW with a final panel of 20,
// every finalist scored totals[app].
func (f *fixture) toFinalReview(t *testing.T, totals map[string]int) domain.Panel {
	t.Helper()
	f.publishedShortlist(t)
	f.clock.Add(time.Hour)
	f.apps.setPhase(domain.PhaseFinalReview, f.clock.Now())
	final := f.panel(t, domain.StageFinal, finalMembers("f", 20))
	f.scoreAll(t, final, totals)
	return final
}
