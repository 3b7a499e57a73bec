package domain

import (
	"testing"
	"time"
)

func TestDonorDisclosures(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	cash := func(id, donor string, deposited int64, at time.Duration) Pledge {
		return Pledge{ID: id, DonorID: donor, ProjectID: "p", Kind: "CASH", State: "DEPOSITED", AmountFen: deposited, DepositedFen: deposited, CreatedAt: t0.Add(at)}
	}
	mine1, mine2, theirs := cash("m1", "me", 1, 0), cash("m2", "me", 1, time.Hour), cash("t1", "them", 1, 2*time.Hour)
	late := cash("late", "me", 500, 3*time.Hour)
	late.Late = true
	refunded := cash("r", "me", 700, 4*time.Hour)
	refunded.State = "REFUNDED"
	other := cash("o", "me", 50, 5*time.Hour)
	other.ProjectID = "no-plan"
	// Three deposits of 1 fen share a donation share of 4 fen (1 fen came from elsewhere): match 10, tranche
	// donation shares 2 (paid) and 2 (not paid), clawback donation part 1.
	plan := FundedPlan{Plan: Plan{ProjectID: "p", State: PlanState("ACTIVE"), MatchFen: 10}, DonationFen: 4, ClawbackDonationFen: 1,
		Tranches: []Tranche{{Number: 1, DonationFen: 2, DonationPaid: true, Paid: true, PaidAt: t0.Add(24 * time.Hour)}, {Number: 2, DonationFen: 2}}}
	got, err := DonorDisclosures([]Pledge{mine1, mine2, late, refunded, other}, map[string]FundedPlan{"p": plan},
		map[string][]Pledge{"p": {theirs, late, mine2, mine1, refunded}})
	if err != nil {
		t.Fatal(err)
	}
	// ProRata(10, [1,1,1,1]) = 3,3,2,2 (leftover to the earlier parts); ProRata(2, …) = 1,1,0,0; ProRata(1, …) = 1,0,0,0.
	want := []struct {
		id                           string
		counted                      bool
		matched, disbursed, clawback int64
		tranches                     int
		planState                    string
	}{
		{"m1", true, 3, 1, 1, 1, "ACTIVE"},
		{"m2", true, 3, 1, 0, 1, "ACTIVE"},
		{"late", false, 0, 0, 0, 0, "ACTIVE"},
		{"r", false, 0, 0, 0, 0, "ACTIVE"},
		{"o", true, 0, 0, 0, 0, ""},
	}
	if len(got) != len(want) {
		t.Fatalf("%d lines, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.ID != w.id || g.Counted != w.counted || g.MatchedFen != w.matched || g.DisbursedFen != w.disbursed || g.ClawbackFen != w.clawback ||
			len(g.Tranches) != w.tranches || g.PlanState != w.planState {
			t.Errorf("line %d: %+v, want %+v", i, g, w)
		}
	}
	if tr := got[0].Tranches; len(tr) != 1 || tr[0].Number != 1 || !tr[0].PaidAt.Equal(t0.Add(24*time.Hour)) {
		t.Errorf("tranches of m1: %+v", tr)
	}
}

// TestDonorSharesAddUp checks the parts of every pledge add up exactly to the plan's figures.
func TestDonorSharesAddUp(t *testing.T) {
	var pledges []Pledge
	for i, amount := range []int64{333, 333, 334, 1, 99_999} {
		pledges = append(pledges, Pledge{ID: string(rune('a' + i)), ProjectID: "p", Kind: "CASH", State: "DEPOSITED", DepositedFen: amount})
	}
	plan := FundedPlan{Plan: Plan{ProjectID: "p", MatchFen: 200_001}, DonationFen: 101_000,
		Tranches: []Tranche{{Number: 1, DonationFen: 50_500, DonationPaid: true}}}
	got, err := DonorDisclosures(pledges, map[string]FundedPlan{"p": plan}, map[string][]Pledge{"p": pledges})
	if err != nil {
		t.Fatal(err)
	}
	var matched, paid int64
	for _, g := range got {
		matched += g.MatchedFen
		paid += g.DisbursedFen
	}
	if matched != plan.MatchFen || paid != 50_500 {
		t.Fatalf("matched %d of %d, paid %d of 50500", matched, plan.MatchFen, paid)
	}
}
