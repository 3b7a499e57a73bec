package domain

import (
	"fmt"
	"sort"

	"github.com/commonweal/commonweal/pkg/ledger"
)

// Books are the records the funding ledger is reconciled with.
type Books struct {
	Allocations []Allocation
	Plans       []Plan
	Prizes      []Prize
	Returns     []ClawbackReturn
}

// Reconcile adds to a ledger verification the checks that the ledger holds exactly what the books say, and
// nothing else: every allocation its transfer; every tranche's government share its commitment, posted if and
// only if the share is paid, voided if and only if the tranche was cancelled; every idea prize and every
// government clawback return its transfer; and each plan's recorded returns their sum.
func Reconcile(v ledger.Verification, transfers []ledger.Transfer, b Books) ledger.Verification {
	bad := func(format string, args ...any) { v.Mismatches = append(v.Mismatches, fmt.Sprintf(format, args...)) }
	want := map[string]ledger.Transfer{}
	expect := func(id string, kind ledger.Kind, debit, credit string, amount int64, pending string) {
		want[id] = ledger.Transfer{ID: id, Kind: kind, Debit: debit, Credit: credit, AmountFen: amount, PendingID: pending}
	}
	for _, a := range b.Allocations {
		expect(AllocationTransferID(a.SourceReference), ledger.Posted, LotteryAccount(a.RoundID), PoolAccount(a.RoundID), a.AmountFen, "")
	}
	plans := map[string]Plan{}
	for _, p := range b.Plans {
		plans[p.ID] = p
		for _, t := range p.Tranches {
			if t.GovernmentFen == 0 {
				continue
			}
			commit := CommitTransferID(p.ID, t.Number)
			expect(commit, ledger.Pending, PoolAccount(p.RoundID), PaidAccount(p.RoundID), t.GovernmentFen, "")
			switch {
			case t.GovernmentPaid:
				expect(PayTransferID(p.ID, t.Number), ledger.PostPending, PoolAccount(p.RoundID), PaidAccount(p.RoundID), t.GovernmentFen, commit)
			case t.State == TrancheCancelled:
				expect(CancelTransferID(p.ID, t.Number), ledger.VoidPending, PoolAccount(p.RoundID), PaidAccount(p.RoundID), t.GovernmentFen, commit)
			}
		}
	}
	for _, z := range b.Prizes {
		expect(PrizeTransferID(z.RoundID, z.ApplicationID), ledger.Posted, PoolAccount(z.RoundID), PaidAccount(z.RoundID), z.AmountFen, "")
	}
	returned := map[string][2]int64{}
	for _, r := range b.Returns {
		p, ok := plans[r.PlanID]
		if !ok {
			bad("clawback return %s is for unknown plan %s", r.PaymentReference, r.PlanID)
			continue
		}
		sums := returned[r.PlanID]
		if r.Share == ShareGovernment {
			sums[0] += r.AmountFen
			expect(ReturnTransferID(p.ID, r.PaymentReference), ledger.Posted, ReturnsAccount(p.RoundID), PoolAccount(p.RoundID), r.AmountFen, "")
		} else {
			sums[1] += r.AmountFen
		}
		returned[r.PlanID] = sums
	}
	for _, p := range b.Plans {
		if got := returned[p.ID]; got[0] != p.Clawback.ReturnedGovernmentFen || got[1] != p.Clawback.ReturnedDonationFen {
			bad("plan %s records returns of %d/%d fen (government/donation), its return records sum to %d/%d",
				p.ID, p.Clawback.ReturnedGovernmentFen, p.Clawback.ReturnedDonationFen, got[0], got[1])
		}
	}
	seen := map[string]bool{}
	for _, t := range transfers {
		seen[t.ID] = true
		w, ok := want[t.ID]
		switch {
		case !ok:
			bad("transfer %s is booked for nothing in the books", t.ID)
		case t.Kind != w.Kind || t.Debit != w.Debit || t.Credit != w.Credit || t.AmountFen != w.AmountFen || t.PendingID != w.PendingID:
			bad("transfer %s is %s %s → %s %d fen; the books say %s %s → %s %d fen", t.ID, t.Kind, t.Debit, t.Credit, t.AmountFen, w.Kind, w.Debit, w.Credit, w.AmountFen)
		}
	}
	var missing []string
	for id := range want {
		if !seen[id] {
			missing = append(missing, id)
		}
	}
	sort.Strings(missing)
	for _, id := range missing {
		bad("transfer %s is missing from the ledger", id)
	}
	v.Balanced = len(v.Mismatches) == 0
	return v
}
