package e2e

import (
	"fmt"
	"net/url"
	"testing"
	"time"
)

// usccResultsDonor is a made-up credit code (region 999999 does not exist) whose check character was computed
// once, independently of pkg/cnid, from GB 32100-2015 (see ids_test.go).
const usccResultsDonor = "91999999MA0000400A"

// finalTotals are the final panel's totals (20 members, fin-0 …) of the three finalists A, B and C: A has one
// low outlier and C one high one, both dropped by trim_extremes.
var finalTotals = [3]func(m int) int{
	func(m int) int { return map[bool]int{true: 40, false: 90 - m%5}[m == 0] },
	func(m int) int { return 80 + m%3 },
	func(m int) int { return map[bool]int{true: 100, false: 75}[m == 19] },
}

// TestResultsThroughFunding takes a round from the shortlist to public results with every step through the
// gateway: the lottery centre allocates the pool; reviews asks donations for the confirmed donations at the
// cutoff (cash and in kind, not late money) and funding for each finalist's government share and the pool;
// the selection walks the ranking within the quota and the pool (the first finalist is skipped because its
// government share does not fit, the next one fits); the results are approved, signed off and public, and
// set every stage. Each score and amount is checked against DOMAIN.md's formulas computed here. Afterwards a
// declined project's late donation moves on to the selected project's earmark, and both ledgers verify.
func TestResultsThroughFunding(t *testing.T) {
	t.Parallel() // each test runs its own suite: their waits overlap
	s := Start(t)
	w := newReviewRound(t, s, 3, 3) // selection quota 1; each budget 20,000,000 fen
	A, B, C, idea := w.apps[0], w.apps[1], w.apps[2], w.ideaApp
	federation := s.Token("fed-results", []string{"CHARITY_FEDERATION"}, "")
	lottery := s.Token("lottery-results", []string{"LOTTERY_CENTER"}, "")
	const budget = int64(20_000_000)

	w.publishShortlist(t, func(m, a int) int { return 70 + a })
	st, body := w.advance(t, "PHASE_PUBLICITY")
	expect(t, "publicity", st, body, 200, "")
	publicityStart := time.Now()

	// Donations: B 10,000,000 in cash; C 1,234,567 in cash and 5,000,000 in kind; A 1,000,000 arriving late.
	donorUser := donorToken(t, s, "results-donor-user", "")
	st, donor := s.Do("POST", "/v1/donors", donorUser, map[string]any{"name": "Weinan Glass Co.", "kind": "DONOR_KIND_ENTERPRISE",
		"uscc": usccResultsDonor, "contact_phone": "13612345678"})
	expect(t, "donor", st, donor, 200, "")
	donorID := str(donor["id"])
	pledge := func(appID string, amount int64, kind string) string {
		t.Helper()
		st, p := s.Do("POST", "/v1/pledges", donorUser, map[string]any{"donor_id": donorID, "application_id": appID, "amount_fen": amount,
			"kind": kind, "agreement_ref": "AG-" + requestID(), "description": "wheelchairs"})
		expect(t, "pledge", st, p, 200, "")
		return str(p["id"])
	}
	deposit := func(pledgeID string, amount int64, bankRef string) map[string]any {
		t.Helper()
		st, p := s.Do("POST", "/v1/pledges/"+pledgeID+":confirmDeposit", federation, map[string]any{"bank_reference": bankRef,
			"amount_fen": amount, "deposited_at": time.Now().UTC().Format(time.RFC3339Nano)})
		expect(t, "deposit "+bankRef, st, p, 200, "")
		return p
	}
	deposit(pledge(B, 10_000_000, "PLEDGE_KIND_CASH"), 10_000_000, "BOC-RES-B")
	deposit(pledge(C, 1_234_567, "PLEDGE_KIND_CASH"), 1_234_567, "BOC-RES-C")
	goods := pledge(C, 5_000_000, "PLEDGE_KIND_IN_KIND")
	st, body = s.Do("POST", "/v1/pledges/"+goods+":appraise", w.operator, map[string]any{"value_fen": 5_000_000, "notes": "supplier quotes"})
	expect(t, "appraise", st, body, 200, "")
	st, body = s.Do("POST", "/v1/pledges/"+goods+":approveAppraisal", w.organizer, map[string]any{})
	expect(t, "approve appraisal", st, body, 200, "")
	lateA := pledge(A, 1_000_000, "PLEDGE_KIND_CASH")

	// Staff and the federation list donors, with personal numbers masked but for the organizer.
	for _, c := range []struct {
		who, token, phone string
	}{{"federation", federation, "136****5678"}, {"operator", w.operator, "136****5678"}, {"organizer", w.organizer, "13612345678"}} {
		st, body = s.Do("GET", "/v1/donors?page_size=10", c.token, nil)
		expect(t, c.who+" lists donors", st, body, 200, "")
		if ds := body["donors"].([]any); len(ds) != 1 || ds[0].(map[string]any)["id"] != donorID || ds[0].(map[string]any)["contactPhone"] != c.phone {
			t.Fatalf("%s lists %v, want the donor with phone %s", c.who, ds, c.phone)
		}
	}
	st, body = s.Do("GET", "/v1/donors", donorUser, nil)
	expect(t, "a donor user lists donors", st, body, 403, "PERMISSION_DENIED")

	// Votes during promotion: A 3, B 1, C 2.
	time.Sleep(time.Until(publicityStart.Add(publicityPeriod + 200*time.Millisecond)))
	st, body = w.advance(t, "PHASE_PROMOTION")
	expect(t, "promotion", st, body, 200, "")
	votes := map[string][]string{"13600000001": {A, B, C}, "13600000002": {A, C}, "13600000003": {A}}
	for phone, apps := range votes {
		token := voter(t, s, phone)
		for _, app := range apps {
			st, body = s.Do("POST", "/v1/rounds/"+w.roundID+"/applications/"+app+"/votes", "", map[string]any{}, "X-Voter-Token", token)
			expect(t, "vote", st, body, 200, "")
		}
	}

	// Closing the vote fixes the cutoff; A's money arrives after it.
	st, round := w.advance(t, "PHASE_FINAL_REVIEW")
	expect(t, "final review", st, round, 200, "")
	cutoff := str(round["donationCutoff"])
	if late := deposit(lateA, 1_000_000, "BOC-RES-A"); late["late"] != true {
		t.Fatalf("deposit after the cutoff not late: %v", late)
	}
	st, sum := s.Do("GET", "/v1/applications/"+C+"/donationSummary?as_of="+url.QueryEscape(cutoff), w.operator, nil)
	expect(t, "C's summary at the cutoff", st, sum, 200, "")
	if sum["confirmedTotalFen"] != "6234567" || sum["confirmedCashFen"] != "1234567" || sum["confirmedInKindFen"] != "5000000" {
		t.Fatalf("C at the cutoff: %v, want 6234567 = 1234567 cash + 5000000 in kind", sum)
	}

	st, final := s.Do("POST", "/v1/rounds/"+w.roundID+"/panels", w.operator, map[string]any{"stage": "REVIEW_STAGE_FINAL", "members": finalPanelMembers("fin", 20, nil)})
	expect(t, "final panel", st, final, 200, "")
	for i, app := range []string{A, B, C} {
		for m := 0; m < 20; m++ {
			st, body = s.Do("POST", "/v1/panels/"+str(final["id"])+"/scores", w.operator, map[string]any{"application_id": app,
				"reviewer_id": fmt.Sprintf("fin-%d", m), "criteria": criteria(finalTotals[i](m))})
			expect(t, "final score", st, body, 200, "")
		}
	}

	// The lottery centre allocates 150,000 yuan in two parts; a retried allocation changes nothing.
	for _, a := range []struct {
		amount    int64
		ref, want string
	}{{10_000_000, "FC-2026-0001", "10000000"}, {10_000_000, "FC-2026-0001", "10000000"}, {5_000_000, "FC-2026-0002", "15000000"}} {
		st, pool := s.Do("POST", "/v1/rounds/"+w.roundID+"/pool:allocate", lottery, map[string]any{"amount_fen": a.amount, "source_reference": a.ref})
		expect(t, "allocate "+a.ref, st, pool, 200, "")
		if pool["allocatedFen"] != a.want || pool["availableFen"] != a.want {
			t.Fatalf("pool after %s: %v, want %s allocated and available", a.ref, pool, a.want)
		}
	}
	const poolFen = int64(15_000_000)

	st, res := s.Do("GET", "/v1/rounds/"+w.roundID+"/results", "", nil)
	expect(t, "anonymous reads results before sign-off", st, res, 404, "NOT_FOUND")
	st, res = s.Do("POST", "/v1/rounds/"+w.roundID+"/results:compute", w.operator, map[string]any{})
	expect(t, "compute results", st, res, 200, "")
	if res["state"] != "RESULTS_STATE_COMPUTED" || res["poolFen"] != fmt.Sprint(poolFen) {
		t.Fatalf("computed results: state %v pool %v", res["state"], res["poolFen"])
	}

	// What DOMAIN.md says each finalist gets, computed here.
	var facts []finalistFacts
	for i, f := range []struct {
		id               string
		donations, votes int64
	}{{A, 0, 3}, {B, 10_000_000, 1}, {C, 6_234_567, 2}} {
		var totals []int64
		for m := 0; m < 20; m++ {
			totals = append(totals, int64(finalTotals[i](m)))
		}
		facts = append(facts, finalistFacts{id: f.id, totals: totals, budget: budget, donations: f.donations, vote: f.votes})
	}
	want := expectedResults(facts, 1, poolFen)
	// The same figures worked by hand, so a mistake in the formulas above cannot hide one in the services.
	byHand := map[string]resultWant{
		A: {panel: 8778, donation: 0, vote: 10000, total: 7267, rank: 1, skip: "POOL_EXHAUSTED", government: 20_000_000, poolLeft: 15_000_000},
		B: {panel: 8094, donation: 5000, vote: 3333, total: 6523, rank: 2, selected: true, government: 10_000_000, poolLeft: 15_000_000},
		C: {panel: 7500, donation: 3117, vote: 6667, total: 6457, rank: 3, skip: "QUOTA_REACHED", government: 13_765_433, poolLeft: 5_000_000},
	}
	for id, h := range byHand {
		if want[id] != h {
			t.Fatalf("the formulas give %+v for %s, worked by hand %+v", want[id], id, h)
		}
	}
	checkResults(t, "computed", res, want, []string{A, B, C}, idea)

	st, body = w.advance(t, "PHASE_APPROVAL")
	expect(t, "approval", st, body, 200, "")
	st, body = s.Do("POST", "/v1/rounds/"+w.roundID+"/results:approve", w.organizer, map[string]any{})
	expect(t, "approve", st, body, 200, "")
	if body["state"] != "RESULTS_STATE_APPROVED" {
		t.Fatalf("approved: %v", body["state"])
	}
	st, body = s.Do("POST", "/v1/rounds/"+w.roundID+"/results:compute", w.operator, map[string]any{})
	expect(t, "recompute after approval", st, body, 412, "RESULTS_WRONG_STATE")
	st, body = s.Do("POST", "/v1/rounds/"+w.roundID+"/results:signOff", w.committee, map[string]any{})
	expect(t, "sign off", st, body, 200, "")
	if body["state"] != "RESULTS_STATE_SIGNED_OFF" {
		t.Fatalf("signed off: %v", body["state"])
	}

	// Public, with the same figures, and every stage set.
	st, res = s.Do("GET", "/v1/rounds/"+w.roundID+"/results", "", nil)
	expect(t, "anonymous reads the signed-off results", st, res, 200, "")
	checkResults(t, "public", res, want, []string{A, B, C}, "")
	for app, stage := range map[string]string{A: "STAGE_NOT_SELECTED", B: "STAGE_SELECTED", C: "STAGE_NOT_SELECTED", idea: "STAGE_NOT_SHORTLISTED"} {
		if got := stageOf(t, w, app); got != stage {
			t.Fatalf("stage of %s = %s, want %s", app, got, stage)
		}
	}
	st, body = w.advance(t, "PHASE_IMPLEMENTATION")
	expect(t, "implementation", st, body, 200, "")

	// A was not selected: its late donation moves on, at the donor's choice, to the selected B's earmark (not to
	// C, not selected), and B's total at the cutoff stays what the results used.
	st, body = s.Do("POST", "/v1/pledges/"+lateA+":redirect", w.operator, map[string]any{"target_application_id": C, "reason": "donor's choice"})
	expect(t, "redirect to a project not selected", st, body, 412, "REDIRECT_TARGET_NOT_ELIGIBLE")
	st, body = s.Do("POST", "/v1/pledges/"+lateA+":redirect", w.operator, map[string]any{"target_application_id": B, "reason": "donor's choice", "request_id": "redirect-a-1"})
	expect(t, "redirect to the selected project", st, body, 200, "")
	if body["state"] != "PLEDGE_STATE_REDIRECTED" || body["redirectApplicationId"] != B {
		t.Fatalf("redirected: %v", body)
	}
	st, sum = s.Do("GET", "/v1/applications/"+B+"/donationSummary?as_of="+url.QueryEscape(cutoff), w.operator, nil)
	expect(t, "B's summary at the cutoff", st, sum, 200, "")
	if sum["confirmedTotalFen"] != "10000000" || sum["confirmedCashFen"] != "10000000" {
		t.Fatalf("B at the cutoff after a redirection to it: %v, want 10000000", sum)
	}
	st, body = s.Do("GET", "/v1/ledger:verify", federation, nil)
	expect(t, "donations ledger", st, body, 200, "")
	if body["balanced"] != true {
		t.Fatalf("donations ledger: %v", body)
	}
	st, body = s.Do("GET", "/v1/funding/ledger:verify", lottery, nil)
	expect(t, "funding ledger", st, body, 200, "")
	if body["balanced"] != true {
		t.Fatalf("funding ledger: %v", body)
	}
}

