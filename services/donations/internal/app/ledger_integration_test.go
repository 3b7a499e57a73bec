package app_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

// ledgerModel is the expected state of the ledger, kept by the test next to the real one. It is written from
// the rules (TigerBeetle's four balances; an account other than bank and in_kind_external keeps
// debits_posted + debits_pending ≤ credits_posted) in plain arithmetic, not with the domain's Apply and
// CheckLimit: the oracle must not be the code under test.
type ledgerModel struct {
	bal      map[string]*modelBalance
	done     map[string]domain.Transfer // successful transfers by ID
	pendings []string
	resolved map[string]bool
}

type modelBalance struct{ debitsPosted, creditsPosted, debitsPending, creditsPending int64 }

func newModel() *ledgerModel {
	return &ledgerModel{bal: map[string]*modelBalance{}, done: map[string]domain.Transfer{}, resolved: map[string]bool{}}
}

func (m *ledgerModel) get(code string) *modelBalance {
	if m.bal[code] == nil {
		m.bal[code] = &modelBalance{}
	}
	return m.bal[code]
}

// sameBody reports whether a retried transfer asks for what the first one did.
func sameBody(a, b domain.Transfer) bool {
	return a.Kind == b.Kind && a.Debit == b.Debit && a.Credit == b.Credit && a.AmountFen == b.AmountFen && a.PendingID == b.PendingID && a.Reason == b.Reason
}

// expect returns the reason the ledger must answer t with ("" for success) and applies t to the model if it
// succeeds.
func (m *ledgerModel) expect(t domain.Transfer) string {
	resolves := t.Kind == "POST_PENDING" || t.Kind == "VOID_PENDING"
	if prev, ok := m.done[t.ID]; ok {
		if resolves {
			t.Debit, t.Credit, t.AmountFen = prev.Debit, prev.Credit, prev.AmountFen
		}
		if sameBody(prev, t) {
			return ""
		}
		return "TRANSFER_ID_REUSED"
	}
	if resolves {
		p, ok := m.done[t.PendingID]
		if !ok {
			return "PENDING_TRANSFER_NOT_FOUND"
		}
		if m.resolved[t.PendingID] {
			return "PENDING_TRANSFER_ALREADY_RESOLVED"
		}
		t.Debit, t.Credit, t.AmountFen = p.Debit, p.Credit, p.AmountFen
	}
	d, c, a := *m.get(t.Debit), *m.get(t.Credit), t.AmountFen
	switch t.Kind {
	case "POSTED":
		d.debitsPosted += a
		c.creditsPosted += a
	case "PENDING":
		d.debitsPending += a
		c.creditsPending += a
	case "POST_PENDING":
		d.debitsPending -= a
		c.creditsPending -= a
		d.debitsPosted += a
		c.creditsPosted += a
	case "VOID_PENDING":
		d.debitsPending -= a
		c.creditsPending -= a
	}
	for code, b := range map[string]modelBalance{t.Debit: d, t.Credit: c} {
		if !external[code] && b.debitsPosted+b.debitsPending > b.creditsPosted {
			return "INSUFFICIENT_FUNDS"
		}
	}
	*m.get(t.Debit), *m.get(t.Credit) = d, c
	m.done[t.ID] = t
	switch t.Kind {
	case "PENDING":
		m.pendings = append(m.pendings, t.ID)
	case "POST_PENDING", "VOID_PENDING":
		m.resolved[t.PendingID] = true
	}
	return ""
}

var apps = []string{"11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"}

