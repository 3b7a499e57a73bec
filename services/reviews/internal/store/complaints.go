package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/sealed"
	"github.com/commonweal/commonweal/services/reviews/internal/app"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// InsertComplaint stores a new complaint, sealing the contact.
func (s *Store) InsertComplaint(ctx context.Context, c domain.Complaint) error {
	var contact []byte
	if c.Contact != "" {
		var err error
		if contact, err = s.box.Seal(c.Contact, sealed.Binding("reviews", "complaints", "contact_sealed", c.ID)); err != nil {
			return err
		}
	}
	_, err := s.q(ctx).Exec(ctx, `INSERT INTO complaints (id, round_id, application_id, content, contact_sealed, state, created_at, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, c.ID, c.RoundID, c.ApplicationID, c.Content, contact, c.State, c.CreatedAt, c.CreatedBy)
	return err
}

const complaintCols = `id::text, round_id::text, application_id::text, content, contact_sealed, state, outcome, resolution_reason, created_at, created_by, resolved_at, resolved_by`

func (s *Store) scanComplaint(row pgx.Row) (domain.Complaint, error) {
	var c domain.Complaint
	var contact []byte
	var resolved *time.Time
	var resolvedBy *string
	if err := row.Scan(&c.ID, &c.RoundID, &c.ApplicationID, &c.Content, &contact, &c.State, &c.Outcome, &c.ResolutionReason, &c.CreatedAt, &c.CreatedBy,
		&resolved, &resolvedBy); err != nil {
		return c, err
	}
	c.ResolvedAt, c.ResolvedBy = db.TimeOf(resolved), db.TextOf(resolvedBy)
	if contact != nil {
		var err error
		if c.Contact, err = s.box.Open(contact, sealed.Binding("reviews", "complaints", "contact_sealed", c.ID)); err != nil {
			return c, err
		}
	}
	return c, nil
}

func (s *Store) getComplaint(ctx context.Context, id string, forUpdate bool) (domain.Complaint, error) {
	c, err := s.scanComplaint(s.q(ctx).QueryRow(ctx, `SELECT `+complaintCols+` FROM complaints WHERE id = $1`+db.LockClause(forUpdate), id))
	return c, db.NotFound(err, "complaint", id)
}

// GetComplaint reads a complaint.
func (s *Store) GetComplaint(ctx context.Context, id string) (domain.Complaint, error) {
	return s.getComplaint(ctx, id, false)
}

// UpdateComplaint loads a complaint locked, applies change and saves its resolution.
func (s *Store) UpdateComplaint(ctx context.Context, id string, change func(*domain.Complaint) error) (domain.Complaint, error) {
	load := func(ctx context.Context) (domain.Complaint, error) { return s.getComplaint(ctx, id, true) }
	return update(ctx, load, s.saveResolution, change)
}

// saveResolution writes what may change of a complaint: its state and resolution.
func (s *Store) saveResolution(ctx context.Context, c domain.Complaint) error {
	_, err := s.q(ctx).Exec(ctx, `UPDATE complaints SET state = $2, outcome = $3, resolution_reason = $4, resolved_at = $5, resolved_by = $6 WHERE id = $1`,
		c.ID, c.State, c.Outcome, c.ResolutionReason, db.NullTime(c.ResolvedAt), db.NullText(c.ResolvedBy))
	return err
}

// ListComplaints returns a page of a round's complaints, oldest first.
func (s *Store) ListComplaints(ctx context.Context, f app.ComplaintFilter) ([]domain.Complaint, error) {
	afterID := f.AfterID
	if afterID == "" {
		afterID = "00000000-0000-0000-0000-000000000000"
	}
	rows, err := s.q(ctx).Query(ctx, `SELECT `+complaintCols+` FROM complaints
		WHERE round_id = $1 AND ($2 = '' OR state = $2) AND (created_at, id) > ($3, $4::uuid)
		ORDER BY created_at, id LIMIT $5`, f.RoundID, f.State, f.AfterTime, afterID, f.Limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Complaint, error) { return s.scanComplaint(row) })
}
