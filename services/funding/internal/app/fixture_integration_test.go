package app_test

import (
	"context"
	"fmt"
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
	"github.com/commonweal/commonweal/pkg/money"
	"github.com/commonweal/commonweal/pkg/pgtest"
	"github.com/commonweal/commonweal/services/funding/internal/app"
	"github.com/commonweal/commonweal/services/funding/internal/domain"
	"github.com/commonweal/commonweal/services/funding/internal/store"
	"github.com/commonweal/commonweal/services/funding/internal/store/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var schema = dbtest.New("funding", "funding-test", migrations.FS)

// peers stands in for the applications, reviews, donations and supervision services in these integration
// tests (the end-to-end tests use the real ones): what they say is set by the test, calls are counted, and
// the donations side keeps a small ledger of reservations and releases with the real service's idempotency
// rules, with failures injected where the test asks.
type peers struct {
	mu       sync.Mutex
	calls    atomic.Int64
	rounds   map[string]app.RoundInfo
	apps     map[string]app.ApplicationInfo
	orgs     map[string]app.OrganizationInfo
	results  map[string]app.Results
	totals   map[string]app.DonationTotals
	earmark  map[string]int64 // cash available to reserve, per application
	reserved map[string]reservation
	released map[string]string      // pending ID → release ID
	returned map[string]shareReturn // transfer ID → the donation share booked back into its earmark
	// fail, when set, is asked before (after=false) and after (after=true) each reserve, release and return; the error
	// it returns is answered (after=true: the call took effect but its answer was lost). It runs without the
	// fake's lock, so it may also block the call.
	fail func(call string, after bool) error
	// Supervision: evaluations passed per project and kind, verified spending per project; unavailable when
	// supervisionDown.
	evaluations     map[string]bool
	spending        map[string]int64
	supervisionDown bool
}

type reservation struct {
	app    string
	amount int64
	reason string
}

type shareReturn struct {
	app, ref, reason string
	amount           int64
}

func newPeers() *peers {
	return &peers{rounds: map[string]app.RoundInfo{}, apps: map[string]app.ApplicationInfo{}, orgs: map[string]app.OrganizationInfo{},
		results: map[string]app.Results{}, totals: map[string]app.DonationTotals{}, earmark: map[string]int64{}, reserved: map[string]reservation{},
		released: map[string]string{}, returned: map[string]shareReturn{}, evaluations: map[string]bool{}, spending: map[string]int64{}}
}

func (p *peers) GetRound(_ context.Context, id string) (app.RoundInfo, error) {
	p.calls.Add(1)
	p.mu.Lock()
	defer p.mu.Unlock()
	if r, ok := p.rounds[id]; ok {
		return r, nil
	}
	return app.RoundInfo{}, errs.ErrNotFound.With("round %s not found", id)
}

func (p *peers) GetApplication(_ context.Context, id string) (app.ApplicationInfo, error) {
	p.calls.Add(1)
	p.mu.Lock()
	defer p.mu.Unlock()
	if a, ok := p.apps[id]; ok {
		return a, nil
	}
	return app.ApplicationInfo{}, errs.ErrNotFound.With("application %s not found", id)
}

func (p *peers) GetOrganization(_ context.Context, id string) (app.OrganizationInfo, error) {
	p.calls.Add(1)
	p.mu.Lock()
	defer p.mu.Unlock()
	if o, ok := p.orgs[id]; ok {
		return o, nil
	}
	return app.OrganizationInfo{}, errs.ErrNotFound.With("organization %s not found", id)
}

func (p *peers) GetResults(_ context.Context, roundID string) (app.Results, error) {
	p.calls.Add(1)
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.results[roundID], nil
}

func (p *peers) ConfirmedAt(_ context.Context, applicationID string, _ time.Time) (app.DonationTotals, error) {
	p.calls.Add(1)
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.totals[applicationID], nil
}

func (p *peers) failing(call string, after bool) error {
	if p.fail == nil {
		return nil
	}
	return p.fail(call, after)
}

var errLost = errs.New(errs.Unavailable, "DONATIONS_UNAVAILABLE", "the donations service is unavailable; retry later")

func (p *peers) ReserveShare(_ context.Context, transferID, applicationID string, amountFen int64, reason string) error {
	p.calls.Add(1)
	if err := p.failing("reserve", false); err != nil {
		return err
	}
	if err := p.reserve(transferID, applicationID, amountFen, reason); err != nil {
		return err
	}
	return p.failing("reserve", true)
}

func (p *peers) reserve(transferID, applicationID string, amountFen int64, reason string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if r, ok := p.reserved[transferID]; ok {
		if r != (reservation{applicationID, amountFen, reason}) {
			return ledger.ErrTransferIDReused
		}
	} else {
		var pending int64
		for id, r := range p.reserved {
			if r.app == applicationID && p.released[id] == "" {
				pending += r.amount
			}
		}
		if pending+amountFen > p.earmark[applicationID] {
			return ledger.ErrInsufficientFunds.With("earmarked:%s would be short", applicationID)
		}
		p.reserved[transferID] = reservation{applicationID, amountFen, reason}
	}
	return nil
}

func (p *peers) ReleaseShare(_ context.Context, transferID, pendingID string) error {
	p.calls.Add(1)
	if err := p.failing("release", false); err != nil {
		return err
	}
	if err := p.release(transferID, pendingID); err != nil {
		return err
	}
	return p.failing("release", true)
}

func (p *peers) release(transferID, pendingID string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.reserved[pendingID]
	switch {
	case !ok:
		return ledger.ErrPendingNotFound
	case p.released[pendingID] == "":
		p.released[pendingID] = transferID
		p.earmark[r.app] -= r.amount
	case p.released[pendingID] != transferID:
		return ledger.ErrPendingResolved
	}
	return nil
}

func (p *peers) ReturnShare(_ context.Context, transferID, applicationID string, amountFen int64, paymentRef, reason string) error {
	p.calls.Add(1)
	if err := p.failing("return", false); err != nil {
		return err
	}
	if err := p.giveBack(transferID, shareReturn{applicationID, paymentRef, reason, amountFen}); err != nil {
		return err
	}
	return p.failing("return", true)
}

func (p *peers) giveBack(transferID string, r shareReturn) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if prev, ok := p.returned[transferID]; ok {
		if prev != r {
			return ledger.ErrTransferIDReused
		}
		return nil
	}
	for _, prev := range p.returned {
		if prev.ref == r.ref {
			return errs.New(errs.AlreadyExists, "PAYMENT_REFERENCE_CONFLICT", "booked for another return")
		}
	}
	p.returned[transferID] = r
	p.earmark[r.app] += r.amount
	return nil
}

