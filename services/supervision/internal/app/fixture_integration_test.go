package app_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	_ "time/tzdata" // rounds name their time zone

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/commonweal/commonweal/pkg/authz/authztest"
	"github.com/commonweal/commonweal/pkg/dbtest"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/fakeclock"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/pkg/pgtest"
	"github.com/commonweal/commonweal/services/supervision/internal/app"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
	"github.com/commonweal/commonweal/services/supervision/internal/store"
	"github.com/commonweal/commonweal/services/supervision/internal/store/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var schema = dbtest.New("supervision", "supervision-test", migrations.FS)

// shanghai is the rounds' time zone in these tests.
var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return loc
}()

// fakeApplications stands in for the applications service (the end-to-end tests use the real one): projects
// and rounds are what the test sets, calls are counted, and hold, when set, blocks every call until closed.
type fakeApplications struct {
	mu       sync.Mutex
	projects map[string]domain.Project
	rounds   map[string]domain.Round
	calls    atomic.Int64
	hold     chan struct{}
}

func (f *fakeApplications) wait(ctx context.Context) error {
	f.calls.Add(1)
	f.mu.Lock()
	hold := f.hold
	f.mu.Unlock()
	if hold == nil {
		return nil
	}
	select {
	case <-hold:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (f *fakeApplications) GetProject(ctx context.Context, id string) (domain.Project, error) {
	if err := f.wait(ctx); err != nil {
		return domain.Project{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.projects[id]
	if !ok {
		return p, domain.ErrProjectNotFound.With("project %s not found", id)
	}
	return p, nil
}

func (f *fakeApplications) GetRound(ctx context.Context, id string) (domain.Round, error) {
	if err := f.wait(ctx); err != nil {
		return domain.Round{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.rounds[id]
	if !ok {
		return r, errs.ErrNotFound.With("round %s not found", id)
	}
	return r, nil
}

func (f *fakeApplications) SelectedProjects(ctx context.Context, roundID string) ([]domain.Project, error) {
	if err := f.wait(ctx); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []domain.Project
	for _, p := range f.projects {
		if p.RoundID == roundID && p.Stage == domain.StageSelected {
			out = append(out, p)
		}
	}
	return out, nil
}

// setRound changes the round as the applications service would.
func (f *fakeApplications) setRound(id string, change func(*domain.Round)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.rounds[id]
	change(&r)
	f.rounds[id] = r
}

// addProject registers another application of the fixture's round (org: a new one) and returns it.
func (f *fixture) addProject(stage string, months int) domain.Project {
	f.apps.mu.Lock()
	defer f.apps.mu.Unlock()
	p := domain.Project{ID: ids.New(), RoundID: f.round, OrgID: ids.New(), Title: "Project", Stage: stage,
		BudgetLines: []string{"meals", "staff"}, DurationMonths: months}
	f.apps.projects[p.ID] = p
	return p
}

// implementationStart is when the fixture's round entered IMPLEMENTATION: 15 March 2026, 10:00 in Shanghai.
var implementationStart = time.Date(2026, 3, 15, 10, 0, 0, 0, shanghai)

type fixture struct {
	svc     *app.Service
	pool    *pgxpool.Pool
	apps    *fakeApplications
	funding *fakeFunding
	gifts   *fakeDonations
	clock   *fakeclock.Clock
	round   string
	project domain.Project // SELECTED, 12 months, budget lines meals and staff
	team    context.Context
}

// setup is a round in IMPLEMENTATION since implementationStart (due day 10, Asia/Shanghai) with one selected
// project, the clock at 20 May 2026 noon in Shanghai, and the project's team.
func setup(t *testing.T) *fixture {
	t.Helper()
	return setupPool(t, schema.Pool(t, 0))
}

func setupPool(t *testing.T, pool *pgxpool.Pool) *fixture {
	t.Helper()
	f := &fixture{pool: pool, round: ids.New(), clock: fakeclock.New(time.Date(2026, 5, 20, 12, 0, 0, 0, shanghai)),
		apps:    &fakeApplications{projects: map[string]domain.Project{}, rounds: map[string]domain.Round{}},
		funding: &fakeFunding{plans: map[string]domain.Plan{}}, gifts: &fakeDonations{of: map[string]domain.Donations{}}}
	f.apps.rounds[f.round] = domain.Round{ID: f.round, Phase: "IMPLEMENTATION", PhaseEnteredAt: implementationStart, MonthlyReportDueDay: 10,
		TimeZone: "Asia/Shanghai"}
	f.project = f.addProject("SELECTED", 12)
	f.team = teamOf(f.project)
	f.svc = app.New(store.New(pool), idempotency.NewPG(pool), app.Peers{Applications: f.apps, Funding: f.funding, Donations: f.gifts}, f.clock.Now)
	return f
}

// teamOf is the context of a call by a user of the project's organisation.
func teamOf(p domain.Project) context.Context {
	return identity.With(context.Background(), identity.Identity{Subject: "team-" + p.OrgID[:8], Roles: []identity.Role{identity.Applicant}, OrgID: p.OrgID})
}

var (
	as        = authztest.As // the context of a call by subject holding roles
	operator  = as("operator", identity.Operator)
	organizer = as("organizer", identity.Organizer)
	auditor   = as("auditor", identity.Auditor)
	funding   = as("service:funding", identity.Service)
)

// key is the request key of a request_id (the api layer derives the fingerprint from the request; here the
// ID stands for its body).
func key(requestID string) idempotency.Key {
	return idempotency.Key{RequestID: requestID, Fingerprint: []byte("body of " + requestID)}
}

// at moves the clock to a local time in Shanghai.
func (f *fixture) at(year int, month time.Month, day, hour, minute int) {
	target := time.Date(year, month, day, hour, minute, 0, 0, shanghai)
	f.clock.Add(target.Sub(f.clock.Now()))
}

// report is a command filing a report of period for the fixture's project.
func (f *fixture) report(period string, spentFen int64, etag string) app.SubmitMonthlyReport {
	return app.SubmitMonthlyReport{ProjectID: f.project.ID, Period: period, Activities: "home visits in " + period,
		BeneficiariesServed: 40, SpentFen: spentFen, Issues: "", Etag: etag}
}

func reason(err error) string {
	if e, ok := errs.As(err); ok {
		return e.Reason
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// page is the first page of up to 100 of a project's records.
func page(projectID string) app.Page { return app.Page{ProjectID: projectID, Limit: 100} }
