package domain

import (
	"math"
	"strings"
	"testing"

	"github.com/commonweal/commonweal/pkg/ledger"
)

// Amounts beyond MaxAmountFen are refused everywhere money enters: a typo of a few extra digits must not be
// booked (one such deposit saturates the bank account and every later deposit fails).
func TestAmountsAreBounded(t *testing.T) {
	huge := MaxAmountFen + 1
	if _, err := NewPledge("d", "a", huge, KindCash, "AG-1", "", "SHORTLISTED", "PROMOTION"); reason(err) != "INVALID_AMOUNT" {
		t.Fatalf("huge pledge: %v", err)
	}
	if _, err := NewPledge("d", "a", MaxAmountFen, KindCash, "AG-1", "", "SHORTLISTED", "PROMOTION"); err != nil {
		t.Fatalf("pledge of the maximum: %v", err)
	}
	p := Pledge{Kind: KindCash, State: StatePledged}
	if err := p.ConfirmDeposit("B1", math.MaxInt64, at(1), at(2), at(20)); reason(err) != "INVALID_AMOUNT" {
		t.Fatalf("huge deposit: %v", err)
	}
	if err := p.ConfirmDeposit(strings.Repeat("B", MaxReferenceLen+1), 100, at(1), at(2), at(20)); reason(err) != "INVALID_BANK_REFERENCE" {
		t.Fatalf("bank reference of %d bytes: %v", MaxReferenceLen+1, err)
	}
	k := Pledge{Kind: KindInKind, State: StatePledged}
	if err := k.Appraise(huge, "", at(1)); reason(err) != "INVALID_AMOUNT" {
		t.Fatalf("huge appraisal: %v", err)
	}
}

// The naming-right comparison is exact for any non-negative int64 amounts (no overflow of total × 10000).
func TestQualifiesForNamingRightNoOverflow(t *testing.T) {
	tests := []struct {
		total, budget int64
		bps           int
		want          bool
	}{
		{1_000_000_000_000_000, 1_000_000_000_000_000, 5000, true}, // total × 10000 overflows int64
		{1_000_000_000_000_000, 2_000_000_000_000_000, 5000, true},
		{999_999_999_999_999, 2_000_000_000_000_000, 5000, false},
		{math.MaxInt64, math.MaxInt64, 10000, true},
		{math.MaxInt64 - 1, math.MaxInt64, 10000, false},
	}
	for _, tt := range tests {
		if got := QualifiesForNamingRight(tt.total, tt.budget, tt.bps); got != tt.want {
			t.Errorf("QualifiesForNamingRight(%d, %d, %d) = %v, want %v", tt.total, tt.budget, tt.bps, got, tt.want)
		}
	}
}

