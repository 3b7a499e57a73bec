package app_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/supervision/internal/app"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
)

// TestQuarterlyReport: the figures are drawn from the peers and this service's records at the report's
// instant, stored as a snapshot, one report per quarter; the refusals ask no peer and store nothing.
func TestQuarterlyReport(t *testing.T) {
	f := setup(t) // 20 May 2026 noon in Shanghai; implementation since 15 March
	a := f.project
	b := f.addProject("SELECTED", 12)
	f.addProject("NOT_SELECTED", 12)
	f.funding.setPlan(f.round, domain.Plan{ProjectID: a.ID, State: "ACTIVE", MatchFen: 100, TopupFen: 50, DisbursedFen: 75})
	f.gifts.of[a.ID] = domain.Donations{PledgedFen: 60, DepositedFen: 50, InKindFen: 5}
	f.gifts.of[b.ID] = domain.Donations{PledgedFen: 7}
	if _, err := f.svc.SubmitMonthlyReport(f.team, f.report("2026-03", 300, "")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CreateEvaluation(operator, app.CreateEvaluation{ProjectID: a.ID, Kind: domain.Midterm, Result: domain.Passed,
		VerifiedSpendingFen: 250, Findings: "on plan"}); err != nil {
		t.Fatal(err)
	}
	cmd := app.CreateQuarterlyReport{Key: key("q2"), RoundID: f.round, Year: 2026, Quarter: 2, Narrative: "Second quarter: all projects active."}
	q, err := f.svc.CreateQuarterlyReport(operator, cmd)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]domain.ProjectProgress{}
	for _, p := range q.Projects {
		byID[p.ProjectID] = p
	}
	wantA := domain.Figures{MonthlyReportsFiled: 1, MonthlyReportsOverdue: 1 /* April, due 10 May */, BeneficiariesServed: 40, ReportedSpentFen: 300,
		EvaluationsPassed: 1, VerifiedSpendingFen: 250, PledgedFen: 60, DepositedFen: 50, InKindFen: 5, MatchedFen: 100, ToppedUpFen: 50, DisbursedFen: 75}
	wantB := domain.Figures{MonthlyReportsOverdue: 2, PledgedFen: 7}
	if len(q.Projects) != 2 || byID[a.ID].Figures != wantA || byID[a.ID].PlanState != "ACTIVE" || byID[a.ID].Midterm != domain.Passed ||
		byID[b.ID].Figures != wantB || byID[b.ID].PlanState != "" || q.Totals != wantA.Add(wantB) {
		t.Fatalf("report: %+v", q)
	}
	if !q.AsOf.Equal(f.clock.Now()) || q.CreatedBy != "operator" || !slices.ContainsFunc(f.gifts.asOf, func(at time.Time) bool { return at.Equal(q.AsOf) }) {
		t.Fatalf("as of %v by %s; donations asked as of %v", q.AsOf, q.CreatedBy, f.gifts.asOf)
	}
	// A retry answers the same snapshot, even after the figures changed.
	f.gifts.of[b.ID] = domain.Donations{PledgedFen: 9}
	if again, err := f.svc.CreateQuarterlyReport(operator, cmd); err != nil || again.ID != q.ID || again.Totals != q.Totals {
		t.Fatalf("retry: %v %+v", err, again)
	}
	asked := f.funding.calls
	cmd.Key = key("q2-again")
	if _, err := f.svc.CreateQuarterlyReport(operator, cmd); reason(err) != "QUARTERLY_REPORT_EXISTS" {
		t.Fatalf("second report of the quarter: %v", err)
	}
	cmd.Key, cmd.Quarter = key("q3"), 3
	if _, err := f.svc.CreateQuarterlyReport(operator, cmd); reason(err) != "QUARTER_NOT_STARTED" {
		t.Fatalf("a quarter to come: %v", err)
	}
	if f.funding.calls != asked {
		t.Fatal("a refused report asked funding")
	}
	cmd.Key, cmd.Quarter = key("q1"), 1
	f.funding.down = unavailable("FUNDING")
	if _, err := f.svc.CreateQuarterlyReport(operator, cmd); reason(err) != "FUNDING_UNAVAILABLE" {
		t.Fatalf("funding down: %v", err)
	}
	f.funding.down = nil
	stored, err := f.svc.GetQuarterlyReport(organizer, q.ID)
	if err != nil || stored.Totals != q.Totals || len(stored.Projects) != 2 || stored.Narrative != cmd.Narrative || !stored.AsOf.Equal(q.AsOf) {
		t.Fatalf("stored: %v %+v", err, stored)
	}
	q1, err := f.svc.CreateQuarterlyReport(operator, cmd)
	if err != nil {
		t.Fatal(err)
	}
	list, err := f.svc.ListQuarterlyReports(auditor, f.round)
	if err != nil || len(list) != 2 || list[0].ID != q1.ID || list[1].ID != q.ID {
		t.Fatalf("list: %v %+v", err, list)
	}
	if _, err := f.svc.GetQuarterlyReport(organizer, ids.New()); reason(err) != "QUARTERLY_REPORT_NOT_FOUND" {
		t.Fatalf("unknown report: %v", err)
	}
	if _, err := f.pool.Exec(context.Background(), `UPDATE quarterly_reports SET narrative = 'x'`); err == nil {
		t.Fatal("the database let a quarterly report change")
	}
	f.apps.setRound(f.round, func(r *domain.Round) { r.Phase = "CLOSING" })
	cmd.Key, cmd.Year = key("2025"), 2025
	if _, err := f.svc.CreateQuarterlyReport(operator, cmd); reason(err) != "ROUND_NOT_IN_IMPLEMENTATION" {
		t.Fatalf("report in CLOSING: %v", err)
	}
}

