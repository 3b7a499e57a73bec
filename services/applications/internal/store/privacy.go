package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/personaldata"
	"github.com/commonweal/commonweal/services/applications/internal/app"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

var _ app.PersonalDataStore = (*Store)(nil)

// LockOrganization reads an organisation FOR UPDATE inside the context's transaction, its numbers opened.
func (s *Store) LockOrganization(ctx context.Context, id string) (domain.Organization, error) {
	return s.getOrganization(ctx, id, true)
}

// SaveOrganizationErasure writes an erased organisation: its (placeholder) name and erasure time, and its
// sealed personal numbers deleted, not sealed again.
func (s *Store) SaveOrganizationErasure(ctx context.Context, o domain.Organization) error {
	_, err := s.q(ctx).Exec(ctx, `UPDATE organizations SET name = $2, id_number_sealed = NULL, phone_sealed = NULL, erased_at = $3
		WHERE id = $1`, o.ID, o.Name, o.ErasedAt)
	return err
}

// jsonCopy is one JSON document of the organisation's records that may hold a copy of its person's values.
type jsonCopy struct {
	category, recordID string
	at                 time.Time
	doc                []byte
	// write stores the scrubbed document.
	write func(ctx context.Context, q db.Querier, doc []byte) error
}

// applicationCopies are the JSON documents of the organisation's applications: their content and last review,
// every submitted revision and every review decision's reasons.
func (s *Store) applicationCopies(ctx context.Context, orgID string, forUpdate bool) ([]jsonCopy, error) {
	q := s.q(ctx)
	lock := ""
	if forUpdate {
		lock = " FOR UPDATE OF a"
	}
	var out []jsonCopy
	rows, err := q.Query(ctx, `SELECT a.id::text, a.created_at, a.content, a.last_review FROM applications a WHERE a.org_id = $1 ORDER BY a.created_at, a.id`+lock, orgID)
	if err != nil {
		return nil, err
	}
	type appRow struct {
		id              string
		at              time.Time
		content, review []byte
	}
	apps, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (appRow, error) {
		var r appRow
		return r, row.Scan(&r.id, &r.at, &r.content, &r.review)
	})
	if err != nil {
		return nil, err
	}
	for _, a := range apps {
		id := a.id
		out = append(out, jsonCopy{category: "application", recordID: id, at: a.at, doc: a.content,
			write: func(ctx context.Context, q db.Querier, doc []byte) error {
				// The title column repeats the content's; the version moves, so an etag read before is stale.
				_, err := q.Exec(ctx, `UPDATE applications SET content = $2, title = $2::jsonb->>'title', version = version + 1 WHERE id = $1`, id, doc)
				return err
			}})
		if len(a.review) > 0 {
			out = append(out, jsonCopy{category: "application_last_review", recordID: id, at: a.at, doc: a.review,
				write: func(ctx context.Context, q db.Querier, doc []byte) error {
					_, err := q.Exec(ctx, `UPDATE applications SET last_review = $2 WHERE id = $1`, id, doc)
					return err
				}})
		}
	}
	rows, err = q.Query(ctx, `SELECT r.application_id::text, r.number, r.submitted_at, r.content FROM application_revisions r
		JOIN applications a ON a.id = r.application_id WHERE a.org_id = $1 ORDER BY a.created_at, r.application_id, r.number`, orgID)
	if err != nil {
		return nil, err
	}
	revs, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (jsonCopy, error) {
		var id string
		var n int
		c := jsonCopy{category: "application_revision"}
		if err := row.Scan(&id, &n, &c.at, &c.doc); err != nil {
			return c, err
		}
		c.recordID = fmt.Sprintf("%s/revisions/%d", id, n)
		c.write = func(ctx context.Context, q db.Querier, doc []byte) error {
			_, err := q.Exec(ctx, `UPDATE application_revisions SET content = $3 WHERE application_id = $1 AND number = $2`, id, n, doc)
			return err
		}
		return c, nil
	})
	if err != nil {
		return nil, err
	}
	out = append(out, revs...)
	rows, err = q.Query(ctx, `SELECT r.application_id::text, r.revision, r.reviewed_at, r.reasons FROM application_reviews r
		JOIN applications a ON a.id = r.application_id WHERE a.org_id = $1 ORDER BY a.created_at, r.application_id, r.revision`, orgID)
	if err != nil {
		return nil, err
	}
	reviews, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (jsonCopy, error) {
		var id string
		var n int
		c := jsonCopy{category: "application_review"}
		if err := row.Scan(&id, &n, &c.at, &c.doc); err != nil {
			return c, err
		}
		c.recordID = fmt.Sprintf("%s/reviews/%d", id, n)
		c.write = func(ctx context.Context, q db.Querier, doc []byte) error {
			_, err := q.Exec(ctx, `UPDATE application_reviews SET reasons = $3 WHERE application_id = $1 AND revision = $2`, id, n, doc)
			return err
		}
		return c, nil
	})
	if err != nil {
		return nil, err
	}
	return append(out, reviews...), nil
}

