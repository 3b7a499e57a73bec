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

// GetShortlist reads a round's shortlist, locking it when forUpdate; SHORTLIST_NOT_COMPUTED when missing.
func (s *Store) GetShortlist(ctx context.Context, roundID string, forUpdate bool) (domain.Shortlist, error) {
	var sl domain.Shortlist
	var published *time.Time
	var publishedBy *string
	err := s.q(ctx).QueryRow(ctx, `SELECT round_id::text, state, computed_at, computed_by, published_at, published_by FROM shortlists WHERE round_id = $1`+db.LockClause(forUpdate), roundID).
		Scan(&sl.RoundID, &sl.State, &sl.ComputedAt, &sl.ComputedBy, &published, &publishedBy)
	if errors.Is(err, pgx.ErrNoRows) {
		return sl, domain.ErrShortlistNotFound.With("round %s has no computed shortlist", roundID)
	}
	if err != nil {
		return sl, err
	}
	sl.PublishedAt, sl.PublishedBy = db.TimeOf(published), db.TextOf(publishedBy)
	rows, err := s.q(ctx).Query(ctx, `SELECT application_id::text, panel_score, rank, shortlisted, idea_only, disqualified, first_submit_at, inputs
		FROM shortlist_entries WHERE round_id = $1 ORDER BY rank`, roundID)
	if err != nil {
		return sl, err
	}
	sl.Entries, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.ShortlistEntry, error) {
		var e domain.ShortlistEntry
		var inputs []byte
		if err := row.Scan(&e.ApplicationID, &e.PanelScore, &e.Rank, &e.Shortlisted, &e.IdeaOnly, &e.Disqualified, &e.FirstSubmitAt, &inputs); err != nil {
			return e, err
		}
		return e, json.Unmarshal(inputs, &e.Inputs)
	})
	return sl, err
}

// SaveShortlist creates or replaces a round's shortlist.
func (s *Store) SaveShortlist(ctx context.Context, sl domain.Shortlist) error {
	if _, err := s.q(ctx).Exec(ctx, `INSERT INTO shortlists (round_id, state, computed_at, computed_by, published_at, published_by) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (round_id) DO UPDATE SET state = EXCLUDED.state, computed_at = EXCLUDED.computed_at, computed_by = EXCLUDED.computed_by,
			published_at = EXCLUDED.published_at, published_by = EXCLUDED.published_by`,
		sl.RoundID, sl.State, sl.ComputedAt, sl.ComputedBy, db.NullTime(sl.PublishedAt), db.NullText(sl.PublishedBy)); err != nil {
		return err
	}
	if _, err := s.q(ctx).Exec(ctx, `DELETE FROM shortlist_entries WHERE round_id = $1`, sl.RoundID); err != nil {
		return err
	}
	for _, e := range sl.Entries {
		inputs, err := json.Marshal(e.Inputs)
		if err != nil {
			return err
		}
		if _, err := s.q(ctx).Exec(ctx, `INSERT INTO shortlist_entries (round_id, application_id, panel_score, rank, shortlisted, idea_only, disqualified, first_submit_at, inputs)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, sl.RoundID, e.ApplicationID, e.PanelScore, e.Rank, e.Shortlisted, e.IdeaOnly, e.Disqualified, e.FirstSubmitAt, inputs); err != nil {
			return err
		}
	}
	return nil
}

// UpdateShortlist loads a round's shortlist locked, applies change and saves it.
func (s *Store) UpdateShortlist(ctx context.Context, roundID string, change func(*domain.Shortlist) error) (domain.Shortlist, error) {
	load := func(ctx context.Context) (domain.Shortlist, error) { return s.GetShortlist(ctx, roundID, true) }
	return update(ctx, load, s.SaveShortlist, change)
}

// OnPublishedShortlist reports whether an application holds a place on its round's published shortlist (one
// indexed row, for every vote).
func (s *Store) OnPublishedShortlist(ctx context.Context, roundID, applicationID string) (bool, error) {
	var on bool
	err := s.q(ctx).QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM shortlist_entries e JOIN shortlists s USING (round_id)
		WHERE e.round_id = $1 AND e.application_id = $2 AND e.shortlisted AND s.state = $3)`, roundID, applicationID, domain.ShortlistPublished).Scan(&on)
	return on, err
}
