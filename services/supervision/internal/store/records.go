package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/services/supervision/internal/app"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
)

// InsertInspection stores an inspection.
func (s *Store) InsertInspection(ctx context.Context, in domain.Inspection) error {
	_, err := s.q(ctx).Exec(ctx, `INSERT INTO inspections (id, project_id, round_id, visited_on, findings, rating, created_at, recorded_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, in.ID, in.ProjectID, in.RoundID, in.VisitedOn.Key(), in.Findings, in.Rating, in.CreatedAt, in.RecordedBy)
	return err
}

// ListInspections returns up to f.Limit of a project's inspections after the keyset position, oldest first.
func (s *Store) ListInspections(ctx context.Context, f app.Page) ([]domain.Inspection, error) {
	rows, err := s.q(ctx).Query(ctx, `SELECT id, project_id, round_id, visited_on, findings, rating, created_at, recorded_by
		FROM inspections WHERE project_id = $1 AND (created_at, id) > ($2, $3::uuid) ORDER BY created_at, id LIMIT $4`,
		f.ProjectID, f.AfterTime, after(f), f.Limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Inspection, error) {
		var in domain.Inspection
		var day time.Time
		err := row.Scan(&in.ID, &in.ProjectID, &in.RoundID, &day, &in.Findings, &in.Rating, &in.CreatedAt, &in.RecordedBy)
		in.VisitedOn = domain.DateOfKey(day)
		return in, err
	})
}

// InsertCapacityRecord stores a capacity-building record.
func (s *Store) InsertCapacityRecord(ctx context.Context, r domain.CapacityRecord) error {
	_, err := s.q(ctx).Exec(ctx, `INSERT INTO capacity_building_records (id, project_id, round_id, kind, held_on, topic, duration_minutes,
		participants, provider, notes, created_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		r.ID, r.ProjectID, r.RoundID, r.Kind, r.HeldOn.Key(), r.Topic, r.DurationMinutes, r.Participants, r.Provider, r.Notes, r.CreatedAt, r.RecordedBy)
	return err
}

// ListCapacityRecords returns up to f.Limit of a project's records after the keyset position, oldest first.
func (s *Store) ListCapacityRecords(ctx context.Context, f app.Page) ([]domain.CapacityRecord, error) {
	rows, err := s.q(ctx).Query(ctx, `SELECT id, project_id, round_id, kind, held_on, topic, duration_minutes, participants, provider, notes,
		created_at, recorded_by FROM capacity_building_records WHERE project_id = $1 AND (created_at, id) > ($2, $3::uuid)
		ORDER BY created_at, id LIMIT $4`, f.ProjectID, f.AfterTime, after(f), f.Limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.CapacityRecord, error) {
		var r domain.CapacityRecord
		var day time.Time
		err := row.Scan(&r.ID, &r.ProjectID, &r.RoundID, &r.Kind, &day, &r.Topic, &r.DurationMinutes, &r.Participants, &r.Provider, &r.Notes,
			&r.CreatedAt, &r.RecordedBy)
		r.HeldOn = domain.DateOfKey(day)
		return r, err
	})
}

// InsertEvaluation stores an evaluation; a second of the same kind for a project is EVALUATION_EXISTS.
func (s *Store) InsertEvaluation(ctx context.Context, e domain.Evaluation) error {
	spending, err := spendingJSON(e.Spending)
	if err != nil {
		return err
	}
	_, err = s.q(ctx).Exec(ctx, `INSERT INTO evaluations (id, project_id, round_id, kind, result, verified_spending_fen, spending, findings,
		evaluated_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		e.ID, e.ProjectID, e.RoundID, e.Kind, e.Result, e.VerifiedSpendingFen, spending, e.Findings, e.EvaluatedAt, e.RecordedBy)
	if violates(err, "evaluations_one_per_kind") {
		return domain.ErrEvaluationExists.With("the project's %s evaluation was recorded meanwhile", e.Kind)
	}
	return err
}

// EvaluationsOf returns a project's evaluations, mid-term first.
func (s *Store) EvaluationsOf(ctx context.Context, projectID string) ([]domain.Evaluation, error) {
	rows, err := s.q(ctx).Query(ctx, `SELECT id, project_id, round_id, kind, result, verified_spending_fen, spending, findings, evaluated_at,
		recorded_by FROM evaluations WHERE project_id = $1 ORDER BY kind = 'FINAL_ACCEPTANCE', evaluated_at, id`, projectID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Evaluation, error) {
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
}
