package app_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/supervision/internal/app"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
)

// overdue lists a round's overdue reports as "project/period" strings, projects named by names.
func overdue(t *testing.T, f *fixture, names map[string]string) []string {
	t.Helper()
	o, err := f.svc.ListOverdueMonthlyReports(operator, f.round)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range o.Reports {
		out = append(out, names[r.Project.ID]+"/"+r.Period.String())
	}
	slices.Sort(out)
	return out
}

// TestOverdueMonthlyReports: the round's selected projects' missing months, counted from the month the
// round entered IMPLEMENTATION, each overdue from 00:00 in Shanghai the day after the 10th of the next month.
func TestOverdueMonthlyReports(t *testing.T) {
	f := setup(t)
	short := f.addProject("SELECTED", 2) // March to May (started mid-March)
	f.addProject("NOT_SELECTED", 12)
	names := map[string]string{f.project.ID: "A", short.ID: "B"}

	f.at(2026, 4, 10, 23, 59)
	if got := overdue(t, f, names); len(got) != 0 {
		t.Fatalf("on 10 April 23:59: %v", got)
	}
	f.at(2026, 4, 11, 0, 0)
	if got, want := overdue(t, f, names), []string{"A/2026-03", "B/2026-03"}; !slices.Equal(got, want) {
		t.Fatalf("on 11 April 00:00: %v, want %v", got, want)
	}
	// A files March late: it is no longer missing.
	if _, err := f.svc.SubmitMonthlyReport(f.team, f.report("2026-03", 0, "")); err != nil {
		t.Fatal(err)
	}
	f.at(2026, 9, 1, 8, 0)
	if got, want := overdue(t, f, names), []string{"A/2026-04", "A/2026-05", "A/2026-06", "A/2026-07", "B/2026-03", "B/2026-04", "B/2026-05"}; !slices.Equal(got, want) {
		t.Fatalf("on 1 September: %v, want %v", got, want)
	}
	o, err := f.svc.ListOverdueMonthlyReports(organizer, f.round)
	if err != nil {
		t.Fatal(err)
	}
	first := o.Reports[0]
	if o.TimeZone != "Asia/Shanghai" || !o.ImplementationStart.Equal(implementationStart) || !o.AsOf.Equal(f.clock.Now()) ||
		first.DueDate.String() != fmt.Sprintf("%04d-%02d-10", first.Period.Next().Year, first.Period.Next().Month) ||
		!first.OverdueFrom.Equal(time.Date(first.Period.Next().Year, first.Period.Next().Month, 11, 0, 0, 0, 0, shanghai)) {
		t.Fatalf("overdue answer: %+v", o)
	}

	// Before IMPLEMENTATION nothing is due; after it the start is unknown.
	f.apps.setRound(f.round, func(r *domain.Round) { r.Phase = "APPROVAL" })
	if o, err := f.svc.ListOverdueMonthlyReports(operator, f.round); err != nil || len(o.Reports) != 0 {
		t.Fatalf("before implementation: %v %+v", err, o)
	}
	f.apps.setRound(f.round, func(r *domain.Round) { r.Phase = "CLOSING" })
	if _, err := f.svc.ListOverdueMonthlyReports(operator, f.round); reason(err) != "IMPLEMENTATION_START_UNKNOWN" {
		t.Fatalf("after implementation: %v", err)
	}
	if _, err := f.svc.ListOverdueMonthlyReports(operator, ids.New()); reason(err) != "NOT_FOUND" {
		t.Fatalf("unknown round: %v", err)
	}
	if _, err := f.svc.ListOverdueMonthlyReports(operator, "r1"); reason(err) != "INVALID_ID" {
		t.Fatalf("malformed round ID: %v", err)
	}
}

