package pgledger

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/ledger"
)

// model is the expected state of the ledger, kept by the test next to the real one. It is written from the
// rules (four balances; an account other than "world" keeps debits_posted + debits_pending ≤ credits_posted)
// in plain arithmetic, not with Apply and CheckLimit: the oracle must not be the code under test.
type model struct {
	bal      map[string]*[4]int64 // debits posted, credits posted, debits pending, credits pending
	done     map[string]ledger.Transfer
	order    []string // the IDs of done, in the order they were made
	pendings []string
	resolved map[string]bool
}

func newModel() *model {
	return &model{bal: map[string]*[4]int64{}, done: map[string]ledger.Transfer{}, resolved: map[string]bool{}}
}

func (m *model) get(code string) *[4]int64 {
	if m.bal[code] == nil {
		m.bal[code] = &[4]int64{}
	}
	return m.bal[code]
}

// lookup returns the reason a batch is refused with before anything is locked: the pending transfer a POST
// or VOID names is unknown or not pending.
func (m *model) lookup(t ledger.Transfer) string {
	if t.Kind != "POST_PENDING" && t.Kind != "VOID_PENDING" {
		return ""
	}
	if p, ok := m.done[t.PendingID]; !ok {
		return "PENDING_TRANSFER_NOT_FOUND"
	} else if p.Kind != "PENDING" {
		return "NOT_A_PENDING_TRANSFER"
	}
	return ""
}

// expect returns the reason the ledger must answer t with ("" for success) and applies t if it succeeds.
func (m *model) expect(t ledger.Transfer) string {
	resolves := t.Kind == "POST_PENDING" || t.Kind == "VOID_PENDING"
	if resolves {
		p, ok := m.done[t.PendingID]
		switch {
		case !ok:
			return "PENDING_TRANSFER_NOT_FOUND"
		case p.Kind != "PENDING":
			return "NOT_A_PENDING_TRANSFER"
		}
		t.Debit, t.Credit, t.AmountFen, t.Reference = p.Debit, p.Credit, p.AmountFen, p.Reference
	}
	if prev, ok := m.done[t.ID]; ok {
		if prev.Kind == t.Kind && prev.Debit == t.Debit && prev.Credit == t.Credit && prev.AmountFen == t.AmountFen &&
			prev.PendingID == t.PendingID && prev.Reason == t.Reason && prev.Reference == t.Reference {
			return ""
		}
		return "TRANSFER_ID_REUSED"
	}
	if resolves && m.resolved[t.PendingID] {
		return "PENDING_TRANSFER_ALREADY_RESOLVED"
	}
	d, c, a := *m.get(t.Debit), *m.get(t.Credit), t.AmountFen
	switch t.Kind {
	case "POSTED":
		d[0], c[1] = d[0]+a, c[1]+a
	case "PENDING":
		d[2], c[3] = d[2]+a, c[3]+a
	case "POST_PENDING":
		d[2], c[3], d[0], c[1] = d[2]-a, c[3]-a, d[0]+a, c[1]+a
	case "VOID_PENDING":
		d[2], c[3] = d[2]-a, c[3]-a
	}
	for code, b := range map[string][4]int64{t.Debit: d, t.Credit: c} {
		if code != "world" && b[0]+b[2] > b[1] {
			return "INSUFFICIENT_FUNDS"
		}
	}
	*m.get(t.Debit), *m.get(t.Credit) = d, c
	m.done[t.ID] = t
	m.order = append(m.order, t.ID)
	if t.Kind == "PENDING" {
		m.pendings = append(m.pendings, t.ID)
	}
	if resolves {
		m.resolved[t.PendingID] = true
	}
	return ""
}

var testAccounts = []string{"pool:a", "pool:b", "paid"}

