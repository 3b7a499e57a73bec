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
// books bank → earmarked (or late) in the ledger, in one unit of work (bookDeposit), which runs in a group
// commit with the other confirmations pending (deposit_batcher.go) or alone. The round's donation cutoff is
// asked of the applications service before it starts. Idempotent on the bank reference: the same reference,
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
	w := depositWork{key: cmd.Key, pledgeID: first.ID, bankRef: bankRef, amount: amount, depositedAt: depositedAt, cutoff: cutoff,
		by: identity.From(ctx).Subject}
	// Group commit (deposit_batcher.go): the unit of work below runs in a savepoint of a batch's transaction,
	// acknowledged once that transaction has committed; an item the batch could not settle comes back here.
	if s.depositBatch != nil {
		out, queued, alone, err := s.depositBatch.confirm(ctx, w)
		if queued && !alone {
			return out, err
		}
	}
	return s.confirmDepositAlone(ctx, w)
}

// depositWork is a confirmation once its pre-reads are done: what its unit of work needs.
type depositWork struct {
	key         idempotency.Key
	pledgeID    string // as stored (the pre-read's)
	bankRef     string
	amount      int64
	depositedAt time.Time
	cutoff      time.Time // zero for a retry
	by          string
}

// confirmDepositAlone runs a confirmation in a transaction of its own. One with a request_id locks its pledge
// before its request record is claimed, as a group commit does (pledges first, then each confirmation's
// request record): a confirmation sent twice, once alone and once in a batch, then queues on the pledge
// rather than each holding what the other waits for.
func (s *Service) confirmDepositAlone(ctx context.Context, w depositWork) (domain.Pledge, error) {
	var out domain.Pledge
	var booked bool
	var err error
	if w.key.RequestID == "" {
		out, booked, _, err = s.bookDeposit(ctx, w, s.now, nil)
	} else {
		err = s.requests.InTx(ctx, func(ctx context.Context) error {
			if _, err := s.depositLocks.LockPledges(ctx, []string{w.pledgeID}); err != nil {
				return err
			}
			var err error
			out, booked, _, err = s.bookDeposit(ctx, w, s.now, nil)
			return err
		})
	}
	if err != nil {
		return domain.Pledge{}, err
	}
	if booked {
		depositsConfirmed.Add(ctx, 1) // committed (metrics.go)
	}
	return out, nil
}

// depositReads is what a group commit read, under lock, of a confirmation's pledge and of the pledge holding
// its bank reference: bookDeposit then reads neither again.
type depositReads struct {
	p, other domain.Pledge
	found    bool // other is set
}

// bookDeposit is a confirmation's unit of work (idempotency.Run), in the transaction ctx carries or one of its
// own; booked tells whether it confirmed the pledge (not a retry), wrote whether it got as far as its writes
// (a failure before them leaves the transaction as it was). clock gives the confirmation's instant; pre, when
// not nil, is its pledge's reads (LockForDeposit's) made by the group commit.
//
// The unit of work takes the locks every confirmation shares last, each for as short a time as it can: the
// pledge and the bank reference first (one round trip), then the ledger's accounts and chain (one round
// trip, pgledger), then the transfer, the pledge events' chain and its new entry, the year's receipt counter
// and the pledge's save in one last round trip before the commit.
func (s *Service) bookDeposit(ctx context.Context, w depositWork, clock func() time.Time, pre *depositReads) (out domain.Pledge, booked, wrote bool, err error) {
	bankRef, amount, depositedAt, cutoff, by := w.bankRef, w.amount, w.depositedAt, w.cutoff, w.by
	out, err = idempotency.Run(ctx, s.requests, w.key, func(ctx context.Context) (domain.Pledge, error) {
		booked = false
		var p, other domain.Pledge
		var found bool
		var err error
		if pre != nil {
			p, other, found = pre.p, pre.other, pre.found
		} else if p, other, found, err = s.deposits.LockForDeposit(ctx, w.pledgeID, bankRef); err != nil {
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
		now := clock()
		if err := p.ConfirmDeposit(bankRef, amount, depositedAt, now, cutoff); err != nil {
			return domain.Pledge{}, err
		}
		// The event after the transfer (a unit of work takes the ledger's chain lock before the pledge events',
		// chains.go), the receipt last: the event's detail does not name it.
		wrote = true
		t := pledgeTransfer(&p, "confirm", domain.SourceAccount(p), domain.ConfirmedAccount(p), "cash deposit, bank reference "+bankRef, by, w.key.RequestID, now)
		p, err = s.deposits.BookDeposit(ctx, p, t, domain.ReceiptYear(now), domain.PledgeEvent{PledgeID: p.ID, Action: "DEPOSITED", At: now, By: by,
			RequestID: w.key.RequestID, Detail: fmt.Sprintf("bank_reference=%s amount_fen=%d pledged_fen=%d deposited_at=%s late=%t", bankRef, amount,
				p.AmountFen, depositedAt.UTC().Format(time.RFC3339Nano), p.Late)})
		booked = err == nil
		return p, err
	})
	return out, booked && err == nil, wrote || w.key.RequestID != "", err
}
