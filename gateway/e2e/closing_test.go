package e2e

import (
	"fmt"
	"testing"
	"time"
)

// payTranche has tranche n of a plan requested, approved and both its shares paid.
func (f *fundedRound) payTranche(t *testing.T, planID string, n int, donation bool) {
	t.Helper()
	for _, step := range []struct{ verb, token string }{{"request", f.operator}, {"approve", f.organizer}} {
		st, body := f.tranche(planID, n, step.verb, step.token, nil)
		expect(t, fmt.Sprintf("tranche %d %s", n, step.verb), st, body, 200, "")
	}
	st, body := f.tranche(planID, n, "pay", f.finance, map[string]any{"share": "SHARE_GOVERNMENT", "payment_reference": fmt.Sprintf("GOV-%s-%d", planID[:8], n)})
	expect(t, fmt.Sprintf("tranche %d government", n), st, body, 200, "")
	if donation {
		st, body = f.tranche(planID, n, "pay", f.federation, map[string]any{"share": "SHARE_DONATION", "payment_reference": fmt.Sprintf("DON-%s-%d", planID[:8], n)})
		expect(t, fmt.Sprintf("tranche %d donation", n), st, body, 200, "")
	}
}

// TestClosing takes a round through to CLOSED through the gateway: one project completed (every tranche paid
// on its evaluations), two terminated; the operator's quarterly report whose figures equal funding's and
// donations' own; final summaries, performance evaluations and the round summary; and the coordinator's moves
// to CLOSING and CLOSED, each refused with supervision's stable reason until its precondition holds.
func TestClosing(t *testing.T) {
	t.Parallel() // each test runs its own suite: their waits overlap
	s := Start(t)
	f := newFundedRound(t, s, []int64{5_000_000, 0, 0}, 55_000_000)
	A := f.apps[0]
	for _, app := range f.apps {
		waitStage(t, s, f.operator, app, "STAGE_SELECTED")
	}
	plans := f.createPlans(t)
	st, body := f.advance(t, "PHASE_CLOSING")
	expect(t, "closing with every plan contracting", st, body, 412, "PROJECTS_NOT_FINISHED")

	// A: contract, payee, tranche 1, the mid-term evaluation, tranche 2, the final acceptance, tranche 3.
	aID := str(plans[A]["id"])
	f.activate(t, 0, aID)
	f.payTranche(t, aID, 1, true)
	summary := map[string]any{"summary": "Meals delivered to 40 elderly people for a year.", "outcomes": "All indicators met.",
		"beneficiaries_served": 40, "spent_fen": 20_000_000}
	st, body = s.Do("POST", "/v1/projects/"+A+"/finalSummary", f.teams[0], summary)
	expect(t, "final summary of an active plan", st, body, 412, "PLAN_NOT_FINISHED")
	for _, kind := range []string{"EVALUATION_KIND_MIDTERM", "EVALUATION_KIND_FINAL_ACCEPTANCE"} {
		st, body = s.Do("POST", "/v1/projects/"+A+"/evaluations", f.operator, map[string]any{"kind": kind, "result": "EVALUATION_RESULT_PASSED",
			"verified_spending_fen": 10_000_000, "findings": "accounts checked on site"})
		expect(t, kind, st, body, 200, "")
		n := 2
		if kind == "EVALUATION_KIND_FINAL_ACCEPTANCE" {
			n = 3
		}
		f.payTranche(t, aID, n, true)
	}
	// B and C: terminated for force majeure.
	for i := 1; i < 3; i++ {
		id := str(plans[f.apps[i]]["id"])
		st, body = s.Do("POST", "/v1/plans/"+id+":requestTermination", f.teams[i], map[string]any{"reason": "the community centre closed"})
		expect(t, "request termination", st, body, 200, "")
		for _, token := range []string{f.organizer, f.operator} {
			st, body = s.Do("POST", "/v1/plans/"+id+":approveTermination", token, map[string]any{})
			expect(t, "approve termination", st, body, 200, "")
		}
	}

	// The quarterly report, drawn while the round is in IMPLEMENTATION: each figure is the owner's own.
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(shanghai)
	quarterly := map[string]any{"year": now.Year(), "quarter": (int(now.Month())-1)/3 + 1, "narrative": "One project completed, two terminated."}
	st, q := s.Do("POST", "/v1/rounds/"+f.roundID+"/quarterlyReports", f.operator, quarterly)
	expect(t, "quarterly report", st, q, 200, "")
	st, body = s.Do("POST", "/v1/rounds/"+f.roundID+"/quarterlyReports", f.operator, quarterly)
	expect(t, "second report of the quarter", st, body, 409, "QUARTERLY_REPORT_EXISTS")
	st, body = s.Do("POST", "/v1/rounds/"+f.roundID+"/quarterlyReports", f.organizer, quarterly)
	expect(t, "the organizer files a quarterly report", st, body, 403, "PERMISSION_DENIED")
	totals := map[string]int64{}
	for _, p := range q["projects"].([]any) {
		line := p.(map[string]any)
		app, figures := str(line["projectId"]), line["figures"].(map[string]any)
		st, plan := s.Do("GET", "/v1/applications/"+app+"/plan", f.auditor, nil)
		expect(t, "plan", st, plan, 200, "")
		st, gifts := s.Do("GET", "/v1/applications/"+app+"/donationSummary", f.auditor, nil)
		expect(t, "donation summary", st, gifts, 200, "")
		for field, want := range map[string]any{"matchedFen": plan["matchFen"], "toppedUpFen": plan["topupFen"], "disbursedFen": plan["disbursedFen"],
			"clawedBackFen": plan["clawbackFen"], "depositedFen": gifts["confirmedCashFen"], "inKindFen": gifts["confirmedInKindFen"]} {
			if figures[field] != want {
				t.Errorf("project %s: %s = %v, the owner says %v", app, field, figures[field], want)
			}
			var n int64
			fmt.Sscan(str(want), &n)
			totals[field] += n
		}
		if line["planState"] != plan["state"] {
			t.Errorf("project %s: plan state %v, funding says %v", app, line["planState"], plan["state"])
		}
	}
	if len(q["projects"].([]any)) != 3 || totals["disbursedFen"] != 20_000_000 || totals["depositedFen"] != 5_000_000 {
		t.Fatalf("quarterly report: %v", q)
	}
	for field, sum := range totals {
		if got := q["totals"].(map[string]any)[field]; got != fmt.Sprint(sum) {
			t.Errorf("total %s = %v, want the sum %d", field, got, sum)
		}
	}
	if tot := q["totals"].(map[string]any); tot["pledgedFen"] != "5000000" || tot["evaluationsPassed"] != float64(2) {
		t.Errorf("totals: %v", tot)
	}
	st, body = s.Do("GET", "/v1/rounds/"+f.roundID+"/quarterlyReports", f.federation, nil)
	expect(t, "the federation lists the reports", st, body, 200, "")
	if list := body["quarterlyReports"].([]any); len(list) != 1 || list[0].(map[string]any)["id"] != q["id"] {
		t.Fatalf("list: %v", body)
	}
	st, body = s.Do("GET", "/v1/quarterlyReports/"+str(q["id"]), f.teams[0], nil)
	expect(t, "a team reads the quarterly report", st, body, 403, "PERMISSION_DENIED")

	// Every plan is finished: CLOSING. CLOSED waits for the round summary, which waits for the summaries.
	st, body = f.advance(t, "PHASE_CLOSING")
	expect(t, "closing", st, body, 200, "")
	st, body = f.advance(t, "PHASE_CLOSED")
	expect(t, "closed before the round summary", st, body, 412, "ROUND_SUMMARY_MISSING")
	roundSummary := "/v1/rounds/" + f.roundID + "/roundSummary"
	st, body = s.Do("POST", roundSummary, f.organizer, map[string]any{"summary": "A good year."})
	expect(t, "round summary before the final summaries", st, body, 412, "FINAL_SUMMARIES_MISSING")
	st, body = s.Do("POST", "/v1/projects/"+A+"/finalSummary", f.teams[1], summary)
	expect(t, "another team summarises the project", st, body, 404, "PROJECT_NOT_FOUND")
	for i, app := range f.apps {
		st, body = s.Do("POST", "/v1/projects/"+app+"/finalSummary", f.teams[i], summary)
		expect(t, "final summary", st, body, 200, "")
	}
	st, body = s.Do("GET", "/v1/projects/"+A+"/finalSummary", f.teams[0], nil)
	expect(t, "the team reads its summary", st, body, 200, "")
	if body["planState"] != "PLAN_STATE_COMPLETED" || body["spentFen"] != "20000000" {
		t.Fatalf("final summary: %v", body)
	}
	st, body = s.Do("POST", roundSummary, f.organizer, map[string]any{"summary": "A good year."})
	expect(t, "round summary before the performance evaluations", st, body, 412, "PERFORMANCE_EVALUATIONS_MISSING")
	for i, app := range f.apps {
		st, body = s.Do("POST", "/v1/projects/"+app+"/performanceEvaluation", f.operator, map[string]any{"score": 95 - 30*i, "findings": "reviewed"})
		expect(t, "performance evaluation", st, body, 200, "")
	}
	if body["grade"] != "PERFORMANCE_GRADE_FAIL" || body["score"] != float64(35) {
		t.Fatalf("performance evaluation: %v", body)
	}
	st, body = s.Do("POST", roundSummary, f.organizer, map[string]any{"summary": "A good year."})
	expect(t, "round summary", st, body, 200, "")
	if body["fundedProjects"] != float64(3) {
		t.Fatalf("round summary: %v", body)
	}
	st, body = f.advance(t, "PHASE_CLOSED")
	expect(t, "closed", st, body, 200, "")
	st, body = s.Do("GET", "/v1/rounds/"+f.roundID, "", nil)
	expect(t, "round", st, body, 200, "")
	if body["phase"] != "PHASE_CLOSED" {
		t.Fatalf("round: %v", body["phase"])
	}
	st, body = s.Do("POST", "/v1/projects/"+A+"/performanceEvaluation", f.operator, map[string]any{"score": 1, "findings": "x"})
	expect(t, "a closed round is read only", st, body, 412, "ROUND_CLOSED")
}
