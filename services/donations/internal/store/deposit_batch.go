package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

// LockPledges reads and locks the pledges with the given IDs, in ID order (the order every group commit of
// deposit confirmations takes them in), by one statement of the context's transaction; the IDs of no pledge
// are left out of the answer.
func (s *Store) LockPledges(ctx context.Context, ids []string) (map[string]domain.Pledge, error) {
	tx, ok := s.q(ctx).(pgx.Tx)
	if !ok {
		return nil, errors.New("store: locking pledges needs the unit of work's transaction")
	}
	ps, err := collectPledges(tx.Query(ctx, `SELECT `+pledgeCols+` FROM pledges WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, ids))
	if err != nil {
		return nil, err
	}
	out := make(map[string]domain.Pledge, len(ps))
	for _, p := range ps {
		out[p.ID] = p
	}
	return out, nil
}

// LockAccounts locks those of the ledger's accounts that exist, in code order, and returns their codes
// (pgledger.Store.LockAccounts): it creates none.
func (s *Store) LockAccounts(ctx context.Context, codes ...string) ([]string, error) {
	return s.Ledger.LockAccounts(ctx, codes...)
}

// InSavepoint runs fn in a savepoint of the context's transaction (db.Savepoint): fn's failure rolls back its
// own writes only. broken reports that the savepoint itself could not be taken, released or rolled back to:
// the transaction cannot go on.
func (s *Store) InSavepoint(ctx context.Context, fn func(ctx context.Context) error) (broken bool, err error) {
	err = db.Savepoint(ctx, fn)
	return errors.Is(err, db.ErrSavepoint), err
}

// PledgesByBankReference reads the pledges confirmed under any of the bank references, by reference, in the
// unit of work.
func (s *Store) PledgesByBankReference(ctx context.Context, refs []string) (map[string]domain.Pledge, error) {
	ps, err := collectPledges(s.q(ctx).Query(ctx, `SELECT `+pledgeCols+` FROM pledges WHERE bank_reference = ANY($1)`, refs))
	if err != nil {
		return nil, err
	}
	out := make(map[string]domain.Pledge, len(ps))
	for _, p := range ps {
		out[p.BankReference] = p
	}
	return out, nil
}