// FindInApplications lists the values among values that the organisation's applications, revisions and review
// decisions hold (e.g. an individual applicant named in the project team), where they are.
func (s *Store) FindInApplications(ctx context.Context, orgID string, values map[string]string) ([]personaldata.Item, error) {
	copies, err := s.applicationCopies(ctx, orgID, false)
	if err != nil {
		return nil, err
	}
	want := make(map[string]bool, len(values))
	for v := range values {
		want[v] = true
	}
	var items []personaldata.Item
	for _, c := range copies {
		found, err := personaldata.Find(c.doc, want)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", c.category, c.recordID, err)
		}
		for _, m := range found {
			field := m.Path
			if field == "" {
				field = values[m.Value]
			}
			items = append(items, personaldata.Item{Category: c.category, RecordID: c.recordID, Field: field, Value: m.Value, At: c.at})
		}
	}
	return items, nil
}

// ScrubOrganizationCopies replaces, inside the context's transaction, every copy of the person's values (the
// keys of replace) in the organisation's applications, revisions and review decisions, and in the stored
// answers of the requests that mention the organisation (pkg/idempotency keeps a mutation's answer for its
// retries: a registration's answer holds the name and the masked numbers).
func (s *Store) ScrubOrganizationCopies(ctx context.Context, orgID string, replace map[string]string) (app.Scrubbed, error) {
	var out app.Scrubbed
	if len(replace) == 0 {
		return out, nil
	}
	q := s.q(ctx)
	copies, err := s.applicationCopies(ctx, orgID, true)
	if err != nil {
		return out, err
	}
	for _, c := range copies {
		if c.category == "application" {
			out.Applications++
		}
		doc, found, err := personaldata.Scrub(c.doc, replace)
		if err != nil {
			return out, fmt.Errorf("%s %s: %w", c.category, c.recordID, err)
		}
		if len(found) == 0 {
			continue
		}
		if err := c.write(ctx, q, doc); err != nil {
			return out, err
		}
		out.Values += len(found)
		out.Records++
	}
	rows, err := q.Query(ctx, `SELECT request_id, response FROM idempotency_keys
		WHERE response IS NOT NULL AND position(convert_to($1, 'UTF8') IN response) > 0 ORDER BY request_id FOR UPDATE`, orgID)
	if err != nil {
		return out, err
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
		return out, err
	}
	for _, a := range answers {
		doc, found, err := personaldata.Scrub(a.doc, replace)
		if err != nil {
			return out, fmt.Errorf("stored answer of request %s: %w", a.id, err)
		}
		if len(found) == 0 {
			continue
		}
		if _, err := q.Exec(ctx, `UPDATE idempotency_keys SET response = $2 WHERE request_id = $1`, a.id, doc); err != nil {
			return out, err
		}
		out.Values += len(found)
		out.Answers++
	}
	return out, nil
}

// RecordPersonalDataRequest appends to the personal-data audit trail inside the context's transaction.
func (s *Store) RecordPersonalDataRequest(ctx context.Context, r personaldata.Request) error {
	return personaldata.Record(ctx, s.q(ctx), r)
}

// ListPersonalDataRequests returns a page of the personal-data audit trail, newest first.
func (s *Store) ListPersonalDataRequests(ctx context.Context, f personaldata.Filter) ([]personaldata.Request, error) {
	return personaldata.List(ctx, s.q(ctx), f)
}
