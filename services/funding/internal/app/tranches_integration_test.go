package app_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/funding/internal/app"
	"github.com/commonweal/commonweal/services/funding/internal/domain"
)

// onePlan is a round with one selected project (budget 300,000.00, cash 100,000.00: government 200,000.00)
// and its plan.
func onePlan(t *testing.T) (*fixture, domain.Plan) {
	t.Helper()
	f := setup(t)
	a, _ := f.project(30_000_000, 10_000_000, 0)
	f.signOff([]string{a})
	f.allocate(t, 50_000_000, "A-1")
	return f, f.plans(t)[a]
}

func TestContractAndPayee(t *testing.T) {
	f, p := onePlan(t)
	team, stranger := applicant(p.OrgID), applicant(ids.New())
	if _, err := f.svc.SignContract(operator, app.SignContract{PlanID: p.ID, Party: domain.PartyOrganizer}); reason(err) != "PARTY_NOT_CALLER" {
		t.Fatalf("operator signs for the organizer: %v", err)
	}
	if _, err := f.svc.SignContract(stranger, app.SignContract{PlanID: p.ID, Party: domain.PartyTeam}); reason(err) != "NOT_FOUND" {
		t.Fatalf("another organisation signs for the team: %v", err)
	}
	if _, err := f.svc.RequestTranche(operator, app.TrancheCommand{PlanID: p.ID, Number: 1}); reason(err) != "CONTRACT_NOT_SIGNED" {
		t.Fatalf("tranche 1 before any signature: %v", err)
	}
	for party, ctx := range map[domain.Party]context.Context{domain.PartyOrganizer: organizer, domain.PartyTeam: team} {
		if _, err := f.svc.SignContract(ctx, app.SignContract{PlanID: p.ID, Party: party}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.RequestTranche(operator, app.TrancheCommand{PlanID: p.ID, Number: 1}); reason(err) != "CONTRACT_NOT_SIGNED" || !strings.Contains(err.Error(), "OPERATOR") {
		t.Fatalf("tranche 1 before the operator signed: %v", err)
	}
	got, err := f.svc.SignContract(operator, app.SignContract{Key: key("sign-op"), PlanID: p.ID, Party: domain.PartyOperator})
	if err != nil || got.State != domain.PlanActive || len(got.Signatures) != 3 {
		t.Fatalf("third signature: %v %+v", err, got)
	}
	if _, err := f.svc.RequestTranche(operator, app.TrancheCommand{PlanID: p.ID, Number: 1}); reason(err) != "PAYEE_NOT_CONFIRMED" {
		t.Fatalf("tranche 1 before the payee: %v", err)
	}
	const number = "6222 0200 1234 5678 901"
	if _, err := f.svc.SetPayee(operator, app.SetPayee{PlanID: p.ID, Bank: "b", AccountName: "n", AccountNumber: "12345678"}); reason(err) != "NOT_FOUND" {
		t.Fatalf("the operator records the payee: %v", err)
	}
	if _, err := f.svc.SetPayee(team, app.SetPayee{PlanID: p.ID, Bank: "b", AccountName: "n", AccountNumber: "12ab"}); reason(err) != "INVALID_PAYEE" {
		t.Fatalf("bad number: %v", err)
	}
	got, err = f.svc.SetPayee(team, app.SetPayee{Key: key("payee-1"), PlanID: p.ID, Bank: "Bank of Weinan", AccountName: "Linwei Centre", AccountNumber: number})
	if err != nil || got.Payee.AccountNumber != "6222020012345678901" || got.Payee.Confirmed {
		t.Fatalf("owner sets the payee: %v %+v", err, got.Payee)
	}
	// Sealed at rest: neither the plan row nor the request record holds the number.
	if n := f.count(t, `SELECT count(*) FROM plans WHERE position('12345678'::bytea in coalesce(payee_account_sealed, '')) > 0 OR payee_account_masked LIKE '%12345678%'`); n != 0 {
		t.Fatal("the account number is stored in clear")
	}
	if n := f.count(t, `SELECT count(*) FROM idempotency_keys WHERE convert_from(response, 'UTF8') LIKE '%12345678%'`); n != 0 {
		t.Fatal("the account number is in a request record")
	}
	// Masked for everyone but the owner and the organizer, retries included.
	for ctx, want := range map[context.Context]string{team: "6222020012345678901", organizer: "6222020012345678901", operator: "6222***********8901", finance: "6222***********8901"} {
		if got, err := f.svc.GetPlan(ctx, p.ApplicationID); err != nil || got.Payee.AccountNumber != want {
			t.Errorf("payee seen as %q (%v), want %q", got.Payee.AccountNumber, err, want)
		}
	}
	if got, err := f.svc.SetPayee(team, app.SetPayee{Key: key("payee-1"), PlanID: p.ID, Bank: "Bank of Weinan", AccountName: "Linwei Centre", AccountNumber: number}); err != nil || got.Payee.AccountNumber != "6222020012345678901" {
		t.Fatalf("retried payee: %v %+v", err, got.Payee)
	}
	if got, err = f.svc.ConfirmPayee(operator, app.PlanCommand{PlanID: p.ID}); err != nil || !got.Payee.Confirmed || got.Payee.AccountNumber != "6222***********8901" {
		t.Fatalf("confirm: %v %+v", err, got.Payee)
	}
	// The same account again keeps the confirmation; another withdraws it.
	if got, _ = f.svc.SetPayee(team, app.SetPayee{PlanID: p.ID, Bank: "Bank of Weinan", AccountName: "Linwei Centre", AccountNumber: number}); !got.Payee.Confirmed {
		t.Fatal("the same account again withdrew the confirmation")
	}
	if got, _ = f.svc.SetPayee(team, app.SetPayee{PlanID: p.ID, Bank: "Bank of Weinan", AccountName: "Linwei Centre", AccountNumber: "6222020012345678902"}); got.Payee.Confirmed {
		t.Fatal("another account kept the confirmation")
	}
	if n := f.count(t, `SELECT count(*) FROM plan_events WHERE plan_id = $1 AND action = 'CONTRACT_SIGNED'`, p.ID); n != 3 {
		t.Fatalf("%d signature events", n)
	}
}

// TestGates: tranche 2 needs the mid-term evaluation, tranche 3 the final acceptance, asked of supervision;
// while supervision cannot answer, the request is refused (GATE_UNVERIFIABLE), never assumed.
func TestGates(t *testing.T) {
	f, p := onePlan(t)
	p = f.activate(t, p)
	f.payTranche(t, p, 1)
	req := app.TrancheCommand{PlanID: p.ID, Number: 2}
	f.peers.supervisionDown = true
	if _, err := f.svc.RequestTranche(operator, req); reason(err) != "GATE_UNVERIFIABLE" {
		t.Fatalf("supervision missing: %v", err)
	}
	f.peers.supervisionDown = false
	if _, err := f.svc.RequestTranche(operator, req); reason(err) != "MIDTERM_NOT_PASSED" {
		t.Fatalf("mid-term not passed: %v", err)
	}
	f.peers.evaluations[p.ApplicationID+"/"+domain.EvaluationMidterm] = true
	f.payTranche(t, p, 2)
	if _, err := f.svc.RequestTranche(operator, app.TrancheCommand{PlanID: p.ID, Number: 3}); reason(err) != "FINAL_ACCEPTANCE_NOT_PASSED" {
		t.Fatalf("final acceptance not passed: %v", err)
	}
	f.peers.evaluations[p.ApplicationID+"/"+domain.EvaluationFinalAcceptance] = true
	f.payTranche(t, p, 3)
	got, err := f.svc.GetPlan(operator, p.ApplicationID)
	if err != nil || got.State != domain.PlanCompleted || got.DisbursedFen() != 30_000_000 {
		t.Fatalf("completed plan: %v %+v", err, got)
	}
	if pool := f.poolNow(t); pool.PaidFen != 20_000_000 || pool.CommittedFen != 0 || pool.AvailableFen != 30_000_000 {
		t.Fatalf("pool %+v", pool)
	}
	if n, releases := f.peers.releasedFen(p.ApplicationID); n != 10_000_000 || releases != 3 {
		t.Fatalf("donations released %d in %d releases", n, releases)
	}
	f.verify(t)
}

// TestPaymentsSurviveFailures pays every share of every tranche while the donations service fails at each
// point of the payment (before and after the reservation, before and after the release: "after" is a call
// that took effect but whose answer was lost), retrying after each failure: every share is paid once, the
// donations side reserved and released each tranche once, and the ledger verifies.
func TestPaymentsSurviveFailures(t *testing.T) {
	f, p := onePlan(t)
	p = f.activate(t, p)
	f.peers.evaluations[p.ApplicationID+"/"+domain.EvaluationMidterm] = true
	f.peers.evaluations[p.ApplicationID+"/"+domain.EvaluationFinalAcceptance] = true
	points := []struct {
		call  string
		after bool
	}{{"reserve", false}, {"reserve", true}, {"release", false}, {"release", true}}
	failures := 0
	for n := 1; n <= 3; n++ {
		cmd := app.TrancheCommand{PlanID: p.ID, Number: n}
		if _, err := f.svc.RequestTranche(operator, cmd); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.ApproveTranche(organizer, cmd); err != nil {
			t.Fatal(err)
		}
		pay := app.PayTranche{Key: key(fmt.Sprint("don-", n)), PlanID: p.ID, Number: n, Share: domain.ShareDonation, PaymentReference: fmt.Sprint("DON-", n)}
		for _, point := range points {
			failed := false
			f.peers.fail = func(call string, after bool) error {
				if call == point.call && after == point.after && !failed {
					failed = true
					return errLost
				}
				return nil
			}
			if _, err := f.svc.PayTranche(federation, pay); reason(err) != "DONATIONS_UNAVAILABLE" {
				t.Fatalf("tranche %d, failure at %+v: %v", n, point, err)
			}
			failures++
		}
		f.peers.fail = nil
		for range 2 { // the retry that succeeds, then one more
			got, err := f.svc.PayTranche(federation, pay)
			if err != nil || !got.Tranche.DonationPaid {
				t.Fatalf("tranche %d: retry: %v %+v", n, err, got)
			}
		}
		gov := app.PayTranche{PlanID: p.ID, Number: n, Share: domain.ShareGovernment, PaymentReference: fmt.Sprint("GOV-", n)}
		for range 3 {
			got, err := f.svc.PayTranche(finance, gov)
			if err != nil || got.Tranche.State != domain.TranchePaid {
				t.Fatalf("tranche %d: government: %v %+v", n, err, got)
			}
		}
	}
	if failures != 12 {
		t.Fatalf("%d failures injected", failures)
	}
	if amount, releases := f.peers.releasedFen(p.ApplicationID); amount != 10_000_000 || releases != 3 || len(f.peers.reserved) != 3 {
		t.Fatalf("donations: %d fen in %d releases, %d reservations", amount, releases, len(f.peers.reserved))
	}
	if n := f.count(t, `SELECT count(*) FROM ledger_transfers WHERE kind = 'POST_PENDING'`); n != 3 {
		t.Fatalf("%d government payments booked", n)
	}
	if n := f.count(t, `SELECT count(*) FROM plan_events WHERE action = 'DONATION_SHARE_PAID'`); n != 3 {
		t.Fatalf("%d donation payment events", n)
	}
	f.verify(t)
}

func TestPayRules(t *testing.T) {
	f, p := onePlan(t)
	p = f.activate(t, p)
	gov := app.PayTranche{PlanID: p.ID, Number: 1, Share: domain.ShareGovernment, PaymentReference: "GOV-1"}
	if _, err := f.svc.PayTranche(finance, gov); reason(err) != "TRANCHE_NOT_APPROVED" {
		t.Fatalf("pay before approval: %v", err)
	}
	if _, err := f.svc.PayTranche(federation, gov); reason(err) != "SHARE_NOT_CALLERS" {
		t.Fatalf("federation pays the government share: %v", err)
	}
	don := app.PayTranche{PlanID: p.ID, Number: 1, Share: domain.ShareDonation, PaymentReference: "DON-1"}
	if _, err := f.svc.PayTranche(finance, don); reason(err) != "SHARE_NOT_CALLERS" {
		t.Fatalf("finance pays the donation share: %v", err)
	}
	cmd := app.TrancheCommand{PlanID: p.ID, Number: 1}
	if _, err := f.svc.RequestTranche(operator, cmd); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ApproveTranche(organizer, cmd); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.PayTranche(finance, gov); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.PayTranche(finance, app.PayTranche{PlanID: p.ID, Number: 1, Share: domain.ShareGovernment, PaymentReference: "GOV-2"}); reason(err) != "SHARE_ALREADY_PAID" {
		t.Fatalf("paid again under another reference: %v", err)
	}
	// The donations service refuses (not enough earmarked cash): nothing is reserved, and the payment may
	// start again once the money is there.
	f.peers.earmark[p.ApplicationID] = 1
	if _, err := f.svc.PayTranche(federation, don); reason(err) != "INSUFFICIENT_FUNDS" {
		t.Fatalf("not enough earmarked cash: %v", err)
	}
	f.peers.earmark[p.ApplicationID] = 10_000_000
	if got, err := f.svc.PayTranche(federation, app.PayTranche{PlanID: p.ID, Number: 1, Share: domain.ShareDonation, PaymentReference: "DON-1b"}); err != nil || got.Tranche.State != domain.TranchePaid {
		t.Fatalf("paid once the cash is there: %v %+v", err, got)
	}
	// A payment reference pays one share only.
	f.peers.evaluations[p.ApplicationID+"/"+domain.EvaluationMidterm] = true
	cmd.Number = 2
	_, _ = f.svc.RequestTranche(operator, cmd)
	_, _ = f.svc.ApproveTranche(organizer, cmd)
	if _, err := f.svc.PayTranche(finance, app.PayTranche{PlanID: p.ID, Number: 2, Share: domain.ShareGovernment, PaymentReference: "GOV-1"}); reason(err) != "PAYMENT_REFERENCE_CONFLICT" {
		t.Fatalf("a reference used twice: %v", err)
	}
	// The database keeps a paid share paid, even if code forgot to check.
	if _, err := f.pool.Exec(context.Background(), `UPDATE tranches SET government_paid = false, government_ref = NULL, government_paid_at = NULL
		WHERE plan_id = $1 AND number = 1`, p.ID); err == nil {
		t.Fatal("the database let a paid share become unpaid")
	}
	f.verify(t)
}

// TestConcurrentPayments races payments of the same shares (same and different references) and a
// suspension: each share is paid at most once, and the ledger verifies.
func TestConcurrentPayments(t *testing.T) {
	f, p := onePlan(t)
	p = f.activate(t, p)
	cmd := app.TrancheCommand{PlanID: p.ID, Number: 1}
	_, _ = f.svc.RequestTranche(operator, cmd)
	_, _ = f.svc.ApproveTranche(organizer, cmd)
	var wg sync.WaitGroup
	results := make([]error, 24)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			switch i % 4 {
			case 0:
				_, err = f.svc.PayTranche(finance, app.PayTranche{PlanID: p.ID, Number: 1, Share: domain.ShareGovernment, PaymentReference: "GOV-1"})
			case 1:
				_, err = f.svc.PayTranche(finance, app.PayTranche{PlanID: p.ID, Number: 1, Share: domain.ShareGovernment, PaymentReference: fmt.Sprint("GOV-X", i)})
			case 2:
				_, err = f.svc.PayTranche(federation, app.PayTranche{PlanID: p.ID, Number: 1, Share: domain.ShareDonation, PaymentReference: "DON-1"})
			case 3:
				_, err = f.svc.SuspendPlan(organizer, app.PlanReason{PlanID: p.ID, Reason: "race"})
			}
			results[i] = err
		}()
	}
	wg.Wait()
	for i, err := range results {
		if e, ok := errs.As(err); err != nil && (!ok || e.Kind == errs.Internal) {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	got, err := f.svc.GetPlan(operator, p.ApplicationID)
	if err != nil {
		t.Fatal(err)
	}
	// Whichever won: a tranche cancelled by the suspension before any payment started was paid by no one;
	// otherwise its government share was paid once and its donation share at most once.
	tr := got.Tranches[0]
	amount, releases := f.peers.releasedFen(p.ApplicationID)
	posts := f.count(t, `SELECT count(*) FROM ledger_transfers WHERE kind = 'POST_PENDING'`)
	switch {
	case tr.State == domain.TrancheCancelled:
		if tr.GovernmentPaid || tr.DonationPaid || releases != 0 || posts != 0 {
			t.Fatalf("a cancelled tranche was paid: %+v, %d releases, %d posts", tr, releases, posts)
		}
	case !tr.GovernmentPaid || posts != 1:
		t.Fatalf("government share: %+v, %d posts", tr, posts)
	case releases > 1 || tr.DonationPaid != (releases == 1) || amount > 5_000_000:
		t.Fatalf("donation: paid %t, %d releases of %d fen", tr.DonationPaid, releases, amount)
	}
	t.Logf("tranche 1 ended %s (government paid %t, donation paid %t)", tr.State, tr.GovernmentPaid, tr.DonationPaid)
	f.verify(t)
}
