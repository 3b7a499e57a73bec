// Package store keeps rounds, organisations and applications in the service's PostgreSQL schema with
// hand-written SQL; it implements the repositories the use cases declare. Every method joins the
// transaction carried by its context, if any.
package store

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/sealed"
	"github.com/commonweal/commonweal/services/applications/internal/app"
)

// The repositories the use cases declare.
var (
	_ app.RoundStore         = (*Store)(nil)
	_ app.OrganizationStore  = (*Store)(nil)
	_ app.ApplicationStore   = (*Store)(nil)
	_ app.ApplicationQueries = (*Store)(nil)
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

func (s *Store) q(ctx context.Context) db.Querier { return db.Q(ctx, s.pool) }

// update is the one load → lock → change → save sequence: inside the context's transaction (or a new one),
// get reads the row FOR UPDATE, change applies the domain rules, and save writes the row only when change
// altered it (so a change that finds nothing to do leaves the version, and the etag, as they were).
func update[T any](ctx context.Context, s *Store, id string, get func(ctx context.Context, id string, forUpdate bool) (T, error),
	save func(context.Context, *T) error, change func(*T) error) (T, error) {
	var out T
	err := db.InTx(ctx, s.pool, func(ctx context.Context) error {
		v, err := get(ctx, id, true)
		if err != nil {
			return err
		}
		before, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if err := change(&v); err != nil {
			return err
		}
		after, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if !bytes.Equal(before, after) {
			if err := save(ctx, &v); err != nil {
				return err
			}
		}
		out = v
		return nil
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return out, nil
}
