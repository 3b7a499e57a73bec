package app

import (
	"context"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/pkg/ledger"
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
func (s *Service) ReserveDonationShare(ctx context.Context, cmd ReserveDonationShare) (ledger.Transfer, error) {
	who := identity.From(ctx)
	if err := shareCaller(who); err != nil {
		return ledger.Transfer{}, err
	}
	if err := domain.ValidClientTransferID("transfer_id", cmd.TransferID); err != nil {
		return ledger.Transfer{}, err
	}
	if err := ids.Parse("application_id", cmd.ApplicationID); err != nil {
		return ledger.Transfer{}, err
	}
	if err := domain.CheckAmount("amount_fen", cmd.AmountFen); err != nil {
		return ledger.Transfer{}, err
	}
	return s.transfer(ctx, ledger.Transfer{
		ID: cmd.TransferID, Kind: ledger.Pending, Debit: domain.EarmarkedAccount(cmd.ApplicationID), Credit: domain.AccountPayoutPending,
		AmountFen: cmd.AmountFen, Reason: cmd.Reason, Reference: domain.ApplicationReference(cmd.ApplicationID), RequestedBy: who.Subject,
		RequestID: cmd.TransferID,
	})
}

// ResolveDonationShare releases (posts) or cancels (voids) a reserved donation share.
type ResolveDonationShare struct {
	TransferID        string
	PendingTransferID string
	Release           bool // post the reservation; false voids it
}

// ResolveDonationShare posts or voids a pending donation share, at most once.
func (s *Service) ResolveDonationShare(ctx context.Context, cmd ResolveDonationShare) (ledger.Transfer, error) {
	who := identity.From(ctx)
	if err := shareCaller(who); err != nil {
		return ledger.Transfer{}, err
	}
	if err := domain.ValidClientTransferID("transfer_id", cmd.TransferID); err != nil {
		return ledger.Transfer{}, err
	}
	if cmd.PendingTransferID == "" {
		return ledger.Transfer{}, errs.Invalid("INVALID_TRANSFER_ID", "pending_transfer_id", "the pending transfer ID is required")
	}
	kind, reason := ledger.VoidPending, "donation share cancelled"
	if cmd.Release {
		kind, reason = ledger.PostPending, "donation share released"
	}
	return s.transfer(ctx, ledger.Transfer{
		ID: cmd.TransferID, Kind: kind, PendingID: cmd.PendingTransferID, Reason: reason, RequestedBy: who.Subject, RequestID: cmd.TransferID,
	})
}

// transfer makes t in its own unit of work.
func (s *Service) transfer(ctx context.Context, t ledger.Transfer) (ledger.Transfer, error) {
	t.CreatedAt = s.now()
	return idempotency.Run(ctx, s.requests, idempotency.Key{}, func(ctx context.Context) (ledger.Transfer, error) {
		return s.ledger.CreateTransfer(ctx, t)
	})
}

// ShareReturns are the records of donation shares projects paid back.
type ShareReturns interface {
	// InsertShareReturn records r unless its transfer ID or its payment reference is known. When it is not
	// inserted, stored is the return recorded under r's transfer ID, or found is false: the payment reference
	// is another return's.
	InsertShareReturn(ctx context.Context, r domain.ShareReturn) (stored domain.ShareReturn, inserted, found bool, err error)
	// ShareTotals is what was paid out to an application (its released donation shares) and what came back
	// from it (its share returns), as the unit of work sees them.
	ShareTotals(ctx context.Context, applicationID string) (paidOutFen, returnedFen int64, err error)
}

// ReturnDonationShare books money a project paid back (the donation part of a clawback).
type ReturnDonationShare struct {
	TransferID       string
	ApplicationID    string
	AmountFen        int64
	PaymentReference string
	Reason           string
}

// ReturnDonationShare books a donation share that came back from a project into its earmarked account: the
// posted transfer returned_from_projects → earmarked:<application> and its record, in one unit of work.
// Idempotent on the transfer ID (another body under it: TRANSFER_ID_REUSED); a payment reference books one
// return (PAYMENT_REFERENCE_CONFLICT). The transfer locks the earmarked account until the unit of work ends, so
// concurrent returns from one application are checked one after the other against what was paid out to it
// (RETURN_EXCEEDS_PAID_OUT): released shares never change back, and every earlier return is committed.
func (s *Service) ReturnDonationShare(ctx context.Context, cmd ReturnDonationShare) (ledger.Transfer, error) {
	who := identity.From(ctx)
	if err := shareCaller(who); err != nil {
		return ledger.Transfer{}, err
	}
	if err := ids.Parse("application_id", cmd.ApplicationID); err != nil {
		return ledger.Transfer{}, err
	}
	r, err := domain.NewShareReturn(cmd.TransferID, cmd.ApplicationID, cmd.AmountFen, cmd.PaymentReference, cmd.Reason)
	if err != nil {
		return ledger.Transfer{}, err
	}
	r.ReturnedBy, r.ReturnedAt = who.Subject, s.now()
	return idempotency.Run(ctx, s.requests, idempotency.Key{}, func(ctx context.Context) (ledger.Transfer, error) {
		t, err := s.ledger.CreateTransfer(ctx, r.Transfer())
		if err != nil {
			return ledger.Transfer{}, err
		}
		stored, inserted, found, err := s.returns.InsertShareReturn(ctx, r)
		switch {
		case err != nil:
			return ledger.Transfer{}, err
		case !inserted && !found:
			return ledger.Transfer{}, domain.ErrPaymentReferenceConflict.With("payment reference %q booked another return", r.PaymentReference)
		case !inserted && !stored.Same(r):
			return ledger.Transfer{}, ledger.ErrTransferIDReused.With("transfer %s booked the return of payment reference %q", r.TransferID, stored.PaymentReference)
		case !inserted:
			return t, nil // a retry: the stored transfer
		}
		paidOut, returned, err := s.returns.ShareTotals(ctx, r.ApplicationID)
		if err != nil {
			return ledger.Transfer{}, err
		}
		return t, domain.CheckWithinPaidOut(r.ApplicationID, paidOut, returned)
	})
}
