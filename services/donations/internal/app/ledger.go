package app

import (
	"context"
	"time"

	"github.com/commonweal/commonweal/pkg/hashchain"
	"github.com/commonweal/commonweal/pkg/ledger"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

// Ledger is the donation ledger (pkg/ledger's rules with domain.LedgerRules, kept by pkg/ledger/pgledger).
type Ledger interface {
	// CreateTransfer makes t inside the caller's unit of work (or its own transaction), locking its accounts
	// until the unit of work ends. The transfer ID is the client's: a retry with the same body returns the
	// stored transfer, another body is TRANSFER_ID_REUSED. A POST_PENDING or VOID_PENDING takes the pending
	// transfer's accounts, amount and reference.
	CreateTransfer(ctx context.Context, t ledger.Transfer) (ledger.Transfer, error)
	// LedgerSnapshot reads every balance, transfer, pledge and share return in one consistent snapshot.
	LedgerSnapshot(ctx context.Context) (LedgerSnapshot, error)
}

// LedgerSnapshot is the whole ledger and the books it is reconciled with, read at one instant.
type LedgerSnapshot struct {
	Balances  map[string]ledger.Balance
	Transfers []ledger.Transfer // in insertion order
	Books     domain.Books
	Chains    []hashchain.Chain // every hash chain of the service (chains.go)
}

// Receipts numbers receipts.
type Receipts interface {
	// NextReceipt advances the year's counter and returns the new number; the counter stays locked until the
	// unit of work ends, so numbers have no gap and no duplicate.
	NextReceipt(ctx context.Context, year int) (int64, error)
}

// VerifyLedger recomputes the ledger from its transfers (sum zero, none that may not go negative is, every
// pending transfer resolved at most once) and reconciles it with the pledges the summaries are computed from
// and with the share returns; it walks every hash chain of the service (the first bad entry of each).
func (s *Service) VerifyLedger(ctx context.Context) (ledger.Verification, error) {
	snap, err := s.ledger.LedgerSnapshot(ctx)
	if err != nil {
		return ledger.Verification{}, err
	}
	v := domain.Reconcile(domain.LedgerRules.Verify(snap.Balances, snap.Transfers), snap.Transfers, snap.Books)
	v.ChainBreaks = hashchain.Verify(snap.Chains...)
	return v, nil
}

// pledgeTransfer is the posted transfer of a pledge's confirmation, refund or redirection (verb).
func pledgeTransfer(p *domain.Pledge, verb, debit, credit, reason, by, requestID string, now time.Time) ledger.Transfer {
	return ledger.Transfer{ID: domain.PledgeTransferID(p.ID, verb), Kind: ledger.Posted, Debit: debit, Credit: credit, AmountFen: p.ConfirmedValue(),
		Reason: reason, Reference: domain.PledgeReference(p.ID), RequestedBy: by, RequestID: requestID, CreatedAt: now}
}

// bookConfirmation books a confirmed pledge's value (its source account → its confirmed account) and gives it
// the year's next receipt number. The shared rows (the source account, the receipt counter) are locked last
// in the unit of work, so concurrent confirmations queue on them for as few statements as possible.
func (s *Service) bookConfirmation(ctx context.Context, p *domain.Pledge, now time.Time, reason, by, requestID string) error {
	t := pledgeTransfer(p, "confirm", domain.SourceAccount(*p), domain.ConfirmedAccount(*p), reason, by, requestID, now)
	if _, err := s.ledger.CreateTransfer(ctx, t); err != nil {
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