// randomTransfer draws the next operation: allocations, reservations, posts and voids (of any pending
// transfer, resolved or not, or of a posted one), direct payments that may overdraw, exact retries, retries
// with another body, unknown pendings.
func randomTransfer(r *rand.Rand, m *model, n int) ledger.Transfer {
	acc := testAccounts[r.IntN(2)]
	id := fmt.Sprint("t-", n)
	amount := int64(1 + r.IntN(1000))
	switch op := r.IntN(100); {
	case op < 25:
		return ledger.Transfer{ID: id, Kind: ledger.Posted, Debit: "world", Credit: acc, AmountFen: amount, Reason: "allocate"}
	case op < 45:
		return ledger.Transfer{ID: id, Kind: ledger.Pending, Debit: acc, Credit: "paid", AmountFen: amount, Reason: "commit", Reference: "ref-" + acc}
	case op < 65 && len(m.order) > 0:
		kind := ledger.PostPending
		if r.IntN(2) == 0 {
			kind = ledger.VoidPending
		}
		target := fmt.Sprint("t-", r.IntN(n)) // mostly pending ones, sometimes a posted one or a failed ID
		if len(m.pendings) > 0 && r.IntN(4) > 0 {
			target = m.pendings[r.IntN(len(m.pendings))]
		}
		return ledger.Transfer{ID: id, Kind: kind, PendingID: target, Reason: "resolve"}
	case op < 75:
		return ledger.Transfer{ID: id, Kind: ledger.Posted, Debit: acc, Credit: "paid", AmountFen: amount, Reason: "pay"}
	case op < 88 && len(m.order) > 0: // an exact retry of some earlier transfer
		return m.done[m.order[r.IntN(len(m.order))]]
	case op < 95 && len(m.order) > 0: // the same ID with another body
		t := m.done[m.order[r.IntN(len(m.order))]]
		t.Reason += " (changed)"
		return t
	}
	return ledger.Transfer{ID: id, Kind: ledger.PostPending, PendingID: "no-such-" + id, Reason: "resolve"}
}

// TestRandomSequences runs random sequences of operations, alone and in random batches, against the real
// store and the model: every answer matches the model, the stored balances equal the model's, and the
// ledger verifies.
func TestRandomSequences(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			s, pool := newStore(t)
			r := rand.New(rand.NewPCG(seed, 42))
			m := newModel()
			ctx := context.Background()
			for n := 0; n < 300; n++ {
				tr := randomTransfer(r, m, n)
				tr.RequestedBy, tr.CreatedAt = "tester", at
				if r.IntN(5) > 0 {
					want := m.expect(tr)
					got, err := s.CreateTransfer(ctx, tr)
					if reason(err) != want {
						t.Fatalf("op %d %+v: got %v, want %q", n, tr, err, want)
					}
					if err == nil && (got.AmountFen != m.done[tr.ID].AmountFen || got.Debit != m.done[tr.ID].Debit) {
						t.Fatalf("op %d: stored %+v, model %+v", n, got, m.done[tr.ID])
					}
					continue
				}
				// A batch of two: all or nothing, so the model takes both or neither.
				second := randomTransfer(r, m, n+100_000)
				second.RequestedBy, second.CreatedAt = "tester", at
				trial := m.clone()
				want := trial.lookup(tr)
				if want == "" {
					want = trial.lookup(second)
				}
				if want == "" {
					want = trial.expect(tr)
				}
				if want == "" {
					want = trial.expect(second)
				}
				_, err := s.CreateTransfers(ctx, tr, second)
				if reason(err) != want {
					t.Fatalf("batch %d %+v %+v: got %v, want %q", n, tr, second, err, want)
				}
				if err == nil {
					*m = *trial
				}
			}
			compare(t, stored(t, pool), m)
			v, err := s.Verify(ctx)
			if err != nil || !v.Balanced {
				t.Fatalf("verify: %v %+v", err, v)
			}
			if v.Transfers != len(m.done) {
				t.Fatalf("%d transfers stored, %d made (a retry moved money twice?)", v.Transfers, len(m.done))
			}
		})
	}
}

func (m *model) clone() *model {
	c := newModel()
	for k, v := range m.bal {
		b := *v
		c.bal[k] = &b
	}
	for k, v := range m.done {
		c.done[k] = v
	}
	for k, v := range m.resolved {
		c.resolved[k] = v
	}
	c.pendings = append(c.pendings, m.pendings...)
	c.order = append(c.order, m.order...)
	return c
}

