package app

import (
	"context"

	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
)

// Closure stores what closes a round: final summaries, performance evaluations and round summaries, each
// filed once and never changed.
type Closure interface {
	// InsertFinalSummary stores a final summary; a second of the project is domain.ErrFinalSummaryExists.
	InsertFinalSummary(ctx context.Context, f domain.FinalSummary) error
	// FinalSummary reads a project's final summary; none is domain.ErrFinalSummaryNotFound.
	FinalSummary(ctx context.Context, projectID string) (domain.FinalSummary, error)
	// InsertPerformanceEvaluation stores a performance evaluation; a second is domain.ErrPerformanceEvaluationExists.
	InsertPerformanceEvaluation(ctx context.Context, e domain.PerformanceEvaluation) error
	// PerformanceEvaluation reads a project's performance evaluation; none is
	// domain.ErrPerformanceEvaluationNotFound.
	PerformanceEvaluation(ctx context.Context, projectID string) (domain.PerformanceEvaluation, error)
	// ClosureRecords returns which of projectIDs have a final summary and which a performance evaluation.
	ClosureRecords(ctx context.Context, projectIDs []string) (summarised, evaluated map[string]bool, err error)
	// InsertRoundSummary stores a round summary; a second is domain.ErrRoundSummaryExists.
	InsertRoundSummary(ctx context.Context, r domain.RoundSummary) error
	// RoundSummary reads a round's summary; ok is false when none is filed.
	RoundSummary(ctx context.Context, roundID string) (rs domain.RoundSummary, ok bool, err error)
}

// SubmitFinalSummary is a team's final summary of its project.
type SubmitFinalSummary struct {
	Key                 idempotency.Key
	ProjectID           string
	Summary             string
	Outcomes            string
	BeneficiariesServed int64
	SpentFen            int64
}

// windingDown reads a project the caller may see whose round is in IMPLEMENTATION or CLOSING, and its plan.
func (s *Service) windingDown(ctx context.Context, projectID string) (domain.Project, domain.Plan, bool, error) {
	p, err := s.project(ctx, projectID)
	if err != nil {
		return domain.Project{}, domain.Plan{}, false, err
	}
	if p.Stage != domain.StageSelected {
		return domain.Project{}, domain.Plan{}, false, domain.ErrProjectNotSelected.With("the application's stage is %q", p.Stage)
	}
	r, err := s.apps.GetRound(ctx, p.RoundID)
	if err != nil {
		return domain.Project{}, domain.Plan{}, false, err
	}
	if err := r.CheckWindDown(); err != nil {
		return domain.Project{}, domain.Plan{}, false, err
	}
	plan, ok, err := s.funding.Plan(ctx, p.ID)
	return p, plan, ok, err
}

// SubmitFinalSummary files the final summary of the caller's own project once its plan is finished.
func (s *Service) SubmitFinalSummary(ctx context.Context, cmd SubmitFinalSummary) (domain.FinalSummary, error) {
	if out, done, err := idempotency.Replay[domain.FinalSummary](ctx, s.requests, cmd.Key); done || err != nil {
		return out, err
	}
	p, plan, hasPlan, err := s.windingDown(ctx, cmd.ProjectID)
	if err != nil {
		return domain.FinalSummary{}, err
	}
	f, err := domain.NewFinalSummary(p, plan, hasPlan, cmd.Summary, cmd.Outcomes, cmd.BeneficiariesServed, cmd.SpentFen)
	if err != nil {
		return domain.FinalSummary{}, err
	}
	f.CreatedAt, f.SubmittedBy = s.now(), identity.From(ctx).Subject
	return idempotency.Run(ctx, s.requests, cmd.Key, func(ctx context.Context) (domain.FinalSummary, error) {
		// A finished plan stays finished; a concurrent summary of the project loses on the primary key.
		return f, s.closure.InsertFinalSummary(ctx, f)
	})
}

// GetFinalSummary reads a project's final summary for staff, suite services and the project's own team.
func (s *Service) GetFinalSummary(ctx context.Context, projectID string) (domain.FinalSummary, error) {
	if err := s.readable(ctx, projectID); err != nil {
		return domain.FinalSummary{}, err
	}
	return s.closure.FinalSummary(ctx, projectID)
}

// CreatePerformanceEvaluation is the operator's performance evaluation of a project.
type CreatePerformanceEvaluation struct {
	Key       idempotency.Key
	ProjectID string
	Score     int64
	Findings  string
}

