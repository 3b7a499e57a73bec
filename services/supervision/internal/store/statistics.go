package store

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/services/supervision/internal/domain"
)

// EvaluationsOfProjects returns the evaluations of each project in one query, each project's in the order
// EvaluationsOf returns them (final acceptance last, then by time and ID); a project without any is absent.
func (s *Store) EvaluationsOfProjects(ctx context.Context, projectIDs []string) (map[string][]domain.Evaluation, error) {
	out := map[string][]domain.Evaluation{}
	if len(projectIDs) == 0 {
		return out, nil
	}
	rows, err := s.q(ctx).Query(ctx, `SELECT id, project_id, round_id, kind, result, verified_spending_fen, spending, findings, evaluated_at,
		recorded_by FROM evaluations WHERE project_id = ANY($1::uuid[]) ORDER BY project_id, kind = 'FINAL_ACCEPTANCE', evaluated_at, id`, projectIDs)
	if err != nil {
		return nil, err
	}
	evals, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Evaluation, error) {
		var e domain.Evaluation
		var spending []byte
		if err := row.Scan(&e.ID, &e.ProjectID, &e.RoundID, &e.Kind, &e.Result, &e.VerifiedSpendingFen, &spending, &e.Findings,
			&e.EvaluatedAt, &e.RecordedBy); err != nil {
			return e, err
		}
		var err error
		e.Spending, err = spendingOf(spending)
		return e, err
	})
	for _, e := range evals {
		out[e.ProjectID] = append(out[e.ProjectID], e)
	}
	return out, err
}