// randomTransfer draws the next operation: deposits, reservations, posts and voids (of any pending transfer,
// resolved or not), refunds that may overdraw, exact retries, retries with another body, unknown pendings.
func randomTransfer(r *rand.Rand, m *ledgerModel, n int, prefix string) domain.Transfer {
	app := apps[r.IntN(len(apps))]
	id := fmt.Sprintf("%s-%d", prefix, n)
	amount := int64(1 + r.IntN(1000))
	switch op := r.IntN(100); {
	case op < 25:
		return domain.Transfer{ID: id, Kind: domain.TransferPosted, Debit: domain.AccountBank, Credit: domain.EarmarkedAccount(app), AmountFen: amount, Reason: "deposit"}
	case op < 45:
		return domain.Transfer{ID: id, Kind: domain.TransferPending, Debit: domain.EarmarkedAccount(app), Credit: domain.AccountPayoutPending, AmountFen: amount, Reason: "reserve"}
	case op < 65 && len(m.pendings) > 0:
		kind := domain.TransferPostPending
		if r.IntN(2) == 0 {
			kind = domain.TransferVoidPending
		}
		return domain.Transfer{ID: id, Kind: kind, PendingID: m.pendings[r.IntN(len(m.pendings))], Reason: "resolve"}
	case op < 75:
		return domain.Transfer{ID: id, Kind: domain.TransferPosted, Debit: domain.EarmarkedAccount(app), Credit: domain.AccountRefunds, AmountFen: amount, Reason: "refund"}
	case op < 88 && len(m.done) > 0:
		for _, t := range m.done { // an exact retry of some earlier transfer
			return t
		}
	case op < 95 && len(m.done) > 0:
		for _, t := range m.done { // the same ID with another body
			t.Reason += " (changed)"
			return t
		}
	}
	return domain.Transfer{ID: id, Kind: domain.TransferPostPending, PendingID: "no-such-" + id, Reason: "resolve"}
}

// TestLedgerRandomSequences runs random sequences of ledger operations against the real store and a model:
// every answer matches the model, the stored balances equal the model's, and the ledger verifies.
func TestLedgerRandomSequences(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			f := setup(t)
			r := rand.New(rand.NewPCG(seed, 42))
			m := newModel()
			ctx := context.Background()
			for n := 0; n < 250; n++ {
				tr := randomTransfer(r, m, n, "t")
				want := m.expect(tr)
				tr.CreatedAt = f.clock.Now()
				got, err := f.store.CreateTransfer(ctx, tr)
				if reason(err) != want {
					t.Fatalf("op %d %+v: got %v, want %q", n, tr, err, want)
				}
				if err == nil && (got.ID != tr.ID || got.AmountFen != m.done[tr.ID].AmountFen || got.Debit != m.done[tr.ID].Debit) {
					t.Fatalf("op %d: stored %+v, model %+v", n, got, m.done[tr.ID])
				}
				if n%50 == 49 {
					compareBalances(t, storedBalances(t, f), m)
				}
			}
			compareBalances(t, storedBalances(t, f), m)
			v, err := f.svc.VerifyLedger(federation)
			if err != nil || !v.Balanced {
				t.Fatalf("verify: %v %+v", err, v)
			}
			if v.Transfers != len(m.done) {
				t.Fatalf("%d transfers stored, %d made (a retry moved money twice?)", v.Transfers, len(m.done))
			}
		})
	}
}

func compareBalances(t *testing.T, stored map[string]domain.Balance, m *ledgerModel) {
	t.Helper()
	want := map[string]domain.Balance{}
	for code, b := range m.bal {
		if *b != (modelBalance{}) {
			want[code] = domain.Balance{DebitsPosted: b.debitsPosted, CreditsPosted: b.creditsPosted, DebitsPending: b.debitsPending, CreditsPending: b.creditsPending}
		}
	}
	for code, b := range stored {
		if b != want[code] {
			t.Fatalf("account %s: stored %+v, model %+v", code, b, want[code])
		}
	}
	for code, b := range want {
		if stored[code] != b {
			t.Fatalf("account %s: stored %+v, model %+v", code, stored[code], b)
		}
	}
}

