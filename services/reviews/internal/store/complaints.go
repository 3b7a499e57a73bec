package store

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/sealed"
	"github.com/commonweal/commonweal/services/reviews/internal/app"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

func contactBinding(id string) string {
	return sealed.Binding("reviews", "complaints", "contact_sealed", id)
}

// InsertComplaint stores a new complaint, sealing the contact.
func (s *Store) InsertComplaint(ctx context.Context, c domain.Complaint) error {
	var contact []byte
	if c.Contact != "" {
		var err error
		if contact, err = s.box.Seal(c.Contact, contactBinding(c.ID)); err != nil {
			return err
		}
	}
	_, err := s.q(ctx).Exec(ctx, `INSERT INTO complaints (id, round_id, application_id, content, contact_sealed, state, created_at, created_by,
			complainant_kind, voter_id, org_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, c.ID, c.RoundID, c.ApplicationID, c.Content, contact, c.State, c.CreatedAt, c.CreatedBy,
		string(c.ComplainantKind), nullUUID(c.VoterID), c.OrgID)
	return err
}

func nullUUID(id string) any {
	if id == "" {
		return nil
	}
	return id
}

// ComplaintsSince counts the complaints a complainant (a voter or an organisation) lodged since an instant,
// after taking a lock on the complainant until the transaction ends, so concurrent complaints of one
// complainant count each other.
func (s *Store) ComplaintsSince(ctx context.Context, kind domain.ComplainantKind, complainantID string, since time.Time) (int, error) {
	if _, err := s.q(ctx).Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('reviews:complainant:' || $1 || ':' || $2))`, string(kind), complainantID); err != nil {
		return 0, err
	}
	query := `SELECT count(*) FROM complaints WHERE org_id = $1 AND created_at > $2`
	if kind == domain.ComplainantVerifiedPhone {
		query = `SELECT count(*) FROM complaints WHERE voter_id = $1::uuid AND created_at > $2`
	}
	var n int
	err := s.q(ctx).QueryRow(ctx, query, complainantID, since).Scan(&n)
	return n, err
}

const complaintCols = `id::text, round_id::text, application_id::text, content, contact_sealed, state, outcome, resolution_reason, created_at, created_by,
	resolved_at, resolved_by, complainant_kind, coalesce(voter_id::text, ''), org_id, coalesce(merged_into::text, ''), merge_reason, merged_at, merged_by`

func (s *Store) scanComplaint(row pgx.Row) (domain.Complaint, error) {
	var c domain.Complaint
	var contact []byte
	var resolved, merged *time.Time
	var resolvedBy, mergedBy *string
	var kind string
	if err := row.Scan(&c.ID, &c.RoundID, &c.ApplicationID, &c.Content, &contact, &c.State, &c.Outcome, &c.ResolutionReason, &c.CreatedAt, &c.CreatedBy,
		&resolved, &resolvedBy, &kind, &c.VoterID, &c.OrgID, &c.MergedInto, &c.MergeReason, &merged, &mergedBy); err != nil {
		return c, err
	}
	c.ResolvedAt, c.ResolvedBy = db.TimeOf(resolved), db.TextOf(resolvedBy)
	c.MergedAt, c.MergedBy = db.TimeOf(merged), db.TextOf(mergedBy)
	c.ComplainantKind = domain.ComplainantKind(kind)
	if contact != nil {
		var err error
		if c.Contact, err = s.box.Open(contact, contactBinding(c.ID)); err != nil {
			return c, err
		}
	}
	return c, nil
}

func (s *Store) collectComplaints(rows pgx.Rows, err error) ([]domain.Complaint, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Complaint, error) { return s.scanComplaint(row) })
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
	return update(ctx, load, func(ctx context.Context, c domain.Complaint) error {
		return s.SaveComplaints(ctx, []domain.Complaint{c})
	}, change)
}

// LockComplaints reads the complaints named, locked (in ID order, so concurrent callers cannot deadlock),
// and returns them in the order named; NOT_FOUND names the first one missing.
func (s *Store) LockComplaints(ctx context.Context, ids []string) ([]domain.Complaint, error) {
	return s.readComplaints(ctx, ids, true)
}

// GetComplaints reads the complaints named, in the order named; NOT_FOUND when one is missing.
func (s *Store) GetComplaints(ctx context.Context, ids []string) ([]domain.Complaint, error) {
	return s.readComplaints(ctx, ids, false)
}

