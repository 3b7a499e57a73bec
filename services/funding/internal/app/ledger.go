package app

import (
	"context"
	"errors"
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/hashchain"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/pkg/ledger"
	"github.com/commonweal/commonweal/services/funding/internal/domain"
)

// LedgerSnapshot is the whole ledger and the books it is reconciled with, read at one instant.
type LedgerSnapshot struct {
	Balances  map[string]ledger.Balance
	Transfers []ledger.Transfer // in insertion order
	Books     domain.Books
	Chains    []hashchain.Chain // every hash chain of the service (chains.go)
}

// LedgerAudit reads the ledger for verification.
type LedgerAudit interface {
	// LedgerSnapshot reads every balance, transfer, allocation, plan, prize and return in one snapshot.
	LedgerSnapshot(ctx context.Context) (LedgerSnapshot, error)
}

// VerifyLedger recomputes every balance from the transfers (sum zero, none that may not go negative is,
// every pending transfer resolved at most once) and reconciles the ledger with the allocations, plans,
// prizes and clawback returns it books; it walks every hash chain of the service (the first bad entry of each).
func (s *Service) VerifyLedger(ctx context.Context) (ledger.Verification, error) {
	snap, err := s.audit.LedgerSnapshot(ctx)
	if err != nil {
		return ledger.Verification{}, err
	}
	v := domain.Reconcile(domain.LedgerRules.Verify(snap.Balances, snap.Transfers), snap.Transfers, snap.Books)
	v.ChainBreaks = hashchain.Verify(snap.Chains...)
	return v, nil
}

// TransferQuery selects a page of the ledger's transfers: a project's (ApplicationID: its plan's and its idea
// prize's), those touching a round's accounts (RoundID), both, or all; made in [From, To); after the keyset
// position.
type TransferQuery struct {
	ApplicationID string
	RoundID       string
	From, To      time.Time
	AfterTime     time.Time
	AfterID       string
	Limit         int
}

// ListLedgerTransfers lists the ledger's transfers, oldest first, for the audit trail. A project's are found by
// reference: plan:<its plan> (tranche commitments, payments, cancellations, clawback returns) and
// prize:<application> (its idea prize); a round's are every transfer touching its lottery, pool, paid or
// returns account.
func (s *Service) ListLedgerTransfers(ctx context.Context, q TransferQuery) ([]ledger.Transfer, error) {
	f := ledger.TransferFilter{From: q.From, To: q.To, AfterTime: q.AfterTime, AfterID: q.AfterID, Limit: q.Limit}
	if q.RoundID != "" {
		if err := ids.Parse("round_id", q.RoundID); err != nil {
			return nil, err
		}
		r := q.RoundID
		f.Accounts = []string{domain.LotteryAccount(r), domain.PoolAccount(r), domain.PaidAccount(r), domain.ReturnsAccount(r)}
	}
	if q.ApplicationID != "" {
		if err := ids.Parse("application_id", q.ApplicationID); err != nil {
			return nil, err
		}
		f.References = []string{domain.PrizeReference(q.ApplicationID)}
		switch p, err := s.plans.PlanOfApplication(ctx, q.ApplicationID); {
		case err == nil:
			f.References = append(f.References, domain.PlanReference(p.ID))
		case !errors.Is(err, errs.ErrNotFound):
			return nil, err
		}
	}
	return s.ledger.ListTransfers(ctx, f)
}
