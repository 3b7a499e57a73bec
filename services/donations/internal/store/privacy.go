package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/personaldata"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

// LockDonor reads a donor FOR UPDATE inside the context's transaction, its numbers opened.
func (s *Store) LockDonor(ctx context.Context, id string) (domain.Donor, error) {
	d, err := s.scanDonor(s.q(ctx).QueryRow(ctx, `SELECT `+donorCols+` FROM donors WHERE id = $1 FOR UPDATE`, id))
	if err != nil {
		return domain.Donor{}, db.NotFound(err, "donor", id)
	}
	return d, nil
}

// SaveDonorErasure writes an erased donor: its (placeholder) name and erasure time, and its sealed personal
// numbers deleted, not sealed again.
func (s *Store) SaveDonorErasure(ctx context.Context, d domain.Donor) error {
	_, err := s.q(ctx).Exec(ctx, `UPDATE donors SET name = $2, id_number_sealed = NULL, phone_sealed = NULL, erased_at = $3 WHERE id = $1`,
		d.ID, d.Name, d.ErasedAt)
	return err
}

// PledgesOfDonor returns every pledge of a donor, oldest first.
func (s *Store) PledgesOfDonor(ctx context.Context, donorID string) ([]domain.Pledge, error) {
	return collectPledges(s.q(ctx).Query(ctx, `SELECT `+pledgeCols+` FROM pledges WHERE donor_id = $1 ORDER BY created_at, id`, donorID))
}

// ScrubDonorAnswers replaces, inside the context's transaction, each key of replace by its value in the stored
// answers of the requests that mention the donor (pkg/idempotency keeps a mutation's answer for its retries). It
// returns how many values it replaced.
func (s *Store) ScrubDonorAnswers(ctx context.Context, donorID string, replace map[string]string) (int, error) {
	if len(replace) == 0 {
		return 0, nil
	}
	q := s.q(ctx)
	rows, err := q.Query(ctx, `SELECT request_id, response FROM idempotency_keys
		WHERE response IS NOT NULL AND position(convert_to($1, 'UTF8') IN response) > 0 ORDER BY request_id FOR UPDATE`, donorID)
	if err != nil {
		return 0, err
	}
	type answer struct {
		id  string
		doc []byte
	}
	answers, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (answer, error) {
		var a answer
		return a, row.Scan(&a.id, &a.doc)
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, a := range answers {
		doc, found, err := personaldata.Scrub(a.doc, replace)
		if err != nil {
			return n, fmt.Errorf("stored answer of request %s: %w", a.id, err)
		}
		if len(found) == 0 {
			continue
		}
		if _, err := q.Exec(ctx, `UPDATE idempotency_keys SET response = $2 WHERE request_id = $1`, a.id, doc); err != nil {
			return n, err
		}
		n += len(found)
	}
	return n, nil
}

// RecordPersonalDataRequest appends to the personal-data audit trail inside the context's transaction.
func (s *Store) RecordPersonalDataRequest(ctx context.Context, r personaldata.Request) error {
	return personaldata.Record(ctx, s.q(ctx), r)
}

// ListPersonalDataRequests returns a page of the personal-data audit trail, newest first.
func (s *Store) ListPersonalDataRequests(ctx context.Context, f personaldata.Filter) ([]personaldata.Request, error) {
	return personaldata.List(ctx, s.q(ctx), f)
}
