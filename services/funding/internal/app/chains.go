package app

import (
	"context"
	"time"

	"github.com/commonweal/commonweal/pkg/hashchain"
)

// Chains are the service's hash chains (pkg/hashchain): the ledger's transfers and the plan events.
type Chains = hashchain.Reader

// ChainHeads publishes the current head of every chain, and when they were read. Anyone may ask.
func (s *Service) ChainHeads(ctx context.Context) ([]hashchain.Head, time.Time, error) {
	asOf := s.now()
	heads, err := s.chains.ChainHeads(ctx)
	return heads, asOf, err
}

// CheckChainHead checks a head recorded earlier against its chain as it is now (pkg/hashchain.CheckHead).
// Anyone may ask.
func (s *Service) CheckChainHead(ctx context.Context, recorded hashchain.Head) (hashchain.Check, error) {
	return hashchain.CheckRecordedHead(ctx, s.chains, recorded)
}
