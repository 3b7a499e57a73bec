package domain

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestGradeOf(t *testing.T) {
	for _, c := range []struct {
		score int
		want  Grade
	}{{100, GradeExcellent}, {90, GradeExcellent}, {89, GradeGood}, {80, GradeGood}, {79, GradePass}, {60, GradePass}, {59, GradeFail}, {0, GradeFail}} {
		if got := GradeOf(c.score); got != c.want {
			t.Errorf("GradeOf(%d) = %s, want %s", c.score, got, c.want)
		}
	}
}

func TestPlanFinishedAndWindDown(t *testing.T) {
	for state, want := range map[PlanState]bool{"CONTRACTING": false, "ACTIVE": false, PlanSuspended: true, PlanTerminated: true, PlanCompleted: true, "": false} {
		if state.Finished() != want {
			t.Errorf("%q finished = %v", state, !want)
		}
	}
	for phase, want := range map[string]string{"APPROVAL": "ROUND_NOT_IN_IMPLEMENTATION", "IMPLEMENTATION": "", "CLOSING": "", "CLOSED": "ROUND_CLOSED"} {
		if got := reasonAndField(Round{Phase: phase}.CheckWindDown()); got != want {
			t.Errorf("wind down in %s: %s, want %s", phase, got, want)
		}
	}
}

func TestFinalSummaryAndPerformanceEvaluation(t *testing.T) {
	p := Project{ID: "p", RoundID: "r", OrgID: "o"}
	done := Plan{ProjectID: "p", State: PlanCompleted}
	for _, c := range []struct {
		name    string
		plan    Plan
		hasPlan bool
		summary string
		benef   int64
		spent   int64
		want    string
	}{
		{"completed", done, true, "done", 10, 100, ""},
		{"terminated", Plan{State: PlanTerminated}, true, "ended early", 0, 0, ""},
		{"active", Plan{State: "ACTIVE"}, true, "x", 0, 0, "PLAN_NOT_FINISHED"},
		{"no plan", Plan{}, false, "x", 0, 0, "PLAN_NOT_FINISHED"},
		{"no summary", done, true, "", 0, 0, "REQUIRED_FIELD summary"},
		{"negative spending", done, true, "x", 0, -1, "INVALID_AMOUNT spent_fen"},
		{"negative beneficiaries", done, true, "x", -1, 0, "INVALID_COUNT beneficiaries_served"},
	} {
		s, err := NewFinalSummary(p, c.plan, c.hasPlan, c.summary, "", c.benef, c.spent)
		if got := reasonAndField(err); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
		if err == nil && (s.PlanState != c.plan.State || s.OrgID != "o" || s.RoundID != "r") {
			t.Errorf("%s: %+v", c.name, s)
		}
	}
	for _, c := range []struct {
		score    int64
		findings string
		plan     Plan
		want     string
	}{{95, "fine", done, ""}, {101, "x", done, "INVALID_SCORE score"}, {-1, "x", done, "INVALID_SCORE score"}, {70, "", done, "REQUIRED_FIELD findings"},
		{70, "x", Plan{State: "CONTRACTING"}, "PLAN_NOT_FINISHED"}} {
		e, err := NewPerformanceEvaluation(p, c.plan, true, c.score, c.findings)
		if got := reasonAndField(err); got != c.want {
			t.Errorf("score %d: %s, want %s", c.score, got, c.want)
		}
		if err == nil && (e.Grade != GradeExcellent || e.Score != 95) {
			t.Errorf("evaluation %+v", e)
		}
	}
}

func TestRoundSummaryAndClosingStatus(t *testing.T) {
	plans := []Plan{{ProjectID: "a", State: PlanCompleted}, {ProjectID: "b", State: PlanTerminated}}
	in := func(ids ...string) func(string) bool { return func(id string) bool { return slices.Contains(ids, id) } }
	closing := Round{ID: "r", Phase: PhaseClosing}
	for _, c := range []struct {
		name                  string
		r                     Round
		summarised, evaluated []string
		want                  string
	}{
		{"all filed", closing, []string{"a", "b"}, []string{"a", "b"}, ""},
		{"in implementation", Round{Phase: PhaseImplementation}, []string{"a", "b"}, []string{"a", "b"}, "ROUND_NOT_CLOSING"},
		{"a summary missing", closing, []string{"a"}, []string{"a", "b"}, "FINAL_SUMMARIES_MISSING"},
		{"an evaluation missing", closing, []string{"a", "b"}, []string{"b"}, "PERFORMANCE_EVALUATIONS_MISSING"},
	} {
		s, err := NewRoundSummary(c.r, plans, in(c.summarised...), in(c.evaluated...), "the round went well")
		if got := reasonAndField(err); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
		if err == nil && s.FundedProjects != 2 {
			t.Errorf("%s: %+v", c.name, s)
		}
		if c.want == "FINAL_SUMMARIES_MISSING" && !strings.Contains(err.Error(), "b") {
			t.Errorf("the refusal does not name the project: %v", err)
		}
	}

	selected := []Project{{ID: "a"}, {ID: "b"}, {ID: "c"}}
	for _, c := range []struct {
		name           string
		plans          []Plan
		summary        bool
		closing        string
		closed         string
		unfinishedWant []string
	}{
		{"every plan finished, one without", plans, false, "PROJECTS_NOT_FINISHED", "ROUND_SUMMARY_MISSING", []string{"c"}},
		{"an active plan", append(plans[:1:1], Plan{ProjectID: "b", State: "ACTIVE"}, Plan{ProjectID: "c", State: PlanSuspended}), false, "PROJECTS_NOT_FINISHED", "ROUND_SUMMARY_MISSING", []string{"b"}},
		{"all finished", append(plans[:2:2], Plan{ProjectID: "c", State: PlanSuspended}), false, "", "ROUND_SUMMARY_MISSING", nil},
		{"summary filed", append(plans[:2:2], Plan{ProjectID: "c", State: PlanSuspended}), true, "", "", nil},
	} {
		st := ClosingStatusOf("r", selected, c.plans, c.summary)
		if st.ClosingReason != c.closing || st.ClosedReason != c.closed || !slices.Equal(st.Unfinished, c.unfinishedWant) || st.SummaryFiled != c.summary {
			t.Errorf("%s: %+v", c.name, st)
		}
	}
}

