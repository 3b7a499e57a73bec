package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

// StoredTransfer is a transfer as stored, with when it was made.
type StoredTransfer struct {
	domain.Transfer
	CreatedAt time.Time
}

const transferCols = `id, kind, debit_account, credit_account, amount_fen, coalesce(pending_id, ''), reason,
	coalesce(application_id::text, ''), coalesce(pledge_id::text, ''), requested_by, request_id, created_at`

func scanTransfer(row pgx.Row) (StoredTransfer, error) {
	var t StoredTransfer
	err := row.Scan(&t.ID, &t.Kind, &t.Debit, &t.Credit, &t.AmountFen, &t.PendingID, &t.Reason, &t.ApplicationID, &t.PledgeID,
		&t.RequestedBy, &t.RequestID, &t.CreatedAt)
	return t, err
}

func (s *Store) getTransfer(ctx context.Context, id string) (StoredTransfer, bool, error) {
	t, err := scanTransfer(s.q(ctx).QueryRow(ctx, `SELECT `+transferCols+` FROM ledger_transfers WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return t, false, nil
	}
	return t, err == nil, err
}

// GetTransfer reads a transfer; ok is false when there is none.
func (s *Store) GetTransfer(ctx context.Context, id string) (StoredTransfer, bool, error) {
	return s.getTransfer(ctx, id)
}

// same returns the stored transfer if t is a retry of it, or TRANSFER_ID_REUSED if it asks for something else.
func same(stored StoredTransfer, t domain.Transfer) (StoredTransfer, error) {
	if stored.SameBody(t) {
		return stored, nil
	}
	return StoredTransfer{}, domain.ErrTransferIDReused.With("transfer %s was made with another body", t.ID)
}

// CreateTransfer makes a transfer, TigerBeetle style, inside the caller's transaction (it opens one if there
// is none). The transfer ID is the client's: a retry with the same ID and body returns the stored transfer, the
// same ID with another body is refused. POST_PENDING and VOID_PENDING take the pending transfer's accounts and
// amount and resolve it at most once. Both accounts are locked in code order, so concurrent transfers on
// the same accounts queue without deadlock, and an account that may not go negative never does.
func (s *Store) CreateTransfer(ctx context.Context, t domain.Transfer, at time.Time) (StoredTransfer, error) {
	var out StoredTransfer
	err := s.InTx(ctx, func(ctx context.Context) error {
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
			t.ApplicationID, t.PledgeID, t.RequestedBy, t.RequestID, at)
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
		out = StoredTransfer{Transfer: t, CreatedAt: at}
		return nil
	})
	return out, err
}

// lockAccounts locks the accounts in code order (so concurrent transfers never deadlock), creating those
// that do not exist yet, and returns their balances.
func (s *Store) lockAccounts(ctx context.Context, codes ...string) (map[string]*domain.Balance, error) {
	for attempt := 0; ; attempt++ {
		rows, err := s.q(ctx).Query(ctx, `SELECT code, debits_posted, credits_posted, debits_pending, credits_pending
			FROM ledger_accounts WHERE code = ANY($1) ORDER BY code FOR UPDATE`, codes)
		if err != nil {
			return nil, err
		}
		bal := map[string]*domain.Balance{}
		for rows.Next() {
			var code string
			var b domain.Balance
			if err := rows.Scan(&code, &b.DebitsPosted, &b.CreditsPosted, &b.DebitsPending, &b.CreditsPending); err != nil {
				rows.Close()
				return nil, err
			}
			bal[code] = &b
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if len(bal) == len(codes) || attempt > 0 {
			if len(bal) != len(codes) {
				return nil, errors.New("ledger: accounts missing after creation")
			}
			return bal, nil
		}
		// First use of an account: create it (a concurrent creator is fine), then lock again. Locks already
		// held on the existing account are kept, and the new one is created empty, so order stays safe.
		for _, code := range codes {
			if bal[code] == nil {
				if _, err := s.q(ctx).Exec(ctx, `INSERT INTO ledger_accounts (code, may_go_negative) VALUES ($1, $2) ON CONFLICT (code) DO NOTHING`,
					code, domain.MayGoNegative(code)); err != nil {
					return nil, err
				}
			}
		}
	}
}

// Ledger returns every account's stored balances and every transfer in insertion order, read in one
// repeatable-read snapshot so the two agree.
func (s *Store) Ledger(ctx context.Context) (map[string]domain.Balance, []domain.Transfer, error) {
	balances, transfers, _, err := s.LedgerSnapshot(ctx)
	return balances, transfers, err
}

// LedgerSnapshot returns every account's stored balances, every transfer in insertion order and every pledge,
// read in one repeatable-read snapshot so they agree.
func (s *Store) LedgerSnapshot(ctx context.Context) (map[string]domain.Balance, []domain.Transfer, []domain.Pledge, error) {
	balances := map[string]domain.Balance{}
	var transfers []domain.Transfer
	var pledges []domain.Pledge
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT code, debits_posted, credits_posted, debits_pending, credits_pending FROM ledger_accounts`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var code string
			var b domain.Balance
			if err := rows.Scan(&code, &b.DebitsPosted, &b.CreditsPosted, &b.DebitsPending, &b.CreditsPending); err != nil {
				rows.Close()
				return err
			}
			balances[code] = b
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT `+transferCols+` FROM ledger_transfers ORDER BY seq`)
		if err != nil {
			return err
		}
		all, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (StoredTransfer, error) { return scanTransfer(row) })
		if err != nil {
			return err
		}
		for _, t := range all {
			transfers = append(transfers, t.Transfer)
		}
		rows, err = tx.Query(ctx, `SELECT `+pledgeCols+` FROM pledges ORDER BY created_at, id`)
		if err != nil {
			return err
		}
		pledges, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.Pledge, error) { return scanPledge(row) })
		return err
	})
	return balances, transfers, pledges, err
}

var errInvalidAmount = errInvalid("INVALID_AMOUNT", "amount_fen", "the amount must be positive")
