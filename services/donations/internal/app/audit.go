package app

import (
	"context"
	"time"

	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/pkg/ledger"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

// AuditTrail reads the ledger's transfers and the pledges' events for auditors (both append-only).
type AuditTrail interface {
	// ListTransfers returns the ledger transfers f selects, oldest first (pkg/ledger/pgledger).
	ListTransfers(ctx context.Context, f ledger.TransferFilter) ([]ledger.Transfer, error)
	// ListPledgeEvents returns up to f.Limit pledge events after the keyset position, oldest first.
	ListPledgeEvents(ctx context.Context, f PledgeEventFilter) ([]PledgeEventEntry, error)
}

// TransferQuery selects a page of the ledger's transfers: those touching an application's accounts (none:
// all), made in [From, To), after the keyset position.
type TransferQuery struct {
	ApplicationID string
	From, To      time.Time
	AfterTime     time.Time
	AfterID       string
	Limit         int
}

// PledgeEventFilter selects a page of pledge events: of pledges to (or redirected to) ApplicationID, of
// PledgeID, recorded in [From, To) (empty or zero: no condition), after (AfterTime, AfterID), at most Limit.
type PledgeEventFilter struct {
	ApplicationID string
	PledgeID      string
	From, To      time.Time
	AfterTime     time.Time
	AfterID       string
	Limit         int
}

// PledgeEventEntry is a pledge event as the audit trail lists it: with its ID (its keyset position after its
// time) and its pledge's application.
type PledgeEventEntry struct {
	ID            string
	ApplicationID string
	domain.PledgeEvent
}

// ListLedgerTransfers lists the ledger's transfers, oldest first. An application's are every transfer touching
// one of its accounts: deposits and approvals (late or not), refunds, redirections from or to it, and the
// donation shares reserved from, released, cancelled and returned to its earmark.
func (s *Service) ListLedgerTransfers(ctx context.Context, q TransferQuery) ([]ledger.Transfer, error) {
	f := ledger.TransferFilter{From: q.From, To: q.To, AfterTime: q.AfterTime, AfterID: q.AfterID, Limit: q.Limit}
	if q.ApplicationID != "" {
		if err := ids.Parse("application_id", q.ApplicationID); err != nil {
			return nil, err
		}
		a := q.ApplicationID
		f.Accounts = []string{domain.EarmarkedAccount(a), domain.LateAccount(a), domain.InKindAccount(a), domain.InKindLateAccount(a)}
	}
	return s.audit.ListTransfers(ctx, f)
}

// ListPledgeEvents lists pledge events, oldest first. Their details hold amounts, references, grounds and the
// callers' reasons: the use cases never write a personal number or phone into them (those are sealed with the
// donor).
func (s *Service) ListPledgeEvents(ctx context.Context, f PledgeEventFilter) ([]PledgeEventEntry, error) {
	for field, id := range map[string]string{"application_id": f.ApplicationID, "pledge_id": f.PledgeID} {
		if id == "" {
			continue
		}
		if err := ids.Parse(field, id); err != nil {
			return nil, err
		}
	}
	return s.audit.ListPledgeEvents(ctx, f)
}
