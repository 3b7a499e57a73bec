package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/services/applications/internal/app"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

var _ app.NeedStore = (*Store)(nil)

// needCols are a need's columns and its round's phase and publication time.
const needCols = `n.id::text, n.category, n.community_code, n.title, n.description, n.beneficiary_group, n.recorded_by_unit, n.recorded_by,
	n.state, coalesce(n.round_id::text, ''), n.created_at, n.published_at, coalesce(r.phase, ''), r.published_at`

// needFrom is the needs table with each need's round.
const needFrom = ` FROM needs n LEFT JOIN rounds r ON r.id = n.round_id`

func scanNeed(row pgx.Row) (domain.Need, error) {
	var n domain.Need
	var published, roundPublished *time.Time
	err := row.Scan(&n.ID, &n.Category, &n.CommunityCode, &n.Title, &n.Description, &n.BeneficiaryGroup, &n.RecordedByUnit, &n.RecordedBy,
		&n.State, &n.RoundID, &n.CreatedAt, &published, &n.RoundPhase, &roundPublished)
	n.PublishedAt, n.RoundPublishedAt = db.TimeOf(published), db.TimeOf(roundPublished)
	return n, err
}

// InsertNeed stores a new need.
func (s *Store) InsertNeed(ctx context.Context, n domain.Need) error {
	_, err := s.q(ctx).Exec(ctx, `INSERT INTO needs (id, category, community_code, title, description, beneficiary_group, recorded_by_unit, recorded_by,
		state, round_id, created_at, published_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULLIF($10, '')::uuid, $11, $12)`,
		n.ID, n.Category, n.CommunityCode, n.Title, n.Description, n.BeneficiaryGroup, n.RecordedByUnit, n.RecordedBy,
		n.State, n.RoundID, n.CreatedAt, db.NullTime(n.PublishedAt))
	return err
}

// GetNeed reads a need with its round's phase and publication time.
func (s *Store) GetNeed(ctx context.Context, id string) (domain.Need, error) {
	return s.getNeed(ctx, id, false)
}

func (s *Store) getNeed(ctx context.Context, id string, forUpdate bool) (domain.Need, error) {
	lock := ""
	if forUpdate {
		lock = " FOR UPDATE OF n"
	}
	n, err := scanNeed(s.q(ctx).QueryRow(ctx, `SELECT `+needCols+needFrom+` WHERE n.id = $1`+lock, id))
	return n, db.NotFound(err, "need", id)
}

// UpdateNeed locks the need, applies change and saves it if change altered it. Only the publication changes.
func (s *Store) UpdateNeed(ctx context.Context, id string, change func(*domain.Need) error) (domain.Need, error) {
	return update(ctx, s, id, s.getNeed, s.savePublication, change)
}

func (s *Store) savePublication(ctx context.Context, n *domain.Need) error {
	tag, err := s.q(ctx).Exec(ctx, `UPDATE needs SET state = $2, round_id = NULLIF($3, '')::uuid, published_at = $4, version = version + 1 WHERE id = $1`,
		n.ID, n.State, n.RoundID, db.NullTime(n.PublishedAt))
	if err != nil {
		return err
	}
	if tag.RowsAffected() != 1 {
		return errs.ErrNotFound.With("need %s not found", n.ID)
	}
	return nil
}

// ListNeeds returns up to f.Limit needs after the keyset position (created_at, id), oldest first.
func (s *Store) ListNeeds(ctx context.Context, f app.NeedFilter) ([]domain.Need, error) {
	afterID := f.AfterID
	if afterID == "" {
		afterID = "00000000-0000-0000-0000-000000000000"
	}
	var roundID *string
	if f.RoundID != "" {
		roundID = &f.RoundID
	}
	rows, err := s.q(ctx).Query(ctx, `SELECT `+needCols+needFrom+`
		WHERE ($1::uuid IS NULL OR n.round_id = $1) AND ($2 = '' OR n.state = $2) AND ($3 = '' OR n.category = $3) AND ($4 = '' OR n.community_code = $4)
		  AND (NOT $5 OR n.state = 'PUBLISHED' AND r.phase <> 'DRAFT')
		  AND (n.created_at, n.id) > ($6, $7::uuid)
		ORDER BY n.created_at, n.id LIMIT $8`,
		roundID, f.State, f.Category, f.CommunityCode, f.PublicOnly, f.AfterTime, afterID, f.Limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Need, error) { return scanNeed(row) })
}

// NeedsByID returns the needs among ids, by ID.
func (s *Store) NeedsByID(ctx context.Context, ids []string) (map[string]domain.Need, error) {
	rows, err := s.q(ctx).Query(ctx, `SELECT `+needCols+needFrom+` WHERE n.id = ANY($1::uuid[])`, ids)
	if err != nil {
		return nil, err
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Need, error) { return scanNeed(row) })
	if err != nil {
		return nil, err
	}
	out := make(map[string]domain.Need, len(list))
	for _, n := range list {
		out[n.ID] = n
	}
	return out, nil
}
