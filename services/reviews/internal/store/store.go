// Package store keeps panels, scores, shortlists, complaints, voters, votes and results in the reviews schema
// with hand-written SQL, behind the repository interfaces the use cases declare. Every method joins the
// transaction carried by its context, if any (the use case's unit of work).
package store

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/sealed"
	"github.com/commonweal/commonweal/services/reviews/internal/app"
)

// Store is the reviews repository.
type Store struct {
	pool *pgxpool.Pool
	box  *sealed.Box
}

var _ app.Repository = (*Store)(nil)

// New returns a store on pool that seals complainants' contacts with box.
func New(pool *pgxpool.Pool, box *sealed.Box) *Store { return &Store{pool: pool, box: box} }

func (s *Store) q(ctx context.Context) db.Querier { return db.Q(ctx, s.pool) }

// LockRound serialises, until the transaction ends, the changes to one round's review state that must not
// interleave (scores against computing, computing against publishing). Votes never take it.
func (s *Store) LockRound(ctx context.Context, roundID string) error {
	_, err := s.q(ctx).Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('reviews:round:' || $1))`, roundID)
	return err
}

// update is the one load → lock → change → save sequence of the repositories: in the context's transaction
// it reads an aggregate locked (FOR UPDATE), lets change apply the rules to it and saves what change leaves;
// nothing is saved when change fails.
func update[T any](ctx context.Context, load func(ctx context.Context) (T, error), save func(ctx context.Context, v T) error, change func(*T) error) (T, error) {
	v, err := load(ctx)
	if err != nil {
		return v, err
	}
	if err := change(&v); err != nil {
		return v, err
	}
	return v, save(ctx, v)
}
