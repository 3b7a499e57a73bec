package db

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Querier is what repositories need from a pool or a transaction.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

type txKey struct{}

// InTx runs fn in a transaction carried by the context, so every repository call made with that context
// joins it. A nested call joins the outer transaction. The transaction commits when fn returns nil.
func InTx(ctx context.Context, pool *pgxpool.Pool, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(pgx.Tx); ok {
		return fn(ctx)
	}
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		return fn(context.WithValue(ctx, txKey{}, tx))
	})
}

// Q returns the context's transaction, or the pool when there is none.
func Q(ctx context.Context, pool *pgxpool.Pool) Querier {
	if tx, ok := ctx.Value(txKey{}).(pgx.Tx); ok {
		return tx
	}
	return pool
}

// ErrNoTx is Savepoint's answer when the context carries no transaction.
var ErrNoTx = errors.New("db: a savepoint needs a transaction in the context")

// ErrSavepoint wraps Savepoint's own failures: the savepoint could not be taken, released or rolled back to,
// and the transaction is no longer usable.
var ErrSavepoint = errors.New("db: savepoint failed")

// Savepoint runs fn inside a savepoint of the transaction ctx carries (pgx's nested transaction): the context fn
// gets carries the savepoint, so every repository call and every InTx made with it joins it. When fn returns
// nil the savepoint is released (its work stays part of the transaction, which commits or rolls back as a
// whole later); when fn fails (or panics) the transaction is rolled back to the savepoint, undoing fn's work
// and no other, and the transaction can go on. The error returned is then fn's own, unwrapped; any other error
// wraps ErrSavepoint: the savepoint could not be taken, released or rolled back to, and the transaction itself
// failed.
func Savepoint(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	outer, ok := ctx.Value(txKey{}).(pgx.Tx)
	if !ok {
		return ErrNoTx
	}
	sp, err := outer.Begin(ctx)
	if err != nil {
		return fmt.Errorf("%w: taking it: %w", ErrSavepoint, err)
	}
	done := false
	defer func() {
		if !done { // a panic: undo fn's work, let the panic go on
			_ = sp.Rollback(ctx)
		}
	}()
	ferr := fn(context.WithValue(ctx, txKey{}, sp))
	done = true
	if ferr != nil {
		if rerr := sp.Rollback(ctx); rerr != nil {
			return errors.Join(ferr, fmt.Errorf("%w: rolling back to it: %w", ErrSavepoint, rerr))
		}
		return ferr
	}
	if err := sp.Commit(ctx); err != nil {
		return fmt.Errorf("%w: releasing it: %w", ErrSavepoint, err)
	}
	return nil
}
