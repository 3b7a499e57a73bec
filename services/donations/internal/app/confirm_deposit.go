package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/pkg/ledger"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

// Deposits keeps the confirmations of cash deposits.
type Deposits interface {
	// LockForDeposit reads and locks a pledge, and reads the pledge already confirmed under a bank reference
	// (ok is false when there is none), inside the unit of work.
	LockForDeposit(ctx context.Context, id, bankRef string) (p, other domain.Pledge, ok bool, err error)
	// BookDeposit makes t in the ledger, appends e to the pledges' audit trail and saves p with the year's
	// next receipt number (p with its receipt number is the answer), last in the unit of work and in that
	// order: the receipt counter stays locked from then until the unit of work ends, so numbers have no gap
	// and no duplicate. A bank reference another pledge holds is BANK_REFERENCE_CONFLICT.
	BookDeposit(ctx context.Context, p domain.Pledge, t ledger.Transfer, year int, e domain.PledgeEvent) (domain.Pledge, error)
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
// books bank → earmarked (or late) in the ledger, in one unit of work (see below for its order). The round's
// donation cutoff is asked of the applications service before it starts. Idempotent on the bank reference: the same reference,
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
	// The unit of work takes the locks every confirmation shares last, each for as short a time as it can: the
	// pledge and the bank reference first (one round trip), then the ledger's accounts and chain (one round
	// trip, pgledger), then the transfer, the pledge events' chain and its new entry, the year's receipt counter
	// and the pledge's save in one last round trip before the commit.
	booked := false
	out, err := idempotency.Run(ctx, s.requests, cmd.Key, func(ctx context.Context) (domain.Pledge, error) {
		booked = false
		p, other, found, err := s.deposits.LockForDeposit(ctx, cmd.PledgeID, bankRef)
		if err != nil {
			return domain.Pledge{}, err
		}
		if p.BankReference != "" && p.BankReference == bankRef {
			if p.DepositMatches(bankRef, amount) {
				return p, nil // a retry of the confirmation: same receipt, nothing changes
			}
			return domain.Pledge{}, domain.ErrBankReferenceConflict.With("bank reference %q was confirmed for %d fen, not %d", bankRef, p.DepositedAmountFen, amount)
		}
		if found && other.ID != p.ID {
			return domain.Pledge{}, domain.ErrBankReferenceConflict.With("bank reference %q was confirmed for another pledge", bankRef)
		}
		now := s.now()
		if err := p.ConfirmDeposit(bankRef, amount, depositedAt, now, cutoff); err != nil {
			return domain.Pledge{}, err
		}
		// The event after the transfer (a unit of work takes the ledger's chain lock before the pledge events',
		// chains.go), the receipt last: the event's detail does not name it.
		t := pledgeTransfer(&p, "confirm", domain.SourceAccount(p), domain.ConfirmedAccount(p), "cash deposit, bank reference "+bankRef, by, cmd.Key.RequestID, now)
		p, err = s.deposits.BookDeposit(ctx, p, t, domain.ReceiptYear(now), domain.PledgeEvent{PledgeID: p.ID, Action: "DEPOSITED", At: now, By: by,
			RequestID: cmd.Key.RequestID, Detail: fmt.Sprintf("bank_reference=%s amount_fen=%d pledged_fen=%d deposited_at=%s late=%t", bankRef, amount,
				p.AmountFen, depositedAt.UTC().Format(time.RFC3339Nano), p.Late)})
		booked = err == nil
		return p, err
	})
	if err == nil && booked {
		depositsConfirmed.Add(ctx, 1) // committed (metrics.go)
	}
	return out, err
}
