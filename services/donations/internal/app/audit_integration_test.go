package app_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/services/donations/internal/app"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

// A deposit of an absurd amount (a typo) is refused: booked, it would saturate the bank account so that every
// later deposit overflows its balance and fails.
func TestHugeDepositRefused(t *testing.T) {
	f := setup(t)
	donorCtx, d := f.donor(t, "donor-1")
	p := f.pledge(t, donorCtx, d.ID, domain.KindCash, 100)
	if _, err := f.svc.ConfirmDeposit(federation, deposit(p.ID, "BANK-HUGE", math.MaxInt64-10, f.clock.Now())); reason(err) != "INVALID_AMOUNT" {
		t.Fatalf("huge deposit: %v", err)
	}
	q := f.pledge(t, donorCtx, d.ID, domain.KindCash, 100)
	if _, err := f.svc.ConfirmDeposit(federation, deposit(q.ID, "BANK-OK", 100, f.clock.Now())); err != nil {
		t.Fatalf("ordinary deposit after a huge one: %v", err)
	}
	if _, err := f.svc.ReserveDonationShare(funding, reserve("r-huge", f.app, domain.MaxAmountFen+1, "t1")); reason(err) != "INVALID_AMOUNT" {
		t.Fatalf("huge reservation: %v", err)
	}
	if v, err := f.svc.VerifyLedger(as("auditor", identity.Auditor)); err != nil || !v.Balanced {
		t.Fatalf("verify: %v %+v", err, v)
	}
}

