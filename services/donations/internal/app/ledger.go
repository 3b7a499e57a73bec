package app

import (
	"context"
	"time"

	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

// Ledger is the donation ledger (TigerBeetle semantics, see domain/ledger.go).
type Ledger interface {
	// CreateTransfer makes t inside the caller's unit of work (or its own transaction). The transfer ID is the
	// client's: a retry with the same body returns the stored transfer, another body is TRANSFER_ID_REUSED.
	// A POST_PENDING or VOID_PENDING takes the pending transfer's accounts and amount.
	CreateTransfer(ctx context.Context, t domain.Transfer) (domain.Transfer, error)
	// LedgerSnapshot reads every balance, transfer and pledge in one consistent snapshot.
	LedgerSnapshot(ctx context.Context) (LedgerSnapshot, error)
}

// LedgerSnapshot is the whole ledger and the pledges it is reconciled with, read at one instant.
type LedgerSnapshot struct {
	Balances  map[string]domain.Balance
	Transfers []domain.Transfer // in insertion order
	Pledges   []domain.Pledge
}

// Receipts numbers receipts.
type Receipts interface {
	// NextReceipt advances the year's counter and returns the new number; the counter stays locked until the
	// unit of work ends, so numbers have no gap and no duplicate.
	NextReceipt(ctx context.Context, year int) (int64, error)
}

// VerifyLedger recomputes the ledger from its transfers and reconciles it with the pledges the summaries are
// computed from.
func (s *Service) VerifyLedger(ctx context.Context) (domain.Verification, error) {
	snap, err := s.ledger.LedgerSnapshot(ctx)
	if err != nil {
		return domain.Verification{}, err
	}
	return domain.VerifyWithPledges(snap.Balances, snap.Transfers, snap.Pledges), nil
}

// bookConfirmation books a confirmed pledge's value (its source account → its confirmed account) and gives it
// the year's next receipt number. The shared rows (the source account, the receipt counter) are locked last
// in the unit of work, so concurrent confirmations queue on them for as few statements as possible.
func (s *Service) bookConfirmation(ctx context.Context, p *domain.Pledge, now time.Time, reason, by, requestID string) error {
	if _, err := s.ledger.CreateTransfer(ctx, domain.Transfer{
		ID: "pledge:" + p.ID + ":confirm", Kind: domain.TransferPosted, Debit: domain.SourceAccount(*p), Credit: domain.ConfirmedAccount(*p),
		AmountFen: p.ConfirmedValue(), Reason: reason, ApplicationID: p.ApplicationID, PledgeID: p.ID, RequestedBy: by, RequestID: requestID,
		CreatedAt: now,
	}); err != nil {
		return err
	}
	year := domain.ReceiptYear(now)
	n, err := s.receipts.NextReceipt(ctx, year)
	if err != nil {
		return err
	}
	p.IssueReceipt(year, n)
	return nil
}
