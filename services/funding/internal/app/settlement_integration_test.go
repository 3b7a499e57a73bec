package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/funding/internal/app"
	"github.com/commonweal/commonweal/services/funding/internal/domain"
)

// TestSuspensionAndClawback: a suspension cancels what is not being paid and gives its committed government
// share back to the pool; the clawback is disbursed − verified spending split pro rata, computed once; the
// returns are idempotent on their reference and the government part goes back into the pool.
func TestSuspensionAndClawback(t *testing.T) {
	f, p := onePlan(t) // tranches: government 10,000,000 / 6,000,000 / 4,000,000; donation 5,000,000 / 3,000,000 / 2,000,000
	p = f.activate(t, p)
	f.payTranche(t, p, 1)
	if _, err := f.svc.ClawbackPlan(organizer, app.PlanReason{PlanID: p.ID, Reason: "x"}); reason(err) != "CLAWBACK_NOT_ALLOWED" {
		t.Fatalf("clawback of an active plan: %v", err)
	}
	if _, err := f.svc.SuspendPlan(organizer, app.PlanReason{PlanID: p.ID, Reason: " "}); reason(err) != "REASON_REQUIRED" {
		t.Fatalf("suspension without reason: %v", err)
	}
	got, err := f.svc.SuspendPlan(organizer, app.PlanReason{Key: key("suspend"), PlanID: p.ID, Reason: "monthly reports missing for three months"})
	if err != nil || got.State != domain.PlanSuspended || got.Tranches[1].State != domain.TrancheCancelled || got.Tranches[2].State != domain.TrancheCancelled {
		t.Fatalf("suspend: %v %+v", err, got)
	}
	if pool := f.poolNow(t); pool.CommittedFen != 0 || pool.PaidFen != 10_000_000 || pool.AvailableFen != 40_000_000 {
		t.Fatalf("pool after suspension: %+v", pool)
	}
	f.peers.evaluations[p.ApplicationID+"/"+domain.EvaluationMidterm] = true
	if _, err := f.svc.RequestTranche(operator, app.TrancheCommand{PlanID: p.ID, Number: 2}); reason(err) != "PLAN_SUSPENDED" {
		t.Fatalf("tranche 2 of a suspended plan: %v", err)
	}
	// Supervision missing: no clawback is guessed.
	f.peers.supervisionDown = true
	if _, err := f.svc.ClawbackPlan(organizer, app.PlanReason{PlanID: p.ID, Reason: "unspent funds"}); reason(err) != "SPENDING_UNVERIFIABLE" {
		t.Fatalf("clawback without supervision: %v", err)
	}
	f.peers.supervisionDown = false
	f.peers.spending[p.ApplicationID] = 5_000_000 // of 15,000,000 disbursed (10,000,000 : 5,000,000)
	got, err = f.svc.ClawbackPlan(organizer, app.PlanReason{Key: key("clawback"), PlanID: p.ID, Reason: "unspent funds"})
	if err != nil || got.Clawback.OwedFen != 10_000_000 || got.Clawback.GovernmentFen != 6_666_667 || got.Clawback.DonationFen != 3_333_333 {
		t.Fatalf("clawback: %v %+v", err, got.Clawback)
	}
	f.peers.spending[p.ApplicationID] = 0
	if again, err := f.svc.ClawbackPlan(organizer, app.PlanReason{PlanID: p.ID, Reason: "again"}); err != nil || again.Clawback != got.Clawback {
		t.Fatalf("clawback computed twice: %v %+v", err, again.Clawback)
	}
	ret := app.RecordClawbackReturn{PlanID: p.ID, Share: domain.ShareGovernment, AmountFen: 6_000_000, PaymentReference: "RET-1"}
	if _, err := f.svc.RecordClawbackReturn(federation, ret); reason(err) != "SHARE_NOT_CALLERS" {
		t.Fatalf("federation returns the government part: %v", err)
	}
	for range 2 {
		if got, err = f.svc.RecordClawbackReturn(finance, ret); err != nil || got.Clawback.ReturnedGovernmentFen != 6_000_000 {
			t.Fatalf("government return: %v %+v", err, got.Clawback)
		}
	}
	other := ret
	other.AmountFen = 1
	if _, err := f.svc.RecordClawbackReturn(finance, other); reason(err) != "PAYMENT_REFERENCE_CONFLICT" {
		t.Fatalf("reference reused with another amount: %v", err)
	}
	if _, err := f.svc.RecordClawbackReturn(finance, app.RecordClawbackReturn{PlanID: p.ID, Share: domain.ShareGovernment, AmountFen: 666_668, PaymentReference: "RET-2"}); reason(err) != "CLAWBACK_RETURN_TOO_LARGE" {
		t.Fatalf("more than owed: %v", err)
	}
	if got, err = f.svc.RecordClawbackReturn(federation, app.RecordClawbackReturn{PlanID: p.ID, Share: domain.ShareDonation, AmountFen: 3_333_333, PaymentReference: "RET-3"}); err != nil || got.Clawback.ReturnedFen() != 9_333_333 {
		t.Fatalf("donation return: %v %+v", err, got.Clawback)
	}
	if pool := f.poolNow(t); pool.ReturnedFen != 6_000_000 || pool.AvailableFen != 46_000_000 {
		t.Fatalf("pool after the returns: %+v", pool)
	}
	if n := f.count(t, `SELECT count(*) FROM plan_events WHERE plan_id = $1 AND action = 'SUSPENDED' AND by_subject = 'organizer-1' AND request_id = 'suspend' AND detail LIKE 'monthly reports%'`, p.ID); n != 1 {
		t.Fatalf("suspension event: %d", n)
	}
	if n := f.count(t, `SELECT count(*) FROM plan_events WHERE plan_id = $1 AND action = 'CLAWBACK_RETURNED'`, p.ID); n != 2 {
		t.Fatalf("return events: %d", n)
	}
	if _, err := f.pool.Exec(context.Background(), `DELETE FROM plan_events`); err == nil {
		t.Fatal("the audit trail was deleted")
	}
	f.verify(t)
}

