package app

import (
	"context"

	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
)

// Evaluations stores evaluations; a stored evaluation never changes.
type Evaluations interface {
	// InsertEvaluation stores an evaluation; a second of the same kind for the project is
	// domain.ErrEvaluationExists.
	InsertEvaluation(ctx context.Context, e domain.Evaluation) error
	// EvaluationsOf returns a project's evaluations in the order recorded.
	EvaluationsOf(ctx context.Context, projectID string) ([]domain.Evaluation, error)
}

// CreateEvaluation records a mid-term evaluation or a final acceptance.
type CreateEvaluation struct {
	Key                 idempotency.Key
	ProjectID           string
	Kind                domain.EvaluationKind
	Result              domain.EvaluationResult
	VerifiedSpendingFen int64
	Spending            []domain.LineAmount
	Findings            string
}

// CreateEvaluation records an evaluation of a project under supervision: one per kind, the final acceptance
// after the mid-term evaluation.
func (s *Service) CreateEvaluation(ctx context.Context, cmd CreateEvaluation) (domain.Evaluation, error) {
	if out, done, err := idempotency.Replay[domain.Evaluation](ctx, s.requests, cmd.Key); done || err != nil {
		return out, err
	}
	if err := domain.CheckKind(cmd.Kind); err != nil {
		return domain.Evaluation{}, err
	}
	p, _, err := s.supervised(ctx, cmd.ProjectID)
	if err != nil {
		return domain.Evaluation{}, err
	}
	e, err := domain.NewEvaluation(p, cmd.Kind, cmd.Result, cmd.VerifiedSpendingFen, cmd.Spending, cmd.Findings)
	if err != nil {
		return domain.Evaluation{}, err
	}
	e.ID, e.EvaluatedAt, e.RecordedBy = ids.New(), s.now(), identity.From(ctx).Subject
	return idempotency.Run(ctx, s.requests, cmd.Key, func(ctx context.Context) (domain.Evaluation, error) {
		// Evaluations are only ever added: those read here stay; a concurrent one of the same kind loses on
		// the unique index, and a final acceptance racing its mid-term evaluation is refused, never let in
		// without it.
		existing, err := s.evaluations.EvaluationsOf(ctx, p.ID)
		if err != nil {
			return domain.Evaluation{}, err
		}
		if err := e.CheckAgainst(existing); err != nil {
			return domain.Evaluation{}, err
		}
		return e, s.evaluations.InsertEvaluation(ctx, e)
	})
}

// ListEvaluations lists a project's evaluations (at most one per kind, mid-term first) to staff, suite
// services and the project's own team.
func (s *Service) ListEvaluations(ctx context.Context, projectID string) ([]domain.Evaluation, error) {
	if err := s.readable(ctx, projectID); err != nil {
		return nil, err
	}
	return s.evaluations.EvaluationsOf(ctx, projectID)
}

// EvaluationStatus is whether a project has an evaluation of a kind; Evaluation is zero when not.
type EvaluationStatus struct {
	ProjectID  string
	Kind       domain.EvaluationKind
	Exists     bool
	Evaluation domain.Evaluation
}

// EvaluationStatus answers a tranche gate for suite services and staff: the project's evaluation of a kind,
// if recorded. It reads only this service's data.
func (s *Service) EvaluationStatus(ctx context.Context, projectID string, kind domain.EvaluationKind) (EvaluationStatus, error) {
	if err := ids.Parse("project_id", projectID); err != nil {
		return EvaluationStatus{}, err
	}
	if err := domain.CheckKind(kind); err != nil {
		return EvaluationStatus{}, err
	}
	evals, err := s.evaluations.EvaluationsOf(ctx, projectID)
	if err != nil {
		return EvaluationStatus{}, err
	}
	e, ok := domain.Find(evals, kind)
	return EvaluationStatus{ProjectID: projectID, Kind: kind, Exists: ok, Evaluation: e}, nil
}

// VerifiedSpending is the evaluation whose verified spending counts for a project; Evaluated is false (and
// Evaluation zero) when it has none.
type VerifiedSpending struct {
	ProjectID  string
	Evaluated  bool
	Evaluation domain.Evaluation
}

// VerifiedSpending answers a clawback for suite services and staff: the final acceptance's verified
// spending, else the mid-term evaluation's, else none.
func (s *Service) VerifiedSpending(ctx context.Context, projectID string) (VerifiedSpending, error) {
	if err := ids.Parse("project_id", projectID); err != nil {
		return VerifiedSpending{}, err
	}
	evals, err := s.evaluations.EvaluationsOf(ctx, projectID)
	if err != nil {
		return VerifiedSpending{}, err
	}
	e, ok := domain.LatestVerified(evals)
	return VerifiedSpending{ProjectID: projectID, Evaluated: ok, Evaluation: e}, nil
}