// A bank reference is the federation's proof of one bank credit: padding it with spaces must not let the same
// credit confirm a second pledge.
func TestBankReferenceNormalised(t *testing.T) {
	f := setup(t)
	donorCtx, d := f.donor(t, "donor-1")
	p := f.pledge(t, donorCtx, d.ID, domain.KindCash, 100)
	q := f.pledge(t, donorCtx, d.ID, domain.KindCash, 100)
	first, err := f.svc.ConfirmDeposit(federation, deposit(p.ID, "BANK-9", 100, f.clock.Now()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ConfirmDeposit(federation, deposit(q.ID, " BANK-9 ", 100, f.clock.Now())); reason(err) != "BANK_REFERENCE_CONFLICT" {
		t.Fatalf("same bank credit, padded reference, other pledge: %v", err)
	}
	again, err := f.svc.ConfirmDeposit(federation, deposit(p.ID, "BANK-9 ", 100, f.clock.Now()))
	if err != nil || again.ReceiptNumber != first.ReceiptNumber || again.BankReference != "BANK-9" {
		t.Fatalf("retry with a padded reference: %v %+v", err, again)
	}
	// A reference too long for the unique index is refused as bad input, not failed as an internal error.
	if _, err := f.svc.ConfirmDeposit(federation, deposit(q.ID, strings.Repeat("R", 3000), 100, f.clock.Now())); reason(err) != "INVALID_BANK_REFERENCE" {
		t.Fatalf("3000-byte bank reference: %v", err)
	}
	if b := storedBalances(t, f); posted(b[domain.EarmarkedAccount(f.app)]) != 100 {
		t.Fatalf("balances: %+v", b)
	}
}

// The bank decides what arrived: a deposit of another amount than pledged is booked at the amount received,
// and everything that counts money (ledger, summary, refund) uses that amount; the audit trail records both.
func TestDepositOfAnotherAmount(t *testing.T) {
	f := setup(t)
	donorCtx, d := f.donor(t, "donor-1")
	p := f.pledge(t, donorCtx, d.ID, domain.KindCash, 1_000)
	short := deposit(p.ID, "BANK-S", 800, f.clock.Now())
	short.Key = key("req-short")
	got, err := f.svc.ConfirmDeposit(federation, short)
	if err != nil || got.AmountFen != 1_000 || got.DepositedAmountFen != 800 || got.State != domain.StateDeposited {
		t.Fatalf("short deposit: %v %+v", err, got)
	}
	f.clock.Add(1)
	sum, err := f.svc.DonationSummary(federation, f.app, f.clock.Now())
	if err != nil || sum.ConfirmedTotalFen != 800 {
		t.Fatalf("summary: %v %+v", err, sum)
	}
	if b := storedBalances(t, f); posted(b[domain.EarmarkedAccount(f.app)]) != 800 {
		t.Fatalf("balances: %+v", b)
	}
	var detail string
	if err := f.pool.QueryRow(context.Background(), `SELECT detail FROM pledge_events WHERE request_id = 'req-short' AND action = 'DEPOSITED'`).Scan(&detail); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(detail, "amount_fen=800") || !strings.Contains(detail, "pledged_fen=1000") {
		t.Fatalf("audit trail does not record the difference: %q", detail)
	}
	f.apps.setStage(f.app, "NOT_SELECTED")
	if _, err := f.svc.RefundPledge(federation, app.RefundPledge{PledgeID: p.ID, Reason: "not selected"}); err != nil {
		t.Fatalf("refund: %v", err)
	}
	if b := storedBalances(t, f); posted(b[domain.AccountRefunds]) != 800 || posted(b[domain.EarmarkedAccount(f.app)]) != 0 {
		t.Fatalf("balances after refund: %+v", b)
	}
}

// The summary (score, matching, naming right) is computed from pledge rows, the ledger from transfers: the
// verification reconciles the two, so a pledge row changed behind the service's back is caught.
func TestVerifyReconcilesPledgesWithLedger(t *testing.T) {
	ctx := context.Background()
	auditor := as("auditor", identity.Auditor)
	type tampering struct {
		sql    string
		pledge int // which pledge: 0 on time, 1 late, 2 unpaid, 3 refunded, 4 in kind
	}
	for name, tamper := range map[string]tampering{
		"amount inflated":        {`UPDATE pledges SET deposited_amount_fen = 8000 WHERE id = $1`, 0},
		"late flag cleared":      {`UPDATE pledges SET late = false WHERE id = $1`, 1},
		"deposit without money":  {`UPDATE pledges SET state = 'DEPOSITED', deposited_amount_fen = 500, deposited_at = created_at, bank_reference = 'FAKE', confirmed_at = now() WHERE id = $1`, 2},
		"refund undone":          {`UPDATE pledges SET state = 'DEPOSITED', refunded_at = NULL WHERE id = $1`, 3},
		"in-kind value inflated": {`UPDATE pledges SET appraised_value_fen = 9000 WHERE id = $1`, 4},
	} {
		t.Run(name, func(t *testing.T) {
			f := setup(t)
			donorCtx, d := f.donor(t, "donor-1")
			p := f.pledge(t, donorCtx, d.ID, domain.KindCash, 800)
			if _, err := f.svc.ConfirmDeposit(federation, deposit(p.ID, "BANK-1", 800, f.clock.Now())); err != nil {
				t.Fatal(err)
			}
			late := f.pledge(t, donorCtx, d.ID, domain.KindCash, 300)
			refunded := f.pledge(t, donorCtx, d.ID, domain.KindCash, 200)
			unpaid := f.pledge(t, donorCtx, d.ID, domain.KindCash, 500)
			kind := f.pledge(t, donorCtx, d.ID, domain.KindInKind, 700)
			if _, err := f.svc.AppraisePledge(operator, app.AppraisePledge{PledgeID: kind.ID, ValueFen: 700, Notes: "goods"}); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.ApproveAppraisal(organizer, app.ApproveAppraisal{PledgeID: kind.ID}); err != nil {
				t.Fatal(err)
			}
			cutoff := f.clock.Now()
			f.apps.setRound(f.round, func(r *app.RoundInfo) { r.DonationCutoff = cutoff })
			f.clock.Add(time.Minute)
			if _, err := f.svc.ConfirmDeposit(federation, deposit(late.ID, "BANK-2", 300, f.clock.Now())); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.ConfirmDeposit(federation, deposit(refunded.ID, "BANK-3", 200, f.clock.Now())); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.RefundPledge(federation, app.RefundPledge{PledgeID: refunded.ID, Reason: "late"}); err != nil {
				t.Fatal(err)
			}
			if v, err := f.svc.VerifyLedger(auditor); err != nil || !v.Balanced {
				t.Fatalf("before tampering: %v %+v", err, v)
			}
			ids := []string{p.ID, late.ID, unpaid.ID, refunded.ID, kind.ID}
			if tag, err := f.pool.Exec(ctx, tamper.sql, ids[tamper.pledge]); err != nil || tag.RowsAffected() != 1 {
				t.Fatal(err)
			}
			if v, err := f.svc.VerifyLedger(auditor); err != nil || v.Balanced {
				t.Fatalf("tampered pledge not caught: %v %+v", err, v)
			}
		})
	}
}

// Racing confirmations of one pledge under different bank references, and racing refunds and redirections of
// one donation: exactly one of each wins, and the money moves once.
func TestRacesForOnePledge(t *testing.T) {
	f := setup(t)
	donorCtx, d := f.donor(t, "donor-1")
	p := f.pledge(t, donorCtx, d.ID, domain.KindCash, 1_000)
	race := func(n int, fn func(i int) error) (ok int, reasons map[string]int) {
		reasons = map[string]int{}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := fn(i)
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					ok++
				} else {
					reasons[reason(err)]++
				}
			}()
		}
		wg.Wait()
		return ok, reasons
	}
	ok, reasons := race(8, func(i int) error {
		_, err := f.svc.ConfirmDeposit(federation, deposit(p.ID, fmt.Sprint("BANK-R", i), 1_000, f.clock.Now()))
		return err
	})
	if ok != 1 || reasons["PLEDGE_STATE_INVALID"] != 7 {
		t.Fatalf("confirmations under different references: %d ok, %v", ok, reasons)
	}
	f.apps.setStage(f.app, "NOT_SELECTED")
	target := f.apps.add(f.round, "SELECTED", 10_000)
	ok, reasons = race(8, func(i int) error {
		var err error
		if i%2 == 0 {
			_, err = f.svc.RefundPledge(federation, app.RefundPledge{PledgeID: p.ID, Reason: "not selected"})
		} else {
			_, err = f.svc.RedirectPledge(operator, app.RedirectPledge{PledgeID: p.ID, TargetApplicationID: target, Reason: "donor's choice"})
		}
		return err
	})
	if ok != 1 || reasons["PLEDGE_STATE_INVALID"] != 7 {
		t.Fatalf("refunds and redirections: %d ok, %v", ok, reasons)
	}
	b := storedBalances(t, f)
	if posted(b[domain.AccountBank]) != -1_000 || posted(b[domain.AccountRefunds])+posted(b[domain.EarmarkedAccount(target)]) != 1_000 ||
		posted(b[domain.EarmarkedAccount(f.app)]) != 0 {
		t.Fatalf("balances: %+v", b)
	}
	if v, err := f.svc.VerifyLedger(federation); err != nil || !v.Balanced || v.Transfers != 2 {
		t.Fatalf("verify: %v %+v", err, v)
	}
}