// TestSummariesAndClosingStatus: final summaries and performance evaluations once a plan is finished, the
// round summary once every funded project has both, and the closing status the round coordinator reads.
func TestSummariesAndClosingStatus(t *testing.T) {
	f := setup(t)
	a, b := f.project, f.addProject("SELECTED", 12)
	status := func() domain.ClosingStatus {
		t.Helper()
		st, err := f.svc.RoundClosingStatus(as("service:applications", "SERVICE"), f.round)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	if st := status(); st.ClosingReason != "PROJECTS_NOT_FINISHED" || len(st.Unfinished) != 2 || st.ClosedReason != "ROUND_SUMMARY_MISSING" {
		t.Fatalf("no plans yet: %+v", st)
	}
	f.funding.setPlan(f.round, domain.Plan{ProjectID: a.ID, State: "ACTIVE"})
	f.funding.setPlan(f.round, domain.Plan{ProjectID: b.ID, State: domain.PlanTerminated})
	summary := app.SubmitFinalSummary{ProjectID: a.ID, Summary: "We served 40 elderly people.", BeneficiariesServed: 40, SpentFen: 9_000}
	if _, err := f.svc.SubmitFinalSummary(f.team, summary); reason(err) != "PLAN_NOT_FINISHED" {
		t.Fatalf("summary of an active plan: %v", err)
	}
	if st := status(); st.ClosingReason != "PROJECTS_NOT_FINISHED" || !slices.Equal(st.Unfinished, []string{a.ID}) {
		t.Fatalf("a active: %+v", st)
	}
	f.funding.setPlan(f.round, domain.Plan{ProjectID: a.ID, State: domain.PlanCompleted})
	if st := status(); st.ClosingReason != "" || st.ClosedReason != "ROUND_SUMMARY_MISSING" {
		t.Fatalf("every plan finished: %+v", st)
	}
	if _, err := f.svc.SubmitFinalSummary(teamOf(b), summary); reason(err) != "PROJECT_NOT_FOUND" {
		t.Fatalf("another team's summary: %v", err)
	}
	fs, err := f.svc.SubmitFinalSummary(f.team, summary)
	if err != nil || fs.PlanState != domain.PlanCompleted || fs.OrgID != a.OrgID || fs.SpentFen != 9_000 {
		t.Fatalf("final summary: %v %+v", err, fs)
	}
	summary.Summary = "again"
	if _, err := f.svc.SubmitFinalSummary(f.team, summary); reason(err) != "FINAL_SUMMARY_EXISTS" {
		t.Fatalf("second summary: %v", err)
	}
	// Times read back are in the server's zone: compared in the clock's.
	if got, err := f.svc.GetFinalSummary(auditor, a.ID); err != nil || func() bool { got.CreatedAt = got.CreatedAt.In(shanghai); return got != fs }() {
		t.Fatalf("read back: %v %+v", err, got)
	}
	if _, err := f.svc.GetFinalSummary(teamOf(b), a.ID); reason(err) != "PROJECT_NOT_FOUND" {
		t.Fatalf("another team reads the summary: %v", err)
	}
	if _, err := f.svc.GetFinalSummary(operator, b.ID); reason(err) != "FINAL_SUMMARY_NOT_FOUND" {
		t.Fatalf("no summary: %v", err)
	}
	pe, err := f.svc.CreatePerformanceEvaluation(operator, app.CreatePerformanceEvaluation{Key: key("pe-a"), ProjectID: a.ID, Score: 86, Findings: "goals met"})
	if err != nil || pe.Grade != domain.GradeGood || pe.RecordedBy != "operator" {
		t.Fatalf("performance evaluation: %v %+v", err, pe)
	}
	if _, err := f.svc.CreatePerformanceEvaluation(operator, app.CreatePerformanceEvaluation{ProjectID: a.ID, Score: 90, Findings: "x"}); reason(err) != "PERFORMANCE_EVALUATION_EXISTS" {
		t.Fatalf("second evaluation: %v", err)
	}
	if got, err := f.svc.GetPerformanceEvaluation(f.team, a.ID); err != nil || func() bool { got.EvaluatedAt = got.EvaluatedAt.In(shanghai); return got != pe }() {
		t.Fatalf("the team reads its evaluation: %v %+v", err, got)
	}

	round := app.SubmitRoundSummary{RoundID: f.round, Summary: "Two projects; one completed, one terminated."}
	if _, err := f.svc.SubmitRoundSummary(organizer, round); reason(err) != "ROUND_NOT_CLOSING" {
		t.Fatalf("round summary in IMPLEMENTATION: %v", err)
	}
	f.apps.setRound(f.round, func(r *domain.Round) { r.Phase = "CLOSING" })
	if _, err := f.svc.SubmitRoundSummary(organizer, round); reason(err) != "FINAL_SUMMARIES_MISSING" {
		t.Fatalf("b without a summary: %v", err)
	}
	if _, err := f.svc.SubmitFinalSummary(teamOf(b), app.SubmitFinalSummary{ProjectID: b.ID, Summary: "Ended by the demolition."}); err != nil {
		t.Fatalf("summary in CLOSING: %v", err)
	}
	if _, err := f.svc.SubmitRoundSummary(organizer, round); reason(err) != "PERFORMANCE_EVALUATIONS_MISSING" {
		t.Fatalf("b without an evaluation: %v", err)
	}
	if _, err := f.svc.CreatePerformanceEvaluation(operator, app.CreatePerformanceEvaluation{ProjectID: b.ID, Score: 40, Findings: "ended early"}); err != nil {
		t.Fatal(err)
	}
	round.Key = key("round-summary")
	rs, err := f.svc.SubmitRoundSummary(organizer, round)
	if err != nil || rs.FundedProjects != 2 || rs.SubmittedBy != "organizer" {
		t.Fatalf("round summary: %v %+v", err, rs)
	}
	if again, err := f.svc.SubmitRoundSummary(organizer, round); err != nil || !again.CreatedAt.Equal(rs.CreatedAt) || again.Summary != rs.Summary {
		t.Fatalf("retried round summary: %v %+v", err, again)
	}
	round.Key = key("another")
	if _, err := f.svc.SubmitRoundSummary(organizer, round); reason(err) != "ROUND_SUMMARY_EXISTS" {
		t.Fatalf("second round summary: %v", err)
	}
	if got, err := f.svc.GetRoundSummary(auditor, f.round); err != nil || func() bool { got.CreatedAt = got.CreatedAt.In(shanghai); return got != rs }() {
		t.Fatalf("read back: %v %+v", err, got)
	}
	if st := status(); st.ClosingReason != "" || st.ClosedReason != "" || !st.SummaryFiled {
		t.Fatalf("summary filed: %+v", st)
	}
	f.apps.setRound(f.round, func(r *domain.Round) { r.Phase = "CLOSED" })
	if _, err := f.svc.CreatePerformanceEvaluation(operator, app.CreatePerformanceEvaluation{ProjectID: a.ID, Score: 1, Findings: "x"}); reason(err) != "ROUND_CLOSED" {
		t.Fatalf("evaluation in a closed round: %v", err)
	}
	f.funding.down = unavailable("FUNDING")
	if _, err := f.svc.RoundClosingStatus(operator, f.round); reason(err) != "FUNDING_UNAVAILABLE" {
		t.Fatalf("status while funding is down: %v", err)
	}
	if _, err := f.svc.GetRoundSummary(auditor, ids.New()); reason(err) != "ROUND_SUMMARY_NOT_FOUND" {
		t.Fatalf("unknown round: %v", err)
	}
}
