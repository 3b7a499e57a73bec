// Package store keeps rounds, organisations and applications in the service's PostgreSQL schema with
// hand-written SQL. Every method joins the transaction carried by its context, if any.
package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/sealed"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

// Store is the applications repository.
type Store struct {
	pool *pgxpool.Pool
	box  *sealed.Box
}

// New returns a store on pool that seals personal numbers with box.
func New(pool *pgxpool.Pool, box *sealed.Box) *Store {
	return &Store{pool: pool, box: box}
}

// InTx runs fn in a transaction (joining the context's one, if any).
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	return db.InTx(ctx, s.pool, fn)
}

// NewID and ParseID are the platform's ID helpers, for the use cases.
var (
	NewID   = db.NewID
	ParseID = db.ParseID
)

func (s *Store) q(ctx context.Context) db.Querier { return db.Q(ctx, s.pool) }

// --- rounds ---

const roundCols = `id, name, year, phase, policy, version, created_at, phase_entered_at, published_at, donation_cutoff`

func scanRound(row pgx.Row) (domain.Round, error) {
	var r domain.Round
	var policy []byte
	var published, cutoff *time.Time
	if err := row.Scan(&r.ID, &r.Name, &r.Year, &r.Phase, &policy, &r.Version, &r.CreatedAt, &r.PhaseEnteredAt, &published, &cutoff); err != nil {
		return r, err
	}
	r.PublishedAt, r.DonationCutoff = db.TimeOf(published), db.TimeOf(cutoff)
	if err := json.Unmarshal(policy, &r.Policy); err != nil {
		return r, fmt.Errorf("round %s policy: %w", r.ID, err)
	}
	return r, nil
}

