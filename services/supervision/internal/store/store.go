// Package store keeps monthly reports (with every revision), inspections, evaluations and capacity-building
// records in the service's PostgreSQL schema with hand-written SQL, behind the interfaces the use cases
// declare. Every method joins the transaction carried by its context, if any.
package store

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/services/supervision/internal/app"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
)

// Store is the supervision repository.
type Store struct {
	pool *pgxpool.Pool
}

var _ app.Repositories = (*Store)(nil)

// New returns a store on pool.
func New(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

func (s *Store) q(ctx context.Context) db.Querier { return db.Q(ctx, s.pool) }

// spendingJSON is the jsonb form of spending lines: always an array.
func spendingJSON(lines []domain.LineAmount) ([]byte, error) {
	if lines == nil {
		lines = []domain.LineAmount{}
	}
	return json.Marshal(lines)
}

// spendingOf reads spending lines back; an empty array is nil, as the use cases build it.
func spendingOf(raw []byte) ([]domain.LineAmount, error) {
	var lines []domain.LineAmount
	if err := json.Unmarshal(raw, &lines); err != nil || len(lines) == 0 {
		return nil, err
	}
	return lines, nil
}

// violates reports whether err is a unique violation of the named constraint.
func violates(err error, constraint string) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "23505" && pg.ConstraintName == constraint
}

// after is the keyset position of a page: the zero ID sorts before every other.
func after(f app.Page) string {
	if f.AfterID == "" {
		return "00000000-0000-0000-0000-000000000000"
	}
	return f.AfterID
}
