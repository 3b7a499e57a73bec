package app_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/pkg/ledger"
	"github.com/commonweal/commonweal/services/funding/internal/app"
	"github.com/commonweal/commonweal/services/funding/internal/domain"
)

// TestListLedgerTransfers: the audit trail of the funding ledger, oldest first, by project (its plan's
// transfers and its idea prize), by round (its accounts), by time (from inclusive, to exclusive), and in keyset
// pages that continue exactly after the last transfer read.
func TestListLedgerTransfers(t *testing.T) {
	f := setup(t)
	a, _ := f.project(20_000_000, 0, 0)
	b, _ := f.project(20_000_000, 0, 0)
	z, _ := f.project(1_000_000, 0, 0)
	f.allocate(t, 100_000_000, "ALLOC-1")
	f.signOff([]string{a, b}, app.IdeaPrizeWinner{ApplicationID: z, Tier: 1})
	f.clock.Add(time.Minute)
	if _, err := f.svc.PayIdeaPrizes(organizer, app.PayIdeaPrizes{RoundID: f.round}); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Minute)
	plansAt := f.clock.Now()
	plans := f.plans(t)
	f.clock.Add(time.Minute)
	paidAt := f.clock.Now()
	f.payTranche(t, f.activate(t, plans[a]), 1)

	list := func(q app.TransferQuery) []ledger.Transfer {
		t.Helper()
		if q.Limit == 0 {
			q.Limit = 100
		}
		got, err := f.svc.ListLedgerTransfers(auditor, q)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	idsOf := func(ts []ledger.Transfer) []string {
		out := []string{}
		for _, tr := range ts {
			out = append(out, tr.ID)
		}
		return out
	}
	all := list(app.TransferQuery{})
	if len(all) != 1+1+6+1 { // allocation, prize, three tranches of each plan committed, tranche 1 of a paid
		t.Fatalf("all transfers: %v", idsOf(all))
	}
	if !slices.IsSortedFunc(all, func(x, y ledger.Transfer) int { return x.CreatedAt.Compare(y.CreatedAt) }) || all[0].ID != domain.AllocationTransferID("ALLOC-1") {
		t.Fatalf("not oldest first: %v", idsOf(all))
	}

	ofA := list(app.TransferQuery{ApplicationID: a})
	if len(ofA) != 4 || !slices.Contains(idsOf(ofA), domain.PayTransferID(plans[a].ID, 1)) {
		t.Fatalf("a's transfers: %v", idsOf(ofA))
	}
	for _, tr := range ofA {
		if tr.Reference != domain.PlanReference(plans[a].ID) {
			t.Fatalf("a's transfers include %+v", tr)
		}
	}
	if ofB := list(app.TransferQuery{ApplicationID: b}); len(ofB) != 3 || !strings.HasPrefix(ofB[0].ID, "plan:"+plans[b].ID+":") {
		t.Fatalf("b's transfers: %v", idsOf(ofB))
	}
	if ofZ := list(app.TransferQuery{ApplicationID: z}); !slices.Equal(idsOf(ofZ), []string{domain.PrizeTransferID(f.round, z)}) {
		t.Fatalf("z's transfers: %v", idsOf(ofZ))
	}
	if none := list(app.TransferQuery{ApplicationID: ids.New()}); len(none) != 0 {
		t.Fatalf("a project without plan or prize: %v", idsOf(none))
	}
	if round := list(app.TransferQuery{RoundID: f.round}); !slices.Equal(idsOf(round), idsOf(all)) {
		t.Fatalf("the round's transfers: %v", idsOf(round))
	}
	if other := list(app.TransferQuery{RoundID: ids.New(), ApplicationID: a}); len(other) != 0 {
		t.Fatalf("a's transfers in another round: %v", idsOf(other))
	}
	// [plans created, tranche paid): the six commitments; from the payment on: the payment alone.
	if commits := list(app.TransferQuery{From: plansAt, To: paidAt}); len(commits) != 6 || commits[0].Kind != ledger.Pending {
		t.Fatalf("between the plans and the payment: %v", idsOf(commits))
	}
	if paid := list(app.TransferQuery{From: paidAt, ApplicationID: a}); !slices.Equal(idsOf(paid), []string{domain.PayTransferID(plans[a].ID, 1)}) {
		t.Fatalf("from the payment: %v", idsOf(paid))
	}

	var paged []string
	q := app.TransferQuery{Limit: 2}
	for range len(all) {
		page := list(q)
		paged = append(paged, idsOf(page)...)
		if len(page) < q.Limit {
			break
		}
		q.AfterTime, q.AfterID = page[len(page)-1].CreatedAt, page[len(page)-1].ID
	}
	if !slices.Equal(paged, idsOf(all)) {
		t.Fatalf("paged: %v, want %v", paged, idsOf(all))
	}
	if _, err := f.svc.ListLedgerTransfers(auditor, app.TransferQuery{RoundID: "nope", Limit: 1}); reason(err) != "INVALID_ID" {
		t.Fatalf("a malformed round: %v", err)
	}
}