func TestQuarterlyReport(t *testing.T) {
	shanghai := mustLoad(t, "Asia/Shanghai")
	cal, err := NewCalendar("Asia/Shanghai", 10, time.Date(2026, 3, 15, 2, 0, 0, 0, time.UTC), 12)
	if err != nil {
		t.Fatal(err)
	}
	q2 := time.Date(2026, 4, 1, 0, 0, 0, 0, shanghai)
	for _, c := range []struct {
		name          string
		year, quarter int64
		narrative     string
		now           time.Time
		want          string
	}{
		{"Q2 from its first instant in Shanghai", 2026, 2, "n", q2, ""},
		{"Q2 a nanosecond early", 2026, 2, "n", q2.Add(-time.Nanosecond), "QUARTER_NOT_STARTED"},
		{"quarter 0", 2026, 0, "n", q2, "INVALID_QUARTER quarter"},
		{"quarter 5", 2026, 5, "n", q2, "INVALID_QUARTER quarter"},
		{"year 1999", 1999, 1, "n", q2, "INVALID_YEAR year"},
		{"no narrative", 2026, 1, "", q2, "REQUIRED_FIELD narrative"},
	} {
		if _, err := NewQuarterlyReport("r", c.year, c.quarter, c.narrative, cal, c.now, nil); reasonAndField(err) != c.want {
			t.Errorf("%s: %v, want %s", c.name, err, c.want)
		}
	}

	evals := []Evaluation{{Kind: Midterm, Result: Passed, VerifiedSpendingFen: 10}, {Kind: FinalAcceptance, Result: Failed, VerifiedSpendingFen: 30}}
	a := Progress(Project{ID: "a", OrgID: "o", Title: "A"}, Plan{State: PlanCompleted, MatchFen: 1, TopupFen: 2, DisbursedFen: 3, ClawbackFen: 4, ClawbackReturnedFen: 5}, true,
		Donations{PledgedFen: 6, DepositedFen: 7, InKindFen: 8}, ReportTotals{Filed: 2, BeneficiariesServed: 9, SpentFen: 11}, 1, evals)
	want := Figures{MonthlyReportsFiled: 2, MonthlyReportsOverdue: 1, BeneficiariesServed: 9, ReportedSpentFen: 11, EvaluationsPassed: 1, EvaluationsFailed: 1,
		VerifiedSpendingFen: 30, PledgedFen: 6, DepositedFen: 7, InKindFen: 8, MatchedFen: 1, ToppedUpFen: 2, DisbursedFen: 3, ClawedBackFen: 4, ClawbackReturnedFen: 5}
	if a.Figures != want || a.PlanState != PlanCompleted || a.Midterm != Passed || a.FinalAcceptance != Failed {
		t.Fatalf("progress: %+v", a)
	}
	b := Progress(Project{ID: "b"}, Plan{State: "ACTIVE", MatchFen: 100}, false, Donations{PledgedFen: 1}, ReportTotals{}, 0, nil)
	if b.PlanState != "" || b.Figures.MatchedFen != 0 || b.Midterm != "" || b.Figures.PledgedFen != 1 {
		t.Fatalf("a project without a plan: %+v", b)
	}
	q, err := NewQuarterlyReport("r", 2026, 2, "n", cal, q2, []ProjectProgress{a, b})
	if err != nil {
		t.Fatal(err)
	}
	want.PledgedFen++
	if q.Totals != want || q.Year != 2026 || q.Quarter != 2 || !q.AsOf.Equal(q2) {
		t.Fatalf("totals: %+v", q.Totals)
	}
}
