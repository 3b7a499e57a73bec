package e2e

import (
	"testing"
	"time"
)

// waitStage polls an application until the stage the signed-off results give it has landed in the
// applications service (reviews delivers stages through its outbox).
func waitStage(t *testing.T, s *Suite, token, appID, stage string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		st, body := s.Do("GET", "/v1/applications/"+appID, token, nil)
		if st == 200 && body["stage"] == stage {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("application %s: stage %v (status %d), want %s", appID, body["stage"], st, stage)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestSupervision walks the supervision service through the gateway on a round whose projects were selected
// by the real services: monthly reports by a project's own team (another team gets 404), updates with the etag
// and their history, the overdue list, inspections, evaluations and capacity-building records, and the role
// and validation refusals.
func TestSupervision(t *testing.T) {
	t.Parallel() // each test runs its own suite: their waits overlap
	s := Start(t)
	f := newFundedRound(t, s, []int64{0, 0, 0}, 60_000_000)
	A, teamA, teamB := f.apps[0], f.teams[0], f.teams[1]
	for _, app := range f.apps {
		waitStage(t, s, f.operator, app, "STAGE_SELECTED")
	}
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	period := time.Now().In(shanghai).Format("2006-01")
	reports := "/v1/projects/" + A + "/monthlyReports"
	report := map[string]any{"period": period, "activities": "Weekly home visits to 40 elderly people living alone.", "beneficiaries_served": 40,
		"spending": []any{map[string]any{"budget_line": "meals", "amount_fen": 300_000}, map[string]any{"budget_line": "staff", "amount_fen": "200000"}}}

	// The helper may leave the round in APPROVAL or take it on to IMPLEMENTATION.
	st, round := s.Do("GET", "/v1/rounds/"+f.roundID, "", nil)
	expect(t, "round", st, round, 200, "")
	if round["phase"] != "PHASE_IMPLEMENTATION" {
		st, body := f.advance(t, "PHASE_IMPLEMENTATION")
		expect(t, "implementation", st, body, 200, "")
	}
	// An application that won an idea prize is not a project under supervision.
	ideaTeam := s.Token("sv-idea-team", []string{"APPLICANT"}, f.ideaOrg)
	st, body := s.Do("POST", "/v1/projects/"+f.ideaApp+"/monthlyReports", ideaTeam, report)
	expect(t, "report on an idea prize", st, body, 412, "PROJECT_NOT_SELECTED")

	// The project's own team files the month's report; the total is the lines' sum.
	st, r1 := s.Do("POST", reports, teamA, report)
	expect(t, "monthly report", st, r1, 200, "")
	if r1["period"] != period || r1["spentFen"] != "500000" || r1["revision"] != float64(1) || r1["projectId"] != A || r1["roundId"] != f.roundID ||
		r1["orgId"] != f.orgs[0] || r1["etag"] == "" || r1["late"] != false {
		t.Fatalf("monthly report: %v", r1)
	}
	// Another organisation's team, and roles that never file reports.
	st, body = s.Do("POST", reports, teamB, report)
	expect(t, "another team files on the project", st, body, 404, "PROJECT_NOT_FOUND")
	st, body = s.Do("GET", reports, teamB, nil)
	expect(t, "another team reads the reports", st, body, 404, "PROJECT_NOT_FOUND")
	st, body = s.Do("GET", "/v1/projects/"+A+"/evaluations", teamB, nil)
	expect(t, "another team reads the evaluations", st, body, 404, "PROJECT_NOT_FOUND")
	st, body = s.Do("POST", reports, f.operator, report)
	expect(t, "the operator files a team's report", st, body, 403, "PERMISSION_DENIED")
	st, body = s.DoInvalid("POST", reports, "", report)
	expect(t, "anonymous report", st, body, 403, "PERMISSION_DENIED")

	// A second report of the period is an update that needs the etag; every revision is kept.
	update := map[string]any{"period": period, "activities": "Home visits and a health talk.", "beneficiaries_served": 55, "spent_fen": 650_000, "issues": "a volunteer left"}
	st, body = s.Do("POST", reports, teamA, update)
	expect(t, "second report without etag", st, body, 409, "MONTHLY_REPORT_EXISTS")
	update["etag"] = "W/\"stale\""
	st, body = s.Do("POST", reports, teamA, update)
	expect(t, "second report with a stale etag", st, body, 409, "ETAG_MISMATCH")
	update["etag"], update["request_id"] = r1["etag"], requestID()
	st, r2 := s.Do("POST", reports, teamA, update)
	expect(t, "update", st, r2, 200, "")
	st, again := s.Do("POST", reports, teamA, update)
	expect(t, "retried update", st, again, 200, "")
	if r2["revision"] != float64(2) || r2["spentFen"] != "650000" || again["etag"] != r2["etag"] || again["revision"] != float64(2) {
		t.Fatalf("update %v, retried %v", r2, again)
	}
	st, revs := s.Do("GET", reports+"/"+period+"/revisions", teamA, nil)
	expect(t, "revisions", st, revs, 200, "")
	if list := revs["revisions"].([]any); len(list) != 2 || list[0].(map[string]any)["spentFen"] != "500000" || list[1].(map[string]any)["issues"] != "a volunteer left" {
		t.Fatalf("revisions: %v", revs)
	}
	st, list := s.Do("GET", reports+"?page_size=1", f.auditor, nil)
	expect(t, "reports read by the auditor", st, list, 200, "")
	if items := list["monthlyReports"].([]any); len(items) != 1 || items[0].(map[string]any)["revision"] != float64(2) || list["nextPageToken"] != "" {
		t.Fatalf("list: %v", list)
	}

	// Validation.
	for _, bad := range []struct {
		what, reason string
		change       func(m map[string]any)
	}{
		{"a malformed period", "INVALID_PERIOD", func(m map[string]any) { m["period"] = "2026-13" }},
		{"a month before the implementation", "PERIOD_OUTSIDE_IMPLEMENTATION", func(m map[string]any) { m["period"] = "2025-01" }},
		{"an unknown budget line", "UNKNOWN_BUDGET_LINE", func(m map[string]any) {
			m["spending"] = []any{map[string]any{"budget_line": "travel", "amount_fen": 1}}
		}},
		{"a total that is not the lines' sum", "SPENDING_TOTAL_MISMATCH", func(m map[string]any) { m["spent_fen"] = 1 }},
		{"no activities", "REQUIRED_FIELD", func(m map[string]any) { delete(m, "activities") }},
	} {
		m := map[string]any{}
		for k, v := range report {
			m[k] = v
		}
		bad.change(m)
		st, body := s.DoInvalid("POST", reports, teamA, m)
		expect(t, bad.what, st, body, 400, bad.reason)
	}
	st, body = s.Do("POST", "/v1/projects/not-an-id/monthlyReports", teamA, report)
	expect(t, "a malformed project ID", st, body, 400, "INVALID_ID")

	// The overdue list: the implementation began this month, so nothing is due yet. Teams may not read it.
	st, body = s.Do("GET", "/v1/rounds/"+f.roundID+"/monthlyReports:overdue", f.organizer, nil)
	expect(t, "overdue", st, body, 200, "")
	if len(body["overdue"].([]any)) != 0 || body["timeZone"] != "Asia/Shanghai" || body["implementationStartTime"] == nil {
		t.Fatalf("overdue in the first month: %v", body)
	}
	st, body = s.Do("GET", "/v1/rounds/"+f.roundID+"/monthlyReports:overdue", teamA, nil)
	expect(t, "a team reads the overdue list", st, body, 403, "PERMISSION_DENIED")

	// Inspections, evaluations and capacity building, by the operator; read by the team.
	today := time.Now().In(shanghai).Format(time.DateOnly)
	st, in := s.Do("POST", "/v1/projects/"+A+"/inspections", f.operator, map[string]any{"visited_on": today, "findings": "Kitchen clean; visit log kept.", "rating": "INSPECTION_RATING_GOOD"})
	expect(t, "inspection", st, in, 200, "")
	st, body = s.Do("POST", "/v1/projects/"+A+"/inspections", teamA, map[string]any{"visited_on": today, "findings": "x", "rating": "INSPECTION_RATING_EXCELLENT"})
	expect(t, "a team inspects itself", st, body, 403, "PERMISSION_DENIED")
	st, body = s.Do("POST", "/v1/projects/"+A+"/inspections", f.operator, map[string]any{"visited_on": "2999-01-01", "findings": "x", "rating": "INSPECTION_RATING_GOOD"})
	expect(t, "an inspection in the future", st, body, 400, "DATE_OUTSIDE_IMPLEMENTATION")
	st, body = s.Do("GET", "/v1/projects/"+A+"/inspections", teamA, nil)
	expect(t, "the team's inspections", st, body, 200, "")
	if items := body["inspections"].([]any); len(items) != 1 || items[0].(map[string]any)["rating"] != "INSPECTION_RATING_GOOD" || items[0].(map[string]any)["visitedOn"] != today {
		t.Fatalf("inspections: %v", body)
	}

	evaluations := "/v1/projects/" + A + "/evaluations"
	st, body = s.Do("POST", evaluations, f.operator, map[string]any{"kind": "EVALUATION_KIND_FINAL_ACCEPTANCE", "result": "EVALUATION_RESULT_PASSED",
		"verified_spending_fen": 100, "findings": "x"})
	expect(t, "final acceptance before the mid-term evaluation", st, body, 412, "MIDTERM_EVALUATION_MISSING")
	mid := map[string]any{"kind": "EVALUATION_KIND_MIDTERM", "result": "EVALUATION_RESULT_PASSED", "verified_spending_fen": 6_500_000,
		"findings": "Activities on plan; receipts match the reported spending."}
	st, e := s.Do("POST", evaluations, f.operator, mid)
	expect(t, "mid-term evaluation", st, e, 200, "")
	if e["kind"] != "EVALUATION_KIND_MIDTERM" || e["result"] != "EVALUATION_RESULT_PASSED" || e["verifiedSpendingFen"] != "6500000" || e["evaluateTime"] == nil {
		t.Fatalf("evaluation: %v", e)
	}
	st, body = s.Do("POST", evaluations, f.operator, mid)
	expect(t, "a second mid-term evaluation", st, body, 409, "EVALUATION_EXISTS")
	st, body = s.Do("POST", evaluations, f.organizer, mid)
	expect(t, "the organizer evaluates", st, body, 403, "PERMISSION_DENIED")
	st, body = s.Do("GET", evaluations, teamA, nil)
	expect(t, "the team's evaluations", st, body, 200, "")
	if items := body["evaluations"].([]any); len(items) != 1 || items[0].(map[string]any)["id"] != e["id"] {
		t.Fatalf("evaluations: %v", body)
	}

	capacity := "/v1/projects/" + A + "/capacityBuildingRecords"
	st, rec := s.Do("POST", capacity, f.operator, map[string]any{"kind": "CAPACITY_BUILDING_KIND_TRAINING", "held_on": today, "topic": "Bookkeeping for project funds",
		"duration_minutes": 180, "participants": 5, "provider": "Weinan Social Work Association"})
	expect(t, "capacity building", st, rec, 200, "")
	st, body = s.Do("POST", capacity, f.operator, map[string]any{"kind": "CAPACITY_BUILDING_KIND_CONSULTATION", "held_on": today, "topic": "x", "duration_minutes": 0, "participants": 1})
	expect(t, "a consultation without a duration", st, body, 400, "INVALID_DURATION")
	st, body = s.Do("GET", capacity, teamA, nil)
	expect(t, "the team's records", st, body, 200, "")
	if items := body["capacityBuildingRecords"].([]any); len(items) != 1 || items[0].(map[string]any)["id"] != rec["id"] || items[0].(map[string]any)["durationMinutes"] != float64(180) {
		t.Fatalf("capacity building: %v", body)
	}
	st, body = s.Do("GET", capacity, teamB, nil)
	expect(t, "another team reads the records", st, body, 404, "PROJECT_NOT_FOUND")
}
