package app

import (
	"context"

	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/pkg/ledger"
	"github.com/commonweal/commonweal/services/funding/internal/domain"
)

// Pools keeps the rounds' allocations and their lock.
type Pools interface {
	// LockRound takes the round's lock until the unit of work ends: round-wide changes (allocations, plans,
	// prizes) queue on it.
	LockRound(ctx context.Context, roundID string) error
	// InsertAllocation records an allocation unless its source reference is known; it returns the allocation
	// stored under the reference (the new one when inserted).
	InsertAllocation(ctx context.Context, a domain.Allocation) (stored domain.Allocation, inserted bool, err error)
}

// AllocatePool adds welfare-lottery funds to a round's pool.
type AllocatePool struct {
	Key             idempotency.Key
	RoundID         string
	AmountFen       int64
	SourceReference string
}

// AllocatePool records an allocation and books it lottery → pool in one unit of work. The round is asked of
// the applications service first. Idempotent on the source reference: the same reference, round and amount
// returns the pool as it is; another round or amount is SOURCE_REFERENCE_CONFLICT.
func (s *Service) AllocatePool(ctx context.Context, cmd AllocatePool) (domain.Pool, error) {
	if out, done, err := idempotency.Replay[domain.Pool](ctx, s.requests, cmd.Key); done || err != nil {
		return out, err
	}
	if err := ids.Parse("round_id", cmd.RoundID); err != nil {
		return domain.Pool{}, err
	}
	ref, err := domain.CleanReference(cmd.SourceReference, domain.ErrSourceReferenceInvalid)
	if err != nil {
		return domain.Pool{}, err
	}
	if cmd.AmountFen <= 0 || cmd.AmountFen > ledger.MaxAmountFen {
		return domain.Pool{}, domain.ErrInvalidAmount
	}
	if _, err := s.apps.GetRound(ctx, cmd.RoundID); err != nil {
		return domain.Pool{}, err
	}
	a := domain.Allocation{SourceReference: ref, RoundID: cmd.RoundID, AmountFen: cmd.AmountFen, AllocatedBy: subject(ctx), RequestID: cmd.Key.RequestID,
		AllocatedAt: s.now()}
	return idempotency.Run(ctx, s.requests, cmd.Key, func(ctx context.Context) (domain.Pool, error) {
		if err := s.pools.LockRound(ctx, a.RoundID); err != nil {
			return domain.Pool{}, err
		}
		stored, inserted, err := s.pools.InsertAllocation(ctx, a)
		switch {
		case err != nil:
			return domain.Pool{}, err
		case !inserted && (stored.RoundID != a.RoundID || stored.AmountFen != a.AmountFen):
			return domain.Pool{}, domain.ErrSourceReferenceConflict.With("source reference %q allocated %d fen to round %s", ref, stored.AmountFen, stored.RoundID)
		case inserted:
			if _, err := s.ledger.CreateTransfers(ctx, ledger.Transfer{ID: domain.AllocationTransferID(ref), Kind: ledger.Posted,
				Debit: domain.LotteryAccount(a.RoundID), Credit: domain.PoolAccount(a.RoundID), AmountFen: a.AmountFen,
				Reason: "welfare-lottery funds allocated, source reference " + ref, Reference: domain.RoundReference(a.RoundID),
				RequestedBy: a.AllocatedBy, RequestID: a.RequestID, CreatedAt: a.AllocatedAt}); err != nil {
				return domain.Pool{}, err
			}
		}
		return s.pool(ctx, a.RoundID)
	})
}

// GetPool returns a round's pool: allocated, committed, paid, returned and available.
func (s *Service) GetPool(ctx context.Context, roundID string) (domain.Pool, error) {
	if err := ids.Parse("round_id", roundID); err != nil {
		return domain.Pool{}, err
	}
	return s.pool(ctx, roundID)
}

func (s *Service) pool(ctx context.Context, roundID string) (domain.Pool, error) {
	b, err := s.ledger.Balances(ctx, domain.PoolAccounts(roundID)...)
	if err != nil {
		return domain.Pool{}, err
	}
	return domain.PoolOf(roundID, b), nil
}
