package pgledger

import (
	"context"
	"errors"
	"slices"

	"github.com/jackc/pgx/v5"
)

// LockAccounts locks, until the transaction ctx carries ends, those of the accounts that exist, in the
// ledger's global order (by code, as every transfer takes them; see lockAccounts), and returns their codes in
// that order. It creates no account: one not returned does not exist yet, and a transfer that needs it creates
// it before locking any account.
//
// A unit of work that makes several transfers one after another (a group commit, each transfer in a savepoint
// of its own) calls it first with every account they use, so that each transfer finds its accounts already
// locked and no transaction can hold one of them while waiting for another the unit of work holds. Such a unit
// of work must not make a transfer that creates an account once it holds locks on others: creating after
// locking breaks the order.
func (s *Store) LockAccounts(ctx context.Context, codes ...string) ([]string, error) {
	codes = slices.Compact(slices.Sorted(slices.Values(codes)))
	if len(codes) == 0 {
		return nil, nil
	}
	// Locks outside a transaction would be released at once.
	if _, ok := s.q(ctx).(pgx.Tx); !ok {
		return nil, errors.New("pgledger: LockAccounts needs a transaction")
	}
	rows, err := s.q(ctx).Query(ctx, `SELECT code FROM ledger_accounts WHERE code = ANY($1) ORDER BY code FOR UPDATE`, codes)
	if err != nil {
		return nil, err
	}
	locked, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	return locked, nil
}
