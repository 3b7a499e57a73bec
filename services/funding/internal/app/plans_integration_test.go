package app_test

import (
	"context"
	"sync"
	"testing"

	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/pkg/money"
	"github.com/commonweal/commonweal/services/funding/internal/app"
	"github.com/commonweal/commonweal/services/funding/internal/domain"
)

func TestPoolAllocationAndQuote(t *testing.T) {
	f := setup(t)
	cmd := app.AllocatePool{Key: key("alloc-1"), RoundID: f.round, AmountFen: 80_000_000, SourceReference: " 渭福彩〔2026〕12号 "}
	p, err := f.svc.AllocatePool(lottery, cmd)
	if err != nil || p.AllocatedFen != 80_000_000 || p.AvailableFen != 80_000_000 {
		t.Fatalf("allocate: %v %+v", err, p)
	}
	// The same reference again (another request, trimmed the same): the pool as it is, nothing booked.
	again := app.AllocatePool{RoundID: f.round, AmountFen: 80_000_000, SourceReference: "渭福彩〔2026〕12号"}
	if p, err := f.svc.AllocatePool(finance, again); err != nil || p.AllocatedFen != 80_000_000 {
		t.Fatalf("same reference again: %v %+v", err, p)
	}
	other := again
	other.AmountFen = 1
	if _, err := f.svc.AllocatePool(lottery, other); reason(err) != "SOURCE_REFERENCE_CONFLICT" {
		t.Fatalf("same reference, other amount: %v", err)
	}
	otherRound := again
	otherRound.RoundID = ids.New()
	f.peers.rounds[otherRound.RoundID] = app.RoundInfo{ID: otherRound.RoundID}
	if _, err := f.svc.AllocatePool(lottery, otherRound); reason(err) != "SOURCE_REFERENCE_CONFLICT" {
		t.Fatalf("same reference, other round: %v", err)
	}
	if _, err := f.svc.AllocatePool(lottery, app.AllocatePool{RoundID: ids.New(), AmountFen: 1, SourceReference: "X"}); reason(err) != "NOT_FOUND" {
		t.Fatalf("unknown round: %v", err)
	}
	for _, bad := range []app.AllocatePool{{RoundID: f.round, AmountFen: 0, SourceReference: "X"}, {RoundID: f.round, AmountFen: 1, SourceReference: " "},
		{RoundID: "nope", AmountFen: 1, SourceReference: "X"}} {
		if _, err := f.svc.AllocatePool(lottery, bad); err == nil {
			t.Fatalf("%+v accepted", bad)
		}
	}
	// A retried request answers the first answer without asking the applications service.
	calls := f.peers.calls.Load()
	if p, err := f.svc.AllocatePool(lottery, cmd); err != nil || p.AllocatedFen != 80_000_000 || f.peers.calls.Load() != calls {
		t.Fatalf("retry: %v %+v (%d calls)", err, p, f.peers.calls.Load()-calls)
	}
	f.allocate(t, 20_000_000, "渭福彩〔2026〕13号")
	if p := f.poolNow(t); p.AllocatedFen != 100_000_000 || p.AvailableFen != 100_000_000 {
		t.Fatalf("pool after two allocations: %+v", p)
	}
	if n := f.count(t, `SELECT count(*) FROM allocations WHERE allocated_by = 'lottery-1' AND request_id = 'alloc-1'`); n != 1 {
		t.Fatalf("the allocation records who and under which request: %d", n)
	}
	// Quotes use the round's terms (the worked example: match capped, then topped up).
	q, err := f.svc.QuoteFunding(operator, app.QuoteFunding{RoundID: f.round, BudgetFen: 100_000_000, DonationsFen: 30_000_000})
	if err != nil || q != (money.Quote{MatchFen: 50_000_000, TopupFen: 20_000_000, GovernmentFen: 70_000_000, TotalFen: 100_000_000}) {
		t.Fatalf("quote: %v %+v", err, q)
	}
	calls = f.peers.calls.Load()
	if _, err := f.svc.QuoteFunding(operator, app.QuoteFunding{RoundID: f.round, BudgetFen: 0}); reason(err) != "BUDGET_NOT_POSITIVE" || f.peers.calls.Load() != calls {
		t.Fatalf("zero budget: %v", err)
	}
	f.verify(t)
}