var errSupervisionMissing = errs.New(errs.FailedPrecondition, "SUPERVISION_UNAVAILABLE", "no supervision service")

func (p *peers) EvaluationPassed(_ context.Context, projectID, kind string) (bool, error) {
	p.calls.Add(1)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.supervisionDown {
		return false, errSupervisionMissing
	}
	return p.evaluations[projectID+"/"+kind], nil
}

func (p *peers) VerifiedSpendingFen(_ context.Context, projectID string) (int64, error) {
	p.calls.Add(1)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.supervisionDown {
		return 0, errSupervisionMissing
	}
	return p.spending[projectID], nil
}

// releasedFen is what the donations side released for an application.
func (p *peers) releasedFen(applicationID string) (n int64, releases int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, rel := range p.released {
		if r := p.reserved[id]; rel != "" && r.app == applicationID {
			n += r.amount
			releases++
		}
	}
	return n, releases
}

type fixture struct {
	svc   *app.Service
	store *store.Store
	pool  *pgxpool.Pool
	peers *peers
	clock *fakeclock.Clock
	round string
}

var defaultTerms = money.Terms{RatioDonation: 1, RatioMatch: 2, MatchCapFen: 50_000_000, TopupCapFen: 30_000_000}

func setup(t *testing.T) *fixture { return setupPool(t, 0) }

// setupPool is setup with at most maxConns database connections (0: the default).
func setupPool(t *testing.T, maxConns int32) *fixture {
	t.Helper()
	pool := schema.Pool(t, maxConns)
	f := &fixture{pool: pool, peers: newPeers(), clock: fakeclock.New(time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)), round: ids.New()}
	f.peers.rounds[f.round] = app.RoundInfo{ID: f.round, Year: 2026, Phase: "APPROVAL", DonationCutoff: f.clock.Now().Add(-30 * 24 * time.Hour),
		Terms: defaultTerms, Tranches: []domain.TrancheRule{{Number: 1, Percent: 50, Gate: domain.GateContractSigned},
			{Number: 2, Percent: 30, Gate: domain.GateMidterm}, {Number: 3, Percent: 20, Gate: domain.GateFinal}},
		IdeaPrizeFen: []int64{300_000, 200_000, 100_000}}
	f.store = store.New(pool)
	f.svc = app.New(app.Deps{Repo: f.store, Ledger: f.store.Ledger, Requests: idempotency.NewPG(pool), Box: dbtest.Box(t), Applications: f.peers,
		Reviews: f.peers, Donations: f.peers, Supervision: f.peers, Now: f.clock.Now})
	return f
}

// project adds a submitted project (an application of a registered organisation) with a budget and donations
// at the cutoff, and returns its application and organisation IDs.
func (f *fixture) project(budget, cash, inKind int64) (appID, orgID string) {
	appID, orgID = ids.New(), ids.New()
	f.peers.mu.Lock()
	defer f.peers.mu.Unlock()
	f.peers.apps[appID] = app.ApplicationInfo{ID: appID, RoundID: f.round, OrgID: orgID, BudgetFen: budget, Stage: "SELECTED"}
	f.peers.orgs[orgID] = app.OrganizationInfo{ID: orgID, Registered: true}
	f.peers.totals[appID] = app.DonationTotals{CashFen: cash, InKindFen: inKind}
	f.peers.earmark[appID] = cash
	return appID, orgID
}

