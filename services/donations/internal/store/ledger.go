package store

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/hashchain"
	"github.com/commonweal/commonweal/pkg/ledger"
	"github.com/commonweal/commonweal/services/donations/internal/app"
)

// CreateTransfer makes t in the ledger (pkg/ledger/pgledger: client transfer IDs, accounts created then locked
// in one global order, non-negative accounts by code and CHECK), inside the unit of work ctx carries.
func (s *Store) CreateTransfer(ctx context.Context, t ledger.Transfer) (ledger.Transfer, error) {
	return s.Ledger.CreateTransfer(ctx, t)
}

// LedgerSnapshot returns every account's stored balances, every transfer in insertion order, every pledge and
// every share return, and the hash chains (the transfers', the pledge events'), read in one repeatable-read
// snapshot so they agree.
func (s *Store) LedgerSnapshot(ctx context.Context) (app.LedgerSnapshot, error) {
	var out app.LedgerSnapshot
	snap, err := s.Ledger.Snapshot(ctx, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if out.Books.Pledges, err = collectPledges(tx.Query(ctx, `SELECT `+pledgeCols+` FROM pledges ORDER BY created_at, id`)); err != nil {
			return err
		}
		if out.Books.Returns, err = collectShareReturns(tx.Query(ctx, `SELECT `+shareReturnCols+` FROM share_returns ORDER BY returned_at, transfer_id`)); err != nil {
			return err
		}
		events, err := pledgeEvents.Chain(ctx, tx)
		out.Chains = append(out.Chains, events)
		return err
	})
	if err != nil {
		return app.LedgerSnapshot{}, err
	}
	out.Balances, out.Transfers = snap.Balances, snap.Transfers
	out.Chains = append([]hashchain.Chain{snap.Chain}, out.Chains...)
	return out, nil
}