// TestReconcile: the ledger holds what the pledges and share returns say, and nothing else they own.
func TestReconcile(t *testing.T) {
	dep := Pledge{ID: "p", ApplicationID: "A", Kind: KindCash, State: StateDeposited, DepositedAmountFen: 800}
	confirm := ledger.Transfer{ID: "pledge:p:confirm", Kind: ledger.Posted, Debit: "bank", Credit: "earmarked:A", AmountFen: 800, Reference: "pledge:p"}
	refunded := dep
	refunded.State = StateRefunded
	refund := ledger.Transfer{ID: "pledge:p:refund", Kind: ledger.Posted, Debit: "earmarked:A", Credit: "refunds", AmountFen: 800, Reference: "pledge:p"}
	inflated := dep
	inflated.DepositedAmountFen = 8000
	lateFlag := dep
	lateFlag.Late = true
	pledged := dep
	pledged.State = StatePledged
	redirected := dep
	redirected.State, redirected.RedirectApplicationID = StateRedirected, "B"
	redirect := ledger.Transfer{ID: "pledge:p:redirect", Kind: ledger.Posted, Debit: "earmarked:A", Credit: "earmarked:B", AmountFen: 800, Reference: "pledge:p"}
	stopped := redirect
	stopped.Credit = "redirected"
	otherPledge := confirm
	otherPledge.Reference = "pledge:q"
	// A donation share paid out, and 300 fen of it back from the project.
	reserve := ledger.Transfer{ID: "r", Kind: ledger.Pending, Debit: "earmarked:A", Credit: "payout_pending", AmountFen: 500, Reference: "application:A"}
	release := ledger.Transfer{ID: "p1", Kind: ledger.PostPending, Debit: "earmarked:A", Credit: "payout_pending", AmountFen: 500, PendingID: "r", Reference: "application:A"}
	ret := ShareReturn{TransferID: "ret-1", PaymentReference: "RET-1", ApplicationID: "A", AmountFen: 300}
	back := ret.Transfer()
	more := ret
	more.AmountFen = 301
	unrecorded := back
	unrecorded.ID = "ret-2"
	shares := []ledger.Transfer{confirm, reserve, release, back}
	tests := []struct {
		name      string
		books     Books
		transfers []ledger.Transfer
		want      string // a substring of the mismatches, "" when balanced
	}{
		{"deposited and booked", Books{Pledges: []Pledge{dep}}, []ledger.Transfer{confirm}, ""},
		{"refunded and booked", Books{Pledges: []Pledge{refunded}}, []ledger.Transfer{confirm, refund}, ""},
		{"amount differs", Books{Pledges: []Pledge{inflated}}, []ledger.Transfer{confirm}, "pledge says bank → earmarked:A 8000"},
		{"account differs", Books{Pledges: []Pledge{lateFlag}}, []ledger.Transfer{confirm}, "pledge says bank → late:A"},
		{"booked for another pledge", Books{Pledges: []Pledge{dep}}, []ledger.Transfer{otherPledge}, "pledge says bank → earmarked:A 800"},
		{"deposited, not booked", Books{Pledges: []Pledge{dep}}, nil, "confirm transfer present=false"},
		{"refunded, refund not booked", Books{Pledges: []Pledge{refunded}}, []ledger.Transfer{confirm}, "refund transfer present=false"},
		{"booked, not confirmed", Books{Pledges: []Pledge{pledged}}, []ledger.Transfer{confirm}, "confirm transfer present=true"},
		{"booked for no pledge", Books{}, []ledger.Transfer{confirm}, "booked for no pledge"},
		{"redirected on to the target's earmark", Books{Pledges: []Pledge{redirected}}, []ledger.Transfer{confirm, redirect}, ""},
		{"redirected, stopped in the redirected account", Books{Pledges: []Pledge{redirected}}, []ledger.Transfer{confirm, stopped}, "pledge says earmarked:A → earmarked:B"},
		{"redirected, not booked", Books{Pledges: []Pledge{redirected}}, []ledger.Transfer{confirm}, "redirect transfer present=false"},
		{"share returned and booked", Books{Pledges: []Pledge{dep}, Returns: []ShareReturn{ret}}, shares, ""},
		{"share return not booked", Books{Pledges: []Pledge{dep}, Returns: []ShareReturn{ret}}, shares[:3], "ret-1 (payment reference RET-1): no transfer"},
		{"share return of another amount", Books{Pledges: []Pledge{dep}, Returns: []ShareReturn{more}}, shares, "the return says returned_from_projects → earmarked:A 301"},
		{"money back without a return", Books{Pledges: []Pledge{dep}, Returns: []ShareReturn{ret}}, append(shares, unrecorded), "ret-2 moves money back from projects without a share return"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Reconcile(LedgerRules.Verify(balancesOf(tt.transfers), tt.transfers), tt.transfers, tt.books)
			got := strings.Join(v.Mismatches, "; ")
			if tt.want == "" && !v.Balanced || tt.want != "" && (v.Balanced || !strings.Contains(got, tt.want)) {
				t.Fatalf("balanced=%t mismatches %q, want %q", v.Balanced, got, tt.want)
			}
		})
	}
}
