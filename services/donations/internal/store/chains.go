package store

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/hashchain"
	"github.com/commonweal/commonweal/pkg/hashchain/pgchain"
	"github.com/commonweal/commonweal/pkg/ledger/pgledger"
)

// pledgeEvents is the pledges' audit trail, hash-chained (pkg/hashchain/pgchain.Events).
var pledgeEvents = pgchain.Events{Table: "pledge_events", Owner: "pledge_id"}

// ChainHeads reads the heads of the service's hash chains (the ledger's transfers, the pledge events) in one
// snapshot.
func (s *Store) ChainHeads(ctx context.Context) ([]hashchain.Head, error) {
	var heads []hashchain.Head
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		transfers, err := pgchain.Head(ctx, tx, pgledger.Chain, "created_at")
		if err != nil {
			return err
		}
		events, err := pledgeEvents.Head(ctx, tx)
		heads = []hashchain.Head{transfers, events}
		return err
	})
	return heads, err
}

// Chain reads one of the service's chains whole; ok is false for another name.
func (s *Store) Chain(ctx context.Context, name string) (hashchain.Chain, bool, error) {
	switch name {
	case pgledger.Chain:
		c, err := s.Ledger.ChainLinks(ctx)
		return c, true, err
	case pledgeEvents.Table:
		c, err := pledgeEvents.Chain(ctx, s.q(ctx))
		return c, true, err
	}
	return hashchain.Chain{}, false, nil
}