// TestEvaluationsGateAndVerifiedSpending is what funding sees: no gate before an evaluation, the mid-term
// result for tranche 2, the final acceptance's for tranche 3, and the latest verified spending for clawbacks.
func TestEvaluationsGateAndVerifiedSpending(t *testing.T) {
	f := setup(t)
	st, err := f.svc.EvaluationStatus(funding, f.project.ID, domain.Midterm)
	if err != nil || st.Exists || st.Evaluation.Result != "" {
		t.Fatalf("status before any evaluation: %v %+v", err, st)
	}
	v, err := f.svc.VerifiedSpending(funding, f.project.ID)
	if err != nil || v.Evaluated || v.Evaluation.VerifiedSpendingFen != 0 {
		t.Fatalf("verified spending before any evaluation: %v %+v", err, v)
	}
	evaluate := func(kind domain.EvaluationKind, result domain.EvaluationResult, fen int64, lines ...domain.LineAmount) (domain.Evaluation, error) {
		return f.svc.CreateEvaluation(operator, app.CreateEvaluation{ProjectID: f.project.ID, Kind: kind, Result: result, VerifiedSpendingFen: fen,
			Spending: lines, Findings: "records checked against receipts"})
	}
	if _, err := evaluate(domain.FinalAcceptance, domain.Passed, 9_000); reason(err) != "MIDTERM_EVALUATION_MISSING" {
		t.Fatalf("final acceptance first: %v", err)
	}
	if _, err := evaluate("", domain.Passed, 1); reason(err) != "INVALID_EVALUATION_KIND" {
		t.Fatalf("no kind: %v", err)
	}
	mid, err := evaluate(domain.Midterm, domain.Passed, 0, domain.LineAmount{BudgetLine: "meals", AmountFen: 3_000}, domain.LineAmount{BudgetLine: "staff", AmountFen: 1_000})
	if err != nil || mid.VerifiedSpendingFen != 4_000 || mid.RoundID != f.round || mid.RecordedBy != "operator" {
		t.Fatalf("midterm: %v %+v", err, mid)
	}
	if _, err := evaluate(domain.Midterm, domain.Failed, 1); reason(err) != "EVALUATION_EXISTS" {
		t.Fatalf("second midterm: %v", err)
	}
	st, err = f.svc.EvaluationStatus(funding, f.project.ID, domain.Midterm)
	if err != nil || !st.Exists || st.Evaluation.Result != domain.Passed || st.Evaluation.ID != mid.ID || !st.Evaluation.EvaluatedAt.Equal(mid.EvaluatedAt) {
		t.Fatalf("midterm gate: %v %+v", err, st)
	}
	if st, _ := f.svc.EvaluationStatus(funding, f.project.ID, domain.FinalAcceptance); st.Exists {
		t.Fatalf("final acceptance gate before it: %+v", st)
	}
	if v, _ := f.svc.VerifiedSpending(funding, f.project.ID); !v.Evaluated || v.Evaluation.Kind != domain.Midterm || v.Evaluation.VerifiedSpendingFen != 4_000 ||
		len(v.Evaluation.Spending) != 2 {
		t.Fatalf("verified spending after the midterm: %+v", v)
	}

	// A failed final acceptance closes tranche 3 but still verified what was spent.
	f.clock.Add(24 * time.Hour)
	final, err := evaluate(domain.FinalAcceptance, domain.Failed, 7_500)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := f.svc.EvaluationStatus(funding, f.project.ID, domain.FinalAcceptance); !st.Exists || st.Evaluation.Result != domain.Failed {
		t.Fatalf("final gate: %+v", st)
	}
	if v, _ := f.svc.VerifiedSpending(funding, f.project.ID); v.Evaluation.ID != final.ID || v.Evaluation.VerifiedSpendingFen != 7_500 {
		t.Fatalf("verified spending after the final acceptance: %+v", v)
	}
	evals, err := f.svc.ListEvaluations(f.team, f.project.ID)
	if err != nil || len(evals) != 2 || evals[0].Kind != domain.Midterm || evals[1].Kind != domain.FinalAcceptance {
		t.Fatalf("the team's list: %v %+v", err, evals)
	}
	if _, err := f.pool.Exec(context.Background(), `UPDATE evaluations SET result = 'PASSED'`); err == nil {
		t.Fatal("the database let an evaluation be changed")
	}
	if _, err := f.svc.EvaluationStatus(funding, "x", domain.Midterm); reason(err) != "INVALID_ID" {
		t.Fatalf("malformed project: %v", err)
	}
	if _, err := f.svc.EvaluationStatus(funding, f.project.ID, ""); reason(err) != "INVALID_EVALUATION_KIND" {
		t.Fatalf("no kind: %v", err)
	}
	// Another project's evaluations are its own.
	if v, _ := f.svc.VerifiedSpending(funding, ids.New()); v.Evaluated {
		t.Fatalf("unknown project: %+v", v)
	}
}