// Every money-changing call records why: a refund or redirection records the grounds it was allowed on (late,
// or the project's stage) and the amount, even when the caller gave no reason.
func TestReturnsRecordWhy(t *testing.T) {
	f := setup(t)
	donorCtx, d := f.donor(t, "donor-1")
	p := f.pledge(t, donorCtx, d.ID, domain.KindCash, 1_000)
	q := f.pledge(t, donorCtx, d.ID, domain.KindCash, 2_000)
	for _, x := range []domain.Pledge{p, q} {
		if _, err := f.svc.ConfirmDeposit(federation, deposit(x.ID, "BANK-"+x.ID, x.AmountFen, f.clock.Now())); err != nil {
			t.Fatal(err)
		}
	}
	f.apps.setStage(f.app, "NOT_SELECTED")
	if _, err := f.svc.RefundPledge(federation, app.RefundPledge{Key: key("req-refund"), PledgeID: p.ID}); err != nil {
		t.Fatal(err)
	}
	target := f.apps.add(f.round, "SELECTED", 10_000)
	if _, err := f.svc.RedirectPledge(operator, app.RedirectPledge{Key: key("req-redirect"), PledgeID: q.ID, TargetApplicationID: target}); err != nil {
		t.Fatal(err)
	}
	for req, want := range map[string]string{"req-refund": "amount_fen=1000", "req-redirect": "target=" + target + " target_stage=SELECTED amount_fen=2000"} {
		var detail, by string
		if err := f.pool.QueryRow(context.Background(), `SELECT detail, by_subject FROM pledge_events WHERE request_id = $1`, req).Scan(&detail, &by); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(detail, " stage=NOT_SELECTED") || !strings.Contains(detail, "late=false") || !strings.Contains(detail, want) || by == "" {
			t.Fatalf("%s: event %q by %q does not say why", req, detail, by)
		}
	}
}

// The audit trail of pledges (who, when, why, request ID) is append-only in the database, like the ledger.
func TestPledgeEventsAreAppendOnly(t *testing.T) {
	f := setup(t)
	donorCtx, d := f.donor(t, "donor-1")
	p := f.pledge(t, donorCtx, d.ID, domain.KindCash, 100)
	confirm := deposit(p.ID, "BANK-1", 100, f.clock.Now())
	confirm.Key = key("req-1")
	if _, err := f.svc.ConfirmDeposit(federation, confirm); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, sql := range []string{`UPDATE pledge_events SET by_subject = 'someone else'`, `DELETE FROM pledge_events`, `TRUNCATE pledge_events`} {
		if _, err := f.pool.Exec(ctx, sql); err == nil {
			t.Fatalf("%s was allowed", sql)
		}
	}
	var n int
	if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM pledge_events WHERE by_subject = 'federation' AND request_id = 'req-1'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("audit trail changed: %d %v", n, err)
	}
}
