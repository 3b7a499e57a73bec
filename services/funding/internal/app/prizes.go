package app

import (
	"context"
	"fmt"
	"slices"

	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/pkg/ledger"
	"github.com/commonweal/commonweal/services/funding/internal/domain"
)

// Prizes keeps the rounds' idea prizes.
type Prizes interface {
	// PrizesOfRound lists a round's prizes by tier, then rank.
	PrizesOfRound(ctx context.Context, roundID string) ([]domain.Prize, error)
	// InsertPrizes stores prizes in order, numbering their certificates from the year's counter (no gap, no
	// duplicate: the counter stays locked until the unit of work ends), and returns them numbered.
	InsertPrizes(ctx context.Context, year int, prizes []domain.Prize) ([]domain.Prize, error)
}

// PayIdeaPrizes pays a round's idea prizes.
type PayIdeaPrizes struct {
	Key     idempotency.Key
	RoundID string
}

// PayIdeaPrizes pays the idea prizes (优秀创意) of the round's signed-off results from its pool: each winner
// the policy's amount for its tier, to its organisation, with a certificate number (优秀创意证书). The results,
// the round and the winners are asked first, with nothing open; the unit of work takes the round's lock and
// pays every prize or none (POOL_INSUFFICIENT). Prizes are paid once: a second call answers them.
func (s *Service) PayIdeaPrizes(ctx context.Context, cmd PayIdeaPrizes) ([]domain.Prize, error) {
	if out, done, err := idempotency.Replay[[]domain.Prize](ctx, s.requests, cmd.Key); done || err != nil {
		return out, err
	}
	if err := ids.Parse("round_id", cmd.RoundID); err != nil {
		return nil, err
	}
	if existing, err := s.prizes.PrizesOfRound(ctx, cmd.RoundID); err != nil || len(existing) > 0 {
		return existing, err
	}
	res, err := s.reviews.GetResults(ctx, cmd.RoundID)
	if err != nil {
		return nil, err
	}
	if res.State != "SIGNED_OFF" {
		return nil, domain.ErrResultsNotSignedOff.With("the results of round %s are %s", cmd.RoundID, orNone(res.State))
	}
	r, err := s.apps.GetRound(ctx, cmd.RoundID)
	if err != nil {
		return nil, err
	}
	winners := slices.Clone(res.IdeaPrizes)
	slices.SortStableFunc(winners, func(a, b IdeaPrizeWinner) int { return a.Tier - b.Tier })
	by, now := subject(ctx), s.now()
	var prizes []domain.Prize
	for _, w := range winners {
		amount, err := domain.PrizeAmount(r.IdeaPrizeFen, w.Tier)
		if err != nil {
			return nil, err
		}
		a, err := s.apps.GetApplication(ctx, w.ApplicationID)
		if err != nil {
			return nil, err
		}
		prizes = append(prizes, domain.Prize{RoundID: cmd.RoundID, ApplicationID: w.ApplicationID, Tier: w.Tier, AmountFen: amount, PayeeOrgID: a.OrgID,
			PaidAt: now, PaidBy: by, RequestID: cmd.Key.RequestID})
	}
	return idempotency.Run(ctx, s.requests, cmd.Key, func(ctx context.Context) ([]domain.Prize, error) {
		if err := s.pools.LockRound(ctx, cmd.RoundID); err != nil {
			return nil, err
		}
		if existing, err := s.prizes.PrizesOfRound(ctx, cmd.RoundID); err != nil || len(existing) > 0 {
			return existing, err // paid meanwhile by a concurrent call
		}
		if len(prizes) == 0 {
			return nil, nil
		}
		numbered, err := s.prizes.InsertPrizes(ctx, r.Year, prizes)
		if err != nil {
			return nil, err
		}
		var ts []ledger.Transfer
		var total int64
		for _, z := range numbered {
			total += z.AmountFen
			ts = append(ts, ledger.Transfer{ID: domain.PrizeTransferID(z.RoundID, z.ApplicationID), Kind: ledger.Posted, Debit: domain.PoolAccount(z.RoundID),
				Credit: domain.PaidAccount(z.RoundID), AmountFen: z.AmountFen,
				Reason:    fmt.Sprintf("idea prize tier %d, certificate %s, paid to organisation %s", z.Tier, z.CertificateNumber, z.PayeeOrgID),
				Reference: domain.PrizeReference(z.ApplicationID), RequestedBy: by, RequestID: cmd.Key.RequestID, CreatedAt: now})
		}
		if _, err := s.ledger.CreateTransfers(ctx, ts...); err != nil {
			if ledger.ErrInsufficientFunds.Is(err) {
				return nil, domain.ErrPoolInsufficient.With("the idea prizes need %d fen; the pool cannot cover them", total)
			}
			return nil, err
		}
		return numbered, nil
	})
}

// ListIdeaPrizes lists a round's paid idea prizes.
func (s *Service) ListIdeaPrizes(ctx context.Context, roundID string) ([]domain.Prize, error) {
	if err := ids.Parse("round_id", roundID); err != nil {
		return nil, err
	}
	return s.prizes.PrizesOfRound(ctx, roundID)
}