func compare(t *testing.T, got map[string]ledger.Balance, m *model) {
	t.Helper()
	want := map[string]ledger.Balance{}
	for code, b := range m.bal {
		if *b != ([4]int64{}) {
			want[code] = ledger.Balance{DebitsPosted: b[0], CreditsPosted: b[1], DebitsPending: b[2], CreditsPending: b[3]}
		}
	}
	for code, b := range got {
		if b != want[code] {
			t.Fatalf("account %s: stored %+v, model %+v", code, b, want[code])
		}
	}
	for code, b := range want {
		if got[code] != b {
			t.Fatalf("account %s: stored %+v, model %+v", code, got[code], b)
		}
	}
}

// run calls fn n times at once and returns the errors.
func run(n int, fn func(i int) error) []error {
	out := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() { defer wg.Done(); out[i] = fn(i) }()
	}
	wg.Wait()
	return out
}

func count(errs []error, want string) int {
	n := 0
	for _, err := range errs {
		if reason(err) == want {
			n++
		}
	}
	return n
}

// TestConcurrentPosts hammers the same accounts from many goroutines: reservations racing for the same
// money, posts and voids racing for the same pending transfer, one transfer ID sent many times at once, and
// batches in opposite directions between accounts created on the fly (a deadlock test).
func TestConcurrentPosts(t *testing.T) {
	s, pool := newStore(t)
	ctx := context.Background()
	mk := func(tr ledger.Transfer) error {
		tr.RequestedBy, tr.CreatedAt = "g", at
		_, err := s.CreateTransfer(ctx, tr)
		return err
	}
	if err := mk(ledger.Transfer{ID: "fund", Kind: ledger.Posted, Debit: "world", Credit: "pool:a", AmountFen: 1000}); err != nil {
		t.Fatal(err)
	}
	errs := run(20, func(i int) error {
		return mk(ledger.Transfer{ID: fmt.Sprint("reserve-", i), Kind: ledger.Pending, Debit: "pool:a", Credit: "paid", AmountFen: 100})
	})
	if ok, short := count(errs, ""), count(errs, "INSUFFICIENT_FUNDS"); ok != 10 || short != 10 {
		t.Fatalf("reservations: %d succeeded, %d short; want 10 and 10", ok, short)
	}
	var postedFen int64
	for i, err := range errs {
		if err != nil {
			continue
		}
		pid := fmt.Sprint("reserve-", i)
		var mu sync.Mutex
		res := run(10, func(j int) error {
			kind := ledger.PostPending
			if j%2 == 1 {
				kind = ledger.VoidPending
			}
			tr, err := s.CreateTransfer(ctx, ledger.Transfer{ID: fmt.Sprintf("%s-resolve-%d", pid, j), Kind: kind, PendingID: pid, RequestedBy: "g", CreatedAt: at})
			if err == nil && tr.Kind == ledger.PostPending {
				mu.Lock()
				postedFen += tr.AmountFen
				mu.Unlock()
			}
			return err
		})
		if ok, dup := count(res, ""), count(res, "PENDING_TRANSFER_ALREADY_RESOLVED"); ok != 1 || dup != 9 {
			t.Fatalf("pending %s: %d resolutions succeeded, %d refused; want 1 and 9", pid, ok, dup)
		}
	}
	errs = run(10, func(int) error {
		return mk(ledger.Transfer{ID: "retry-me", Kind: ledger.Posted, Debit: "world", Credit: "pool:a", AmountFen: 7, Reason: "r"})
	})
	if count(errs, "") != 10 {
		t.Fatalf("retries of one transfer: %v", errs)
	}
	done := make(chan []error)
	go func() {
		done <- run(40, func(i int) error {
			// New accounts on the fly, in batches touching them in opposite orders.
			a, b, c := fmt.Sprint("x:", i%3), fmt.Sprint("x:", (i+1)%3), fmt.Sprint("y:", i%2)
			if i%2 == 1 {
				a, b = b, a
			}
			_, err := s.CreateTransfers(ctx,
				ledger.Transfer{ID: fmt.Sprint("swap-", i, "-in"), Kind: ledger.Posted, Debit: "world", Credit: c, AmountFen: 10, RequestedBy: "g", CreatedAt: at},
				ledger.Transfer{ID: fmt.Sprint("swap-", i, "-out"), Kind: ledger.Posted, Debit: c, Credit: a, AmountFen: 10, RequestedBy: "g", CreatedAt: at},
				ledger.Transfer{ID: fmt.Sprint("swap-", i, "-on"), Kind: ledger.Posted, Debit: a, Credit: b, AmountFen: int64(1 + i%10), RequestedBy: "g", CreatedAt: at})
			return err
		})
	}()
	select {
	case errs = <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("batches in opposite directions did not finish: deadlock?")
	}
	for _, err := range errs {
		if err != nil {
			t.Fatalf("swap: %v", err)
		}
	}
	v, err := s.Verify(ctx)
	if err != nil || !v.Balanced || len(v.ChainBreaks) != 0 {
		t.Fatalf("verify: %v %+v", err, v)
	}
	b := stored(t, pool)
	if b["paid"].Posted() != postedFen || b["paid"].CreditsPending != 0 {
		t.Fatalf("paid %+v, want posted %d and nothing pending", b["paid"], postedFen)
	}
	if got := b["pool:a"].Posted(); got != 1000+7-postedFen {
		t.Fatalf("pool:a posted %d, want %d (the retried transfer counted once)", got, 1000+7-postedFen)
	}
}

