package app_test

import (
	"context"
	"sync"
	"sync/atomic"
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
	"github.com/commonweal/commonweal/pkg/ledger"
	"github.com/commonweal/commonweal/pkg/pgtest"
	"github.com/commonweal/commonweal/services/donations/internal/app"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
	"github.com/commonweal/commonweal/services/donations/internal/store"
	"github.com/commonweal/commonweal/services/donations/internal/store/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var schema = dbtest.New("donations", "donations-test", migrations.FS)

// donorUSCC is a made-up credit code (region 999999 does not exist) whose check character was computed once,
// independently of pkg/cnid, from GB 32100-2015.
const donorUSCC = "91999999MA0000001N"

// fakeApplications stands in for the applications service in these integration tests (the end-to-end tests
// use the real one): applications and rounds are set by the test, and calls are counted.
type fakeApplications struct {
	mu     sync.Mutex
	apps   map[string]app.ApplicationInfo
	rounds map[string]app.RoundInfo
	calls  atomic.Int64
}

func (f *fakeApplications) GetApplication(_ context.Context, id string) (app.ApplicationInfo, error) {
	return lookup(f, f.apps, id, domain.ErrApplicationNotFound)
}

func (f *fakeApplications) GetRound(_ context.Context, id string) (app.RoundInfo, error) {
	return lookup(f, f.rounds, id, errs.ErrNotFound)
}

// lookup counts a call of f and answers the entry id of m, or notFound.
func lookup[T any](f *fakeApplications, m map[string]T, id string, notFound error) (T, error) {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := m[id]
	if !ok {
		return v, notFound
	}
	return v, nil
}

func (f *fakeApplications) setStage(appID, stage string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.apps[appID]
	a.Stage = stage
	f.apps[appID] = a
}

// add registers another application of round at stage and returns its ID.
func (f *fakeApplications) add(round, stage string, budgetFen int64) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := ids.New()
	f.apps[id] = app.ApplicationInfo{ID: id, RoundID: round, Stage: stage, BudgetTotalFen: budgetFen}
	return id
}

func (f *fakeApplications) setRound(id string, change func(*app.RoundInfo)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.rounds[id]
	change(&r)
	f.rounds[id] = r
}

type fixture struct {
	svc   *app.Service
	store *store.Store
	pool  *pgxpool.Pool
	apps  *fakeApplications
	clock *fakeclock.Clock
	round string
	app   string // a shortlisted application with a budget of 10,000,000 fen in a round in PROMOTION
}

func setup(t *testing.T) *fixture {
	t.Helper()
	pool := schema.Pool(t, 0)
	f := &fixture{pool: pool, clock: fakeclock.New(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)), round: ids.New(), app: ids.New(),
		apps: &fakeApplications{apps: map[string]app.ApplicationInfo{}, rounds: map[string]app.RoundInfo{}}}
	f.apps.rounds[f.round] = app.RoundInfo{ID: f.round, Phase: "PROMOTION", NamingRightShareBps: 5000}
	f.apps.apps[f.app] = app.ApplicationInfo{ID: f.app, RoundID: f.round, Stage: "SHORTLISTED", BudgetTotalFen: 10_000_000}
	f.store = store.New(pool, dbtest.Box(t))
	f.svc = app.New(f.store, idempotency.NewPG(pool), f.apps, f.clock.Now)
	return f
}

var (
	as         = authztest.As // the context of a call by subject holding roles
	federation = as("federation", identity.CharityFederation)
	operator   = as("operator", identity.Operator)
	organizer  = as("organizer", identity.Organizer)
	funding    = as("service:funding", identity.Service)
)

// key is the request key of a request_id (the api layer derives the fingerprint from the request; here the
// ID stands for its body).
func key(requestID string) idempotency.Key {
	return idempotency.Key{RequestID: requestID, Fingerprint: []byte("body of " + requestID)}
}

// donor registers a donor for a donor user and returns the user's context and the donor.
func (f *fixture) donor(t *testing.T, subject string) (context.Context, domain.Donor) {
	t.Helper()
	ctx := as(subject, identity.Donor)
	d, err := f.svc.CreateDonor(ctx, app.CreateDonor{Name: "Donor " + subject, Kind: domain.DonorEnterprise, USCC: donorUSCC, ContactPhone: "13812345678"})
	if err != nil {
		t.Fatal(err)
	}
	return ctx, d
}

func (f *fixture) pledge(t *testing.T, ctx context.Context, donorID string, kind domain.PledgeKind, amount int64) domain.Pledge {
	t.Helper()
	p, err := f.svc.CreatePledge(ctx, app.CreatePledge{DonorID: donorID, ApplicationID: f.app, AmountFen: amount, Kind: kind, AgreementRef: "AG-1", Description: "goods"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// deposit is the confirmation of a cash pledge without a request_id.
func deposit(pledgeID, bankRef string, amount int64, at time.Time) app.ConfirmDeposit {
	return app.ConfirmDeposit{PledgeID: pledgeID, BankReference: bankRef, AmountFen: amount, DepositedAt: at}
}

// storedBalances reads the ledger's stored balances straight from its table.
func storedBalances(t *testing.T, f *fixture) map[string]ledger.Balance {
	t.Helper()
	rows, err := f.pool.Query(context.Background(), `SELECT code, debits_posted, credits_posted, debits_pending, credits_pending FROM ledger_accounts`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]ledger.Balance{}
	for rows.Next() {
		var code string
		var b ledger.Balance
		if err := rows.Scan(&code, &b.DebitsPosted, &b.CreditsPosted, &b.DebitsPending, &b.CreditsPending); err != nil {
			t.Fatal(err)
		}
		out[code] = b
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// posted and available are an account's posted balance (credits − debits) and what it may still be debited
// by (also minus pending debits), by plain arithmetic rather than the code under test.
func posted(b ledger.Balance) int64    { return b.CreditsPosted - b.DebitsPosted }
func available(b ledger.Balance) int64 { return b.CreditsPosted - b.DebitsPosted - b.DebitsPending }

// external are the accounts mirroring the outside world, the only ones that may go negative.
var external = map[string]bool{"bank": true, "in_kind_external": true, "returned_from_projects": true}

func reason(err error) string {
	if e, ok := errs.As(err); ok {
		return e.Reason
	}
	if err != nil {
		return err.Error()
	}
	return ""
}
