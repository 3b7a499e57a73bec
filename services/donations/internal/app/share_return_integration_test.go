package app_test

import (
	"context"
	"sync"
	"testing"

	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/pkg/ledger"
	"github.com/commonweal/commonweal/services/donations/internal/app"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

func giveBack(transferID, applicationID string, amount int64, paymentRef string) app.ReturnDonationShare {
	return app.ReturnDonationShare{TransferID: transferID, ApplicationID: applicationID, AmountFen: amount, PaymentReference: paymentRef,
		Reason: "clawback of plan P returned"}
}

// TestShareReturns: a donation share coming back from a project is booked into its earmarked account once per
// transfer ID and per payment reference, never more than was paid out to it, and the ledger reconciles with
// the returns.
func TestShareReturns(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	donorCtx, d := f.donor(t, "donor-1")
	p := f.pledge(t, donorCtx, d.ID, domain.KindCash, 1_000)
	if _, err := f.svc.ConfirmDeposit(federation, deposit(p.ID, "B", 1_000, f.clock.Now())); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ReserveDonationShare(funding, reserve("r1", f.app, 600, "plan P tranche 1")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ReturnDonationShare(funding, giveBack("ret-0", f.app, 1, "RET-0")); reason(err) != "RETURN_EXCEEDS_PAID_OUT" {
		t.Fatalf("a return of a share reserved, not paid out: %v", err)
	}
	if _, err := f.svc.ResolveDonationShare(funding, resolve("p1", "r1", true)); err != nil {
		t.Fatal(err)
	}

	// Refused before anything is booked: who may not, and bad input.
	if _, err := f.svc.ReturnDonationShare(as("service:reviews", identity.Service), giveBack("ret-1", f.app, 400, "RET-1")); reason(err) != "PERMISSION_DENIED" {
		t.Fatalf("reviews returns: %v", err)
	}
	for what, bad := range map[string]struct {
		cmd  app.ReturnDonationShare
		want string
	}{
		"no transfer ID":            {giveBack("", f.app, 400, "RET-1"), "INVALID_TRANSFER_ID"},
		"the pledges' namespace":    {giveBack("pledge:x:confirm", f.app, 400, "RET-1"), "INVALID_TRANSFER_ID"},
		"not an application ID":     {giveBack("ret-1", "app-1", 400, "RET-1"), "INVALID_ID"},
		"no amount":                 {giveBack("ret-1", f.app, 0, "RET-1"), "INVALID_AMOUNT"},
		"a negative amount":         {giveBack("ret-1", f.app, -400, "RET-1"), "INVALID_AMOUNT"},
		"more than exists":          {giveBack("ret-1", f.app, domain.MaxAmountFen+1, "RET-1"), "INVALID_AMOUNT"},
		"no payment reference":      {giveBack("ret-1", f.app, 400, "  "), "INVALID_PAYMENT_REFERENCE"},
		"more than was paid out":    {giveBack("ret-1", f.app, 601, "RET-1"), "RETURN_EXCEEDS_PAID_OUT"},
		"from a project never paid": {giveBack("ret-1", ids.New(), 1, "RET-1"), "RETURN_EXCEEDS_PAID_OUT"},
	} {
		if _, err := f.svc.ReturnDonationShare(funding, bad.cmd); reason(err) != bad.want {
			t.Errorf("%s: %v, want %s", what, err, bad.want)
		}
	}
	var n int
	if err := f.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM share_returns) + (SELECT count(*) FROM ledger_transfers WHERE debit_account = 'returned_from_projects')`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("a refused return left %d rows: %v", n, err)
	}

	// Booked once, however often it is sent, even all at once.
	first, err := f.svc.ReturnDonationShare(funding, giveBack("ret-1", f.app, 400, " RET-1 "))
	if err != nil || first.Kind != ledger.Posted || first.Debit != "returned_from_projects" || first.Credit != "earmarked:"+f.app || first.AmountFen != 400 ||
		first.RequestedBy != "service:funding" {
		t.Fatalf("return: %v %+v", err, first)
	}
	var wg sync.WaitGroup
	answers := make([]ledger.Transfer, 8)
	errs := make([]error, 8)
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i], errs[i] = f.svc.ReturnDonationShare(funding, giveBack("ret-1", f.app, 400, "RET-1"))
		}()
	}
	wg.Wait()
	for i, got := range answers {
		if errs[i] != nil || !got.SameBody(first) || !got.CreatedAt.Equal(first.CreatedAt) {
			t.Fatalf("retry %d: %v %+v, first %+v", i, errs[i], got, first)
		}
	}
	if _, err := f.svc.ReturnDonationShare(funding, giveBack("ret-1", f.app, 300, "RET-1")); reason(err) != "TRANSFER_ID_REUSED" {
		t.Fatalf("the transfer ID with another amount: %v", err)
	}
	if _, err := f.svc.ReturnDonationShare(funding, giveBack("ret-1", f.app, 400, "RET-9")); reason(err) != "TRANSFER_ID_REUSED" {
		t.Fatalf("the transfer ID with another payment reference: %v", err)
	}
	if _, err := f.svc.ReturnDonationShare(federation, giveBack("ret-2", f.app, 100, "RET-1")); reason(err) != "PAYMENT_REFERENCE_CONFLICT" {
		t.Fatalf("the payment reference under another transfer ID: %v", err)
	}
	// What is left of the 600 paid out, and no more; the federation may book it too.
	if _, err := f.svc.ReturnDonationShare(federation, giveBack("ret-2", f.app, 201, "RET-2")); reason(err) != "RETURN_EXCEEDS_PAID_OUT" {
		t.Fatalf("beyond what was paid out: %v", err)
	}
	if _, err := f.svc.ReturnDonationShare(federation, giveBack("ret-2", f.app, 200, "RET-2")); err != nil {
		t.Fatal(err)
	}

	// The money is earmarked to the project again: 1,000 − 600 + 400 + 200.
	b := storedBalances(t, f)
	if posted(b[domain.EarmarkedAccount(f.app)]) != 1_000 || posted(b[domain.AccountPayoutPending]) != 600 || posted(b[domain.AccountReturnedFromProjects]) != -600 {
		t.Fatalf("balances: %+v", b)
	}
	if _, err := f.svc.ReserveDonationShare(funding, reserve("r2", f.app, 1_000, "plan Q tranche 1")); err != nil {
		t.Fatalf("the returned money cannot be reserved again: %v", err)
	}
	v, err := f.svc.VerifyLedger(as("auditor", identity.Auditor))
	if err != nil || !v.Balanced || v.Transfers != 6 {
		t.Fatalf("verify: %v %+v", err, v)
	}
	for _, sql := range []string{`UPDATE share_returns SET amount_fen = 1`, `DELETE FROM share_returns`, `TRUNCATE share_returns`} {
		if _, err := f.pool.Exec(ctx, sql); err == nil {
			t.Fatalf("%s was allowed", sql)
		}
	}
}