// TestRandomConcurrent runs random operations from several goroutines at once against the same accounts,
// with retries and racing resolutions, then checks the invariants: the ledger verifies, every pending
// transfer was resolved at most once, and retries never moved money twice.
func TestRandomConcurrent(t *testing.T) {
	s, pool := newStore(t)
	ctx := context.Background()
	var mu sync.Mutex
	var pendings []string
	accepted := map[string]ledger.Transfer{}
	resolvedBy := map[string]map[string]bool{}
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 7))
			var mine []ledger.Transfer
			for n := range 60 {
				acc := testAccounts[r.IntN(2)]
				tr := ledger.Transfer{ID: fmt.Sprintf("g%d-%d", g, n), AmountFen: int64(1 + r.IntN(500)), RequestedBy: "g", CreatedAt: at}
				op := r.IntN(10)
				mu.Lock()
				known := len(pendings)
				if op >= 5 && op < 8 && known > 0 {
					tr.PendingID = pendings[r.IntN(known)]
				}
				mu.Unlock()
				switch {
				case op < 3: // money in
					tr.Kind, tr.Debit, tr.Credit = ledger.Posted, "world", acc
				case op < 5: // a reservation
					tr.Kind, tr.Debit, tr.Credit = ledger.Pending, acc, "paid"
				case op < 8 && known == 0:
					continue
				case op < 8: // a resolution, racing the others for the same pending transfer
					tr.Kind, tr.AmountFen = []ledger.Kind{ledger.PostPending, ledger.VoidPending}[r.IntN(2)], 0
				case op < 9: // money out, perhaps more than there is
					tr.Kind, tr.Debit, tr.Credit = ledger.Posted, acc, "paid"
				case len(mine) == 0:
					continue
				default: // a retry of one of this goroutine's transfers
					tr = mine[r.IntN(len(mine))]
				}
				got, err := s.CreateTransfer(ctx, tr)
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
				if prev, ok := accepted[got.ID]; ok && !prev.SameBody(got) {
					t.Errorf("retry of %s answered %+v, first %+v", got.ID, got, prev)
				}
				accepted[got.ID] = got
				switch got.Kind {
				case ledger.Pending:
					pendings = append(pendings, got.ID)
				case ledger.PostPending, ledger.VoidPending:
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
	v, err := s.Verify(ctx)
	if err != nil || !v.Balanced || len(v.ChainBreaks) != 0 {
		t.Fatalf("verify: %v %+v", err, v)
	}
	if v.Transfers != len(accepted) {
		t.Fatalf("%d transfers stored, %d distinct accepted", v.Transfers, len(accepted))
	}
	for code, b := range stored(t, pool) {
		if code != "world" && b.Available() < 0 {
			t.Fatalf("%s negative: %+v", code, b)
		}
	}
}
