package domain

import (
	"math"
	"strings"
	"testing"
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

func TestVerifyWithPledges(t *testing.T) {
	dep := Pledge{ID: "p", ApplicationID: "A", Kind: KindCash, State: StateDeposited, DepositedAmountFen: 800}
	confirm := Transfer{ID: "pledge:p:confirm", Kind: TransferPosted, Debit: "bank", Credit: "earmarked:A", AmountFen: 800, PledgeID: "p"}
	refunded := dep
	refunded.State = StateRefunded
	refund := Transfer{ID: "pledge:p:refund", Kind: TransferPosted, Debit: "earmarked:A", Credit: "refunds", AmountFen: 800, PledgeID: "p"}
	inflated := dep
	inflated.DepositedAmountFen = 8000
	lateFlag := dep
	lateFlag.Late = true
	pledged := dep
	pledged.State = StatePledged
	redirected := dep
	redirected.State, redirected.RedirectApplicationID = StateRedirected, "B"
	redirect := Transfer{ID: "pledge:p:redirect", Kind: TransferPosted, Debit: "earmarked:A", Credit: "earmarked:B", AmountFen: 800, PledgeID: "p"}
	stopped := redirect
	stopped.Credit = "redirected"
	tests := []struct {
		name      string
		pledges   []Pledge
		transfers []Transfer
		want      string // a substring of the mismatches, "" when balanced
	}{
		{"deposited and booked", []Pledge{dep}, []Transfer{confirm}, ""},
		{"refunded and booked", []Pledge{refunded}, []Transfer{confirm, refund}, ""},
		{"amount differs", []Pledge{inflated}, []Transfer{confirm}, "pledge says bank → earmarked:A 8000"},
		{"account differs", []Pledge{lateFlag}, []Transfer{confirm}, "pledge says bank → late:A"},
		{"deposited, not booked", []Pledge{dep}, nil, "confirm transfer present=false"},
		{"refunded, refund not booked", []Pledge{refunded}, []Transfer{confirm}, "refund transfer present=false"},
		{"booked, not confirmed", []Pledge{pledged}, []Transfer{confirm}, "confirm transfer present=true"},
		{"booked for no pledge", nil, []Transfer{confirm}, "booked for no pledge"},
		{"redirected on to the target's earmark", []Pledge{redirected}, []Transfer{confirm, redirect}, ""},
		{"redirected, stopped in the redirected account", []Pledge{redirected}, []Transfer{confirm, stopped}, "pledge says earmarked:A → earmarked:B"},
		{"redirected, not booked", []Pledge{redirected}, []Transfer{confirm}, "redirect transfer present=false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := VerifyWithPledges(replay(tt.transfers), tt.transfers, tt.pledges)
			got := strings.Join(v.Mismatches, "; ")
			if tt.want == "" && !v.Balanced || tt.want != "" && (v.Balanced || !strings.Contains(got, tt.want)) {
				t.Fatalf("balanced=%t mismatches %q, want %q", v.Balanced, got, tt.want)
			}
		})
	}
}