// checkResults compares the finalists' entries of res, in rank order, with want, and checks the other
// candidate (the idea-only application, when given) is listed after them as no finalist.
func checkResults(t *testing.T, what string, res map[string]any, want map[string]resultWant, ranked []string, other string) {
	t.Helper()
	entries := res["entries"].([]any)
	if n := len(ranked) + map[bool]int{true: 1, false: 0}[other != ""]; len(entries) != n {
		t.Fatalf("%s: %d entries, want %d: %v", what, len(entries), n, entries)
	}
	for i, id := range ranked {
		e := entries[i].(map[string]any)
		in := e["inputs"].(map[string]any)
		w := want[id]
		got := fmt.Sprintln(e["applicationId"], e["panelScore"], e["donationScore"], e["voteScore"], e["totalScore"], e["rank"], e["selected"],
			e["skipReason"], e["finalist"], in["governmentFen"], in["poolRemainingFen"])
		exp := fmt.Sprintln(id, w.panel, w.donation, w.vote, w.total, w.rank, w.selected, w.skip, true, w.government, w.poolLeft)
		if got != exp {
			t.Errorf("%s, rank %d: got %q, want %q", what, i+1, got, exp)
		}
	}
	if other != "" {
		if e := entries[len(ranked)].(map[string]any); e["applicationId"] != other || e["finalist"] != false || e["selected"] != false {
			t.Errorf("%s: last entry %v, want %s, no finalist, not selected", what, e, other)
		}
	}
}
