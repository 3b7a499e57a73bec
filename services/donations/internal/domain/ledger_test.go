package domain

import (
	"strings"
	"testing"

	"github.com/commonweal/commonweal/pkg/ledger"
)

// balancesOf is what the transfers leave in each account (the ledger's maths is pkg/ledger's, tested there).
func balancesOf(ts []ledger.Transfer) map[string]ledger.Balance {
	out := map[string]ledger.Balance{}
	for _, t := range ts {
		d, c := out[t.Debit], out[t.Credit]
		ledger.Apply(&d, &c, t)
		out[t.Debit], out[t.Credit] = d, c
	}
	return out
}

// TestLedgerRules: only the accounts mirroring the outside world may go negative.
func TestLedgerRules(t *testing.T) {
	for code, may := range map[string]bool{
		"bank": true, "in_kind_external": true, "returned_from_projects": true,
		"earmarked:A": false, "late:A": false, "in_kind:A": false, "in_kind_late:A": false, "refunds": false, "redirected": false, "payout_pending": false,
	} {
		err := LedgerRules.CheckLimit(code, ledger.Balance{DebitsPosted: 5})
		if (err == nil) != may {
			t.Errorf("%s 5 fen short: %v; may go negative: %t", code, err, may)
		}
		if !may && !strings.Contains(err.Error(), "INSUFFICIENT_FUNDS") {
			t.Errorf("%s: %v", code, err)
		}
	}
}

func TestValidClientTransferID(t *testing.T) {
	for id, ok := range map[string]bool{"plan-1/tranche-1/reserve": true, "": false, "pledge:x:confirm": false, strings.Repeat("x", 129): false} {
		if err := ValidClientTransferID("transfer_id", id); (err == nil) != ok {
			t.Errorf("ValidClientTransferID(%q) = %v", id, err)
		}
	}
}

func TestReferences(t *testing.T) {
	if got := ApplicationOf(ledger.Transfer{Reference: "application:A"}); got != "A" {
		t.Errorf("application of a share transfer: %q", got)
	}
	for _, ref := range []string{"pledge:P", "", "applications:A"} {
		if got := ApplicationOf(ledger.Transfer{Reference: ref}); got != "" {
			t.Errorf("application of reference %q: %q", ref, got)
		}
	}
	if PledgeReference("P") != "pledge:P" || ApplicationReference("A") != "application:A" || PledgeTransferID("P", "refund") != "pledge:P:refund" {
		t.Error("reference formats changed: the stored ledger and the migration that converted it use them")
	}
}

func TestShareReturn(t *testing.T) {
	r, err := NewShareReturn("funding:plan:P:return:x", "A", 700, "  RET-1 ", " clawback ")
	if err != nil || r.PaymentReference != "RET-1" || r.Reason != "clawback" {
		t.Fatalf("a good return: %v %+v", err, r)
	}
	tr := r.Transfer()
	if tr.Kind != ledger.Posted || tr.Debit != "returned_from_projects" || tr.Credit != "earmarked:A" || tr.AmountFen != 700 || tr.Reference != "application:A" ||
		tr.Reason != "returned from the project, payment reference RET-1: clawback" {
		t.Fatalf("its transfer: %+v", tr)
	}
	for name, bad := range map[string]struct {
		id, ref string
		amount  int64
		reason  string
	}{
		"no transfer ID":      {"", "R", 1, "INVALID_TRANSFER_ID"},
		"pledge namespace":    {"pledge:x", "R", 1, "INVALID_TRANSFER_ID"},
		"zero amount":         {"t", "R", 0, "INVALID_AMOUNT"},
		"huge amount":         {"t", "R", MaxAmountFen + 1, "INVALID_AMOUNT"},
		"no reference":        {"t", " ", 1, "INVALID_PAYMENT_REFERENCE"},
		"reference too long":  {"t", strings.Repeat("R", MaxReferenceLen+1), 1, "INVALID_PAYMENT_REFERENCE"},
		"the largest allowed": {"t", strings.Repeat("R", MaxReferenceLen), MaxAmountFen, ""},
	} {
		if _, err := NewShareReturn(bad.id, "A", bad.amount, bad.ref, ""); reason(err) != bad.reason {
			t.Errorf("%s: %v, want %q", name, err, bad.reason)
		}
	}
	other := r
	other.PaymentReference = "RET-2"
	if !r.Same(r) || r.Same(other) {
		t.Fatal("a return with another payment reference is the same")
	}
	if err := CheckWithinPaidOut("A", 1000, 1000); err != nil {
		t.Fatalf("everything paid out comes back: %v", err)
	}
	if err := CheckWithinPaidOut("A", 1000, 1001); reason(err) != "RETURN_EXCEEDS_PAID_OUT" {
		t.Fatalf("more than paid out: %v", err)
	}
}
