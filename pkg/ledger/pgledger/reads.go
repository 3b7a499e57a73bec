package pgledger

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/hashchain"
	"github.com/commonweal/commonweal/pkg/ledger"
)

// scanBalances reads rows of (code, debits_posted, credits_posted, debits_pending, credits_pending).
func scanBalances(rows pgx.Rows, err error) (map[string]ledger.Balance, error) {
	if err != nil {
		return nil, err
	}
	balances := map[string]ledger.Balance{}
	var code string
	var b ledger.Balance
	_, err = pgx.ForEachRow(rows, []any{&code, &b.DebitsPosted, &b.CreditsPosted, &b.DebitsPending, &b.CreditsPending}, func() error {
		balances[code] = b
		return nil
	})
	return balances, err
}

// Balances reads the balances of the accounts (an account never used is absent, i.e. all zero), without a
// lock.
func (s *Store) Balances(ctx context.Context, codes ...string) (map[string]ledger.Balance, error) {
	return scanBalances(s.q(ctx).Query(ctx, `SELECT code, debits_posted, credits_posted, debits_pending, credits_pending
		FROM ledger_accounts WHERE code = ANY($1)`, codes))
}

// TransfersOf lists the transfers with a reference, in insertion order.
func (s *Store) TransfersOf(ctx context.Context, reference string) ([]ledger.Transfer, error) {
	return collectTransfers(s.q(ctx).Query(ctx, `SELECT `+transferCols+` FROM ledger_transfers WHERE reference = $1 ORDER BY seq`, reference))
}

// Snapshot is the whole ledger read at one instant.
type Snapshot struct {
	Balances  map[string]ledger.Balance
	Transfers []ledger.Transfer // in insertion order
	Chain     hashchain.Chain   // the transfers' hash chain
}

// Snapshot reads every balance and every transfer in one repeatable-read snapshot, so they agree; read, a
// caller may add its own reads of the same instant.
func (s *Store) Snapshot(ctx context.Context, also func(ctx context.Context, tx pgx.Tx) error) (Snapshot, error) {
	var snap Snapshot
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var err error
		if snap.Balances, err = scanBalances(tx.Query(ctx, `SELECT code, debits_posted, credits_posted, debits_pending, credits_pending FROM ledger_accounts`)); err != nil {
			return err
		}
		if snap.Transfers, err = collectTransfers(tx.Query(ctx, `SELECT `+transferCols+` FROM ledger_transfers ORDER BY seq`)); err != nil {
			return err
		}
		if snap.Chain, err = chainOf(tx.Query(ctx, `SELECT `+transferCols+`, chain_seq, prev_hash, hash FROM ledger_transfers ORDER BY chain_seq`)); err != nil {
			return err
		}
		if also != nil {
			return also(ctx, tx)
		}
		return nil
	})
	return snap, err
}

// Verify recomputes the whole ledger from one snapshot (ledger.Rules.Verify) and walks its hash chain.
func (s *Store) Verify(ctx context.Context) (ledger.Verification, error) {
	snap, err := s.Snapshot(ctx, nil)
	if err != nil {
		return ledger.Verification{}, err
	}
	v := s.rules.Verify(snap.Balances, snap.Transfers)
	v.ChainBreaks = hashchain.Verify(snap.Chain)
	return v, nil
}
