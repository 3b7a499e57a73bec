package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// PlanState is a funding plan's state as the funding service names it, without its prefix (ACTIVE, …).
type PlanState string

// The plan states that end a project: no tranche will be paid any more.
const (
	PlanCompleted  PlanState = "COMPLETED"
	PlanSuspended  PlanState = "SUSPENDED"
	PlanTerminated PlanState = "TERMINATED"
)

// Finished reports whether a plan in this state will pay nothing more: COMPLETED, SUSPENDED or TERMINATED.
func (s PlanState) Finished() bool {
	return s == PlanCompleted || s == PlanSuspended || s == PlanTerminated
}

// Plan is what supervision knows of a project's funding plan (the funding service owns it).
type Plan struct {
	ProjectID           string
	State               PlanState
	MatchFen            int64
	TopupFen            int64
	DisbursedFen        int64
	ClawbackFen         int64
	ClawbackReturnedFen int64
}

// Phases after IMPLEMENTATION.
const (
	PhaseClosing = "CLOSING"
	PhaseClosed  = "CLOSED"
)

// CheckWindDown refuses a final summary or performance evaluation outside IMPLEMENTATION and CLOSING.
func (r Round) CheckWindDown() error {
	switch {
	case r.Phase == PhaseImplementation || r.Phase == PhaseClosing:
		return nil
	case r.BeforeImplementation():
		return ErrRoundNotImplementing.With("the round is in %s", r.Phase)
	}
	return ErrRoundClosed.With("the round is in %s", r.Phase)
}

// CheckFinished refuses a project whose plan is missing or not finished.
func CheckFinished(plan Plan, hasPlan bool) error {
	if !hasPlan {
		return ErrPlanNotFinished.With("the project has no funding plan")
	}
	if !plan.State.Finished() {
		return ErrPlanNotFinished.With("the project's plan is %s", plan.State)
	}
	return nil
}

// FinalSummary is a project team's final summary; it never changes once filed.
type FinalSummary struct {
	ProjectID           string
	RoundID             string
	OrgID               string
	Summary             string
	Outcomes            string
	BeneficiariesServed int64
	SpentFen            int64
	PlanState           PlanState
	CreatedAt           time.Time
	SubmittedBy         string
}

// NewFinalSummary validates project p's final summary; its plan must be finished.
func NewFinalSummary(p Project, plan Plan, hasPlan bool, summary, outcomes string, beneficiaries, spentFen int64) (FinalSummary, error) {
	if err := checkText("summary", summary, LongText, true); err != nil {
		return FinalSummary{}, err
	}
	if err := checkText("outcomes", outcomes, LongText, false); err != nil {
		return FinalSummary{}, err
	}
	if beneficiaries < 0 || beneficiaries > maxBeneficiaries*int64(maxMonths) {
		return FinalSummary{}, invalid("INVALID_COUNT", "beneficiaries_served", fmt.Sprintf("between 0 and %d", maxBeneficiaries*maxMonths))
	}
	if spentFen < 0 {
		return FinalSummary{}, invalid("INVALID_AMOUNT", "spent_fen", "not negative")
	}
	if err := CheckFinished(plan, hasPlan); err != nil {
		return FinalSummary{}, err
	}
	return FinalSummary{ProjectID: p.ID, RoundID: p.RoundID, OrgID: p.OrgID, Summary: summary, Outcomes: outcomes,
		BeneficiariesServed: beneficiaries, SpentFen: spentFen, PlanState: plan.State}, nil
}

// maxMonths bounds a project's duration for the bound of its beneficiaries.
const maxMonths = 24

// Grade is the band a performance score falls in.
type Grade string

// The grades, best first.
const (
	GradeExcellent Grade = "EXCELLENT"
	GradeGood      Grade = "GOOD"
	GradePass      Grade = "PASS"
	GradeFail      Grade = "FAIL"
)

// GradeOf is the grade of a score from 0 to 100: 90 and above EXCELLENT, 80 GOOD, 60 PASS, below FAIL.
func GradeOf(score int) Grade {
	switch {
	case score >= 90:
		return GradeExcellent
	case score >= 80:
		return GradeGood
	case score >= 60:
		return GradePass
	}
	return GradeFail
}

