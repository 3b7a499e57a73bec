package app

import (
	"context"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

// Donation shares are idempotent on their client-chosen transfer ID by the ledger itself, so they carry no
// request_id; each still runs as one unit of work.

// shareCaller is the object check of donation shares: among suite services only funding moves them.
func shareCaller(who identity.Identity) error {
	if who.IsService("funding") || who.Has(identity.CharityFederation) {
		return nil
	}
	return errs.ErrPermissionDenied.With("only the funding service and the charity federation move donation shares")
}

// ReserveDonationShare reserves part of an application's earmarked donations for a tranche.
type ReserveDonationShare struct {
	TransferID    string
	ApplicationID string
	AmountFen     int64
	Reason        string
}

// ReserveDonationShare makes the pending transfer earmarked:<application> → payout_pending.
func (s *Service) ReserveDonationShare(ctx context.Context, cmd ReserveDonationShare) (domain.Transfer, error) {
	who := identity.From(ctx)
	if err := shareCaller(who); err != nil {
		return domain.Transfer{}, err
	}
	if err := domain.ValidClientTransferID("transfer_id", cmd.TransferID); err != nil {
		return domain.Transfer{}, err
	}
	if err := ids.Parse("application_id", cmd.ApplicationID); err != nil {
		return domain.Transfer{}, err
	}
	if err := domain.CheckAmount("amount_fen", cmd.AmountFen); err != nil {
		return domain.Transfer{}, err
	}
	return s.transfer(ctx, domain.Transfer{
		ID: cmd.TransferID, Kind: domain.TransferPending, Debit: domain.EarmarkedAccount(cmd.ApplicationID), Credit: domain.AccountPayoutPending,
		AmountFen: cmd.AmountFen, Reason: cmd.Reason, ApplicationID: cmd.ApplicationID, RequestedBy: who.Subject, RequestID: cmd.TransferID,
	})
}

// ResolveDonationShare releases (posts) or cancels (voids) a reserved donation share.
type ResolveDonationShare struct {
	TransferID        string
	PendingTransferID string
	Release           bool // post the reservation; false voids it
}

// ResolveDonationShare posts or voids a pending donation share, at most once.
func (s *Service) ResolveDonationShare(ctx context.Context, cmd ResolveDonationShare) (domain.Transfer, error) {
	who := identity.From(ctx)
	if err := shareCaller(who); err != nil {
		return domain.Transfer{}, err
	}
	if err := domain.ValidClientTransferID("transfer_id", cmd.TransferID); err != nil {
		return domain.Transfer{}, err
	}
	if cmd.PendingTransferID == "" {
		return domain.Transfer{}, errs.Invalid("INVALID_TRANSFER_ID", "pending_transfer_id", "the pending transfer ID is required")
	}
	kind, reason := domain.TransferVoidPending, "donation share cancelled"
	if cmd.Release {
		kind, reason = domain.TransferPostPending, "donation share released"
	}
	return s.transfer(ctx, domain.Transfer{
		ID: cmd.TransferID, Kind: kind, PendingID: cmd.PendingTransferID, Reason: reason, RequestedBy: who.Subject, RequestID: cmd.TransferID,
	})
}

// transfer makes t in its own unit of work.
func (s *Service) transfer(ctx context.Context, t domain.Transfer) (domain.Transfer, error) {
	t.CreatedAt = s.now()
	return idempotency.Run(ctx, s.requests, idempotency.Key{}, func(ctx context.Context) (domain.Transfer, error) {
		return s.ledger.CreateTransfer(ctx, t)
	})
}