func TestCreatePlans(t *testing.T) {
	f := setup(t)
	a, orgA := f.project(30_000_000, 10_000_000, 0)        // government 20,000,000
	b, _ := f.project(100_000_000, 20_000_000, 10_000_000) // D = 30,000,000: government 70,000,000, cash share 20,000,000
	if _, err := f.svc.CreatePlans(organizer, app.CreatePlans{RoundID: f.round}); reason(err) != "RESULTS_NOT_SIGNED_OFF" {
		t.Fatalf("before results: %v", err)
	}
	f.peers.results[f.round] = app.Results{State: "APPROVED", Selected: []string{a, b}}
	if _, err := f.svc.CreatePlans(organizer, app.CreatePlans{RoundID: f.round}); reason(err) != "RESULTS_NOT_SIGNED_OFF" {
		t.Fatalf("approved, not signed off: %v", err)
	}
	f.signOff([]string{a, b})
	f.allocate(t, 89_999_999, "A-1")
	if _, err := f.svc.CreatePlans(organizer, app.CreatePlans{Key: key("plans-1"), RoundID: f.round}); reason(err) != "POOL_INSUFFICIENT" {
		t.Fatalf("plans beyond the pool: %v", err)
	}
	if n := f.count(t, `SELECT (SELECT count(*) FROM plans) + (SELECT count(*) FROM tranches) + (SELECT count(*) FROM ledger_transfers WHERE id LIKE 'plan:%') + (SELECT count(*) FROM idempotency_keys)`); n != 0 {
		t.Fatalf("a refused creation left %d rows", n)
	}
	f.allocate(t, 1, "A-2")
	first, err := f.svc.CreatePlans(organizer, app.CreatePlans{Key: key("plans-1"), RoundID: f.round})
	if err != nil || len(first) != 2 {
		t.Fatalf("create: %v %+v", err, first)
	}
	pa, pb := first[0], first[1]
	if pa.ApplicationID != a || pa.Rank != 1 || pa.OrgID != orgA || pa.DonationFen != 10_000_000 || pa.GovernmentFen != 20_000_000 || pa.State != domain.PlanContracting {
		t.Fatalf("plan A: %+v", pa)
	}
	if pb.DonationFen != 20_000_000 || pb.InKindFen != 10_000_000 || pb.GovernmentFen != 70_000_000 || pb.MatchFen != 50_000_000 || pb.TopupFen != 20_000_000 ||
		pb.TotalFen() != 90_000_000 {
		t.Fatalf("plan B: %+v", pb)
	}
	if p := f.poolNow(t); p.CommittedFen != 90_000_000 || p.AvailableFen != 0 || p.PaidFen != 0 {
		t.Fatalf("pool after plans: %+v", p)
	}
	// A second call, another request: nothing new, and nobody asked.
	calls := f.peers.calls.Load()
	again, err := f.svc.CreatePlans(organizer, app.CreatePlans{Key: key("plans-2"), RoundID: f.round})
	if err != nil || len(again) != 2 || again[0].ID != pa.ID || again[1].ID != pb.ID || f.peers.calls.Load() != calls {
		t.Fatalf("second call: %v %+v", err, again)
	}
	if n := f.count(t, `SELECT count(*) FROM plans`); n != 2 {
		t.Fatalf("%d plans", n)
	}
	if n := f.count(t, `SELECT count(*) FROM plan_events WHERE action = 'CREATED' AND by_subject = 'organizer-1' AND request_id = 'plans-1'`); n != 2 {
		t.Fatalf("creation events: %d", n)
	}
	// Reads: staff and partners read every plan; an applicant only its own organisation's.
	if got, err := f.svc.GetPlan(applicant(orgA), a); err != nil || got.ID != pa.ID {
		t.Fatalf("own plan: %v", err)
	}
	if _, err := f.svc.GetPlan(applicant(ids.New()), a); reason(err) != "NOT_FOUND" {
		t.Fatalf("another organisation's plan: %v", err)
	}
	if _, err := f.svc.GetPlan(federation, b); err != nil {
		t.Fatalf("federation reads a plan: %v", err)
	}
	if _, err := f.svc.GetPlan(operator, ids.New()); reason(err) != "NOT_FOUND" {
		t.Fatalf("no plan: %v", err)
	}
	list, err := f.svc.ListPlans(as("service:reviews", "SERVICE"), f.round)
	if err != nil || len(list) != 2 || list[0].ID != pa.ID {
		t.Fatalf("list: %v %+v", err, list)
	}
	f.verify(t)
}

// TestCreatePlansConcurrently: many calls at once create one set of plans, committed once.
func TestCreatePlansConcurrently(t *testing.T) {
	f := setup(t)
	var selected []string
	for range 3 {
		a, _ := f.project(20_000_000, 0, 0)
		selected = append(selected, a)
	}
	f.signOff(selected)
	f.allocate(t, 60_000_000, "A-1")
	var wg sync.WaitGroup
	errs := make([]error, 8)
	ids := make([][]string, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			plans, err := f.svc.CreatePlans(organizer, app.CreatePlans{RoundID: f.round})
			errs[i] = err
			for _, p := range plans {
				ids[i] = append(ids[i], p.ID)
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil || len(ids[i]) != 3 || ids[i][0] != ids[0][0] {
			t.Fatalf("call %d: %v %v", i, err, ids[i])
		}
	}
	if n := f.count(t, `SELECT count(*) FROM plans`); n != 3 {
		t.Fatalf("%d plans", n)
	}
	if p := f.poolNow(t); p.CommittedFen != 60_000_000 || p.AvailableFen != 0 {
		t.Fatalf("pool %+v", p)
	}
	f.verify(t)
}

func TestRetryAnswersFirstWithoutAskingPeers(t *testing.T) {
	f := setup(t)
	a, _ := f.project(20_000_000, 0, 0)
	f.signOff([]string{a})
	f.allocate(t, 20_000_000, "A-1")
	cmd := app.CreatePlans{Key: key("plans"), RoundID: f.round}
	first, err := f.svc.CreatePlans(organizer, cmd)
	if err != nil {
		t.Fatal(err)
	}
	calls := f.peers.calls.Load()
	again, err := f.svc.CreatePlans(organizer, cmd)
	if err != nil || again[0].ID != first[0].ID || f.peers.calls.Load() != calls {
		t.Fatalf("retry: %v", err)
	}
	other := cmd
	other.Key.Fingerprint = []byte("another body")
	if _, err := f.svc.CreatePlans(context.Background(), other); reason(err) != "REQUEST_ID_REUSED" {
		t.Fatalf("same request_id, another body: %v", err)
	}
}