func (s *Store) readComplaints(ctx context.Context, ids []string, forUpdate bool) ([]domain.Complaint, error) {
	cs, err := s.collectComplaints(s.q(ctx).Query(ctx, `SELECT `+complaintCols+` FROM complaints WHERE id = ANY($1::uuid[]) ORDER BY id`+db.LockClause(forUpdate), ids))
	if err != nil {
		return nil, err
	}
	byID := make(map[string]domain.Complaint, len(cs))
	for _, c := range cs {
		byID[c.ID] = c
	}
	out := make([]domain.Complaint, 0, len(ids))
	for _, id := range ids {
		c, ok := byID[id]
		if !ok {
			return nil, errs.ErrNotFound.With("complaint %s not found", id)
		}
		out = append(out, c)
	}
	return out, nil
}

// LockOpenComplaints reads a round's open complaints about an application, locked, oldest first.
func (s *Store) LockOpenComplaints(ctx context.Context, roundID, applicationID string) ([]domain.Complaint, error) {
	return s.collectComplaints(s.q(ctx).Query(ctx, `SELECT `+complaintCols+` FROM complaints
		WHERE round_id = $1 AND application_id = $2 AND state = 'OPEN' ORDER BY id FOR UPDATE`, roundID, applicationID))
}

// LockMergedInto reads the complaints merged into any of the primaries, locked, oldest first.
func (s *Store) LockMergedInto(ctx context.Context, primaryIDs []string) ([]domain.Complaint, error) {
	if len(primaryIDs) == 0 {
		return nil, nil
	}
	cs, err := s.collectComplaints(s.q(ctx).Query(ctx, `SELECT `+complaintCols+` FROM complaints
		WHERE merged_into = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, primaryIDs))
	if err != nil {
		return nil, err
	}
	sortByCreation(cs)
	return cs, nil
}

func sortByCreation(cs []domain.Complaint) {
	slices.SortFunc(cs, func(a, b domain.Complaint) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// SaveComplaints writes what may change of complaints: their state, resolution and merge, in one statement.
func (s *Store) SaveComplaints(ctx context.Context, cs []domain.Complaint) error {
	if len(cs) == 0 {
		return nil
	}
	n := len(cs)
	ids, states, outcomes, reasons := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	resolvedAt, resolvedBy := make([]*time.Time, n), make([]*string, n)
	mergedInto, mergeReasons, mergedAt, mergedBy := make([]*string, n), make([]string, n), make([]*time.Time, n), make([]*string, n)
	for i, c := range cs {
		ids[i], states[i], outcomes[i], reasons[i] = c.ID, string(c.State), c.Outcome, c.ResolutionReason
		resolvedAt[i], resolvedBy[i] = db.NullTime(c.ResolvedAt), db.NullText(c.ResolvedBy)
		mergedInto[i], mergeReasons[i], mergedAt[i], mergedBy[i] = db.NullText(c.MergedInto), c.MergeReason, db.NullTime(c.MergedAt), db.NullText(c.MergedBy)
	}
	_, err := s.q(ctx).Exec(ctx, `UPDATE complaints c SET state = u.state, outcome = u.outcome, resolution_reason = u.reason, resolved_at = u.resolved_at,
			resolved_by = u.resolved_by, merged_into = u.merged_into, merge_reason = u.merge_reason, merged_at = u.merged_at, merged_by = u.merged_by
		FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::uuid[], $8::text[], $9::timestamptz[], $10::text[])
			AS u (id, state, outcome, reason, resolved_at, resolved_by, merged_into, merge_reason, merged_at, merged_by)
		WHERE c.id = u.id`, ids, states, outcomes, reasons, resolvedAt, resolvedBy, mergedInto, mergeReasons, mergedAt, mergedBy)
	return err
}

// OpenComplaintCount counts a round's open complaints.
func (s *Store) OpenComplaintCount(ctx context.Context, roundID string) (int, error) {
	var n int
	err := s.q(ctx).QueryRow(ctx, `SELECT count(*) FROM complaints WHERE round_id = $1 AND state = 'OPEN'`, roundID).Scan(&n)
	return n, err
}

// ListComplaints returns a page of a round's complaints, oldest first.
func (s *Store) ListComplaints(ctx context.Context, f app.ComplaintFilter) ([]domain.Complaint, error) {
	afterID := f.AfterID
	if afterID == "" {
		afterID = "00000000-0000-0000-0000-000000000000"
	}
	return s.collectComplaints(s.q(ctx).Query(ctx, `SELECT `+complaintCols+` FROM complaints
		WHERE round_id = $1 AND ($2 = '' OR state = $2) AND (created_at, id) > ($3, $4::uuid)
		ORDER BY created_at, id LIMIT $5`, f.RoundID, f.State, f.AfterTime, afterID, f.Limit))
}
