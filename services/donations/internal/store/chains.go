package store

import (
	"context"

	"github.com/commonweal/commonweal/pkg/hashchain"
	"github.com/commonweal/commonweal/pkg/hashchain/pgchain"
	"github.com/commonweal/commonweal/pkg/ledger/pgledger"
)

// pledgeEvents is the pledges' audit trail, hash-chained (pkg/hashchain/pgchain.Events).
var pledgeEvents = pgchain.Events{Table: "pledge_events", Owner: "pledge_id"}

// chains are the service's hash chains: the ledger's transfers and the pledge events.
func (s *Store) chains() pgledger.WithEvents {
	return pgledger.WithEvents{Ledger: s.Ledger, Events: pledgeEvents}
}

// ChainHeads reads the heads of the service's hash chains in one snapshot.
func (s *Store) ChainHeads(ctx context.Context) ([]hashchain.Head, error) {
	return s.chains().Heads(ctx, s.pool)
}

// Chain reads one of the service's chains whole; ok is false for another name.
func (s *Store) Chain(ctx context.Context, name string) (hashchain.Chain, bool, error) {
	return s.chains().Chain(ctx, s.q(ctx), name)
}
