package pgledger

import (
	"context"
	"errors"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/hashchain/pgchain"
	"github.com/commonweal/commonweal/pkg/ledger"
)

// lockAccounts returns the balances of the accounts, locked until the transaction ends, creating those used
// for the first time, and what is already stored of ts (see queueSettled), read under the locks in the same
// round trip. Every transaction takes its account rows in one global order (by code), so concurrent
// transfers queue and never deadlock:
//  1. the missing accounts are created first, in their own statement and in code order, before any account
//     is locked (a row inserted by an uncommitted transaction is as good as locked by it: creating one after
//     locking others breaks the order, which deadlocked the donations ledger about one run in twenty);
//  2. then all the accounts are locked by one SELECT … ORDER BY code FOR UPDATE, and the transfers already
//     stored are read by the statements after it in the same pipeline (each takes its snapshot when it
//     starts, after the locks are held). When none of ts was stored before the locks (read with step 1, the
//     usual case: new transfers), the chain's lock and head are taken in that round trip too, after the
//     accounts' as always; a transfer made meanwhile by another transaction then leaves the chain locked for
//     nothing until the transaction ends, as a new transfer would have.
func (s *Store) lockAccounts(ctx context.Context, ts []ledger.Transfer, codes ...string) (locked, error) {
	codes = slices.Compact(slices.Sorted(slices.Values(codes)))
	negative := make([]bool, len(codes))
	for i, c := range codes {
		negative[i] = s.rules.MayGoNegative != nil && s.rules.MayGoNegative(c)
	}
	ids := make([]string, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	tx, err := batcherOf(ctx, s)
	if err != nil {
		return locked{}, err
	}
	// Rows that exist are left alone (no lock, no wait); a row another transaction is creating makes this
	// statement wait for it, in code order.
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO ledger_accounts (code, may_go_negative)
		SELECT c.code, c.neg FROM unnest($1::text[], $2::bool[]) AS c (code, neg)
		WHERE NOT EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.code = c.code)
		ORDER BY c.code
		ON CONFLICT (code) DO NOTHING`, codes, negative)
	b.Queue(`SELECT EXISTS (SELECT 1 FROM ledger_transfers WHERE id = ANY($1))`, ids)
	res := tx.SendBatch(ctx, b)
	var stored bool
	_, err = res.Exec()
	if err == nil {
		err = res.QueryRow().Scan(&stored)
	}
	if cerr := res.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return locked{}, err
	}

	out := locked{chain: !stored}
	b = &pgx.Batch{}
	b.Queue(`SELECT code, debits_posted, credits_posted, debits_pending, credits_pending
		FROM ledger_accounts WHERE code = ANY($1) ORDER BY code FOR UPDATE`, codes)
	pendings := queueSettled(b, ts)
	if out.chain {
		pgchain.QueueNext(b, Chain)
	}
	res = tx.SendBatch(ctx, b)
	balances, err := scanBalances(res.Query())
	if err == nil {
		out.done, out.resolved, err = readSettled(res, pendings)
	}
	if err == nil && out.chain {
		out.seq, out.prev, err = pgchain.ReadNext(res)
	}
	if cerr := res.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return locked{}, err
	}
	if len(balances) != len(codes) {
		return locked{}, errors.New("ledger: accounts missing after creation")
	}
	out.balances = make(map[string]*ledger.Balance, len(balances))
	for code, b := range balances {
		out.balances[code] = &b
	}
	return out, nil
}
