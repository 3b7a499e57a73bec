package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// GetResults reads a round's results, locking them when forUpdate; RESULTS_NOT_COMPUTED when missing.
func (s *Store) GetResults(ctx context.Context, roundID string, forUpdate bool) (domain.Results, error) {
	var r domain.Results
	var approved, signed *time.Time
	var approvedBy, signedBy *string
	err := s.q(ctx).QueryRow(ctx, `SELECT round_id::text, state, donation_cutoff, pool_fen, computed_at, computed_by, approved_at, approved_by, signed_off_at, signed_off_by
		FROM results WHERE round_id = $1`+db.LockClause(forUpdate), roundID).
		Scan(&r.RoundID, &r.State, &r.DonationCutoff, &r.PoolFen, &r.ComputedAt, &r.ComputedBy, &approved, &approvedBy, &signed, &signedBy)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, domain.ErrResultsNotComputed.With("round %s has no computed results", roundID)
	}
	if err != nil {
		return r, err
	}
	r.ApprovedAt, r.ApprovedBy = db.TimeOf(approved), db.TextOf(approvedBy)
	r.SignedOffAt, r.SignedOffBy = db.TimeOf(signed), db.TextOf(signedBy)
	rows, err := s.q(ctx).Query(ctx, `SELECT application_id::text, finalist, panel_score, donation_score, vote_score, total_score, rank, selected, skip_reason, idea_prize_tier, inputs
		FROM result_entries WHERE round_id = $1 ORDER BY position`, roundID)
	if err != nil {
		return r, err
	}
	r.Entries, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.ResultEntry, error) {
		var e domain.ResultEntry
		var inputs []byte
		if err := row.Scan(&e.ApplicationID, &e.Finalist, &e.PanelScore, &e.DonationScore, &e.VoteScore, &e.TotalScore, &e.Rank, &e.Selected,
			&e.SkipReason, &e.IdeaPrizeTier, &inputs); err != nil {
			return e, err
		}
		return e, json.Unmarshal(inputs, &e.Inputs)
	})
	return r, err
}

// SaveResults creates or replaces a round's results.
func (s *Store) SaveResults(ctx context.Context, r domain.Results) error {
	if _, err := s.q(ctx).Exec(ctx, `INSERT INTO results (round_id, state, donation_cutoff, pool_fen, computed_at, computed_by, approved_at, approved_by, signed_off_at, signed_off_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (round_id) DO UPDATE SET state = EXCLUDED.state, donation_cutoff = EXCLUDED.donation_cutoff, pool_fen = EXCLUDED.pool_fen,
			computed_at = EXCLUDED.computed_at, computed_by = EXCLUDED.computed_by, approved_at = EXCLUDED.approved_at, approved_by = EXCLUDED.approved_by,
			signed_off_at = EXCLUDED.signed_off_at, signed_off_by = EXCLUDED.signed_off_by`,
		r.RoundID, r.State, r.DonationCutoff, r.PoolFen, r.ComputedAt, r.ComputedBy, db.NullTime(r.ApprovedAt), db.NullText(r.ApprovedBy),
		db.NullTime(r.SignedOffAt), db.NullText(r.SignedOffBy)); err != nil {
		return err
	}
	if _, err := s.q(ctx).Exec(ctx, `DELETE FROM result_entries WHERE round_id = $1`, r.RoundID); err != nil {
		return err
	}
	for i, e := range r.Entries {
		inputs, err := json.Marshal(e.Inputs)
		if err != nil {
			return err
		}
		if _, err := s.q(ctx).Exec(ctx, `INSERT INTO result_entries (round_id, application_id, position, finalist, panel_score, donation_score, vote_score,
			total_score, rank, selected, skip_reason, idea_prize_tier, inputs) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			r.RoundID, e.ApplicationID, i, e.Finalist, e.PanelScore, e.DonationScore, e.VoteScore, e.TotalScore, e.Rank, e.Selected, e.SkipReason,
			e.IdeaPrizeTier, inputs); err != nil {
			return err
		}
	}
	return nil
}

// UpdateResults loads a round's results locked, applies change and saves them.
func (s *Store) UpdateResults(ctx context.Context, roundID string, change func(*domain.Results) error) (domain.Results, error) {
	load := func(ctx context.Context) (domain.Results, error) { return s.GetResults(ctx, roundID, true) }
	return update(ctx, load, s.SaveResults, change)
}
