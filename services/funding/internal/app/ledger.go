package app

import (
	"context"

	"github.com/commonweal/commonweal/pkg/ledger"
	"github.com/commonweal/commonweal/services/funding/internal/domain"
)

// LedgerSnapshot is the whole ledger and the books it is reconciled with, read at one instant.
type LedgerSnapshot struct {
	Balances  map[string]ledger.Balance
	Transfers []ledger.Transfer // in insertion order
	Books     domain.Books
}

// LedgerAudit reads the ledger for verification.
type LedgerAudit interface {
	// LedgerSnapshot reads every balance, transfer, allocation, plan, prize and return in one snapshot.
	LedgerSnapshot(ctx context.Context) (LedgerSnapshot, error)
}

// VerifyLedger recomputes every balance from the transfers (sum zero, none that may not go negative is,
// every pending transfer resolved at most once) and reconciles the ledger with the allocations, plans,
// prizes and clawback returns it books.
func (s *Service) VerifyLedger(ctx context.Context) (ledger.Verification, error) {
	snap, err := s.audit.LedgerSnapshot(ctx)
	if err != nil {
		return ledger.Verification{}, err
	}
	v := domain.LedgerRules.Verify(snap.Balances, snap.Transfers)
	return domain.Reconcile(v, snap.Transfers, snap.Books), nil
}
