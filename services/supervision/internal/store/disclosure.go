package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/services/supervision/internal/app"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
)

var _ app.DisclosureStore = (*Store)(nil)

// PublishDisclosures adds the round's items the feed does not hold yet, under the round's advisory lock: the
// new ones are stamped after the round's latest item, so the feed only ever grows at its end.
func (s *Store) PublishDisclosures(ctx context.Context, roundID string, items []domain.Disclosure, now time.Time) error {
	if len(items) == 0 {
		return nil
	}
	candidates := make([]string, len(items))
	for i, it := range items {
		candidates[i] = it.ID
	}
	return db.InTx(ctx, s.pool, func(ctx context.Context) error {
		q := s.q(ctx)
		if _, err := q.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('supervision:disclosures:' || $1))`, roundID); err != nil {
			return err
		}
		rows, err := q.Query(ctx, `SELECT id::text FROM disclosure_items WHERE id = ANY($1::uuid[])`, candidates)
		if err != nil {
			return err
		}
		held, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		have := map[string]bool{}
		for _, id := range held {
			have[id] = true
		}
		var fresh []domain.Disclosure
		for _, it := range items {
			if !have[it.ID] {
				fresh = append(fresh, it)
				have[it.ID] = true
			}
		}
		if len(fresh) == 0 {
			return nil
		}
		var last *time.Time
		if err := q.QueryRow(ctx, `SELECT max(publish_time) FROM disclosure_items WHERE round_id = $1`, roundID).Scan(&last); err != nil {
			return err
		}
		for _, it := range domain.Publish(fresh, db.TimeOf(last), now) {
			detail, err := json.Marshal(it.Detail)
			if err != nil {
				return err
			}
			if _, err := q.Exec(ctx, `INSERT INTO disclosure_items (id, round_id, project_id, kind, occur_time, publish_time, detail)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`, it.ID, it.RoundID, it.ProjectID, it.Kind, it.OccurredAt, it.PublishedAt, detail); err != nil {
				return err
			}
		}
		return nil
	})
}

const disclosureCols = `id::text, round_id::text, project_id::text, kind, occur_time, publish_time, detail`

func scanDisclosure(row pgx.Row) (domain.Disclosure, error) {
	var d domain.Disclosure
	var detail []byte
	if err := row.Scan(&d.ID, &d.RoundID, &d.ProjectID, &d.Kind, &d.OccurredAt, &d.PublishedAt, &detail); err != nil {
		return d, err
	}
	return d, json.Unmarshal(detail, &d.Detail)
}

// Disclosures returns a page of a round's feed (optionally one project's items) in feed order.
func (s *Store) Disclosures(ctx context.Context, f app.DisclosurePage) ([]domain.Disclosure, error) {
	afterID := f.AfterID
	if afterID == "" {
		afterID = "00000000-0000-0000-0000-000000000000"
	}
	rows, err := s.q(ctx).Query(ctx, `SELECT `+disclosureCols+` FROM disclosure_items
		WHERE round_id = $1 AND ($2::uuid IS NULL OR project_id = $2) AND (publish_time, id) > ($3, $4::uuid)
		ORDER BY publish_time, id LIMIT $5`, f.RoundID, db.NullText(f.ProjectID), f.AfterTime, afterID, f.Limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Disclosure, error) { return scanDisclosure(row) })
}

// Disclosure reads one item of a round's feed; ok is false when the feed holds none with that ID.
func (s *Store) Disclosure(ctx context.Context, roundID, id string) (domain.Disclosure, bool, error) {
	d, err := scanDisclosure(s.q(ctx).QueryRow(ctx, `SELECT `+disclosureCols+` FROM disclosure_items WHERE round_id = $1 AND id = $2`, roundID, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return d, false, nil
	}
	return d, err == nil, err
}
