package store

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/services/applications/internal/app"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

var _ app.CommunityStore = (*Store)(nil)

const communityCols = `code, name, sub_district, district, retired, version, created_at, updated_at`

func scanCommunity(row pgx.Row) (domain.Community, error) {
	var c domain.Community
	err := row.Scan(&c.Code, &c.Name, &c.SubDistrict, &c.District, &c.Retired, &c.Version, &c.CreatedAt, &c.UpdatedAt)
	return c, err
}

// InsertCommunity adds a community; domain.ErrCommunityExists when its code is taken.
func (s *Store) InsertCommunity(ctx context.Context, c domain.Community) error {
	tag, err := s.q(ctx).Exec(ctx, `INSERT INTO communities (`+communityCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (code) DO NOTHING`,
		c.Code, c.Name, c.SubDistrict, c.District, c.Retired, c.Version, c.CreatedAt, c.UpdatedAt)
	if err != nil {
		return err
	}
	if tag.RowsAffected() != 1 {
		return domain.ErrCommunityExists.With("community %s is already listed", c.Code)
	}
	return nil
}

// GetCommunity reads a community.
func (s *Store) GetCommunity(ctx context.Context, code string) (domain.Community, error) {
	return s.getCommunity(ctx, code, false)
}

func (s *Store) getCommunity(ctx context.Context, code string, forUpdate bool) (domain.Community, error) {
	c, err := scanCommunity(s.q(ctx).QueryRow(ctx, `SELECT `+communityCols+` FROM communities WHERE code = $1`+db.LockClause(forUpdate), code))
	return c, db.NotFound(err, "community", code)
}

// UpdateCommunity locks the community, applies change and saves it if change altered it.
func (s *Store) UpdateCommunity(ctx context.Context, code string, change func(*domain.Community) error) (domain.Community, error) {
	return update(ctx, s, code, s.getCommunity, s.saveCommunity, change)
}

// saveCommunity writes a changed community if it is still at version c.Version, and bumps the version.
func (s *Store) saveCommunity(ctx context.Context, c *domain.Community) error {
	tag, err := s.q(ctx).Exec(ctx, `UPDATE communities SET name = $3, sub_district = $4, district = $5, retired = $6, updated_at = $7,
		version = version + 1 WHERE code = $1 AND version = $2`, c.Code, c.Version, c.Name, c.SubDistrict, c.District, c.Retired, c.UpdatedAt)
	if err != nil {
		return err
	}
	if tag.RowsAffected() != 1 {
		return errs.ErrEtagMismatch
	}
	c.Version++
	return nil
}

// ListCommunities returns up to f.Limit communities after the keyset position: those of the home district
// first, then by district, sub-district and code.
func (s *Store) ListCommunities(ctx context.Context, f app.CommunityFilter) ([]domain.Community, error) {
	var afterDistrict, afterSub, afterCode *string
	if a := f.After; a != nil {
		afterDistrict, afterSub, afterCode = &a.District, &a.SubDistrict, &a.Code
	}
	rows, err := s.q(ctx).Query(ctx, `SELECT `+communityCols+` FROM communities
		WHERE ($1 = '' OR district = $1) AND ($2 OR NOT retired)
		  AND ($4::text IS NULL OR (district <> $3, district, sub_district, code) > ($4::text <> $3, $4::text, $5::text, $6::text))
		ORDER BY district <> $3, district, sub_district, code LIMIT $7`,
		f.District, f.IncludeRetired, f.HomeDistrict, afterDistrict, afterSub, afterCode, f.Limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Community, error) { return scanCommunity(row) })
}

// CommunitiesByCode returns the listed communities among codes, by code.
func (s *Store) CommunitiesByCode(ctx context.Context, codes []string) (map[string]domain.Community, error) {
	rows, err := s.q(ctx).Query(ctx, `SELECT `+communityCols+` FROM communities WHERE code = ANY($1::text[])`, codes)
	if err != nil {
		return nil, err
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Community, error) { return scanCommunity(row) })
	if err != nil {
		return nil, err
	}
	out := make(map[string]domain.Community, len(list))
	for _, c := range list {
		out[c.Code] = c
	}
	return out, nil
}