// PerformanceEvaluation is the operator's performance evaluation of a project; it never changes.
type PerformanceEvaluation struct {
	ProjectID   string
	RoundID     string
	Score       int
	Grade       Grade
	Findings    string
	EvaluatedAt time.Time
	RecordedBy  string
}

// NewPerformanceEvaluation validates project p's performance evaluation; its plan must be finished.
func NewPerformanceEvaluation(p Project, plan Plan, hasPlan bool, score int64, findings string) (PerformanceEvaluation, error) {
	if score < 0 || score > 100 {
		return PerformanceEvaluation{}, invalid("INVALID_SCORE", "score", "between 0 and 100")
	}
	if err := checkText("findings", findings, LongText, true); err != nil {
		return PerformanceEvaluation{}, err
	}
	if err := CheckFinished(plan, hasPlan); err != nil {
		return PerformanceEvaluation{}, err
	}
	return PerformanceEvaluation{ProjectID: p.ID, RoundID: p.RoundID, Score: int(score), Grade: GradeOf(int(score)), Findings: findings}, nil
}

// RoundSummary is the organizer's summary of a round; it never changes.
type RoundSummary struct {
	RoundID        string
	Summary        string
	FundedProjects int
	CreatedAt      time.Time
	SubmittedBy    string
}

// NewRoundSummary validates round r's summary: r is CLOSING and every funded project (every plan) has its
// final summary (summarised) and its performance evaluation (evaluated).
func NewRoundSummary(r Round, plans []Plan, summarised, evaluated func(projectID string) bool, summary string) (RoundSummary, error) {
	if err := checkText("summary", summary, LongText, true); err != nil {
		return RoundSummary{}, err
	}
	if r.Phase != PhaseClosing {
		return RoundSummary{}, ErrRoundNotClosing.With("the round is in %s", r.Phase)
	}
	var noSummary, noEvaluation []string
	for _, p := range plans {
		if !summarised(p.ProjectID) {
			noSummary = append(noSummary, p.ProjectID)
		}
		if !evaluated(p.ProjectID) {
			noEvaluation = append(noEvaluation, p.ProjectID)
		}
	}
	if len(noSummary) > 0 {
		return RoundSummary{}, ErrFinalSummariesMissing.With("no final summary of %s", strings.Join(noSummary, ", "))
	}
	if len(noEvaluation) > 0 {
		return RoundSummary{}, ErrPerformanceEvaluationsMissing.With("no performance evaluation of %s", strings.Join(noEvaluation, ", "))
	}
	return RoundSummary{RoundID: r.ID, Summary: summary, FundedProjects: len(plans)}, nil
}

// ClosingStatus is whether a round may enter CLOSING and CLOSED; a reason is empty when its precondition holds.
type ClosingStatus struct {
	RoundID       string
	ClosingReason string
	ClosedReason  string
	Unfinished    []string // selected projects whose plan is missing or not finished, by ID
	SummaryFiled  bool
}

// The stable reasons of the round coordinator's preconditions (applications' domain.RemotePreconditions).
const (
	ReasonProjectsNotFinished = "PROJECTS_NOT_FINISHED"
	ReasonRoundSummaryMissing = "ROUND_SUMMARY_MISSING"
)

// ClosingStatusOf computes a round's closing status from its selected projects, its plans and whether its
// summary is filed. A selected project without a plan is unfinished: it was never funded nor let go.
func ClosingStatusOf(roundID string, selected []Project, plans []Plan, summaryFiled bool) ClosingStatus {
	st := ClosingStatus{RoundID: roundID, SummaryFiled: summaryFiled}
	finished := map[string]bool{}
	for _, p := range plans {
		finished[p.ProjectID] = p.State.Finished()
		if !p.State.Finished() {
			st.Unfinished = append(st.Unfinished, p.ProjectID)
		}
	}
	for _, p := range selected {
		if _, ok := finished[p.ID]; !ok {
			st.Unfinished = append(st.Unfinished, p.ID)
		}
	}
	slices.Sort(st.Unfinished)
	if len(st.Unfinished) > 0 {
		st.ClosingReason = ReasonProjectsNotFinished
	}
	if !summaryFiled {
		st.ClosedReason = ReasonRoundSummaryMissing
	}
	return st
}
