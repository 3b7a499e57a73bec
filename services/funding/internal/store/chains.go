package store

import (
	"context"

	"github.com/commonweal/commonweal/pkg/hashchain"
	"github.com/commonweal/commonweal/pkg/hashchain/pgchain"
	"github.com/commonweal/commonweal/pkg/ledger/pgledger"
)

// planEvents is the plans' audit trail, hash-chained (pkg/hashchain/pgchain.Events).
var planEvents = pgchain.Events{Table: "plan_events", Owner: "plan_id"}

// chains are the service's hash chains: the ledger's transfers and the plan events.
func (s *Store) chains() pgledger.WithEvents {
	return pgledger.WithEvents{Ledger: s.Ledger, Events: planEvents}
}

// ChainHeads reads the heads of the service's hash chains in one snapshot.
func (s *Store) ChainHeads(ctx context.Context) ([]hashchain.Head, error) {
	return s.chains().Heads(ctx, s.pool)
}

// Chain reads one of the service's chains whole; ok is false for another name.
func (s *Store) Chain(ctx context.Context, name string) (hashchain.Chain, bool, error) {
	return s.chains().Chain(ctx, s.q(ctx), name)
}
