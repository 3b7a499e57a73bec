package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/pagetoken"
	"github.com/commonweal/commonweal/services/applications/internal/app"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

const appCols = `id, round_id, org_id, content, status, stage, idea_only, revision, version, created_at, updated_at,
	first_submitted_at, last_submitted_at, last_review, created_by, catalogue, partner_consent, partner_consent_at`

func scanApplication(row pgx.Row) (domain.Application, error) {
	var a domain.Application
	var content, review, catalogue []byte
	var first, last, consentAt *time.Time
	if err := row.Scan(&a.ID, &a.RoundID, &a.OrgID, &content, &a.Status, &a.Stage, &a.IdeaOnly, &a.Revision, &a.Version,
		&a.CreatedAt, &a.UpdatedAt, &first, &last, &review, &a.CreatedBySubject, &catalogue, &a.PartnerConsent, &consentAt); err != nil {
		return a, err
	}
	a.PartnerConsentAt = db.TimeOf(consentAt)
	if err := json.Unmarshal(catalogue, &a.Catalogue); err != nil {
		return a, fmt.Errorf("application %s catalogue: %w", a.ID, err)
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
	catalogue, err := json.Marshal(a.Catalogue)
	if err != nil {
		return err
	}
	_, err = s.q(ctx).Exec(ctx, `INSERT INTO applications (id, round_id, org_id, content, category, title, budget_total_fen, status, idea_only,
		revision, version, created_at, updated_at, created_by, catalogue, community_codes, need_ids, partner_org_id, partner_consent, partner_consent_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
		a.ID, a.RoundID, a.OrgID, content, a.Content.Category, a.Content.Title, a.Content.BudgetTotalFen(), a.Status, a.IdeaOnly,
		a.Revision, a.Version, a.CreatedAt, a.UpdatedAt, a.CreatedBySubject, catalogue, nonNil(a.Content.CommunityCodes), nonNil(a.Content.NeedIDs),
		partnerColumn(a.Content.PartnerOrgID), a.PartnerConsent, db.NullTime(a.PartnerConsentAt))
	return err
}

// nonNil is list, or an empty list for nil: the array columns are NOT NULL.
func nonNil(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}

// GetApplication reads an application.
func (s *Store) GetApplication(ctx context.Context, id string) (domain.Application, error) {
	return s.getApplication(ctx, id, false)
}

func (s *Store) getApplication(ctx context.Context, id string, forUpdate bool) (domain.Application, error) {
	a, err := scanApplication(s.q(ctx).QueryRow(ctx, `SELECT `+appCols+` FROM applications WHERE id = $1`+db.LockClause(forUpdate), id))
	return a, db.NotFound(err, "application", id)
}

// UpdateApplication locks the application, applies change and saves it if change altered it.
func (s *Store) UpdateApplication(ctx context.Context, id string, change func(*domain.Application) error) (domain.Application, error) {
	return update(ctx, s, id, s.getApplication, s.saveApplication, change)
}

// saveApplication writes a changed application if it is still at version a.Version, and bumps the version.
func (s *Store) saveApplication(ctx context.Context, a *domain.Application) error {
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
	catalogue, err := json.Marshal(a.Catalogue)
	if err != nil {
		return err
	}
	tag, err := s.q(ctx).Exec(ctx, `UPDATE applications SET content = $3, category = $4, title = $5, budget_total_fen = $6, status = $7,
		idea_only = $8, revision = $9, updated_at = $10, first_submitted_at = $11, last_submitted_at = $12, last_review = $13, stage = $14,
		catalogue = $15, community_codes = $16, need_ids = $17, partner_org_id = $18, partner_consent = $19, partner_consent_at = $20,
		version = version + 1
		WHERE id = $1 AND version = $2`,
		a.ID, a.Version, content, a.Content.Category, a.Content.Title, a.Content.BudgetTotalFen(), a.Status, a.IdeaOnly, a.Revision,
		a.UpdatedAt, db.NullTime(a.FirstSubmitAt), db.NullTime(a.LastSubmitAt), review, a.Stage,
		catalogue, nonNil(a.Content.CommunityCodes), nonNil(a.Content.NeedIDs),
		partnerColumn(a.Content.PartnerOrgID), a.PartnerConsent, db.NullTime(a.PartnerConsentAt))
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
func (s *Store) InsertRevision(ctx context.Context, r domain.Revision) error {
	content, err := json.Marshal(r.Content)
	if err != nil {
		return err
	}
	_, err = s.q(ctx).Exec(ctx, `INSERT INTO application_revisions (application_id, number, content, budget_total_fen, idea_only, submitted_at, submitted_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, r.ApplicationID, r.Number, content, r.Content.BudgetTotalFen(), r.IdeaOnly, r.SubmittedAt, r.SubmittedBy)
	return err
}

// ListRevisions returns every submitted version, first first.
func (s *Store) ListRevisions(ctx context.Context, applicationID string) ([]domain.Revision, error) {
	rows, err := s.q(ctx).Query(ctx, `SELECT application_id, number, content, idea_only, submitted_at, submitted_by
		FROM application_revisions WHERE application_id = $1 ORDER BY number`, applicationID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Revision, error) {
		var r domain.Revision
		var content []byte
		if err := row.Scan(&r.ApplicationID, &r.Number, &content, &r.IdeaOnly, &r.SubmittedAt, &r.SubmittedBy); err != nil {
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

// ListApplications returns up to f.Limit applications after the keyset position, oldest first.
//
// The statement names only the filters given (eight shapes), so that PostgreSQL's cached generic plan can use
// them as index conditions: a category's first page reads its 21 rows from applications_round_category_keyset
// instead of filtering the whole round. The limit is written into the text, not passed as a parameter: with
// `LIMIT $n` the generic plan cannot know how many rows are wanted, costs out above the custom ones, and
// PostgreSQL plans the statement again on every execution (pg_prepared_statements.custom_plans). One text per
// shape and limit (the page size + 1), each prepared once per connection: callers use a few page sizes, and
// pgx's statement cache (512 per connection) drops the least used.
func (s *Store) ListApplications(ctx context.Context, f app.ApplicationFilter) ([]domain.Application, error) {
	q, args := listApplicationsSQL(f)
	rows, err := s.q(ctx).Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return collectListed(rows, keepContents(f), f.Limit)
}

// keepContents reports whether the contents of a page are remembered (listContents): people's pages, not a
// suite service's whole-round read.
func keepContents(f app.ApplicationFilter) bool { return f.Limit <= pagetoken.MaxPageSize+1 }

// listApplicationsSQL is ListApplications' statement and arguments: the round, then each filter given.
func listApplicationsSQL(f app.ApplicationFilter) (string, []any) {
	args := make([]any, 1, 6)
	args[0] = f.RoundID
	var shape listShape
	if f.OrgIDs != nil {
		shape |= listByOrg
		args = append(args, f.OrgIDs)
	}
	if f.Status != "" {
		shape |= listByStatus
		args = append(args, f.Status)
	}
	if f.Category != "" {
		shape |= listByCategory
		args = append(args, f.Category)
	}
	// The first page has no position: every row comes after the zero time and the nil UUID.
	if f.AfterID != "" || !f.AfterTime.IsZero() {
		shape |= listAfter
		afterID := f.AfterID
		if afterID == "" {
			afterID = "00000000-0000-0000-0000-000000000000"
		}
		args = append(args, f.AfterTime, afterID)
	}
	return listTexts[shape] + ` LIMIT ` + strconv.Itoa(max(f.Limit, 0)), args
}

// listShape says which filters a list statement names.
type listShape uint8

const (
	listByOrg listShape = 1 << iota
	listByStatus
	listByCategory
	listAfter
	listShapes
)

// listTexts are the statements of every listShape, written once.
var listTexts = func() (texts [listShapes]string) {
	for shape := range listShapes {
		texts[shape] = listText(shape)
	}
	return texts
}()

// listText writes the statement of a shape, its parameters numbered in the order listApplicationsSQL appends
// the arguments.
func listText(shape listShape) string {
	var b strings.Builder
	n := 1
	arg := func() string {
		n++
		return "$" + strconv.Itoa(n)
	}
	b.WriteString(`SELECT ` + listCols + ` FROM applications WHERE round_id = $1`)
	if shape&listByOrg != 0 {
		b.WriteString(` AND org_id = ANY(` + arg() + `::uuid[])`)
	}
	if shape&listByStatus != 0 {
		b.WriteString(` AND status = ` + arg())
	}
	if shape&listByCategory != 0 {
		b.WriteString(` AND category = ` + arg())
	}
	if shape&listAfter != 0 {
		b.WriteString(` AND (created_at, id) > (` + arg() + `, ` + arg() + `::uuid)`)
	}
	b.WriteString(` ORDER BY created_at, id`)
	return b.String()
}