func TestTerminationAndTransfer(t *testing.T) {
	f := setup(t)
	a, orgA := f.project(30_000_000, 10_000_000, 0)
	b, orgB := f.project(20_000_000, 0, 0)
	f.signOff([]string{a, b})
	f.allocate(t, 40_000_000, "A-1")
	plans := f.plans(t)
	pa, pb := f.activate(t, plans[a]), f.activate(t, plans[b])
	f.payTranche(t, pa, 1)

	// Termination: the team asks, organizer and operator approve (two people).
	if _, err := f.svc.RequestTermination(applicant(ids.New()), app.PlanReason{PlanID: pa.ID, Reason: "flood"}); reason(err) != "NOT_FOUND" {
		t.Fatalf("another organisation asks: %v", err)
	}
	if _, err := f.svc.RequestTermination(applicant(orgA), app.PlanReason{PlanID: pa.ID, Reason: "the centre was destroyed by a flood"}); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.ApproveTermination(organizer, app.PlanCommand{PlanID: pa.ID})
	if err != nil || got.State != domain.PlanActive || len(got.TerminationApprovals) != 1 {
		t.Fatalf("organizer's approval: %v %+v", err, got)
	}
	got, err = f.svc.ApproveTermination(operator, app.PlanCommand{PlanID: pa.ID})
	if err != nil || got.State != domain.PlanTerminated || got.Tranches[1].State != domain.TrancheCancelled {
		t.Fatalf("operator's approval: %v %+v", err, got)
	}
	// Plan A's unpaid 10,000,000 of government share went back to the pool; B keeps its 20,000,000.
	if pool := f.poolNow(t); pool.CommittedFen != 20_000_000 || pool.PaidFen != 10_000_000 || pool.AvailableFen != 10_000_000 {
		t.Fatalf("pool after termination: %+v", pool)
	}
	if _, err := f.svc.RequestTranche(operator, app.TrancheCommand{PlanID: pa.ID, Number: 2}); reason(err) != "PLAN_TERMINATED" {
		t.Fatalf("tranche of a terminated plan: %v", err)
	}

	// Transfer of B: both approve; the new organisation signs again and records its payee.
	newOrg := ids.New()
	f.peers.orgs[newOrg] = app.OrganizationInfo{ID: newOrg, Registered: false}
	if _, err := f.svc.RequestTransfer(operator, app.RequestTransfer{PlanID: pb.ID, ToOrgID: newOrg, Reason: "merger"}); reason(err) != "ORGANIZATION_NOT_REGISTERED" {
		t.Fatalf("transfer to an unregistered organisation: %v", err)
	}
	f.peers.orgs[newOrg] = app.OrganizationInfo{ID: newOrg, Registered: true}
	if _, err := f.svc.RequestTransfer(operator, app.RequestTransfer{PlanID: pb.ID, ToOrgID: newOrg, Reason: "the centre merged into another"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ApproveTransfer(operator, app.PlanCommand{PlanID: pb.ID}); err != nil {
		t.Fatal(err)
	}
	got, err = f.svc.ApproveTransfer(organizer, app.PlanCommand{PlanID: pb.ID})
	if err != nil || got.OrgID != newOrg || got.State != domain.PlanContracting || len(got.Signatures) != 0 || got.Payee.Set() {
		t.Fatalf("transferred: %v %+v", err, got)
	}
	if _, err := f.svc.GetPlan(applicant(orgB), b); reason(err) != "NOT_FOUND" {
		t.Fatalf("the former organisation still reads the plan: %v", err)
	}
	if _, err := f.svc.RequestTranche(operator, app.TrancheCommand{PlanID: pb.ID, Number: 1}); reason(err) != "CONTRACT_NOT_SIGNED" {
		t.Fatalf("tranche before the new contract: %v", err)
	}
	f.activate(t, got)
	f.payTranche(t, got, 1)
	if n := f.count(t, `SELECT count(*) FROM plan_events WHERE plan_id = $1 AND action = 'TRANSFER_APPROVED' AND detail LIKE '%transferred from%'`, pb.ID); n != 1 {
		t.Fatalf("transfer event: %d", n)
	}
	f.verify(t)
}

func TestIdeaPrizes(t *testing.T) {
	f := setup(t)
	a, _ := f.project(20_000_000, 0, 0)
	x, orgX := f.project(1_000_000, 0, 0)
	y, _ := f.project(1_000_000, 0, 0)
	z, _ := f.project(1_000_000, 0, 0)
	if _, err := f.svc.PayIdeaPrizes(organizer, app.PayIdeaPrizes{RoundID: f.round}); reason(err) != "RESULTS_NOT_SIGNED_OFF" {
		t.Fatalf("before results: %v", err)
	}
	f.signOff([]string{a}, app.IdeaPrizeWinner{ApplicationID: z, Tier: 3}, app.IdeaPrizeWinner{ApplicationID: x, Tier: 1}, app.IdeaPrizeWinner{ApplicationID: y, Tier: 2})
	f.allocate(t, 20_500_000, "A-1")
	f.plans(t) // commits 20,000,000: 500,000 left, prizes need 600,000
	if _, err := f.svc.PayIdeaPrizes(organizer, app.PayIdeaPrizes{RoundID: f.round}); reason(err) != "POOL_INSUFFICIENT" {
		t.Fatalf("prizes beyond the pool: %v", err)
	}
	if n := f.count(t, `SELECT (SELECT count(*) FROM idea_prizes) + (SELECT count(*) FROM certificate_counters)`); n != 0 {
		t.Fatalf("a refused payment left %d rows (a certificate number used?)", n)
	}
	f.allocate(t, 100_000, "A-2")
	prizes, err := f.svc.PayIdeaPrizes(organizer, app.PayIdeaPrizes{Key: key("prizes"), RoundID: f.round})
	if err != nil || len(prizes) != 3 {
		t.Fatalf("pay: %v %+v", err, prizes)
	}
	want := []struct {
		app    string
		tier   int
		amount int64
		cert   string
	}{{x, 1, 300_000, "2026-CY-001"}, {y, 2, 200_000, "2026-CY-002"}, {z, 3, 100_000, "2026-CY-003"}}
	for i, w := range want {
		if g := prizes[i]; g.ApplicationID != w.app || g.Tier != w.tier || g.AmountFen != w.amount || g.CertificateNumber != w.cert || g.PaidBy != "organizer-1" {
			t.Errorf("prize %d: %+v, want %+v", i, g, w)
		}
	}
	if prizes[0].PayeeOrgID != orgX {
		t.Fatalf("payee %s, want %s", prizes[0].PayeeOrgID, orgX)
	}
	calls := f.peers.calls.Load()
	again, err := f.svc.PayIdeaPrizes(organizer, app.PayIdeaPrizes{RoundID: f.round})
	if err != nil || len(again) != 3 || again[0].CertificateNumber != "2026-CY-001" || f.peers.calls.Load() != calls {
		t.Fatalf("paid again: %v %+v", err, again)
	}
	if pool := f.poolNow(t); pool.PaidFen != 600_000 || pool.AvailableFen != 0 {
		t.Fatalf("pool %+v", pool)
	}
	list, err := f.svc.ListIdeaPrizes(as("lottery", "LOTTERY_CENTER"), f.round)
	if err != nil || len(list) != 3 {
		t.Fatalf("list: %v %+v", err, list)
	}
	f.verify(t)
}

// TestDonationReturnSurvivesFailures: a clawback's donation part is booked back into the project's earmark in
// the donations service before funding records it, with nothing open here while it is asked (a one-connection
// pool, the plan unlocked); with the donations service failing before and after the call (answer lost), the
// return retried is booked there once and recorded here once, and what funding would refuse is refused before
// anything is booked.
func TestDonationReturnSurvivesFailures(t *testing.T) {
	f := setupPool(t, 1)
	a, _ := f.project(30_000_000, 10_000_000, 0)
	f.signOff([]string{a})
	f.allocate(t, 50_000_000, "A-1")
	p := f.activate(t, f.plans(t)[a])
	f.payTranche(t, p, 1) // government 10,000,000, donation 5,000,000
	if _, err := f.svc.SuspendPlan(organizer, app.PlanReason{PlanID: p.ID, Reason: "monthly reports missing"}); err != nil {
		t.Fatal(err)
	}
	f.peers.spending[p.ApplicationID] = 5_000_000
	if got, err := f.svc.ClawbackPlan(organizer, app.PlanReason{PlanID: p.ID, Reason: "unspent funds"}); err != nil || got.Clawback.DonationFen != 3_333_333 {
		t.Fatalf("clawback: %v %+v", err, got.Clawback)
	}
	earmark := f.peers.earmark[a]
	calls := f.peers.calls.Load()
	if _, err := f.svc.RecordClawbackReturn(federation, app.RecordClawbackReturn{PlanID: p.ID, Share: domain.ShareDonation, AmountFen: 3_333_334,
		PaymentReference: "RET-X"}); reason(err) != "CLAWBACK_RETURN_TOO_LARGE" || f.peers.calls.Load() != calls {
		t.Fatalf("more than owed: %v (donations asked: %t)", err, f.peers.calls.Load() != calls)
	}

	ret := app.RecordClawbackReturn{Key: key("don-return"), PlanID: p.ID, Share: domain.ShareDonation, AmountFen: 3_333_333, PaymentReference: "RET-D"}
	var opened []error
	for _, after := range []bool{false, true} {
		failed := false
		f.peers.fail = func(call string, a bool) error {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			// The pool's one connection is free and the plan is not locked while donations is asked.
			_, err := f.pool.Exec(ctx, `SELECT 1 FROM plans WHERE id = $1 FOR UPDATE NOWAIT`, p.ID)
			opened = append(opened, err)
			if call == "return" && a == after && !failed {
				failed = true
				return errLost
			}
			return nil
		}
		if _, err := f.svc.RecordClawbackReturn(federation, ret); reason(err) != "DONATIONS_UNAVAILABLE" {
			t.Fatalf("donations failing (after=%t): %v", after, err)
		}
		if n := f.count(t, `SELECT count(*) FROM clawback_returns`); n != 0 {
			t.Fatalf("recorded although donations failed (after=%t)", after)
		}
		if booked := len(f.peers.returned); booked != map[bool]int{false: 0, true: 1}[after] {
			t.Fatalf("donations booked %d returns (after=%t)", booked, after)
		}
	}
	f.peers.fail = nil
	for i, err := range opened {
		if err != nil {
			t.Fatalf("while donations was asked (%d), something was held open: %v", i, err)
		}
	}
	got, err := f.svc.RecordClawbackReturn(federation, ret)
	if err != nil || got.Clawback.ReturnedDonationFen != 3_333_333 {
		t.Fatalf("retry: %v %+v", err, got.Clawback)
	}
	booked, ok := f.peers.returned[domain.DonationReturnID(p.ID, "RET-D")]
	if len(f.peers.returned) != 1 || !ok || booked.amount != 3_333_333 || booked.app != a || booked.ref != "RET-D" || f.peers.earmark[a] != earmark+3_333_333 {
		t.Fatalf("donations side: %+v", f.peers.returned)
	}
	// Answered without asking donations again: the same request, the same return under a new request.
	calls = f.peers.calls.Load()
	again := ret
	again.Key = key("don-return-again")
	for _, cmd := range []app.RecordClawbackReturn{ret, again} {
		if got, err := f.svc.RecordClawbackReturn(federation, cmd); err != nil || got.Clawback.ReturnedDonationFen != 3_333_333 {
			t.Fatalf("asked again: %v %+v", err, got.Clawback)
		}
	}
	other := ret
	other.Key, other.AmountFen = idempotency.Key{}, 1
	if _, err := f.svc.RecordClawbackReturn(federation, other); reason(err) != "PAYMENT_REFERENCE_CONFLICT" || f.peers.calls.Load() != calls {
		t.Fatalf("the reference with another amount: %v", err)
	}
	if n := f.count(t, `SELECT count(*) FROM plan_events WHERE action = 'CLAWBACK_RETURNED' AND detail LIKE '%donations_transfer=funding:plan:%'`); n != 1 {
		t.Fatalf("%d return events", n)
	}
	f.verify(t)
}
