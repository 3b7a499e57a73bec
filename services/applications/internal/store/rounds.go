package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/services/applications/internal/app"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

const roundCols = `id, name, year, phase, policy, version, created_at, phase_entered_at, published_at, donation_cutoff, created_by`

func scanRound(row pgx.Row) (domain.Round, error) {
	var r domain.Round
	var policy []byte
	var published, cutoff *time.Time
	if err := row.Scan(&r.ID, &r.Name, &r.Year, &r.Phase, &policy, &r.Version, &r.CreatedAt, &r.PhaseEnteredAt, &published, &cutoff, &r.CreatedBy); err != nil {
		return r, err
	}
	r.PublishedAt, r.DonationCutoff = db.TimeOf(published), db.TimeOf(cutoff)
	if err := json.Unmarshal(policy, &r.Policy); err != nil {
		return r, fmt.Errorf("round %s policy: %w", r.ID, err)
	}
	return r, nil
}

// InsertRound stores a new round.
func (s *Store) InsertRound(ctx context.Context, r domain.Round) error {
	policy, err := json.Marshal(r.Policy)
	if err != nil {
		return err
	}
	_, err = s.q(ctx).Exec(ctx, `INSERT INTO rounds (id, name, year, phase, policy, version, created_at, phase_entered_at, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, r.ID, r.Name, r.Year, r.Phase, policy, r.Version, r.CreatedAt, r.PhaseEnteredAt, r.CreatedBy)
	return err
}

// GetRound reads a round.
func (s *Store) GetRound(ctx context.Context, id string) (domain.Round, error) {
	return s.getRound(ctx, id, false)
}

func (s *Store) getRound(ctx context.Context, id string, forUpdate bool) (domain.Round, error) {
	r, err := scanRound(s.q(ctx).QueryRow(ctx, `SELECT `+roundCols+` FROM rounds WHERE id = $1`+db.LockClause(forUpdate), id))
	return r, db.NotFound(err, "round", id)
}

// UpdateRound locks the round, applies change and saves the round if change altered it.
func (s *Store) UpdateRound(ctx context.Context, id string, change func(*domain.Round) error) (domain.Round, error) {
	return update(ctx, s, id, s.getRound, s.saveRound, change)
}

// saveRound writes a changed round if it is still at version r.Version, and bumps the version.
func (s *Store) saveRound(ctx context.Context, r *domain.Round) error {
	policy, err := json.Marshal(r.Policy)
	if err != nil {
		return err
	}
	tag, err := s.q(ctx).Exec(ctx, `UPDATE rounds SET name = $3, phase = $4, policy = $5, phase_entered_at = $6, published_at = $7,
		donation_cutoff = $8, version = version + 1 WHERE id = $1 AND version = $2`,
		r.ID, r.Version, r.Name, r.Phase, policy, r.PhaseEnteredAt, db.NullTime(r.PublishedAt), db.NullTime(r.DonationCutoff))
	if err != nil {
		return err
	}
	if tag.RowsAffected() != 1 {
		return errs.ErrEtagMismatch
	}
	r.Version++
	return nil
}

// RecordPhaseChange appends to the round's audit trail.
func (s *Store) RecordPhaseChange(ctx context.Context, c domain.PhaseChange) error {
	_, err := s.q(ctx).Exec(ctx, `INSERT INTO round_phase_changes (round_id, from_phase, to_phase, changed_at, changed_by) VALUES ($1, $2, $3, $4, $5)`,
		c.RoundID, c.From, c.To, c.At, c.By)
	return err
}

// ListPhaseChanges returns up to f.Limit of a round's phase changes after the keyset position (changed_at,
// to_phase), oldest first.
func (s *Store) ListPhaseChanges(ctx context.Context, f app.PhaseChangeFilter) ([]domain.PhaseChange, error) {
	rows, err := s.q(ctx).Query(ctx, `SELECT round_id::text, from_phase, to_phase, changed_at, changed_by FROM round_phase_changes
		WHERE round_id = $1 AND ($2::timestamptz IS NULL OR changed_at >= $2) AND ($3::timestamptz IS NULL OR changed_at < $3)
		  AND (changed_at, to_phase) > ($4, $5)
		ORDER BY changed_at, to_phase LIMIT $6`, f.RoundID, db.NullTime(f.From), db.NullTime(f.To), f.AfterTime, f.AfterPhase, f.Limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.PhaseChange, error) {
		var c domain.PhaseChange
		err := row.Scan(&c.RoundID, &c.From, &c.To, &c.At, &c.By)
		return c, err
	})
}