func TestInspectionsAndCapacityBuilding(t *testing.T) {
	f := setup(t)
	inspect := func(day string, rating domain.Rating) (domain.Inspection, error) {
		return f.svc.CreateInspection(operator, app.CreateInspection{ProjectID: f.project.ID, VisitedOn: day, Findings: "kitchen clean; logbook kept", Rating: rating})
	}
	in, err := inspect("2026-05-20", domain.RatingGood)
	if err != nil || in.VisitedOn.String() != "2026-05-20" || in.RecordedBy != "operator" || in.RoundID != f.round {
		t.Fatalf("inspection: %v %+v", err, in)
	}
	for day, want := range map[string]string{"2026-05-21": "DATE_OUTSIDE_IMPLEMENTATION", "2026-03-14": "DATE_OUTSIDE_IMPLEMENTATION", "2026-13-01": "INVALID_DATE"} {
		if _, err := inspect(day, domain.RatingGood); reason(err) != want {
			t.Errorf("inspection on %s: %v, want %s", day, err, want)
		}
	}
	if _, err := inspect("2026-04-01", ""); reason(err) != "INVALID_RATING" {
		t.Errorf("no rating: %v", err)
	}
	f.clock.Add(time.Second)
	second, err := inspect("2026-04-01", domain.RatingPoor)
	if err != nil {
		t.Fatal(err)
	}
	list, err := f.svc.ListInspections(f.team, page(f.project.ID))
	if err != nil || len(list) != 2 || list[0].ID != in.ID || list[1].ID != second.ID || list[1].Rating != domain.RatingPoor {
		t.Fatalf("inspections: %v %+v", err, list)
	}
	next, err := f.svc.ListInspections(operator, app.Page{ProjectID: f.project.ID, AfterTime: in.CreatedAt, AfterID: in.ID, Limit: 5})
	if err != nil || len(next) != 1 || next[0].ID != second.ID {
		t.Fatalf("inspections after the first: %v %+v", err, next)
	}

	record := app.CreateCapacityRecord{ProjectID: f.project.ID, Key: key("cb-1"), CapacityInput: domain.CapacityInput{Kind: domain.Training,
		HeldOn: "2026-04-02", Topic: "bookkeeping for project funds", DurationMinutes: 180, Participants: 5, Provider: "Weinan Social Work Association"}}
	r, err := f.svc.CreateCapacityRecord(operator, record)
	if err != nil || r.HeldOn.String() != "2026-04-02" || r.DurationMinutes != 180 {
		t.Fatalf("capacity record: %v %+v", err, r)
	}
	if again, err := f.svc.CreateCapacityRecord(operator, record); err != nil || again.ID != r.ID {
		t.Fatalf("retried capacity record: %v %+v", err, again)
	}
	bad := record
	bad.Key, bad.Participants = key("cb-2"), 0
	if _, err := f.svc.CreateCapacityRecord(operator, bad); reason(err) != "INVALID_COUNT" {
		t.Fatalf("no participants: %v", err)
	}
	records, err := f.svc.ListCapacityRecords(f.team, page(f.project.ID))
	if err != nil || len(records) != 1 || records[0].ID != r.ID || records[0].Provider != record.Provider {
		t.Fatalf("records: %v %+v", err, records)
	}
	// Outside IMPLEMENTATION the operator records nothing.
	f.apps.setRound(f.round, func(r *domain.Round) { r.Phase = "CLOSED" })
	if _, err := inspect("2026-05-20", domain.RatingGood); reason(err) != "ROUND_NOT_IN_IMPLEMENTATION" {
		t.Fatalf("inspection after implementation: %v", err)
	}
	record.Key = key("cb-3")
	if _, err := f.svc.CreateCapacityRecord(operator, record); reason(err) != "ROUND_NOT_IN_IMPLEMENTATION" {
		t.Fatalf("record after implementation: %v", err)
	}
}
