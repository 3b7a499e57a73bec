package app_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/commonweal/commonweal/pkg/cnid"
	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/pgtest"
	"github.com/commonweal/commonweal/pkg/sealed"
	"github.com/commonweal/commonweal/services/donations/internal/app"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
	"github.com/commonweal/commonweal/services/donations/internal/store"
	"github.com/commonweal/commonweal/services/donations/internal/store/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const rolePassword = "donations-test"

var tmpl = pgtest.NewTemplate("donations_"+pgtest.HashFS(migrations.FS), func(ctx context.Context, _, dbURL string) error {
	return db.Migrate(ctx, db.Settings{AdminURL: dbURL, Schema: "donations", Password: rolePassword}, migrations.FS)
})

// fakeApplications stands in for the applications service in these integration tests (the end-to-end tests
// use the real one): applications and rounds are set by the test.
type fakeApplications struct {
	mu     sync.Mutex
	apps   map[string]app.ApplicationInfo
	rounds map[string]app.RoundInfo
}

func (f *fakeApplications) GetApplication(_ context.Context, id string) (app.ApplicationInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.apps[id]
	if !ok {
		return a, domain.ErrApplicationNotFound
	}
	return a, nil
}

func (f *fakeApplications) GetRound(_ context.Context, id string) (app.RoundInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.rounds[id]
	if !ok {
		return r, errs.ErrNotFound
	}
	return r, nil
}

func (f *fakeApplications) setStage(appID, stage string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.apps[appID]
	a.Stage = stage
	f.apps[appID] = a
}

func (f *fakeApplications) setRound(id string, change func(*app.RoundInfo)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.rounds[id]
	change(&r)
	f.rounds[id] = r
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

type fixture struct {
	svc   *app.Service
	store *store.Store
	pool  *pgxpool.Pool
	apps  *fakeApplications
	clock *clock
	round string
	app   string // a shortlisted application with a budget of 10,000,000 fen in a round in PROMOTION
}

func setup(t *testing.T) *fixture {
	t.Helper()
	_, dbURL := tmpl.Database(t)
	pool, err := db.Open(context.Background(), db.Settings{AdminURL: dbURL, Schema: "donations", Password: rolePassword})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	box, err := sealed.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{pool: pool, clock: &clock{t: time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)}, round: store.NewID(), app: store.NewID(),
		apps: &fakeApplications{apps: map[string]app.ApplicationInfo{}, rounds: map[string]app.RoundInfo{}}}
	f.apps.rounds[f.round] = app.RoundInfo{ID: f.round, Phase: "PROMOTION", NamingRightShareBps: 5000}
	f.apps.apps[f.app] = app.ApplicationInfo{ID: f.app, RoundID: f.round, Stage: "SHORTLISTED", BudgetTotalFen: 10_000_000}
	f.store = store.New(pool, box)
	f.svc = app.New(f.store, f.apps, f.clock.Now)
	return f
}

func as(subject string, roles ...identity.Role) context.Context {
	return identity.With(context.Background(), identity.Identity{Subject: subject, Roles: roles})
}

var (
	federation = as("federation", identity.CharityFederation)
	operator   = as("operator", identity.Operator)
	organizer  = as("organizer", identity.Organizer)
	funding    = as("service:funding", identity.Service)
)

func validUSCC(t *testing.T, serial string) string {
	c, err := cnid.USCCCheckChar("91999999MA" + serial)
	if err != nil {
		t.Fatal(err)
	}
	return "91999999MA" + serial + string(c)
}

// donor registers a donor for a donor user and returns the user's context and the donor.
func (f *fixture) donor(t *testing.T, subject string) (context.Context, domain.Donor) {
	t.Helper()
	ctx := as(subject, identity.Donor)
	d, err := f.svc.CreateDonor(ctx, "Donor "+subject, domain.DonorEnterprise, validUSCC(t, "0000001"), "", "13812345678")
	if err != nil {
		t.Fatal(err)
	}
	return ctx, d
}

func (f *fixture) pledge(t *testing.T, ctx context.Context, donorID string, kind domain.PledgeKind, amount int64) domain.Pledge {
	t.Helper()
	p, err := f.svc.CreatePledge(ctx, domain.Pledge{DonorID: donorID, ApplicationID: f.app, AmountFen: amount, Kind: kind, AgreementRef: "AG-1", Description: "goods"}, "")
	if err != nil {
		t.Fatal(err)
	}
	return p
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
