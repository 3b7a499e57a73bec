package domain

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/money"
)

// defaultTerms are DOMAIN.md's: ratio 1 : 2, match cap 500,000.00 and top-up cap 300,000.00 CNY, in fen.
var defaultTerms = money.Terms{RatioDonation: 1, RatioMatch: 2, MatchCapFen: 50_000_000, TopupCapFen: 30_000_000}

var defaultRules = []TrancheRule{{1, 50, GateContractSigned}, {2, 30, GateMidterm}, {3, 20, GateFinal}}

var t0 = time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)

func reason(err error) string {
	if e, ok := errs.As(err); ok {
		return e.Reason
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func plan(t *testing.T, budget, cash, inKind int64) Plan {
	t.Helper()
	p, err := NewPlan(PlanInput{ID: "p", RoundID: "r", ApplicationID: "a", OrgID: "o", Rank: 1, BudgetFen: budget, CashFen: cash, InKindFen: inKind,
		Terms: defaultTerms, Rules: defaultRules, CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestNewPlan: the quote takes cash and in kind together; the donation share is the cash (never more than the
// budget leaves); each source splits 50/30 rounded down to the fen, the last tranche takes the remainder.
func TestNewPlan(t *testing.T) {
	cases := []struct {
		name                          string
		budget, cash, inKind          int64
		donation, gov, match, topup   int64
		shortfall                     int64
		govTranches, donationTranches [3]int64
	}{
		// DOMAIN.md's worked examples (yuan × 100), all in cash.
		{"no donation: topped up", 20_000_000, 0, 0, 0, 20_000_000, 0, 20_000_000, 0, [3]int64{10_000_000, 6_000_000, 4_000_000}, [3]int64{}},
		{"top-up capped", 40_000_000, 0, 0, 0, 30_000_000, 0, 30_000_000, 10_000_000, [3]int64{15_000_000, 9_000_000, 6_000_000}, [3]int64{}},
		{"fully matched", 30_000_000, 10_000_000, 0, 10_000_000, 20_000_000, 20_000_000, 0, 0,
			[3]int64{10_000_000, 6_000_000, 4_000_000}, [3]int64{5_000_000, 3_000_000, 2_000_000}},
		{"match capped, then topped up", 100_000_000, 30_000_000, 0, 30_000_000, 70_000_000, 50_000_000, 20_000_000, 0,
			[3]int64{35_000_000, 21_000_000, 14_000_000}, [3]int64{15_000_000, 9_000_000, 6_000_000}},
		{"match limited by budget", 10_000_000, 8_000_000, 0, 8_000_000, 2_000_000, 2_000_000, 0, 0,
			[3]int64{1_000_000, 600_000, 400_000}, [3]int64{4_000_000, 2_400_000, 1_600_000}},
		// In kind counts in the quote but is not disbursed.
		{"in kind counted, not disbursed", 30_000_000, 4_000_000, 6_000_000, 4_000_000, 20_000_000, 20_000_000, 0, 0,
			[3]int64{10_000_000, 6_000_000, 4_000_000}, [3]int64{2_000_000, 1_200_000, 800_000}},
		// Donations above the budget: no government share, and the plan disburses no more than the budget.
		{"cash above budget", 10_000_000, 12_000_000, 0, 10_000_000, 0, 0, 0, 0, [3]int64{}, [3]int64{5_000_000, 3_000_000, 2_000_000}},
		{"cash and in kind above budget", 10_000_000, 7_000_000, 5_000_000, 7_000_000, 0, 0, 0, 0, [3]int64{}, [3]int64{3_500_000, 2_100_000, 1_400_000}},
		// Amounts not divisible by 100: 50% and 30% rounded down, the last takes the remainder.
		// B 1,000,099, D 333,333: gap 666,766, match 666,666, top-up 100; 50% of 666,766 = 333,383, 30% =
		// 200,029.8 → 200,029, last 133,354; of 333,333: 166,666.5 → 166,666, 99,999.9 → 99,999, last 66,668.
		{"odd fen", 1_000_099, 333_333, 0, 333_333, 666_766, 666_666, 100, 0,
			[3]int64{333_383, 200_029, 133_354}, [3]int64{166_666, 99_999, 66_668}},
		{"one fen", 1, 0, 0, 0, 1, 0, 1, 0, [3]int64{0, 0, 1}, [3]int64{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := plan(t, c.budget, c.cash, c.inKind)
			if p.DonationFen != c.donation || p.GovernmentFen != c.gov || p.MatchFen != c.match || p.TopupFen != c.topup || p.ShortfallFen != c.shortfall ||
				p.InKindFen != c.inKind || p.State != PlanContracting {
				t.Fatalf("plan %+v", p)
			}
			if p.TotalFen() > c.budget {
				t.Fatalf("total %d above budget %d", p.TotalFen(), c.budget)
			}
			var gsum, dsum int64
			for i, tr := range p.Tranches {
				if tr.Number != i+1 || tr.GovernmentFen != c.govTranches[i] || tr.DonationFen != c.donationTranches[i] || tr.State != TranchePending {
					t.Fatalf("tranche %d: %+v, want government %d donation %d", i+1, tr, c.govTranches[i], c.donationTranches[i])
				}
				gsum, dsum = gsum+tr.GovernmentFen, dsum+tr.DonationFen
			}
			if gsum != p.GovernmentFen || dsum != p.DonationFen {
				t.Fatalf("tranches add up to %d/%d, the sources are %d/%d", gsum, dsum, p.GovernmentFen, p.DonationFen)
			}
		})
	}
	if _, err := NewPlan(PlanInput{BudgetFen: 0, Terms: defaultTerms, Rules: defaultRules}); reason(err) != "BUDGET_NOT_POSITIVE" {
		t.Fatalf("zero budget: %v", err)
	}
	if _, err := NewPlan(PlanInput{BudgetFen: 100, Terms: defaultTerms, Rules: []TrancheRule{{1, 50, GateContractSigned}}}); reason(err) != "INVALID_TRANCHE_PERCENTS" {
		t.Fatalf("tranches not adding up to 100: %v", err)
	}
	// Rules in any order give tranches in number order.
	p, err := NewPlan(PlanInput{BudgetFen: 100, Terms: defaultTerms, Rules: []TrancheRule{defaultRules[2], defaultRules[0], defaultRules[1]}})
	if err != nil || p.Tranches[0].Number != 1 || p.Tranches[0].GovernmentFen != 50 || p.Tranches[2].Gate != GateFinal {
		t.Fatalf("rules out of order: %v %+v", err, p.Tranches)
	}
}

// active is a plan signed by all three parties with a confirmed payee.
func active(t *testing.T, budget, cash int64) Plan {
	t.Helper()
	p := plan(t, budget, cash, 0)
	for _, party := range Parties {
		if err := p.Sign(party); err != nil {
			t.Fatal(err)
		}
	}
	payee, err := NewPayee("Bank of Weinan", "Linwei Social Work Centre", "6222 0000 1111 2222")
	if err != nil {
		t.Fatal(err)
	}
	if err := p.SetPayee(payee); err != nil {
		t.Fatal(err)
	}
	if err := p.ConfirmPayee(); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestContractAndPayee(t *testing.T) {
	p := plan(t, 30_000_000, 10_000_000, 0)
	if _, err := p.CheckRequest(1); reason(err) != "CONTRACT_NOT_SIGNED" {
		t.Fatalf("request before signatures: %v", err)
	}
	if err := p.Sign("BOSS"); reason(err) != "INVALID_PARTY" {
		t.Fatalf("unknown party: %v", err)
	}
	for i, party := range Parties {
		if err := p.Sign(party); err != nil {
			t.Fatal(err)
		}
		if err := p.Sign(party); err != nil || len(p.Signatures) != i+1 {
			t.Fatalf("signing twice: %v %v", err, p.Signatures)
		}
		if want := map[bool]PlanState{true: PlanActive, false: PlanContracting}[i == 2]; p.State != want {
			t.Fatalf("after %d signatures: %s", i+1, p.State)
		}
	}
	if _, err := p.CheckRequest(1); reason(err) != "PAYEE_NOT_CONFIRMED" {
		t.Fatalf("request without payee: %v", err)
	}
	if err := p.ConfirmPayee(); reason(err) != "PAYEE_NOT_SET" {
		t.Fatalf("confirm without payee: %v", err)
	}
	for _, bad := range [][3]string{{"", "x", "12345678"}, {"b", "", "12345678"}, {"b", "x", "1234567"}, {"b", "x", "12345678a"}, {"b", "x", "1234567890123456789012345678901"}} {
		if _, err := NewPayee(bad[0], bad[1], bad[2]); reason(err) != "INVALID_PAYEE" {
			t.Fatalf("payee %q: %v", bad, err)
		}
	}
	payee, _ := NewPayee(" Bank ", "Centre", "6222 0000 1111 2222 333")
	if payee.AccountNumber != "6222000011112222333" {
		t.Fatalf("number normalised to %q", payee.AccountNumber)
	}
	if payee.Masked != "6222***********2333" || payee.Bank != "Bank" {
		t.Fatalf("payee %+v", payee)
	}
	if err := p.SetPayee(payee); err != nil {
		t.Fatal(err)
	}
	if err := p.ConfirmPayee(); err != nil || !p.Payee.Confirmed {
		t.Fatalf("confirm: %v", err)
	}
	if _, err := p.CheckRequest(1); err != nil {
		t.Fatalf("request once signed and confirmed: %v", err)
	}
	// Setting the payee again withdraws the confirmation.
	if err := p.SetPayee(payee); err != nil || p.Payee.Confirmed {
		t.Fatalf("payee set again: %v %+v", err, p.Payee)
	}
}

func TestMaskAccount(t *testing.T) {
	for in, want := range map[string]string{"": "", "1234": "****", "12345678": "****5678", "123456789012345": "***********2345",
		"1234567890123456": "1234********3456", "6222000011112222333": "6222***********2333"} {
		if got := MaskAccount(in); got != want {
			t.Errorf("MaskAccount(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTranchesGatesAndPayments(t *testing.T) {
	p := active(t, 30_000_000, 10_000_000)
	if _, err := p.CheckRequest(4); reason(err) != "TRANCHE_NOT_FOUND" {
		t.Fatalf("tranche 4: %v", err)
	}
	if _, err := p.CheckRequest(2); reason(err) != "PREVIOUS_TRANCHE_NOT_PAID" {
		t.Fatalf("tranche 2 first: %v", err)
	}
	if err := p.ApproveTranche(1, t0, "org"); reason(err) != "TRANCHE_STATE_INVALID" {
		t.Fatalf("approve before request: %v", err)
	}
	if err := p.RequestTranche(1, false, t0, "op"); err != nil {
		t.Fatalf("tranche 1 needs no evaluation: %v", err)
	}
	if _, err := p.PayGovernment(1, "GOV-1", t0); reason(err) != "TRANCHE_NOT_APPROVED" {
		t.Fatalf("pay before approval: %v", err)
	}
	if err := p.ApproveTranche(1, t0, "org"); err != nil {
		t.Fatal(err)
	}
	if err := p.ApproveTranche(1, t0, "org"); err != nil {
		t.Fatalf("approving again: %v", err)
	}
	if paid, err := p.PayGovernment(1, "GOV-1", t0); err != nil || !paid {
		t.Fatalf("pay government: %v %v", paid, err)
	}
	if paid, err := p.PayGovernment(1, "GOV-1", t0); err != nil || paid {
		t.Fatalf("retried payment: %v %v", paid, err)
	}
	if _, err := p.PayGovernment(1, "GOV-2", t0); reason(err) != "SHARE_ALREADY_PAID" {
		t.Fatalf("second payment under another reference: %v", err)
	}
	if p.Tranches[0].State != TrancheApproved {
		t.Fatalf("paid with only the government share: %+v", p.Tranches[0])
	}
	// The donation share: started (intent recorded), then finished; another reference meanwhile is refused.
	if step, err := p.DonationPayment(1, "DON-1"); err != nil || step != DonationStart {
		t.Fatalf("donation step: %v %v", step, err)
	}
	if err := p.FinishDonation(1, "DON-1", t0); reason(err) != "TRANCHE_STATE_INVALID" {
		t.Fatalf("finish before start: %v", err)
	}
	if err := p.StartDonation(1, "DON-1"); err != nil {
		t.Fatal(err)
	}
	if step, err := p.DonationPayment(1, "DON-1"); err != nil || step != DonationInFlight {
		t.Fatalf("in flight: %v %v", step, err)
	}
	if _, err := p.DonationPayment(1, "DON-X"); reason(err) != "PAYMENT_IN_PROGRESS" {
		t.Fatalf("another reference in flight: %v", err)
	}
	if err := p.FinishDonation(1, "DON-1", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if tr := p.Tranches[0]; tr.State != TranchePaid || !tr.PaidAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("tranche 1 after both shares: %+v", tr)
	}
	if step, err := p.DonationPayment(1, "DON-1"); err != nil || step != DonationDone {
		t.Fatalf("donation after payment: %v %v", step, err)
	}
	if _, err := p.DonationPayment(1, "DON-2"); reason(err) != "SHARE_ALREADY_PAID" {
		t.Fatalf("donation under another reference: %v", err)
	}
	if p.DisbursedFen() != 15_000_000 {
		t.Fatalf("disbursed %d", p.DisbursedFen())
	}
	// Gates 2 and 3 need supervision's evaluations.
	if ev, err := p.CheckRequest(2); err != nil || ev != EvaluationMidterm {
		t.Fatalf("tranche 2 gate: %q %v", ev, err)
	}
	if err := p.RequestTranche(2, false, t0, "op"); reason(err) != "MIDTERM_NOT_PASSED" {
		t.Fatalf("mid-term not passed: %v", err)
	}
	for _, n := range []int{2, 3} {
		ref := fmt.Sprint(n)
		if err := p.RequestTranche(n, true, t0, "op"); err != nil {
			t.Fatal(err)
		}
		if err := p.ApproveTranche(n, t0, "org"); err != nil {
			t.Fatal(err)
		}
		if _, err := p.PayGovernment(n, "GOV-"+ref, t0); err != nil {
			t.Fatal(err)
		}
		if err := p.StartDonation(n, "DON-"+ref); err != nil {
			t.Fatal(err)
		}
		if err := p.FinishDonation(n, "DON-"+ref, t0); err != nil {
			t.Fatal(err)
		}
		if n == 2 {
			if ev, err := p.CheckRequest(3); err != nil || ev != EvaluationFinalAcceptance {
				t.Fatalf("tranche 3 gate: %q %v", ev, err)
			}
			if err := p.RequestTranche(3, false, t0, "op"); reason(err) != "FINAL_ACCEPTANCE_NOT_PASSED" {
				t.Fatalf("final acceptance not passed: %v", err)
			}
		}
	}
	if p.State != PlanCompleted || p.DisbursedFen() != p.TotalFen() {
		t.Fatalf("after every tranche: %s, disbursed %d of %d", p.State, p.DisbursedFen(), p.TotalFen())
	}
}

func TestZeroShares(t *testing.T) {
	// No donation: the donation share is settled from the start; a tranche of zero government share too.
	p := active(t, 20_000_000, 0)
	_ = p.RequestTranche(1, false, t0, "op")
	_ = p.ApproveTranche(1, t0, "org")
	if err := p.StartDonation(1, "D"); reason(err) != "NO_SHARE_TO_PAY" {
		t.Fatalf("zero donation share: %v", err)
	}
	if _, err := p.PayGovernment(1, "G", t0); err != nil || p.Tranches[0].State != TranchePaid {
		t.Fatalf("government alone pays the tranche: %v %+v", err, p.Tranches[0])
	}
	q := active(t, 1, 0) // 1 fen: tranches 0, 0, 1
	_ = q.RequestTranche(1, false, t0, "op")
	if err := q.ApproveTranche(1, t0, "org"); err != nil || q.Tranches[0].State != TranchePaid {
		t.Fatalf("a tranche of nothing is paid on approval: %v %+v", err, q.Tranches[0])
	}
}

func TestAbortDonation(t *testing.T) {
	p := active(t, 30_000_000, 10_000_000)
	_ = p.RequestTranche(1, false, t0, "op")
	_ = p.ApproveTranche(1, t0, "org")
	_ = p.StartDonation(1, "D1")
	if err := p.AbortDonation(1, "D1"); err != nil || p.Tranches[0].DonationRef != "" {
		t.Fatalf("abort: %v %+v", err, p.Tranches[0])
	}
	if err := p.StartDonation(1, "D2"); err != nil {
		t.Fatalf("start again under another reference: %v", err)
	}
}

func TestErrorsMatchTheirSentinels(t *testing.T) {
	if !errors.Is(ErrPlanSuspended.With("x"), ErrPlanSuspended) {
		t.Fatal("a specific message no longer matches its sentinel")
	}
}
