package app_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/commonweal/commonweal/pkg/ledger"
	"github.com/commonweal/commonweal/services/donations/internal/app"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

// The ledger's own rules (retries, pending transfers resolved once, limits, batches, accounts locked in one
// global order, append-only) are pkg/ledger/pgledger's and tested there against an independent model. The
// tests here are the donations service's: its use cases running concurrently over its migrated schema.

// shareOp is one accepted donation-share call, kept to be retried.
type shareOp struct {
	reserve *app.ReserveDonationShare
	resolve *app.ResolveDonationShare
	back    *app.ReturnDonationShare
}

func (f *fixture) share(op shareOp) (ledger.Transfer, error) {
	switch {
	case op.reserve != nil:
		return f.svc.ReserveDonationShare(funding, *op.reserve)
	case op.resolve != nil:
		return f.svc.ResolveDonationShare(funding, *op.resolve)
	default:
		return f.svc.ReturnDonationShare(funding, *op.back)
	}
}

// acceptedLog keeps, across goroutines, what the ledger accepted (by transfer ID), the pending transfers and
// which transfers resolved each of them; a retry must be answered as the first call was.
type acceptedLog struct {
	mu         sync.Mutex
	byID       map[string]ledger.Transfer
	pendings   []string
	resolvedBy map[string][]string
}

func (l *acceptedLog) add(t *testing.T, got ledger.Transfer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if first, retried := l.byID[got.ID]; retried {
		if !first.SameBody(got) || !first.CreatedAt.Equal(got.CreatedAt) {
			t.Errorf("retry of %s answered %+v, first %+v", got.ID, got, first)
		}
		return
	}
	l.byID[got.ID] = got
	if got.Kind == ledger.Pending {
		l.pendings = append(l.pendings, got.ID)
	}
	if got.Kind.Resolves() {
		l.resolvedBy[got.PendingID] = append(l.resolvedBy[got.PendingID], got.ID)
	}
}

// somePending picks a pending transfer made so far, if any.
func (l *acceptedLog) somePending(r *rand.Rand) (string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.pendings) == 0 {
		return "", false
	}
	return l.pendings[r.IntN(len(l.pendings))], true
}

// TestLedgerRandomConcurrent runs the use cases that move money from several goroutines at once over the same
// accounts: deposits confirmed (and confirmed again), donation shares reserved, released and cancelled (racing
// for the same pending transfers), donation shares coming back from projects (perhaps more than was paid out),
// and retries of all of them. Then: every refusal is one the rules allow (no deadlock, no serialisation
// failure), a retry answers what the first call did, every pending transfer was resolved at most once, no
// more came back from an application than was paid out to it, no account that may not go negative is, and
// the ledger verifies and reconciles with the pledges and the share returns.
func TestLedgerRandomConcurrent(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	apps := []string{f.app, f.apps.add(f.round, "SHORTLISTED", 10_000_000)}
	donorCtx, d := f.donor(t, "donor-1")
	const goroutines, pledgesEach = 4, 15
	pledges := make([][]domain.Pledge, goroutines)
	for g := range pledges {
		for i := range pledgesEach {
			p, err := f.svc.CreatePledge(donorCtx, app.CreatePledge{DonorID: d.ID, ApplicationID: apps[i%2], AmountFen: int64(100 + 37*i), Kind: domain.KindCash,
				AgreementRef: "AG-1"})
			if err != nil {
				t.Fatal(err)
			}
			pledges[g] = append(pledges[g], p)
		}
	}
	acc := &acceptedLog{byID: map[string]ledger.Transfer{}, resolvedBy: map[string][]string{}}
	var mu sync.Mutex
	confirmed := map[string]bool{}
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 7))
			var mine []shareOp
			for n := range 60 {
				appID := apps[r.IntN(len(apps))]
				id, amount := fmt.Sprintf("g%d-%d", g, n), int64(1+r.IntN(500))
				var op shareOp
				switch k := r.IntN(10); {
				case k < 3: // a deposit confirmed, perhaps again (the same bank reference and amount: the same answer)
					p := pledges[g][r.IntN(pledgesEach)]
					if _, err := f.svc.ConfirmDeposit(federation, deposit(p.ID, "BANK-"+p.ID, p.AmountFen, f.clock.Now())); err != nil {
						t.Errorf("confirm %s: %v", p.ID, err)
						return
					}
					mu.Lock()
					confirmed[p.ID] = true
					mu.Unlock()
					continue
				case k < 5:
					op.reserve = &app.ReserveDonationShare{TransferID: id, ApplicationID: appID, AmountFen: amount, Reason: "tranche"}
				case k < 8:
					pending, ok := acc.somePending(r)
					if !ok {
						continue
					}
					op.resolve = &app.ResolveDonationShare{TransferID: id, PendingTransferID: pending, Release: r.IntN(3) > 0}
				case k < 9:
					op.back = &app.ReturnDonationShare{TransferID: id, ApplicationID: appID, AmountFen: 1 + amount/4, PaymentReference: "RET-" + id, Reason: "clawback"}
				case len(mine) == 0:
					continue
				default:
					op = mine[r.IntN(len(mine))] // a retry
				}
				got, err := f.share(op)
				switch reason(err) {
				case "", "INSUFFICIENT_FUNDS", "PENDING_TRANSFER_ALREADY_RESOLVED", "RETURN_EXCEEDS_PAID_OUT":
				default:
					t.Errorf("%+v: %v", op, err)
					return
				}
				if err != nil {
					continue
				}
				mine = append(mine, op)
				acc.add(t, got)
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for pid, by := range acc.resolvedBy {
		if len(by) > 1 {
			t.Fatalf("pending %s resolved by %v", pid, by)
		}
	}
	accepted := acc.byID
	paidOut, returned, returns := map[string]int64{}, map[string]int64{}, 0
	for _, tr := range accepted {
		switch {
		case tr.Kind == ledger.PostPending:
			paidOut[tr.Debit] += tr.AmountFen
		case tr.Debit == domain.AccountReturnedFromProjects:
			returned[tr.Credit] += tr.AmountFen
			returns++
		}
	}
	t.Logf("%d deposits confirmed, %d share transfers accepted (%d pending, %d resolved, %d returns)", len(confirmed), len(accepted),
		len(acc.pendings), len(acc.resolvedBy), returns)
	for acc, back := range returned {
		if back > paidOut[acc] {
			t.Fatalf("%d fen came back to %s, %d was paid out of it", back, acc, paidOut[acc])
		}
	}
	v, err := f.svc.VerifyLedger(federation)
	if err != nil || !v.Balanced {
		t.Fatalf("verify: %v %+v", err, v)
	}
	if v.Transfers != len(accepted)+len(confirmed) {
		t.Fatalf("%d transfers stored, %d distinct shares accepted and %d deposits confirmed", v.Transfers, len(accepted), len(confirmed))
	}
	for code, b := range storedBalances(t, f) {
		if !external[code] && available(b) < 0 {
			t.Fatalf("%s negative: %+v", code, b)
		}
	}
	var n int
	if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM share_returns`).Scan(&n); err != nil || n != returns {
		t.Fatalf("%d share returns recorded, %d accepted: %v", n, returns, err)
	}
}
