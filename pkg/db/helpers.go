package db

import (
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/ids"
)

// NewID returns a fresh random ID (a UUID).
func NewID() string { return ids.New() }

// ParseID refuses a malformed ID before it reaches SQL, naming the request field.
func ParseID(field, id string) error { return ids.Parse(field, id) }

// LockClause is " FOR UPDATE" when forUpdate, so a read can lock the row it returns.
func LockClause(forUpdate bool) string {
	if forUpdate {
		return " FOR UPDATE"
	}
	return ""
}

// NotFound turns "no rows" into NOT_FOUND naming the object; other errors pass through.
func NotFound(err error, what, id string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return errs.ErrNotFound.With("%s %s not found", what, id)
	}
	return err
}

// IsUniqueViolation reports whether err is PostgreSQL's unique_violation.
func IsUniqueViolation(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "23505"
}

// NullTime stores the zero time as NULL.
func NullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// TimeOf reads NULL as the zero time.
func TimeOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}
