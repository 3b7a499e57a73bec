package app_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/pkg/ledger"
	"github.com/commonweal/commonweal/services/donations/internal/app"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
	"github.com/commonweal/commonweal/services/donations/internal/store"
)

// runnerGate holds the deposit batcher's runner at its next batch once armed, so that the confirmations sent
// meanwhile queue and form the batch after it; it records every batch's size.
type runnerGate struct {
	mu      sync.Mutex
	sizes   []int
	armed   bool
	held    chan struct{} // closed when the runner is held
	release chan struct{}
}

func (g *runnerGate) hook(n int) {
	g.mu.Lock()
	g.sizes = append(g.sizes, n)
	armed := g.armed
	g.armed = false
	g.mu.Unlock()
	if armed {
		close(g.held)
		<-g.release
	}
}

func (g *runnerGate) arm() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.armed, g.held, g.release = true, make(chan struct{}), make(chan struct{})
}

func (g *runnerGate) batchSizes() []int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.sizes)
}

// batched is the fixture with the service's deposit confirmations in group commits held by a gate.
func batched(t *testing.T) (*fixture, *runnerGate) {
	t.Helper()
	f := setup(t)
	g := &runnerGate{}
	f.svc = app.New(f.store, idempotency.NewPG(f.pool), f.apps, f.clock.Now, app.WithDepositBatch(app.DefaultDepositBatch), app.WithDepositBatchHook(g.hook))
	return f, g
}

type confirmResult struct {
	p   domain.Pledge
	err error
}

// inOneBatch confirms cmds in one group commit: a first confirmation (blocker) holds the runner while cmds
// queue behind it in their order, then all run. It returns the blocker's answer and each of cmds' answers, in order.
func inOneBatch(t *testing.T, f *fixture, g *runnerGate, blocker app.ConfirmDeposit, cmds ...app.ConfirmDeposit) (confirmResult, []confirmResult) {
	t.Helper()
	g.arm()
	first := make(chan confirmResult, 1)
	go func() {
		p, err := f.svc.ConfirmDeposit(federation, blocker)
		first <- confirmResult{p, err}
	}()
	<-g.held
	out := make([]confirmResult, len(cmds))
	var wg sync.WaitGroup
	for k, cmd := range cmds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := f.svc.ConfirmDeposit(federation, cmd)
			out[k] = confirmResult{p, err}
		}()
		// Queued in cmds' order (the batch keeps it for the confirmations of one pledge).
		for f.svc.QueuedDeposits() < k+1 {
			runtime.Gosched()
			time.Sleep(time.Millisecond)
		}
	}
	close(g.release)
	wg.Wait()
	sizes := g.batchSizes()
	if !slices.Contains(sizes, len(cmds)) {
		t.Fatalf("batches of %v, none of the %d confirmations queued together", sizes, len(cmds))
	}
	return <-first, out
}

// receipts checks the stored receipts of the year: n of them, numbered 1..n, none twice.
func receipts(t *testing.T, f *fixture, n int) {
	t.Helper()
	var count, distinct int
	var highest int64
	if err := f.pool.QueryRow(context.Background(), `SELECT count(*), count(DISTINCT receipt_number),
		coalesce(max(split_part(receipt_number, '-', 2)::bigint), 0) FROM pledges WHERE receipt_number IS NOT NULL`).Scan(&count, &distinct, &highest); err != nil {
		t.Fatal(err)
	}
	if count != n || distinct != n || highest != int64(n) {
		t.Fatalf("%d receipts (%d distinct, highest %d), want %d numbered 1..%[4]d", count, distinct, highest, n)
	}
}

// ledgerVerifies checks that the ledger is balanced, reconciled with the pledges, and its chain unbroken.
func ledgerVerifies(t *testing.T, f *fixture) {
	t.Helper()
	v, err := f.svc.VerifyLedger(federation)
	if err != nil || !v.Balanced || len(v.Mismatches) != 0 || len(v.ChainBreaks) != 0 {
		t.Fatalf("verify: %v %+v", err, v)
	}
}

