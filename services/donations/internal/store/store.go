// Package store keeps donors, pledges, receipts, share returns and the ledger (pkg/ledger/pgledger) in the
// service's PostgreSQL schema with hand-written SQL, behind the interfaces the use cases declare. Every method
// joins the transaction carried by its context, if any.
package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/ledger/pgledger"
	"github.com/commonweal/commonweal/pkg/sealed"
	"github.com/commonweal/commonweal/services/donations/internal/app"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

// Store is the donations repository.
type Store struct {
	pool *pgxpool.Pool
	box  *sealed.Box
	// Ledger is the donation ledger (pkg/ledger/pgledger with domain.LedgerRules), in the same schema.
	Ledger *pgledger.Store
}

var _ app.Repositories = (*Store)(nil)

// New returns a store on pool that seals personal numbers with box.
func New(pool *pgxpool.Pool, box *sealed.Box) *Store {
	return &Store{pool: pool, box: box, Ledger: pgledger.NewStore(pool, domain.LedgerRules)}
}

func (s *Store) q(ctx context.Context) db.Querier { return db.Q(ctx, s.pool) }

func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func stringOf(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// uniqueViolation reports whether err is a unique violation of the named constraint.
func uniqueViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == constraint
}
