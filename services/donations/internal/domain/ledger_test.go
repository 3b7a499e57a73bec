package domain

import (
	"strings"
	"testing"
)

func replay(ts []Transfer) map[string]Balance {
	m := map[string]*Balance{}
	get := func(c string) *Balance {
		if m[c] == nil {
			m[c] = &Balance{}
		}
		return m[c]
	}
	for _, t := range ts {
		Apply(get(t.Debit), get(t.Credit), t)
	}
	out := map[string]Balance{}
	for c, b := range m {
		out[c] = *b
	}
	return out
}

func TestApplyAndLimits(t *testing.T) {
	bank, earmarked, payout := &Balance{}, &Balance{}, &Balance{}
	Apply(bank, earmarked, Transfer{Kind: TransferPosted, AmountFen: 1000})
	if bank.Posted() != -1000 || earmarked.Posted() != 1000 {
		t.Fatalf("deposit: %+v %+v", bank, earmarked)
	}
	Apply(earmarked, payout, Transfer{Kind: TransferPending, AmountFen: 600})
	if earmarked.Available() != 400 || earmarked.Posted() != 1000 || payout.CreditsPending != 600 {
		t.Fatalf("reserve: %+v %+v", earmarked, payout)
	}
	after := *earmarked
	Apply(&after, &Balance{}, Transfer{Kind: TransferPending, AmountFen: 401})
	if err := CheckLimit("earmarked:A", after); err == nil || !strings.Contains(err.Error(), "INSUFFICIENT_FUNDS") {
		t.Fatalf("over-reservation accepted: %v", err)
	}
	if err := CheckLimit(AccountBank, Balance{DebitsPosted: 5}); err != nil {
		t.Fatalf("the bank mirror may go negative: %v", err)
	}
	Apply(earmarked, payout, Transfer{Kind: TransferPostPending, AmountFen: 600})
	if earmarked.Posted() != 400 || earmarked.DebitsPending != 0 || payout.Posted() != 600 || payout.CreditsPending != 0 {
		t.Fatalf("post: %+v %+v", earmarked, payout)
	}
	Apply(earmarked, payout, Transfer{Kind: TransferPending, AmountFen: 400})
	Apply(earmarked, payout, Transfer{Kind: TransferVoidPending, AmountFen: 400})
	if earmarked.Available() != 400 || payout.Posted() != 600 || payout.CreditsPending != 0 {
		t.Fatalf("void: %+v %+v", earmarked, payout)
	}
}

func TestVerify(t *testing.T) {
	good := []Transfer{
		{ID: "d1", Kind: TransferPosted, Debit: "bank", Credit: "earmarked:A", AmountFen: 1000},
		{ID: "r1", Kind: TransferPending, Debit: "earmarked:A", Credit: "payout_pending", AmountFen: 600},
		{ID: "p1", Kind: TransferPostPending, Debit: "earmarked:A", Credit: "payout_pending", AmountFen: 600, PendingID: "r1"},
		{ID: "r2", Kind: TransferPending, Debit: "earmarked:A", Credit: "payout_pending", AmountFen: 300},
	}
	if v := Verify(replay(good), good); !v.Balanced || v.Accounts != 3 || v.Transfers != 4 {
		t.Fatalf("good ledger: %+v", v)
	}
	tampered := replay(good)
	b := tampered["earmarked:A"]
	b.CreditsPosted += 5
	tampered["earmarked:A"] = b
	if v := Verify(tampered, good); v.Balanced || !strings.Contains(strings.Join(v.Mismatches, ";"), "earmarked:A: stored") {
		t.Fatalf("tampered balance not caught: %+v", v)
	}
	// A double post: the balances it produces are consistent with the transfers, and still refused.
	double := append(append([]Transfer{}, good...), Transfer{ID: "p1b", Kind: TransferVoidPending, Debit: "earmarked:A", Credit: "payout_pending", AmountFen: 600, PendingID: "r1"})
	if v := Verify(replay(double), double); v.Balanced || !strings.Contains(strings.Join(v.Mismatches, ";"), "resolved twice") {
		t.Fatalf("double resolution not caught: %+v", v)
	}
	overdrawn := []Transfer{{ID: "x", Kind: TransferPosted, Debit: "earmarked:A", Credit: "refunds", AmountFen: 1}}
	if v := Verify(replay(overdrawn), overdrawn); v.Balanced || !strings.Contains(strings.Join(v.Mismatches, ";"), "negative") {
		t.Fatalf("negative account not caught: %+v", v)
	}
	missing := replay(good)
	delete(missing, "payout_pending")
	if v := Verify(missing, good); v.Balanced {
		t.Fatalf("missing account row not caught: %+v", v)
	}
	unbalanced := map[string]Balance{"bank": {DebitsPosted: 10}, "earmarked:A": {CreditsPosted: 9}}
	if v := Verify(unbalanced, nil); v.Balanced || !strings.Contains(strings.Join(v.Mismatches, ";"), "sum to -1") {
		t.Fatalf("non-zero sum not caught: %+v", v)
	}
}

func TestValidClientTransferID(t *testing.T) {
	for id, ok := range map[string]bool{"plan-1/tranche-1/reserve": true, "": false, "pledge:x:confirm": false, strings.Repeat("x", 129): false} {
		if err := ValidClientTransferID("transfer_id", id); (err == nil) != ok {
			t.Errorf("ValidClientTransferID(%q) = %v", id, err)
		}
	}
}
