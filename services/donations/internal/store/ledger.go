package store

import (
	"context"
	"errors"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/services/donations/internal/app"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

const transferCols = `id, kind, debit_account, credit_account, amount_fen, coalesce(pending_id, ''), reason,
	coalesce(application_id::text, ''), coalesce(pledge_id::text, ''), requested_by, request_id, created_at`

func scanTransfer(row pgx.Row) (domain.Transfer, error) {
	var t domain.Transfer
	err := row.Scan(&t.ID, &t.Kind, &t.Debit, &t.Credit, &t.AmountFen, &t.PendingID, &t.Reason, &t.ApplicationID, &t.PledgeID,
		&t.RequestedBy, &t.RequestID, &t.CreatedAt)
	return t, err
}

func (s *Store) getTransfer(ctx context.Context, id string) (domain.Transfer, bool, error) {
	t, err := scanTransfer(s.q(ctx).QueryRow(ctx, `SELECT `+transferCols+` FROM ledger_transfers WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return t, false, nil
	}
	return t, err == nil, err
}

// same returns the stored transfer if t is a retry of it, or TRANSFER_ID_REUSED if it asks for something else.
func same(stored, t domain.Transfer) (domain.Transfer, error) {
	if stored.SameBody(t) {
		return stored, nil
	}
	return domain.Transfer{}, domain.ErrTransferIDReused.With("transfer %s was made with another body", t.ID)
}

var errInvalidAmount = errs.Invalid("INVALID_AMOUNT", "amount_fen", "the amount must be positive")

// CreateTransfer makes a transfer, TigerBeetle style, inside the caller's transaction (it opens one if there
// is none), stamped t.CreatedAt. The transfer ID is the client's: a retry with the same ID and body returns
// the stored transfer, the same ID with another body is refused. POST_PENDING and VOID_PENDING take the
// pending transfer's accounts and amount and resolve it at most once. The accounts are locked in code order
// (see lockAccounts), so concurrent transfers queue without deadlock, and an account that may not go negative
// never does.
func (s *Store) CreateTransfer(ctx context.Context, t domain.Transfer) (domain.Transfer, error) {
	var out domain.Transfer
	err := db.InTx(ctx, s.pool, func(ctx context.Context) error {
		// Transfers are immutable: a stored one with this ID settles the answer.
		if stored, ok, err := s.getTransfer(ctx, t.ID); err != nil {
			return err
		} else if ok {
			if t.Kind == domain.TransferPostPending || t.Kind == domain.TransferVoidPending {
				t.Debit, t.Credit, t.AmountFen = stored.Debit, stored.Credit, stored.AmountFen
			}
			out, err = same(stored, t)
			return err
		}
		if t.Kind == domain.TransferPostPending || t.Kind == domain.TransferVoidPending {
			p, ok, err := s.getTransfer(ctx, t.PendingID)
			if err != nil {
				return err
			}
			if !ok {
				return domain.ErrPendingNotFound.With("pending transfer %s not found", t.PendingID)
			}
			if p.Kind != domain.TransferPending {
				return domain.ErrNotPending.With("transfer %s is %s", p.ID, p.Kind)
			}
			t.Debit, t.Credit, t.AmountFen, t.ApplicationID = p.Debit, p.Credit, p.AmountFen, p.ApplicationID
		}
		if t.AmountFen <= 0 {
			return errInvalidAmount
		}
		bal, err := s.lockAccounts(ctx, t.Debit, t.Credit)
		if err != nil {
			return err
		}
		debit, credit := bal[t.Debit], bal[t.Credit]
		domain.Apply(debit, credit, t)
		if err := domain.CheckLimit(t.Debit, *debit); err != nil {
			return err
		}
		if err := domain.CheckLimit(t.Credit, *credit); err != nil {
			return err
		}
		// Under the account locks, insert. A concurrent transfer with this ID, or resolving the same pending
		// transfer, that committed ahead of us makes this a no-op (primary key, or the unique pending_id index),
		// and we answer from what it stored.
		tag, err := s.q(ctx).Exec(ctx, `INSERT INTO ledger_transfers (id, kind, debit_account, credit_account, amount_fen, pending_id, reason,
			application_id, pledge_id, requested_by, request_id, created_at) VALUES ($1, $2, $3, $4, $5, NULLIF($6, ''), $7, NULLIF($8, '')::uuid,
			NULLIF($9, '')::uuid, $10, $11, $12) ON CONFLICT DO NOTHING`, t.ID, t.Kind, t.Debit, t.Credit, t.AmountFen, t.PendingID, t.Reason,
			t.ApplicationID, t.PledgeID, t.RequestedBy, t.RequestID, t.CreatedAt)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			if stored, ok, err := s.getTransfer(ctx, t.ID); err != nil {
				return err
			} else if ok {
				out, err = same(stored, t)
				return err
			}
			return domain.ErrPendingResolved.With("pending transfer %s was already posted or voided", t.PendingID)
		}
		if _, err := s.q(ctx).Exec(ctx, `UPDATE ledger_accounts a SET debits_posted = v.dp, credits_posted = v.cp, debits_pending = v.dpe,
			credits_pending = v.cpe FROM (VALUES ($1, $2::bigint, $3::bigint, $4::bigint, $5::bigint), ($6, $7, $8, $9, $10)) AS v (code, dp, cp, dpe, cpe)
			WHERE a.code = v.code`, t.Debit, debit.DebitsPosted, debit.CreditsPosted, debit.DebitsPending, debit.CreditsPending,
			t.Credit, credit.DebitsPosted, credit.CreditsPosted, credit.DebitsPending, credit.CreditsPending); err != nil {
			return err
		}
		out = t
		return nil
	})
	return out, err
}

// lockAccounts returns the balances of the accounts, locked until the transaction ends, creating those used
// for the first time. Every transaction takes its account rows in one global order (by code), so concurrent
// transfers queue and never deadlock:
//  1. the missing accounts are created first, in their own statement and in code order, before any account
//     is locked (a row inserted by an uncommitted transaction is as good as locked by it: creating one after
//     locking others, as this code once did, broke the order and deadlocked about one run in twenty);
//  2. then all the transfer's accounts are locked by one SELECT … ORDER BY code FOR UPDATE.
func (s *Store) lockAccounts(ctx context.Context, codes ...string) (map[string]*domain.Balance, error) {
	codes = slices.Compact(slices.Sorted(slices.Values(codes)))
	mayGoNegative := make([]bool, len(codes))
	for i, c := range codes {
		mayGoNegative[i] = domain.MayGoNegative(c)
	}
	// Rows that exist are left alone (no lock, no wait); a row another transaction is creating makes this
	// statement wait for it, in code order.
	if _, err := s.q(ctx).Exec(ctx, `INSERT INTO ledger_accounts (code, may_go_negative)
		SELECT c.code, c.may_go_negative FROM unnest($1::text[], $2::bool[]) AS c (code, may_go_negative)
		WHERE NOT EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.code = c.code)
		ORDER BY c.code
		ON CONFLICT (code) DO NOTHING`, codes, mayGoNegative); err != nil {
		return nil, err
	}
	balances, err := scanBalances(s.q(ctx).Query(ctx, `SELECT code, debits_posted, credits_posted, debits_pending, credits_pending
		FROM ledger_accounts WHERE code = ANY($1) ORDER BY code FOR UPDATE`, codes))
	if err != nil {
		return nil, err
	}
	if len(balances) != len(codes) {
		return nil, errors.New("ledger: accounts missing after creation")
	}
	locked := make(map[string]*domain.Balance, len(balances))
	for code, b := range balances {
		locked[code] = &b
	}
	return locked, nil
}

// scanBalances reads rows of (code, debits_posted, credits_posted, debits_pending, credits_pending).
func scanBalances(rows pgx.Rows, err error) (map[string]domain.Balance, error) {
	if err != nil {
		return nil, err
	}
	balances := map[string]domain.Balance{}
	var code string
	var b domain.Balance
	_, err = pgx.ForEachRow(rows, []any{&code, &b.DebitsPosted, &b.CreditsPosted, &b.DebitsPending, &b.CreditsPending}, func() error {
		balances[code] = b
		return nil
	})
	return balances, err
}

// LedgerSnapshot returns every account's stored balances, every transfer in insertion order and every pledge,
// read in one repeatable-read snapshot so they agree.
func (s *Store) LedgerSnapshot(ctx context.Context) (app.LedgerSnapshot, error) {
	var snap app.LedgerSnapshot
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var err error
		if snap.Balances, err = scanBalances(tx.Query(ctx, `SELECT code, debits_posted, credits_posted, debits_pending, credits_pending FROM ledger_accounts`)); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+transferCols+` FROM ledger_transfers ORDER BY seq`)
		if err != nil {
			return err
		}
		if snap.Transfers, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Transfer, error) { return scanTransfer(row) }); err != nil {
			return err
		}
		snap.Pledges, err = collectPledges(tx.Query(ctx, `SELECT `+pledgeCols+` FROM pledges ORDER BY created_at, id`))
		return err
	})
	if err != nil {
		return app.LedgerSnapshot{}, err
	}
	return snap, nil
}