// signOff publishes the round's results with the selected projects and idea prizes.
func (f *fixture) signOff(selected []string, prizes ...app.IdeaPrizeWinner) {
	f.peers.mu.Lock()
	defer f.peers.mu.Unlock()
	f.peers.results[f.round] = app.Results{State: "SIGNED_OFF", Selected: selected, IdeaPrizes: prizes}
}

func (f *fixture) allocate(t *testing.T, amount int64, ref string) domain.Pool {
	t.Helper()
	p, err := f.svc.AllocatePool(lottery, app.AllocatePool{RoundID: f.round, AmountFen: amount, SourceReference: ref})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *fixture) poolNow(t *testing.T) domain.Pool {
	t.Helper()
	p, err := f.svc.GetPool(finance, f.round)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *fixture) verify(t *testing.T) ledger.Verification {
	t.Helper()
	v, err := f.svc.VerifyLedger(auditor)
	if err != nil || !v.Balanced || len(v.ChainBreaks) != 0 {
		t.Fatalf("ledger: %v %+v", err, v)
	}
	return v
}

// plans creates the round's plans (after signOff) and returns them by application.
func (f *fixture) plans(t *testing.T) map[string]domain.Plan {
	t.Helper()
	plans, err := f.svc.CreatePlans(organizer, app.CreatePlans{RoundID: f.round})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]domain.Plan{}
	for _, p := range plans {
		out[p.ApplicationID] = p
	}
	return out
}

// activate signs a plan's contract for all three parties and records and confirms its payee.
func (f *fixture) activate(t *testing.T, p domain.Plan) domain.Plan {
	t.Helper()
	team := applicant(p.OrgID)
	for party, ctx := range map[domain.Party]context.Context{domain.PartyOrganizer: organizer, domain.PartyOperator: operator, domain.PartyTeam: team} {
		if _, err := f.svc.SignContract(ctx, app.SignContract{PlanID: p.ID, Party: party}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.SetPayee(team, app.SetPayee{PlanID: p.ID, Bank: "Bank of Weinan", AccountName: "Team", AccountNumber: "6222000011112222333"}); err != nil {
		t.Fatal(err)
	}
	p, err := f.svc.ConfirmPayee(operator, app.PlanCommand{PlanID: p.ID})
	if err != nil || p.State != domain.PlanActive {
		t.Fatalf("activate: %v %+v", err, p)
	}
	return p
}

// payTranche requests, approves and pays both shares of a tranche.
func (f *fixture) payTranche(t *testing.T, p domain.Plan, n int) domain.Tranche {
	t.Helper()
	cmd := app.TrancheCommand{PlanID: p.ID, Number: n}
	if _, err := f.svc.RequestTranche(operator, cmd); err != nil {
		t.Fatalf("request %d: %v", n, err)
	}
	if _, err := f.svc.ApproveTranche(organizer, cmd); err != nil {
		t.Fatalf("approve %d: %v", n, err)
	}
	var out app.TrancheResult
	var err error
	tr, _ := p.Tranche(n)
	if tr.GovernmentFen > 0 {
		if out, err = f.svc.PayTranche(finance, app.PayTranche{PlanID: p.ID, Number: n, Share: domain.ShareGovernment, PaymentReference: fmt.Sprintf("GOV-%s-%d", p.ID, n)}); err != nil {
			t.Fatalf("pay government %d: %v", n, err)
		}
	}
	if tr.DonationFen > 0 {
		if out, err = f.svc.PayTranche(federation, app.PayTranche{PlanID: p.ID, Number: n, Share: domain.ShareDonation, PaymentReference: fmt.Sprintf("DON-%s-%d", p.ID, n)}); err != nil {
			t.Fatalf("pay donation %d: %v", n, err)
		}
	}
	if out.Tranche.State != domain.TranchePaid {
		t.Fatalf("tranche %d after both payments: %+v", n, out.Tranche)
	}
	return out.Tranche
}

var (
	as         = authztest.As
	organizer  = as("organizer-1", identity.Organizer)
	operator   = as("operator-1", identity.Operator)
	finance    = as("finance-1", identity.Finance)
	federation = as("federation-1", identity.CharityFederation)
	lottery    = as("lottery-1", identity.LotteryCenter)
	auditor    = as("auditor-1", identity.Auditor)
)

// applicant is the context of an applicant acting for an organisation.
func applicant(orgID string) context.Context {
	return identity.With(context.Background(), identity.Identity{Subject: "applicant-" + orgID, Roles: []identity.Role{identity.Applicant}, OrgID: orgID})
}

// key is the request key of a request_id (the api layer derives the fingerprint from the request; here the ID
// stands for its body).
func key(requestID string) idempotency.Key {
	return idempotency.Key{RequestID: requestID, Fingerprint: []byte("body of " + requestID)}
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

func (f *fixture) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
