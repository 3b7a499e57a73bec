package domain

import (
	"slices"
	"time"
)

// EvaluationKind is which of a project's two evaluations.
type EvaluationKind string

// The evaluation kinds: the mid-term evaluation gates tranche 2, the final acceptance tranche 3.
const (
	Midterm         EvaluationKind = "MIDTERM"
	FinalAcceptance EvaluationKind = "FINAL_ACCEPTANCE"
)

// EvaluationResult is an evaluation's outcome.
type EvaluationResult string

// The results.
const (
	Passed EvaluationResult = "PASSED"
	Failed EvaluationResult = "FAILED"
)

// CheckKind refuses a kind that is not one of the two.
func CheckKind(k EvaluationKind) error {
	if k != Midterm && k != FinalAcceptance {
		return invalid("INVALID_EVALUATION_KIND", "kind", "MIDTERM or FINAL_ACCEPTANCE")
	}
	return nil
}

// Evaluation is a project's mid-term evaluation or final acceptance; it never changes once recorded.
type Evaluation struct {
	ID                  string
	ProjectID           string
	RoundID             string
	Kind                EvaluationKind
	Result              EvaluationResult
	VerifiedSpendingFen int64
	Spending            []LineAmount
	Findings            string
	EvaluatedAt         time.Time
	RecordedBy          string
}

// NewEvaluation validates an evaluation of project p; the verified total is derived from the lines when
// they are given without one.
func NewEvaluation(p Project, kind EvaluationKind, result EvaluationResult, verifiedFen int64, lines []LineAmount, findings string) (Evaluation, error) {
	if err := CheckKind(kind); err != nil {
		return Evaluation{}, err
	}
	if result != Passed && result != Failed {
		return Evaluation{}, invalid("INVALID_EVALUATION_RESULT", "result", "PASSED or FAILED")
	}
	if err := checkText("findings", findings, LongText, true); err != nil {
		return Evaluation{}, err
	}
	total, err := Spending{TotalField: "verified_spending_fen", TotalFen: verifiedFen, Lines: lines}.Check(p.BudgetLines)
	if err != nil {
		return Evaluation{}, err
	}
	return Evaluation{ProjectID: p.ID, RoundID: p.RoundID, Kind: kind, Result: result, VerifiedSpendingFen: total,
		Spending: append([]LineAmount(nil), lines...), Findings: findings}, nil
}

// CheckAgainst refuses e given the project's evaluations so far: one per kind, and the final acceptance only
// after the mid-term evaluation (whatever its result).
func (e Evaluation) CheckAgainst(existing []Evaluation) error {
	has := func(k EvaluationKind) bool {
		return slices.ContainsFunc(existing, func(x Evaluation) bool { return x.Kind == k })
	}
	if has(e.Kind) {
		return ErrEvaluationExists.With("the project already has its %s evaluation", e.Kind)
	}
	if e.Kind == FinalAcceptance && !has(Midterm) {
		return ErrMidtermMissing
	}
	return nil
}

// Find returns the project's evaluation of kind among evals.
func Find(evals []Evaluation, kind EvaluationKind) (Evaluation, bool) {
	i := slices.IndexFunc(evals, func(x Evaluation) bool { return x.Kind == kind })
	if i < 0 {
		return Evaluation{}, false
	}
	return evals[i], true
}

// LatestVerified is the evaluation whose verified spending counts: the final acceptance if recorded, else the
// mid-term evaluation; ok is false when there is neither. A FAILED evaluation counts as much as a PASSED one:
// it verified what was spent all the same.
func LatestVerified(evals []Evaluation) (Evaluation, bool) {
	if e, ok := Find(evals, FinalAcceptance); ok {
		return e, true
	}
	return Find(evals, Midterm)
}