// CreatePerformanceEvaluation records a project's performance evaluation once its plan is finished.
func (s *Service) CreatePerformanceEvaluation(ctx context.Context, cmd CreatePerformanceEvaluation) (domain.PerformanceEvaluation, error) {
	if out, done, err := idempotency.Replay[domain.PerformanceEvaluation](ctx, s.requests, cmd.Key); done || err != nil {
		return out, err
	}
	p, plan, hasPlan, err := s.windingDown(ctx, cmd.ProjectID)
	if err != nil {
		return domain.PerformanceEvaluation{}, err
	}
	e, err := domain.NewPerformanceEvaluation(p, plan, hasPlan, cmd.Score, cmd.Findings)
	if err != nil {
		return domain.PerformanceEvaluation{}, err
	}
	e.EvaluatedAt, e.RecordedBy = s.now(), identity.From(ctx).Subject
	return idempotency.Run(ctx, s.requests, cmd.Key, func(ctx context.Context) (domain.PerformanceEvaluation, error) {
		return e, s.closure.InsertPerformanceEvaluation(ctx, e)
	})
}

// GetPerformanceEvaluation reads a project's performance evaluation for staff, suite services and the
// project's own team.
func (s *Service) GetPerformanceEvaluation(ctx context.Context, projectID string) (domain.PerformanceEvaluation, error) {
	if err := s.readable(ctx, projectID); err != nil {
		return domain.PerformanceEvaluation{}, err
	}
	return s.closure.PerformanceEvaluation(ctx, projectID)
}

// SubmitRoundSummary is the organizer's summary of a round.
type SubmitRoundSummary struct {
	Key     idempotency.Key
	RoundID string
	Summary string
}

// SubmitRoundSummary files a round's summary while it is in CLOSING, once every funded project (every plan of
// the round, asked of funding) has its final summary and performance evaluation, which are re-read in the unit
// of work.
func (s *Service) SubmitRoundSummary(ctx context.Context, cmd SubmitRoundSummary) (domain.RoundSummary, error) {
	if out, done, err := idempotency.Replay[domain.RoundSummary](ctx, s.requests, cmd.Key); done || err != nil {
		return out, err
	}
	if err := ids.Parse("round_id", cmd.RoundID); err != nil {
		return domain.RoundSummary{}, err
	}
	r, err := s.apps.GetRound(ctx, cmd.RoundID)
	if err != nil {
		return domain.RoundSummary{}, err
	}
	none := func(string) bool { return true }
	if _, err := domain.NewRoundSummary(r, nil, none, none, cmd.Summary); err != nil {
		return domain.RoundSummary{}, err
	}
	plans, err := s.funding.Plans(ctx, r.ID)
	if err != nil {
		return domain.RoundSummary{}, err
	}
	projectIDs := make([]string, len(plans))
	for i, p := range plans {
		projectIDs[i] = p.ProjectID
	}
	now, by := s.now(), identity.From(ctx).Subject
	return idempotency.Run(ctx, s.requests, cmd.Key, func(ctx context.Context) (domain.RoundSummary, error) {
		// Summaries and evaluations are only ever added: those read here stay.
		summarised, evaluated, err := s.closure.ClosureRecords(ctx, projectIDs)
		if err != nil {
			return domain.RoundSummary{}, err
		}
		rs, err := domain.NewRoundSummary(r, plans, func(id string) bool { return summarised[id] }, func(id string) bool { return evaluated[id] }, cmd.Summary)
		if err != nil {
			return domain.RoundSummary{}, err
		}
		rs.CreatedAt, rs.SubmittedBy = now, by
		return rs, s.closure.InsertRoundSummary(ctx, rs)
	})
}

// GetRoundSummary reads a round's summary.
func (s *Service) GetRoundSummary(ctx context.Context, roundID string) (domain.RoundSummary, error) {
	if err := ids.Parse("round_id", roundID); err != nil {
		return domain.RoundSummary{}, err
	}
	rs, ok, err := s.closure.RoundSummary(ctx, roundID)
	if err == nil && !ok {
		err = domain.ErrRoundSummaryNotFound.With("round %s has no summary", roundID)
	}
	return rs, err
}

// RoundClosingStatus answers the round coordinator about CLOSING (every selected project's plan finished, asked
// of applications and funding) and CLOSED (the round summary filed). It writes nothing.
func (s *Service) RoundClosingStatus(ctx context.Context, roundID string) (domain.ClosingStatus, error) {
	if err := ids.Parse("round_id", roundID); err != nil {
		return domain.ClosingStatus{}, err
	}
	selected, err := s.apps.SelectedProjects(ctx, roundID)
	if err != nil {
		return domain.ClosingStatus{}, err
	}
	plans, err := s.funding.Plans(ctx, roundID)
	if err != nil {
		return domain.ClosingStatus{}, err
	}
	_, filed, err := s.closure.RoundSummary(ctx, roundID)
	if err != nil {
		return domain.ClosingStatus{}, err
	}
	return domain.ClosingStatusOf(roundID, selected, plans, filed), nil
}
