// Package personaldata is what every service holding personal information shares for the data subject's
// rights under the Personal Information Protection Law (PIPL): the items of an export, and the audit trail of
// exports and erasures (table personal_data_requests, append-only, one per service schema).
//
// A service's migration creates the table with SQL equal to TableSQL (the trigger makes it append-only, and
// db.Migrate then grants the runtime role only INSERT and SELECT on it).
package personaldata

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/ids"
)

// SubjectKind is the kind of person the data is about.
type SubjectKind string

// Subject kinds.
const (
	OrganizationContact SubjectKind = "ORGANIZATION_CONTACT"
	Donor               SubjectKind = "DONOR"
	Voter               SubjectKind = "VOTER"
)

// Action is what was done with a person's data.
type Action string

// Actions.
const (
	Export Action = "EXPORT"
	Erase  Action = "ERASE"
)

// Item is one stored value about the person, in clear, with where it is kept.
type Item struct {
	Category string // the record, e.g. "organization", "pledge", "vote"
	RecordID string
	Field    string // e.g. "id_number", "phone", "name"
	Value    string
	At       time.Time // when the record was made (zero: unknown)
}

// Request is one entry of the audit trail.
type Request struct {
	ID          string
	SubjectKind SubjectKind
	SubjectID   string
	Action      Action
	RequestedBy string // the subject's own identity, or the organizer's
	Reason      string
	At          time.Time
	Values      int // values exported or erased
}

// ErrReasonRequired refuses an organizer's export or erasure without the subject's request reference.
var ErrReasonRequired = errs.Invalid("PERSONAL_DATA_REASON_REQUIRED", "reason",
	"an organizer acts on the data subject's request: give its reference as the reason")

// TableSQL is the audit trail's table, for the service's migration (copy it verbatim).
const TableSQL = `CREATE TABLE personal_data_requests (
    id           uuid PRIMARY KEY,
    subject_kind text NOT NULL,
    subject_id   text NOT NULL,
    action       text NOT NULL,
    requested_by text NOT NULL,
    reason       text NOT NULL DEFAULT '',
    at           timestamptz NOT NULL,
    values_count int NOT NULL
);
CREATE INDEX personal_data_requests_keyset ON personal_data_requests (at DESC, id DESC);
CREATE INDEX personal_data_requests_subject ON personal_data_requests (subject_id, at DESC, id DESC);`

// Querier is a pgx pool or transaction.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Record appends an entry to the audit trail; call it in the transaction that exports or erases.
func Record(ctx context.Context, q Querier, r Request) error {
	_, err := q.Exec(ctx, `INSERT INTO personal_data_requests (id, subject_kind, subject_id, action, requested_by, reason, at, values_count)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, r.ID, string(r.SubjectKind), r.SubjectID, string(r.Action), r.RequestedBy, r.Reason, r.At, r.Values)
	return err
}

// Filter selects a page of the audit trail, newest first: entries about SubjectID (empty: all) before the
// keyset position (BeforeTime, BeforeID; zero: from the newest), at most Limit.
type Filter struct {
	SubjectID  string
	BeforeTime time.Time
	BeforeID   string
	Limit      int
}

// Checked returns the filter with its subject ID checked (every subject is known by a UUID) and lowercased.
func (f Filter) Checked() (Filter, error) {
	if f.SubjectID == "" {
		return f, nil
	}
	if err := ids.Parse("subject_id", f.SubjectID); err != nil {
		return Filter{}, err
	}
	f.SubjectID = strings.ToLower(f.SubjectID)
	return f, nil
}

// List returns a page of the audit trail, newest first.
func List(ctx context.Context, q Querier, f Filter) ([]Request, error) {
	rows, err := q.Query(ctx, `SELECT id::text, subject_kind, subject_id, action, requested_by, reason, at, values_count
		FROM personal_data_requests
		WHERE ($1 = '' OR subject_id = $1)
		  AND ($2::timestamptz IS NULL OR (at, id) < ($2, $3::uuid))
		ORDER BY at DESC, id DESC LIMIT $4`, f.SubjectID, nullTime(f.BeforeTime), nullID(f.BeforeID), f.Limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Request, error) {
		var r Request
		var kind, action string
		err := row.Scan(&r.ID, &kind, &r.SubjectID, &action, &r.RequestedBy, &r.Reason, &r.At, &r.Values)
		r.SubjectKind, r.Action = SubjectKind(kind), Action(action)
		return r, err
	})
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func nullID(id string) any {
	if id == "" {
		return nil
	}
	return id
}
