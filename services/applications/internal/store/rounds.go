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

// roundCols are a round's columns and, from its audit trail, the phases it entered and when.
const roundCols = `id, name, year, phase, policy, version, created_at, phase_entered_at, published_at, donation_cutoff, created_by,
	notice, guidance,
	ARRAY(SELECT to_phase FROM round_phase_changes c WHERE c.round_id = rounds.id ORDER BY to_phase),
	ARRAY(SELECT changed_at FROM round_phase_changes c WHERE c.round_id = rounds.id ORDER BY to_phase)`

func scanRound(row pgx.Row) (domain.Round, error) {
	var r domain.Round
	var policy, notice, guidance []byte
	var published, cutoff *time.Time
	var phases []string
	var entered []time.Time
	if err := row.Scan(&r.ID, &r.Name, &r.Year, &r.Phase, &policy, &r.Version, &r.CreatedAt, &r.PhaseEnteredAt, &published, &cutoff, &r.CreatedBy,
		&notice, &guidance, &phases, &entered); err != nil {
		return r, err
	}
	r.PublishedAt, r.DonationCutoff = db.TimeOf(published), db.TimeOf(cutoff)
	if err := json.Unmarshal(policy, &r.Policy); err != nil {
		return r, fmt.Errorf("round %s policy: %w", r.ID, err)
	}
	if err := json.Unmarshal(notice, &r.Notice); err != nil {
		return r, fmt.Errorf("round %s notice: %w", r.ID, err)
	}
	if err := json.Unmarshal(guidance, &r.Guidance); err != nil {
		return r, fmt.Errorf("round %s guidance: %w", r.ID, err)
	}
	if len(phases) != len(entered) {
		return r, fmt.Errorf("round %s: %d phases entered at %d instants", r.ID, len(phases), len(entered))
	}
	if len(phases) > 0 {
		r.Entered = make(map[domain.Phase]time.Time, len(phases))
		for i, p := range phases {
			r.Entered[domain.Phase(p)] = entered[i]
		}
	}
	return r, nil
}

// roundJSON is what a round keeps as JSON: its policy, notice and guidance.
func roundJSON(r domain.Round) (policy, notice, guidance []byte, err error) {
	if policy, err = json.Marshal(r.Policy); err != nil {
		return nil, nil, nil, err
	}
	if notice, err = json.Marshal(r.Notice); err != nil {
		return nil, nil, nil, err
	}
	guidance, err = json.Marshal(r.Guidance)
	return policy, notice, guidance, err
}

// InsertRound stores a new round.
func (s *Store) InsertRound(ctx context.Context, r domain.Round) error {
	policy, notice, guidance, err := roundJSON(r)
	if err != nil {
		return err
	}
	_, err = s.q(ctx).Exec(ctx, `INSERT INTO rounds (id, name, year, phase, policy, version, created_at, phase_entered_at, created_by, notice, guidance, due_time)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, r.ID, r.Name, r.Year, r.Phase, policy, r.Version, r.CreatedAt, r.PhaseEnteredAt, r.CreatedBy,
		notice, guidance, db.NullTime(r.DueTime()))
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
	policy, notice, guidance, err := roundJSON(*r)
	if err != nil {
		return err
	}
	// due_time follows the phase and the policy's targets, so it is written with them.
	tag, err := s.q(ctx).Exec(ctx, `UPDATE rounds SET name = $3, phase = $4, policy = $5, phase_entered_at = $6, published_at = $7,
		donation_cutoff = $8, notice = $9, guidance = $10, due_time = $11, version = version + 1 WHERE id = $1 AND version = $2`,
		r.ID, r.Version, r.Name, r.Phase, policy, r.PhaseEnteredAt, db.NullTime(r.PublishedAt), db.NullTime(r.DonationCutoff),
		notice, guidance, db.NullTime(r.DueTime()))
	if err != nil {
		return err
	}
	if tag.RowsAffected() != 1 {
		return errs.ErrEtagMismatch
	}
	r.Version++
	return nil
}

// ListRounds returns up to f.Limit rounds after the keyset position (created_at, id), newest first.
func (s *Store) ListRounds(ctx context.Context, f app.RoundFilter) ([]domain.Round, error) {
	var afterTime *time.Time
	afterID := f.AfterID
	if afterID != "" {
		afterTime = &f.AfterTime
	} else {
		afterID = "00000000-0000-0000-0000-000000000000"
	}
	rows, err := s.q(ctx).Query(ctx, `SELECT `+roundCols+` FROM rounds
		WHERE ($1 = '' OR phase = $1) AND ($2 = 0 OR year = $2) AND ($3 OR phase <> 'DRAFT')
		  AND ($4::timestamptz IS NULL OR due_time < $4)
		  AND ($5::timestamptz IS NULL OR (created_at, id) < ($5, $6::uuid))
		ORDER BY created_at DESC, id DESC LIMIT $7`,
		string(f.Phase), f.Year, f.Drafts, db.NullTime(f.OverdueAt), afterTime, afterID, f.Limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Round, error) { return scanRound(row) })
}

// RecordPhaseChange appends to the round's audit trail, as the next entry of its hash chain (chains.go).
func (s *Store) RecordPhaseChange(ctx context.Context, c domain.PhaseChange) error {
	return s.appendPhaseChange(ctx, c)
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