// TestLedgerConcurrency hammers the same accounts from many goroutines: reservations racing for the same
// earmarked money, posts and voids racing for the same pending transfer, retries of the same transfer ID,
// and transfers in opposite directions between two accounts (a deadlock test).
func TestLedgerConcurrency(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	earmarked := domain.EarmarkedAccount(apps[0])
	if _, err := f.store.CreateTransfer(ctx, domain.Transfer{ID: "fund", Kind: domain.TransferPosted, Debit: domain.AccountBank, Credit: earmarked, AmountFen: 1000, CreatedAt: f.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	run := func(n int, fn func(i int) error) []error {
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() { defer wg.Done(); errs[i] = fn(i) }()
		}
		wg.Wait()
		return errs
	}
	count := func(errs []error, want string) int {
		n := 0
		for _, err := range errs {
			if reason(err) == want {
				n++
			} else if err != nil && want == "" {
				t.Logf("unexpected: %v", err)
			}
		}
		return n
	}

	// 20 reservations of 100 against 1000: exactly 10 fit.
	errs := run(20, func(i int) error {
		_, err := f.store.CreateTransfer(ctx, domain.Transfer{ID: fmt.Sprint("reserve-", i), Kind: domain.TransferPending, Debit: earmarked,
			Credit: domain.AccountPayoutPending, AmountFen: 100, CreatedAt: f.clock.Now()})
		return err
	})
	if ok, short := count(errs, ""), count(errs, "INSUFFICIENT_FUNDS"); ok != 10 || short != 10 {
		t.Fatalf("reservations: %d succeeded, %d short; want 10 and 10", ok, short)
	}
	var reserved []string
	for i, err := range errs {
		if err == nil {
			reserved = append(reserved, fmt.Sprint("reserve-", i))
		}
	}

	// Ten goroutines race to post or void each reserved transfer under their own IDs: exactly one wins.
	var postedFen atomic.Int64
	for _, pid := range reserved {
		errs := run(10, func(i int) error {
			kind := domain.TransferPostPending
			if i%2 == 1 {
				kind = domain.TransferVoidPending
			}
			tr, err := f.store.CreateTransfer(ctx, domain.Transfer{ID: fmt.Sprintf("%s-resolve-%d", pid, i), Kind: kind, PendingID: pid, CreatedAt: f.clock.Now()})
			if err == nil && tr.Kind == domain.TransferPostPending {
				postedFen.Add(tr.AmountFen)
			}
			return err
		})
		if ok, dup := count(errs, ""), count(errs, "PENDING_TRANSFER_ALREADY_RESOLVED"); ok != 1 || dup != 9 {
			t.Fatalf("pending %s: %d resolutions succeeded, %d refused; want 1 and 9", pid, ok, dup)
		}
	}

	// The same transfer ID sent ten times at once: one transfer, ten identical answers.
	var answers sync.Map
	errs = run(10, func(i int) error {
		tr, err := f.store.CreateTransfer(ctx, domain.Transfer{ID: "retry-me", Kind: domain.TransferPosted, Debit: domain.AccountBank, Credit: earmarked, AmountFen: 7, Reason: "r", CreatedAt: f.clock.Now()})
		answers.Store(i, tr.ID+fmt.Sprint(tr.AmountFen))
		return err
	})
	if count(errs, "") != 10 {
		t.Fatalf("retries: %v", errs)
	}

	// Opposite directions between two non-negative accounts, concurrently: no deadlock, never negative.
	for _, acc := range []string{"x:a", "x:b"} {
		if _, err := f.store.CreateTransfer(ctx, domain.Transfer{ID: "fund-" + acc, Kind: domain.TransferPosted, Debit: domain.AccountBank, Credit: acc, AmountFen: 50, CreatedAt: f.clock.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan []error)
	go func() {
		done <- run(40, func(i int) error {
			from, to := "x:a", "x:b"
			if i%2 == 1 {
				from, to = to, from
			}
			_, err := f.store.CreateTransfer(ctx, domain.Transfer{ID: fmt.Sprint("swap-", i), Kind: domain.TransferPosted, Debit: from, Credit: to, AmountFen: int64(5 + i%20), CreatedAt: f.clock.Now()})
			return err
		})
	}()
	select {
	case errs = <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("opposite-direction transfers did not finish: deadlock?")
	}
	for _, err := range errs {
		if err != nil && reason(err) != "INSUFFICIENT_FUNDS" {
			t.Fatalf("swap: %v", err)
		}
	}

	v, err := f.svc.VerifyLedger(federation)
	if err != nil || !v.Balanced {
		t.Fatalf("verify: %v %+v", err, v)
	}
	b := storedBalances(t, f)
	wantPayout := postedFen.Load()
	if posted(b[domain.AccountPayoutPending]) != wantPayout || b[domain.AccountPayoutPending].CreditsPending != 0 {
		t.Fatalf("payout_pending %+v, want posted %d and nothing pending", b[domain.AccountPayoutPending], wantPayout)
	}
	if got := posted(b[earmarked]); got != 1000+7-wantPayout {
		t.Fatalf("earmarked posted %d, want %d (the retried transfer counted once)", got, 1000+7-wantPayout)
	}
	for code, bal := range b {
		if !external[code] && available(bal) < 0 {
			t.Fatalf("%s went negative: %+v", code, bal)
		}
	}
}

// TestLedgerIsAppendOnly: posted history cannot be changed or removed, even by the service's own role.
func TestLedgerIsAppendOnly(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	if _, err := f.store.CreateTransfer(ctx, domain.Transfer{ID: "a", Kind: domain.TransferPosted, Debit: domain.AccountBank, Credit: "earmarked:x", AmountFen: 5, CreatedAt: f.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{`UPDATE ledger_transfers SET amount_fen = 6`, `DELETE FROM ledger_transfers`, `TRUNCATE ledger_transfers CASCADE`} {
		if _, err := f.pool.Exec(ctx, sql); err == nil {
			t.Fatalf("%s was allowed", sql)
		}
	}
	var n int
	if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM ledger_transfers WHERE amount_fen = 5`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("history changed: %d %v", n, err)
	}
	// The database refuses a negative non-negative account even if code forgot to check.
	if _, err := f.pool.Exec(ctx, `UPDATE ledger_accounts SET debits_posted = 100 WHERE code = 'earmarked:x'`); err == nil {
		t.Fatal("the database let a non-negative account go negative")
	}
}

// TestLedgerRandomConcurrent runs random operations from several goroutines at once against the same
// accounts, with retries and racing posts/voids of the same pending transfers, then checks the invariants:
// the ledger verifies (balances recomputed from transfers, sum zero, none negative), every pending transfer
// was resolved at most once, and retries never moved money twice.
func TestLedgerRandomConcurrent(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	var mu sync.Mutex
	var pendings []string
	succeeded := map[string]domain.Transfer{} // transfer ID → what was accepted
	resolvedBy := map[string]map[string]bool{}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 7))
			var mine []domain.Transfer
			for n := range 60 {
				app := apps[r.IntN(len(apps))]
				tr := domain.Transfer{ID: fmt.Sprintf("g%d-%d", g, n), AmountFen: int64(1 + r.IntN(500))}
				switch op := r.IntN(10); {
				case op < 3:
					tr.Kind, tr.Debit, tr.Credit = domain.TransferPosted, domain.AccountBank, domain.EarmarkedAccount(app)
				case op < 5:
					tr.Kind, tr.Debit, tr.Credit = domain.TransferPending, domain.EarmarkedAccount(app), domain.AccountPayoutPending
				case op < 8:
					mu.Lock()
					if len(pendings) == 0 {
						mu.Unlock()
						continue
					}
					tr.PendingID = pendings[r.IntN(len(pendings))]
					mu.Unlock()
					tr.Kind, tr.AmountFen = domain.TransferPostPending, 0
					if r.IntN(2) == 0 {
						tr.Kind = domain.TransferVoidPending
					}
				case op < 9:
					tr.Kind, tr.Debit, tr.Credit = domain.TransferPosted, domain.EarmarkedAccount(app), domain.AccountRefunds
				default:
					if len(mine) == 0 {
						continue
					}
					tr = mine[r.IntN(len(mine))] // a retry
				}
				tr.CreatedAt = f.clock.Now()
				got, err := f.store.CreateTransfer(ctx, tr)
				switch reason(err) {
				case "", "INSUFFICIENT_FUNDS", "PENDING_TRANSFER_ALREADY_RESOLVED":
				default:
					t.Errorf("%+v: %v", tr, err)
					return
				}
				if err != nil {
					continue
				}
				mine = append(mine, tr)
				mu.Lock()
				if prev, ok := succeeded[got.ID]; ok && !sameBody(prev, got) {
					t.Errorf("retry of %s answered %+v, first %+v", got.ID, got, prev)
				}
				succeeded[got.ID] = got
				switch got.Kind {
				case domain.TransferPending:
					pendings = append(pendings, got.ID)
				case domain.TransferPostPending, domain.TransferVoidPending:
					if resolvedBy[got.PendingID] == nil {
						resolvedBy[got.PendingID] = map[string]bool{}
					}
					resolvedBy[got.PendingID][got.ID] = true
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for pid, by := range resolvedBy {
		if len(by) > 1 {
			t.Fatalf("pending %s resolved by %v", pid, by)
		}
	}
	v, err := f.svc.VerifyLedger(federation)
	if err != nil || !v.Balanced {
		t.Fatalf("verify: %v %+v", err, v)
	}
	if v.Transfers != len(succeeded) {
		t.Fatalf("%d transfers stored, %d distinct accepted", v.Transfers, len(succeeded))
	}
	for code, b := range storedBalances(t, f) {
		if !external[code] && available(b) < 0 {
			t.Fatalf("%s negative: %+v", code, b)
		}
	}
}