// InsertRound stores a new round.
func (s *Store) InsertRound(ctx context.Context, r domain.Round, by string) error {
	policy, err := json.Marshal(r.Policy)
	if err != nil {
		return err
	}
	_, err = s.q(ctx).Exec(ctx, `INSERT INTO rounds (id, name, year, phase, policy, version, created_at, phase_entered_at, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, r.ID, r.Name, r.Year, r.Phase, policy, r.Version, r.CreatedAt, r.PhaseEnteredAt, by)
	return err
}

// GetRound reads a round, locking it when forUpdate.
func (s *Store) GetRound(ctx context.Context, id string, forUpdate bool) (domain.Round, error) {
	r, err := scanRound(s.q(ctx).QueryRow(ctx, `SELECT `+roundCols+` FROM rounds WHERE id = $1`+db.LockClause(forUpdate), id))
	return r, db.NotFound(err, "round", id)
}

// UpdateRound writes a changed round if it is still at version r.Version, and bumps the version.
func (s *Store) UpdateRound(ctx context.Context, r *domain.Round) error {
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
func (s *Store) RecordPhaseChange(ctx context.Context, roundID string, from, to domain.Phase, at time.Time, by string) error {
	_, err := s.q(ctx).Exec(ctx, `INSERT INTO round_phase_changes (round_id, from_phase, to_phase, changed_at, changed_by) VALUES ($1, $2, $3, $4, $5)`,
		roundID, from, to, at, by)
	return err
}

// --- organisations ---

// InsertOrganization stores a new organisation, sealing its personal numbers.
func (s *Store) InsertOrganization(ctx context.Context, o domain.Organization) error {
	idNum, err := s.box.Seal(o.IDNumber)
	if err != nil {
		return err
	}
	phone, err := s.box.Seal(o.ContactPhone)
	if err != nil {
		return err
	}
	_, err = s.q(ctx).Exec(ctx, `INSERT INTO organizations (id, name, kind, uscc, id_number_sealed, phone_sealed, registered, owner_subject, created_at)
		VALUES ($1, $2, $3, NULLIF($4, ''), $5, $6, $7, $8, $9)`, o.ID, o.Name, o.Kind, o.USCC, idNum, phone, o.Registered, o.OwnerSubject, o.CreatedAt)
	return err
}

// GetOrganization reads an organisation and opens its personal numbers.
func (s *Store) GetOrganization(ctx context.Context, id string, forUpdate bool) (domain.Organization, error) {
	var o domain.Organization
	var uscc *string
	var idNum, phone []byte
	var verified *time.Time
	err := s.q(ctx).QueryRow(ctx, `SELECT id, name, kind, uscc, id_number_sealed, phone_sealed, registered, owner_subject, created_at, verified_at
		FROM organizations WHERE id = $1`+db.LockClause(forUpdate), id).
		Scan(&o.ID, &o.Name, &o.Kind, &uscc, &idNum, &phone, &o.Registered, &o.OwnerSubject, &o.CreatedAt, &verified)
	if err != nil {
		return o, db.NotFound(err, "organization", id)
	}
	if uscc != nil {
		o.USCC = *uscc
	}
	o.VerifiedAt = db.TimeOf(verified)
	if o.IDNumber, err = s.box.Open(idNum); err != nil {
		return o, err
	}
	if o.ContactPhone, err = s.box.Open(phone); err != nil {
		return o, err
	}
	return o, nil
}

// MarkVerified records the operator's verification.
func (s *Store) MarkVerified(ctx context.Context, o domain.Organization, by string) error {
	_, err := s.q(ctx).Exec(ctx, `UPDATE organizations SET registered = $2, verified_at = $3, verified_by = $4 WHERE id = $1`, o.ID, o.Registered, o.VerifiedAt, by)
	return err
}

// --- applications ---

const appCols = `id, round_id, org_id, content, status, stage, idea_only, revision, version, created_at, updated_at,
	first_submitted_at, last_submitted_at, last_review, created_by`

func scanApplication(row pgx.Row) (domain.Application, error) {
	var a domain.Application
	var content, review []byte
	var first, last *time.Time
	if err := row.Scan(&a.ID, &a.RoundID, &a.OrgID, &content, &a.Status, &a.Stage, &a.IdeaOnly, &a.Revision, &a.Version,
		&a.CreatedAt, &a.UpdatedAt, &first, &last, &review, &a.CreatedBySubject); err != nil {
		return a, err
	}
	a.FirstSubmitAt, a.LastSubmitAt = db.TimeOf(first), db.TimeOf(last)
	if err := json.Unmarshal(content, &a.Content); err != nil {
		return a, fmt.Errorf("application %s content: %w", a.ID, err)
	}
	if review != nil {
		a.LastReview = &domain.Review{}
		if err := json.Unmarshal(review, a.LastReview); err != nil {
			return a, err
		}
	}
	return a, nil
}

// InsertApplication stores a new application.
func (s *Store) InsertApplication(ctx context.Context, a domain.Application) error {
	content, err := json.Marshal(a.Content)
	if err != nil {
		return err
	}
	_, err = s.q(ctx).Exec(ctx, `INSERT INTO applications (id, round_id, org_id, content, category, title, budget_total_fen, status, idea_only,
		revision, version, created_at, updated_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		a.ID, a.RoundID, a.OrgID, content, a.Content.Category, a.Content.Title, a.Content.BudgetTotalFen(), a.Status, a.IdeaOnly,
		a.Revision, a.Version, a.CreatedAt, a.UpdatedAt, a.CreatedBySubject)
	return err
}

// GetApplication reads an application, locking it when forUpdate.
func (s *Store) GetApplication(ctx context.Context, id string, forUpdate bool) (domain.Application, error) {
	a, err := scanApplication(s.q(ctx).QueryRow(ctx, `SELECT `+appCols+` FROM applications WHERE id = $1`+db.LockClause(forUpdate), id))
	return a, db.NotFound(err, "application", id)
}

// UpdateApplication writes a changed application if it is still at version a.Version, and bumps the version.
func (s *Store) UpdateApplication(ctx context.Context, a *domain.Application) error {
	content, err := json.Marshal(a.Content)
	if err != nil {
		return err
	}
	var review []byte
	if a.LastReview != nil {
		if review, err = json.Marshal(a.LastReview); err != nil {
			return err
		}
	}
	tag, err := s.q(ctx).Exec(ctx, `UPDATE applications SET content = $3, category = $4, title = $5, budget_total_fen = $6, status = $7,
		idea_only = $8, revision = $9, updated_at = $10, first_submitted_at = $11, last_submitted_at = $12, last_review = $13, stage = $14, version = version + 1
		WHERE id = $1 AND version = $2`,
		a.ID, a.Version, content, a.Content.Category, a.Content.Title, a.Content.BudgetTotalFen(), a.Status, a.IdeaOnly, a.Revision,
		a.UpdatedAt, db.NullTime(a.FirstSubmitAt), db.NullTime(a.LastSubmitAt), review, a.Stage)
	if err != nil {
		return err
	}
	if tag.RowsAffected() != 1 {
		return errs.ErrEtagMismatch
	}
	a.Version++
	return nil
}

// InsertRevision keeps a submitted version.
func (s *Store) InsertRevision(ctx context.Context, a domain.Application, by string) error {
	content, err := json.Marshal(a.Content)
	if err != nil {
		return err
	}
	_, err = s.q(ctx).Exec(ctx, `INSERT INTO application_revisions (application_id, number, content, budget_total_fen, idea_only, submitted_at, submitted_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, a.ID, a.Revision, content, a.Content.BudgetTotalFen(), a.IdeaOnly, a.LastSubmitAt, by)
	return err
}

// Revision is one stored submitted version.
type Revision struct {
	Number      int
	Content     domain.Content
	IdeaOnly    bool
	SubmittedAt time.Time
}

// ListRevisions returns every submitted version, first first.
func (s *Store) ListRevisions(ctx context.Context, applicationID string) ([]Revision, error) {
	rows, err := s.q(ctx).Query(ctx, `SELECT number, content, idea_only, submitted_at FROM application_revisions WHERE application_id = $1 ORDER BY number`, applicationID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Revision, error) {
		var r Revision
		var content []byte
		if err := row.Scan(&r.Number, &content, &r.IdeaOnly, &r.SubmittedAt); err != nil {
			return r, err
		}
		return r, json.Unmarshal(content, &r.Content)
	})
}

// InsertReview appends an initial-review decision.
func (s *Store) InsertReview(ctx context.Context, applicationID string, r domain.Review) error {
	reasons, err := json.Marshal(r.Reasons)
	if err != nil {
		return err
	}
	_, err = s.q(ctx).Exec(ctx, `INSERT INTO application_reviews (application_id, revision, decision, reasons, reviewer, reviewed_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, applicationID, r.Revision, r.Decision, reasons, r.Reviewer, r.At)
	return err
}

// CountAwaitingReview counts a round's submitted applications without a decision.
func (s *Store) CountAwaitingReview(ctx context.Context, roundID string) (int, error) {
	var n int
	err := s.q(ctx).QueryRow(ctx, `SELECT count(*) FROM applications WHERE round_id = $1 AND status = $2`, roundID, domain.StatusSubmitted).Scan(&n)
	return n, err
}

// DuplicateTitle reports whether another application in the round has the same title (case-insensitive).
func (s *Store) DuplicateTitle(ctx context.Context, roundID, title, exceptID string) (bool, error) {
	var dup bool
	err := s.q(ctx).QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM applications WHERE round_id = $1 AND lower(title) = lower($2) AND id <> $3)`,
		roundID, title, exceptID).Scan(&dup)
	return dup, err
}

// ListFilter selects a round's applications.
type ListFilter struct {
	RoundID   string
	OrgIDs    []string // when not nil, only these organisations' applications
	Status    domain.Status
	Category  domain.Category
	AfterTime time.Time
	AfterID   string
	Limit     int
}

// ListApplications returns up to f.Limit applications after the keyset position, oldest first.
func (s *Store) ListApplications(ctx context.Context, f ListFilter) ([]domain.Application, error) {
	afterID := f.AfterID
	if afterID == "" {
		afterID = "00000000-0000-0000-0000-000000000000"
	}
	rows, err := s.q(ctx).Query(ctx, `SELECT `+appCols+` FROM applications
		WHERE round_id = $1 AND ($2::uuid[] IS NULL OR org_id = ANY($2)) AND ($3 = '' OR status = $3) AND ($4 = '' OR category = $4)
		  AND (created_at, id) > ($5, $6::uuid)
		ORDER BY created_at, id LIMIT $7`, f.RoundID, f.OrgIDs, f.Status, f.Category, f.AfterTime, afterID, f.Limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Application, error) { return scanApplication(row) })
}

// OrganizationsOwnedBy lists the organisations a subject registered.
func (s *Store) OrganizationsOwnedBy(ctx context.Context, subject string) ([]string, error) {
	rows, err := s.q(ctx).Query(ctx, `SELECT id::text FROM organizations WHERE owner_subject = $1`, subject)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