func depositedEvents(t *testing.T, f *fixture, pledgeID string) int {
	t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), `SELECT count(*) FROM pledge_events WHERE action = 'DEPOSITED' AND pledge_id = $1`, pledgeID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Many confirmations of distinct pledges sent at once are confirmed in one batch (inOneBatch checks the batch
// the runner took): each is answered with
// its receipt, the receipts are 1..n, each pledge has one DEPOSITED event and one transfer, and the ledger
// verifies.
func TestDepositGroupCommit(t *testing.T) {
	metricsReader()
	f, g := batched(t)
	donorCtx, d := f.donor(t, "donor-batch")
	at := f.clock.Now().Add(-time.Minute)
	// The application's accounts exist once its first deposit is confirmed.
	warm := f.pledge(t, donorCtx, d.ID, domain.KindCash, 1_000)
	if _, err := f.svc.ConfirmDeposit(federation, deposit(warm.ID, "BATCH-WARM", 1_000, at)); err != nil {
		t.Fatal(err)
	}
	const n = 24
	pledges := make([]domain.Pledge, n+1)
	cmds := make([]app.ConfirmDeposit, n)
	for i := range pledges {
		pledges[i] = f.pledge(t, donorCtx, d.ID, domain.KindCash, 1_000)
		if i > 0 {
			cmds[i-1] = deposit(pledges[i].ID, fmt.Sprint("BATCH-", i), 1_000+int64(i), at)
		}
	}
	before := counted(t, "commonweal.deposits.confirmed")
	first, out := inOneBatch(t, f, g, deposit(pledges[0].ID, "BATCH-0", 1_000, at), cmds...)
	if first.err != nil {
		t.Fatal(first.err)
	}
	seen := map[string]bool{first.p.ReceiptNumber: true}
	for k, r := range out {
		if r.err != nil {
			t.Fatalf("confirmation %d: %v", k, r.err)
		}
		if r.p.State != domain.StateDeposited || r.p.DepositedAmountFen != cmds[k].AmountFen || seen[r.p.ReceiptNumber] {
			t.Fatalf("confirmation %d answered %+v", k, r.p)
		}
		seen[r.p.ReceiptNumber] = true
		stored, err := f.svc.GetPledge(federation, r.p.ID)
		if err != nil || stored.ReceiptNumber != r.p.ReceiptNumber || stored.BankReference != cmds[k].BankReference {
			t.Fatalf("pledge %s stored as %+v (%v), answered %+v", r.p.ID, stored, err, r.p)
		}
		if e := depositedEvents(t, f, r.p.ID); e != 1 {
			t.Errorf("pledge %s: %d DEPOSITED events", r.p.ID, e)
		}
	}
	receipts(t, f, n+2)
	ledgerVerifies(t, f)
	if got := counted(t, "commonweal.deposits.confirmed") - before; got != n+1 {
		t.Errorf("deposits confirmed counter +%d, want +%d", got, n+1)
	}
}

// A batch whose confirmations fail in part: the failures get their own reasons and consume no receipt
// number; the others are confirmed, numbered without a gap. A confirmation that needs a ledger account not
// yet created runs alone after the batch, and is confirmed.
func TestDepositBatchWithFailures(t *testing.T) {
	f, g := batched(t)
	donorCtx, d := f.donor(t, "donor-fail")
	at := f.clock.Now().Add(-time.Minute)
	cash := func() domain.Pledge { return f.pledge(t, donorCtx, d.ID, domain.KindCash, 1_000) }
	warm, sameRefA, sameRefB, retried, ok1, ok2, blocker := cash(), cash(), cash(), cash(), cash(), cash(), cash()
	goods := f.pledge(t, donorCtx, d.ID, domain.KindInKind, 500)
	for _, c := range []app.ConfirmDeposit{deposit(warm.ID, "F-WARM", 1_000, at), deposit(retried.ID, "F-RETRIED", 1_000, at)} {
		if _, err := f.svc.ConfirmDeposit(federation, c); err != nil {
			t.Fatal(err)
		}
	}
	// A pledge to an application with no deposit yet: its earmarked account does not exist.
	fresh := f.apps.add(f.round, "SHORTLISTED", 10_000_000)
	newcomer, err := f.svc.CreatePledge(donorCtx, app.CreatePledge{DonorID: d.ID, ApplicationID: fresh, AmountFen: 700, Kind: domain.KindCash, AgreementRef: "AG"})
	if err != nil {
		t.Fatal(err)
	}
	_, out := inOneBatch(t, f, g, deposit(blocker.ID, "F-BLOCKER", 1_000, at),
		deposit(sameRefA.ID, "F-SHARED", 1_000, at),
		deposit(sameRefB.ID, "F-SHARED", 1_000, at),
		deposit(retried.ID, "F-RETRIED", 999, at), // the amount differs from the first confirmation's
		deposit(goods.ID, "F-GOODS", 500, at),
		deposit(ok1.ID, "F-OK1", 1_000, at),
		deposit(newcomer.ID, "F-NEW", 700, at),
		deposit(ok2.ID, "F-OK2", 1_000, at),
	)
	// Of the two pledges under one bank reference the first in the batch's order (by pledge ID) holds it.
	win, lose := 0, 1
	if sameRefB.ID < sameRefA.ID {
		win, lose = 1, 0
	}
	if out[win].err != nil || out[win].p.BankReference != "F-SHARED" {
		t.Errorf("first pledge under the shared reference: %+v %v", out[win].p, out[win].err)
	}
	if !domain.ErrBankReferenceConflict.Is(out[lose].err) {
		t.Errorf("second pledge under the shared reference: %v, want BANK_REFERENCE_CONFLICT", out[lose].err)
	}
	if !domain.ErrBankReferenceConflict.Is(out[2].err) {
		t.Errorf("a retry for another amount: %v, want BANK_REFERENCE_CONFLICT", out[2].err)
	}
	if !domain.ErrWrongPledgeKind.Is(out[3].err) {
		t.Errorf("an in-kind pledge: %v, want WRONG_PLEDGE_KIND", out[3].err)
	}
	for _, k := range []int{4, 5, 6} {
		if out[k].err != nil || out[k].p.ReceiptNumber == "" {
			t.Errorf("confirmation %d: %+v %v", k, out[k].p, out[k].err)
		}
	}
	for _, p := range []domain.Pledge{[]domain.Pledge{sameRefA, sameRefB}[lose], goods} {
		stored, err := f.svc.GetPledge(federation, p.ID)
		if err != nil || stored.State != domain.StatePledged || stored.ReceiptNumber != "" || depositedEvents(t, f, p.ID) != 0 {
			t.Errorf("refused pledge %s stored as %+v (%v)", p.ID, stored, err)
		}
	}
	if stored, err := f.svc.GetPledge(federation, retried.ID); err != nil || stored.DepositedAmountFen != 1_000 {
		t.Errorf("pledge confirmed before: %+v (%v)", stored, err)
	}
	// warm, retried, blocker, the shared reference's holder, ok1, newcomer, ok2.
	receipts(t, f, 7)
	ledgerVerifies(t, f)
}

// The same pledge twice in one batch: one receipt; the same confirmation again is answered as its retry,
// another bank reference is refused.
func TestDepositBatchSamePledgeTwice(t *testing.T) {
	f, g := batched(t)
	donorCtx, d := f.donor(t, "donor-twice")
	at := f.clock.Now().Add(-time.Minute)
	warm, p, blocker := f.pledge(t, donorCtx, d.ID, domain.KindCash, 1_000), f.pledge(t, donorCtx, d.ID, domain.KindCash, 1_000), f.pledge(t, donorCtx, d.ID, domain.KindCash, 1_000)
	if _, err := f.svc.ConfirmDeposit(federation, deposit(warm.ID, "T-WARM", 1_000, at)); err != nil {
		t.Fatal(err)
	}
	_, out := inOneBatch(t, f, g, deposit(blocker.ID, "T-BLOCKER", 1_000, at),
		deposit(p.ID, "T-ONE", 1_000, at), deposit(p.ID, "T-ONE", 1_000, at), deposit(p.ID, "T-OTHER", 1_000, at))
	if out[0].err != nil || out[1].err != nil || out[0].p.ReceiptNumber == "" || out[0].p.ReceiptNumber != out[1].p.ReceiptNumber {
		t.Fatalf("the same confirmation twice: %+v %v / %+v %v", out[0].p, out[0].err, out[1].p, out[1].err)
	}
	if !domain.ErrPledgeState.Is(out[2].err) {
		t.Errorf("the pledge under another reference: %v, want PLEDGE_STATE_INVALID", out[2].err)
	}
	if e := depositedEvents(t, f, p.ID); e != 1 {
		t.Errorf("%d DEPOSITED events", e)
	}
	receipts(t, f, 3)
	ledgerVerifies(t, f)
}

// Confirmations with a request_id in a batch: the same request twice is one confirmation answered twice alike,
// a request_id reused for another request is refused, and a later retry is answered from the request record.
func TestDepositBatchRequestIDs(t *testing.T) {
	f, g := batched(t)
	donorCtx, d := f.donor(t, "donor-rid")
	at := f.clock.Now().Add(-time.Minute)
	warm, p, q, r, blocker := f.pledge(t, donorCtx, d.ID, domain.KindCash, 1_000), f.pledge(t, donorCtx, d.ID, domain.KindCash, 1_000),
		f.pledge(t, donorCtx, d.ID, domain.KindCash, 1_000), f.pledge(t, donorCtx, d.ID, domain.KindCash, 1_000), f.pledge(t, donorCtx, d.ID, domain.KindCash, 1_000)
	if _, err := f.svc.ConfirmDeposit(federation, deposit(warm.ID, "R-WARM", 1_000, at)); err != nil {
		t.Fatal(err)
	}
	withKey := func(c app.ConfirmDeposit, k idempotency.Key) app.ConfirmDeposit { c.Key = k; return c }
	same := withKey(deposit(p.ID, "R-P", 1_000, at), key("rid-p"))
	// One request_id for two different requests (the key's fingerprint stands for the body).
	forQ := withKey(deposit(q.ID, "R-Q", 1_000, at), key("rid-shared"))
	forR := withKey(deposit(r.ID, "R-R", 1_000, at), idempotency.Key{RequestID: "rid-shared", Fingerprint: []byte("another body")})
	_, out := inOneBatch(t, f, g, deposit(blocker.ID, "R-BLOCKER", 1_000, at), same, same, forQ, forR)
	if out[0].err != nil || out[1].err != nil || out[0].p.ReceiptNumber == "" || out[0].p.ReceiptNumber != out[1].p.ReceiptNumber {
		t.Fatalf("one request twice: %+v %v / %+v %v", out[0].p, out[0].err, out[1].p, out[1].err)
	}
	win, lose := 2, 3
	if r.ID < q.ID {
		win, lose = 3, 2
	}
	if out[win].err != nil || out[win].p.ReceiptNumber == "" {
		t.Errorf("first request under the shared request_id: %+v %v", out[win].p, out[win].err)
	}
	if !errs.ErrRequestIDReused.Is(out[lose].err) {
		t.Errorf("second request under the shared request_id: %v, want REQUEST_ID_REUSED", out[lose].err)
	}
	// A retry later is answered from the request record, as the first answer was.
	again, err := f.svc.ConfirmDeposit(federation, same)
	if err != nil || again.ReceiptNumber != out[0].p.ReceiptNumber || !again.ConfirmedAt.Equal(out[0].p.ConfirmedAt) {
		t.Errorf("retry: %+v %v, first answer %+v", again, err, out[0].p)
	}
	if e := depositedEvents(t, f, p.ID); e != 1 {
		t.Errorf("%d DEPOSITED events", e)
	}
	receipts(t, f, 4) // warm, blocker, p, and q or r
	ledgerVerifies(t, f)
}

// Deposit confirmations in group commits while refunds, redirections and donation share reservations write
// the same ledger accounts: every one of them goes through (no deadlock surfaces), and the ledger verifies.
func TestDepositBatchesWithOtherLedgerWrites(t *testing.T) {
	f := setup(t) // group commit as configured by default, no gate
	donorCtx, d := f.donor(t, "donor-mixed")
	// The round's cutoff has passed: the application's deposits are late (its late account), refundable and
	// redirectable; a second round's application takes deposits on time and the redirections.
	f.apps.setRound(f.round, func(r *app.RoundInfo) { r.DonationCutoff = f.clock.Now().Add(-time.Hour) })
	round2 := ids.New()
	f.apps.rounds[round2] = app.RoundInfo{ID: round2, Phase: "PROMOTION"}
	target := f.apps.add(round2, "SHORTLISTED", 10_000_000)
	at := f.clock.Now().Add(-time.Minute)
	pledgeTo := func(application string) domain.Pledge {
		p, err := f.svc.CreatePledge(donorCtx, app.CreatePledge{DonorID: d.ID, ApplicationID: application, AmountFen: 1_000, Kind: domain.KindCash, AgreementRef: "AG"})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	const n = 16
	var late, onTime, newLate, newOnTime []domain.Pledge
	for range n {
		late, onTime = append(late, pledgeTo(f.app)), append(onTime, pledgeTo(target))
		newLate, newOnTime = append(newLate, pledgeTo(f.app)), append(newOnTime, pledgeTo(target))
	}
	for i := range n {
		for _, c := range []app.ConfirmDeposit{deposit(late[i].ID, fmt.Sprint("M-L", i), 1_000, at), deposit(onTime[i].ID, fmt.Sprint("M-O", i), 1_000, at)} {
			if _, err := f.svc.ConfirmDeposit(federation, c); err != nil {
				t.Fatal(err)
			}
		}
	}
	var wg sync.WaitGroup
	errc := make(chan error, 8*n)
	do := func(what string, fn func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(); err != nil {
				errc <- fmt.Errorf("%s: %w", what, err)
			}
		}()
	}
	for i := range n {
		do("confirm late", func() error {
			_, err := f.svc.ConfirmDeposit(federation, deposit(newLate[i].ID, fmt.Sprint("M-NL", i), 1_000, at))
			return err
		})
		do("confirm on time", func() error {
			_, err := f.svc.ConfirmDeposit(federation, deposit(newOnTime[i].ID, fmt.Sprint("M-NO", i), 1_000, at))
			return err
		})
		if i%2 == 0 {
			do("refund", func() error {
				_, err := f.svc.RefundPledge(federation, app.RefundPledge{PledgeID: late[i].ID, Reason: "late"})
				return err
			})
		} else {
			do("redirect", func() error {
				_, err := f.svc.RedirectPledge(federation, app.RedirectPledge{PledgeID: late[i].ID, TargetApplicationID: target, Reason: "late"})
				return err
			})
		}
		do("reserve", func() error {
			_, err := f.svc.ReserveDonationShare(funding, reserve(fmt.Sprint("mixed-", i), target, 100, "tranche"))
			return err
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	receipts(t, f, 4*n)
	ledgerVerifies(t, f)
}

// faultyStore fails the group commit's steps on demand: the pre-lock of the batch's accounts (a batch-level
// failure), one pledge's writes with a deadlock (a transient failure), or a panic.
type faultyStore struct {
	*store.Store
	pool         *pgxpool.Pool
	mu           sync.Mutex
	failAccounts int    // LockAccounts fails this many more times
	deadlockOn   string // BookDeposit of this pledge fails once with a deadlock
	panics       int    // LockPledges panics this many more times
}

func (s *faultyStore) LockAccounts(ctx context.Context, codes ...string) ([]string, error) {
	s.mu.Lock()
	fail := s.failAccounts > 0
	s.failAccounts--
	s.mu.Unlock()
	if fail {
		return nil, errors.New("injected: the batch's account locks failed")
	}
	return s.Store.LockAccounts(ctx, codes...)
}

func (s *faultyStore) LockPledges(ctx context.Context, ids []string) (map[string]domain.Pledge, error) {
	s.mu.Lock()
	p := s.panics > 0
	s.panics--
	s.mu.Unlock()
	if p {
		panic("injected")
	}
	return s.Store.LockPledges(ctx, ids)
}

func (s *faultyStore) BookDeposit(ctx context.Context, p domain.Pledge, t ledger.Transfer, year int, e domain.PledgeEvent) (domain.Pledge, error) {
	s.mu.Lock()
	fail := s.deadlockOn == p.ID
	if fail {
		s.deadlockOn = ""
	}
	s.mu.Unlock()
	if fail {
		// A statement of the confirmation's writes fails, as a deadlock's victim would: the transaction (or
		// the savepoint) is aborted.
		_, err := db.Q(ctx, s.pool).Exec(ctx, `DO $$ BEGIN RAISE EXCEPTION 'injected' USING ERRCODE = 'deadlock_detected'; END $$`)
		return domain.Pledge{}, err
	}
	return s.Store.BookDeposit(ctx, p, t, year, e)
}

// A batch whose transaction fails has each of its confirmations run alone, as has a batch one of whose
// confirmations without a request_id failed in its writes (it has no savepoint: the transaction is lost); a
// confirmation with a request_id that fails transiently in its savepoint runs alone after its batch; a batch
// whose runner panics answers an internal error and stores nothing. In every case the receipts stay gapless
// and the ledger verifies.
func TestDepositBatchFailuresRunAlone(t *testing.T) {
	f := setup(t)
	fs := &faultyStore{Store: f.store, pool: f.pool}
	g := &runnerGate{}
	f.svc = app.New(fs, idempotency.NewPG(f.pool), f.apps, f.clock.Now, app.WithDepositBatchHook(g.hook))
	donorCtx, d := f.donor(t, "donor-faults")
	at := f.clock.Now().Add(-time.Minute)
	var ps []domain.Pledge
	for range 13 {
		ps = append(ps, f.pledge(t, donorCtx, d.ID, domain.KindCash, 1_000))
	}
	if _, err := f.svc.ConfirmDeposit(federation, deposit(ps[0].ID, "X-WARM", 1_000, at)); err != nil {
		t.Fatal(err)
	}
	check := func(what string, out []confirmResult) {
		t.Helper()
		for k, r := range out {
			if r.err != nil || r.p.ReceiptNumber == "" {
				t.Errorf("%s, confirmation %d: %+v %v", what, k, r.p, r.err)
			}
		}
	}
	// The batch's account locks fail: every confirmation of the batch runs alone, and is confirmed.
	fs.failAccounts = 2 // the blocker's batch and the next
	first, out := inOneBatch(t, f, g, deposit(ps[1].ID, "X-1", 1_000, at), deposit(ps[2].ID, "X-2", 1_000, at), deposit(ps[3].ID, "X-3", 1_000, at))
	check("batch failed", append(out, first))
	// A deadlock in the writes of a confirmation without a request_id: the batch's transaction is lost, every
	// confirmation of it runs alone and is confirmed once.
	fs.deadlockOn = ps[5].ID
	first, out = inOneBatch(t, f, g, deposit(ps[4].ID, "X-4", 1_000, at), deposit(ps[5].ID, "X-5", 1_000, at), deposit(ps[6].ID, "X-6", 1_000, at))
	check("deadlock", append(out, first))
	// The same in the savepoint of a confirmation with a request_id: it runs alone after the batch, the
	// others commit in it.
	fs.deadlockOn = ps[9].ID
	rid := deposit(ps[9].ID, "X-9", 1_000, at)
	rid.Key = key("rid-deadlock")
	first, out = inOneBatch(t, f, g, deposit(ps[8].ID, "X-8", 1_000, at), rid, deposit(ps[10].ID, "X-10", 1_000, at))
	check("deadlock in a savepoint", append(out, first))
	// The runner panics: every confirmation of the batch gets an internal error and nothing is stored.
	fs.panics = 1
	if _, err := f.svc.ConfirmDeposit(federation, deposit(ps[7].ID, "X-7", 1_000, at)); err == nil {
		t.Errorf("a confirmation whose batch panicked: %v, want an error", err)
	}
	if p, err := f.svc.GetPledge(federation, ps[7].ID); err != nil || p.State != domain.StatePledged {
		t.Errorf("the pledge of a panicked batch: %+v %v", p, err)
	}
	if _, err := f.svc.ConfirmDeposit(federation, deposit(ps[7].ID, "X-7", 1_000, at)); err != nil {
		t.Errorf("the same confirmation after the panic: %v", err)
	}
	receipts(t, f, 11)
	ledgerVerifies(t, f)
}

// Without group commit (DEPOSIT_BATCH=0) every confirmation is its own transaction: concurrent ones, the same
// request twice among them, are confirmed once each with gapless receipts.
func TestDepositsWithoutGroupCommit(t *testing.T) {
	f := setup(t)
	g := &runnerGate{}
	f.svc = app.New(f.store, idempotency.NewPG(f.pool), f.apps, f.clock.Now, app.WithDepositBatch(0), app.WithDepositBatchHook(g.hook))
	donorCtx, d := f.donor(t, "donor-alone")
	at := f.clock.Now().Add(-time.Minute)
	const n = 12
	var wg sync.WaitGroup
	errc := make(chan error, 2*n)
	for i := range n {
		p := f.pledge(t, donorCtx, d.ID, domain.KindCash, 1_000)
		cmd := deposit(p.ID, fmt.Sprint("A-", i), 1_000, at)
		cmd.Key = key(fmt.Sprint("alone-", i))
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := f.svc.ConfirmDeposit(federation, cmd); err != nil {
					errc <- err
				}
			}()
		}
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	if sizes := g.batchSizes(); len(sizes) != 0 {
		t.Errorf("batches %v without group commit", sizes)
	}
	receipts(t, f, n)
	ledgerVerifies(t, f)
}
