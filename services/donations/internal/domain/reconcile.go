package domain

import (
	"fmt"
	"strings"

	"github.com/commonweal/commonweal/pkg/ledger"
)

// Books are the records the donation ledger is reconciled with: the pledges (from which confirmed totals,
// matching and the naming right are computed) and the donation shares returned by projects.
type Books struct {
	Pledges []Pledge
	Returns []ShareReturn
}

// Reconcile adds to a ledger verification (LedgerRules.Verify) the checks that the ledger holds what the books
// say: every confirmed pledge has exactly its confirmation transfer (same accounts, same value), a refunded or
// redirected one its return transfer, an unconfirmed one none, and every transfer booked for a pledge belongs
// to one; every share return has exactly its transfer, and money moves from or to returned_from_projects only
// by a share return.
func Reconcile(v ledger.Verification, transfers []ledger.Transfer, b Books) ledger.Verification {
	bad := func(format string, args ...any) { v.Mismatches = append(v.Mismatches, fmt.Sprintf(format, args...)) }
	byID := map[string]ledger.Transfer{}
	for _, t := range transfers {
		byID[t.ID] = t
	}
	seen := map[string]bool{}
	expect := func(p Pledge, verb string, want bool, debit, credit string) {
		id := PledgeTransferID(p.ID, verb)
		seen[id] = true
		t, ok := byID[id]
		switch {
		case ok != want:
			bad("pledge %s (%s): %s transfer present=%t", p.ID, p.State, verb, ok)
		case ok && (t.Kind != ledger.Posted || t.Debit != debit || t.Credit != credit || t.AmountFen != p.ConfirmedValue() || t.Reference != PledgeReference(p.ID)):
			bad("pledge %s: %s transfer %s → %s %d fen, pledge says %s → %s %d fen", p.ID, verb, t.Debit, t.Credit, t.AmountFen, debit, credit, p.ConfirmedValue())
		}
	}
	for _, p := range b.Pledges {
		confirmed := p.State == StateDeposited || p.State == StateApproved || p.State == StateRefunded || p.State == StateRedirected
		expect(p, "confirm", confirmed, SourceAccount(p), ConfirmedAccount(p))
		expect(p, "refund", p.State == StateRefunded, ConfirmedAccount(p), AccountRefunds)
		expect(p, "redirect", p.State == StateRedirected, ConfirmedAccount(p), RedirectAccount(p))
	}
	for _, r := range b.Returns {
		seen[r.TransferID] = true
		want := r.Transfer()
		switch t, ok := byID[r.TransferID]; {
		case !ok:
			bad("share return %s (payment reference %s): no transfer", r.TransferID, r.PaymentReference)
		case t.Kind != want.Kind || t.Debit != want.Debit || t.Credit != want.Credit || t.AmountFen != want.AmountFen || t.Reference != want.Reference:
			bad("share return %s: transfer %s %s → %s %d fen, the return says %s → %s %d fen", r.TransferID, t.Kind, t.Debit, t.Credit, t.AmountFen,
				want.Debit, want.Credit, want.AmountFen)
		}
	}
	for _, t := range transfers {
		switch {
		case seen[t.ID]:
		case strings.HasPrefix(t.Reference, pledgeReference) || strings.HasPrefix(t.ID, "pledge:"):
			bad("transfer %s is booked for no pledge in that state", t.ID)
		case t.Debit == AccountReturnedFromProjects || t.Credit == AccountReturnedFromProjects:
			bad("transfer %s moves money back from projects without a share return", t.ID)
		}
	}
	v.Balanced = len(v.Mismatches) == 0
	return v
}
