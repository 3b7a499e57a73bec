package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

// Deposits finds pledges by the bank credit that confirmed them.
type Deposits interface {
	// PledgeByBankReference reads the pledge confirmed under a bank reference; ok is false when there is none.
	PledgeByBankReference(ctx context.Context, ref string) (p domain.Pledge, ok bool, err error)
}

// ConfirmDeposit records the bank's receipt of a cash pledge.
type ConfirmDeposit struct {
	Key           idempotency.Key
	PledgeID      string
	BankReference string
	AmountFen     int64
	DepositedAt   time.Time
}

// ConfirmDeposit records the bank's receipt of a cash pledge, issues the next receipt number of the year and
// books bank → earmarked (or late) in the ledger, in one unit of work. The round's donation cutoff is asked
// of the applications service before it starts. Idempotent on the bank reference: the same reference,
// pledge and amount returns the pledge unchanged.
func (s *Service) ConfirmDeposit(ctx context.Context, cmd ConfirmDeposit) (domain.Pledge, error) {
	if out, done, err := idempotency.Replay[domain.Pledge](ctx, s.requests, cmd.Key); done || err != nil {
		return out, err
	}
	if err := ids.Parse("pledge_id", cmd.PledgeID); err != nil {
		return domain.Pledge{}, err
	}
	// A bank reference names one bank credit: padding must not make it another one.
	bankRef := strings.TrimSpace(cmd.BankReference)
	amount, depositedAt := cmd.AmountFen, cmd.DepositedAt.Truncate(time.Microsecond)
	first, err := s.pledges.GetPledge(ctx, cmd.PledgeID)
	if err != nil {
		return domain.Pledge{}, err
	}
	// A retry of a confirmation is answered without asking anyone (a bank reference, once set, never changes).
	retry := first.BankReference != "" && first.DepositMatches(bankRef, amount)
	var cutoff time.Time
	if !retry {
		r, err := s.apps.GetRound(ctx, first.RoundID)
		if err != nil {
			return domain.Pledge{}, err
		}
		cutoff = r.DonationCutoff
	}
	by := identity.From(ctx).Subject
	return idempotency.Run(ctx, s.requests, cmd.Key, func(ctx context.Context) (domain.Pledge, error) {
		return s.pledges.UpdatePledge(ctx, cmd.PledgeID, func(p *domain.Pledge) error {
			if p.BankReference != "" && p.BankReference == bankRef {
				if p.DepositMatches(bankRef, amount) {
					return nil // a retry of the confirmation: same receipt, nothing changes
				}
				return domain.ErrBankReferenceConflict.With("bank reference %q was confirmed for %d fen, not %d", bankRef, p.DepositedAmountFen, amount)
			}
			if other, ok, err := s.deposits.PledgeByBankReference(ctx, bankRef); err != nil {
				return err
			} else if ok && other.ID != p.ID {
				return domain.ErrBankReferenceConflict.With("bank reference %q was confirmed for another pledge", bankRef)
			}
			now := s.now()
			if err := p.ConfirmDeposit(bankRef, amount, depositedAt, now, cutoff); err != nil {
				return err
			}
			if err := s.bookConfirmation(ctx, p, now, "cash deposit, bank reference "+bankRef, by, cmd.Key.RequestID); err != nil {
				return err
			}
			// The event last: a unit of work takes the ledger's chain lock before the pledge events' (chains.go).
			return s.pledges.RecordEvent(ctx, domain.PledgeEvent{PledgeID: p.ID, Action: "DEPOSITED", At: now, By: by, RequestID: cmd.Key.RequestID,
				Detail: fmt.Sprintf("bank_reference=%s amount_fen=%d pledged_fen=%d deposited_at=%s late=%t", bankRef, amount, p.AmountFen,
					depositedAt.UTC().Format(time.RFC3339Nano), p.Late)})
		})
	})
}
