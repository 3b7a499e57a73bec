// Package store keeps the funding service's allocations, plans, clawback returns, idea prizes and ledger
// (pkg/ledger/pgledger) in its PostgreSQL schema with hand-written SQL, behind the interfaces the use cases
// declare. Every method joins the transaction carried by its context, if any.
package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/hashchain"
	"github.com/commonweal/commonweal/pkg/ledger/pgledger"
	"github.com/commonweal/commonweal/services/funding/internal/app"
	"github.com/commonweal/commonweal/services/funding/internal/domain"
)

// Store is the funding repository.
type Store struct {
	pool *pgxpool.Pool
	// Ledger is the service's ledger, in the same schema.
	Ledger *pgledger.Store
}

var (
	_ app.Repositories = (*Store)(nil)
	_ app.Ledger       = (*pgledger.Store)(nil)
)

// New returns the store on pool.
func New(pool *pgxpool.Pool) *Store {
	return &Store{pool: pool, Ledger: pgledger.NewStore(pool, domain.LedgerRules)}
}

func (s *Store) q(ctx context.Context) db.Querier { return db.Q(ctx, s.pool) }

// uniqueViolation reports whether err is a unique violation of the named constraint.
func uniqueViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == constraint
}

// LockRound takes the round's row lock until the unit of work ends, creating the row the first time.
func (s *Store) LockRound(ctx context.Context, roundID string) error {
	if _, err := s.q(ctx).Exec(ctx, `INSERT INTO rounds (round_id) VALUES ($1) ON CONFLICT DO NOTHING`, roundID); err != nil {
		return err
	}
	_, err := s.q(ctx).Exec(ctx, `SELECT 1 FROM rounds WHERE round_id = $1 FOR UPDATE`, roundID)
	return err
}

const allocationCols = `source_reference, round_id, amount_fen, allocated_by, request_id, allocated_at`

func scanAllocation(row pgx.Row) (domain.Allocation, error) {
	var a domain.Allocation
	err := row.Scan(&a.SourceReference, &a.RoundID, &a.AmountFen, &a.AllocatedBy, &a.RequestID, &a.AllocatedAt)
	return a, err
}

// InsertAllocation records an allocation unless its source reference is known (a concurrent insert of the
// same reference waits for the first to end) and returns the allocation stored under the reference.
func (s *Store) InsertAllocation(ctx context.Context, a domain.Allocation) (domain.Allocation, bool, error) {
	tag, err := s.q(ctx).Exec(ctx, `INSERT INTO allocations (`+allocationCols+`) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
		a.SourceReference, a.RoundID, a.AmountFen, a.AllocatedBy, a.RequestID, a.AllocatedAt)
	if err != nil {
		return domain.Allocation{}, false, err
	}
	if tag.RowsAffected() == 1 {
		return a, true, nil
	}
	stored, err := scanAllocation(s.q(ctx).QueryRow(ctx, `SELECT `+allocationCols+` FROM allocations WHERE source_reference = $1`, a.SourceReference))
	return stored, false, err
}

// LedgerSnapshot reads the ledger and its books in one repeatable-read snapshot.
func (s *Store) LedgerSnapshot(ctx context.Context) (app.LedgerSnapshot, error) {
	var out app.LedgerSnapshot
	snap, err := s.Ledger.Snapshot(ctx, func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+allocationCols+` FROM allocations ORDER BY allocated_at, source_reference`)
		if err != nil {
			return err
		}
		if out.Books.Allocations, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Allocation, error) { return scanAllocation(row) }); err != nil {
			return err
		}
		if out.Books.Plans, err = listPlans(ctx, tx, `TRUE`); err != nil {
			return err
		}
		if out.Books.Prizes, err = listPrizes(ctx, tx, `TRUE`); err != nil {
			return err
		}
		if out.Books.Returns, err = listReturns(ctx, tx); err != nil {
			return err
		}
		events, err := planEvents.Chain(ctx, tx)
		out.Chains = append(out.Chains, events)
		return err
	})
	if err != nil {
		return app.LedgerSnapshot{}, err
	}
	out.Balances, out.Transfers = snap.Balances, snap.Transfers
	out.Chains = append([]hashchain.Chain{snap.Chain}, out.Chains...)
	return out, nil
}
