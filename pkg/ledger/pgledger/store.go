// Package pgledger keeps a ledger (pkg/ledger: transfers, balances and their rules) in PostgreSQL with pgx, in
// the tables of Schema inside the service's own schema.
package pgledger

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/hashchain"
	"github.com/commonweal/commonweal/pkg/hashchain/pgchain"
	"github.com/commonweal/commonweal/pkg/ledger"
)

// Schema is the DDL of the ledger's tables, which a service's migration copies into its own schema (goose
// needs "-- +goose StatementBegin/End" around the function; the store's tests check the copy).
//
// Accounts carry TigerBeetle's four balances (balance = credits − debits); one that may not go negative
// keeps debits_posted + debits_pending <= credits_posted, here as in code. Transfers are append-only: a
// pending transfer is resolved by a new POST_PENDING or VOID_PENDING row naming it, at most once (unique
// pending_id), never by changing the pending row.
const Schema = `CREATE TABLE ledger_accounts (
    code            text PRIMARY KEY,
    may_go_negative boolean NOT NULL,
    debits_posted   bigint NOT NULL DEFAULT 0 CHECK (debits_posted >= 0),
    credits_posted  bigint NOT NULL DEFAULT 0 CHECK (credits_posted >= 0),
    debits_pending  bigint NOT NULL DEFAULT 0 CHECK (debits_pending >= 0),
    credits_pending bigint NOT NULL DEFAULT 0 CHECK (credits_pending >= 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (may_go_negative OR debits_posted + debits_pending <= credits_posted)
);

CREATE TABLE ledger_transfers (
    seq            bigserial UNIQUE,
    id             text PRIMARY KEY,
    kind           text NOT NULL CHECK (kind IN ('POSTED', 'PENDING', 'POST_PENDING', 'VOID_PENDING')),
    debit_account  text NOT NULL REFERENCES ledger_accounts (code),
    credit_account text NOT NULL REFERENCES ledger_accounts (code),
    amount_fen     bigint NOT NULL CHECK (amount_fen > 0),
    pending_id     text REFERENCES ledger_transfers (id),
    reason         text NOT NULL DEFAULT '',
    reference      text NOT NULL DEFAULT '',
    requested_by   text NOT NULL,
    request_id     text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL,
    CHECK (debit_account <> credit_account),
    CHECK ((kind IN ('POST_PENDING', 'VOID_PENDING')) = (pending_id IS NOT NULL))
);
CREATE UNIQUE INDEX ledger_transfers_resolved_once ON ledger_transfers (pending_id) WHERE pending_id IS NOT NULL;
CREATE INDEX ledger_transfers_reference ON ledger_transfers (reference);

CREATE FUNCTION ledger_transfers_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger_transfers is append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER ledger_transfers_no_update BEFORE UPDATE OR DELETE ON ledger_transfers
    FOR EACH ROW EXECUTE FUNCTION ledger_transfers_append_only();
CREATE TRIGGER ledger_transfers_no_truncate BEFORE TRUNCATE ON ledger_transfers
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_transfers_append_only();`

// Store keeps a ledger in the tables of Schema, in the schema its pool's role works in. Every method joins the
// transaction carried by its context (pkg/db), if any.
type Store struct {
	pool  *pgxpool.Pool
	rules ledger.Rules
}

// NewStore returns the ledger over pool with the service's rules.
func NewStore(pool *pgxpool.Pool, rules ledger.Rules) *Store { return &Store{pool: pool, rules: rules} }

// Rules returns the store's rules.
func (s *Store) Rules() ledger.Rules { return s.rules }

func (s *Store) q(ctx context.Context) db.Querier { return db.Q(ctx, s.pool) }

const transferCols = `id, kind, debit_account, credit_account, amount_fen, coalesce(pending_id, ''), reason, reference, requested_by,
	request_id, created_at`

func scanTransfer(row pgx.Row) (ledger.Transfer, error) {
	var t ledger.Transfer
	err := row.Scan(&t.ID, &t.Kind, &t.Debit, &t.Credit, &t.AmountFen, &t.PendingID, &t.Reason, &t.Reference, &t.RequestedBy, &t.RequestID, &t.CreatedAt)
	return t, err
}

func collectTransfers(rows pgx.Rows, err error) ([]ledger.Transfer, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (ledger.Transfer, error) { return scanTransfer(row) })
}

// Get reads a transfer; ok is false when there is none with this ID.
func (s *Store) Get(ctx context.Context, id string) (ledger.Transfer, bool, error) {
	t, err := scanTransfer(s.q(ctx).QueryRow(ctx, `SELECT `+transferCols+` FROM ledger_transfers WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return ledger.Transfer{}, false, nil
	}
	return t, err == nil, err
}

// CreateTransfer makes one transfer (see CreateTransfers).
func (s *Store) CreateTransfer(ctx context.Context, t ledger.Transfer) (ledger.Transfer, error) {
	out, err := s.CreateTransfers(ctx, t)
	if err != nil {
		return ledger.Transfer{}, err
	}
	return out[0], nil
}

// CreateTransfers makes transfers, in order, all or none, inside the caller's transaction (it opens one if
// there is none). Each transfer's ID is the client's: a retry with the same ID and body answers the stored
// transfer and moves nothing, the same ID with another body is TRANSFER_ID_REUSED. A POST_PENDING or
// VOID_PENDING takes the accounts and amount of its pending transfer and resolves it at most once. The
// pending transfers a batch names are looked up first (PENDING_TRANSFER_NOT_FOUND, NOT_A_PENDING_TRANSFER),
// then the transfers are settled in order (the first refusal is the answer).
//
// Every account any of the transfers touches is locked up front, in one global order (see lockAccounts):
// concurrent batches queue without deadlock, provided a transaction makes its transfers in one call.
func (s *Store) CreateTransfers(ctx context.Context, ts ...ledger.Transfer) ([]ledger.Transfer, error) {
	return s.CreateTransfersThen(ctx, Then{}, ts...)
}

// Then is what a caller sends in the round trip that writes the transfers, after their statements, so that
// the locks the ledger holds (its accounts, its chain) are held for no more round trips than needed: Queue
// adds the caller's statements to b, Read reads their answers in order from res. Both nil: nothing.
type Then struct {
	Queue func(b *pgx.Batch)
	Read  func(res pgx.BatchResults) error
}

// CreateTransfersThen is CreateTransfers, with then's statements sent after the transfers' writes in the same
// round trip (alone, when every transfer was already made), inside the same transaction.
func (s *Store) CreateTransfersThen(ctx context.Context, then Then, ts ...ledger.Transfer) ([]ledger.Transfer, error) {
	if len(ts) == 0 {
		return nil, nil
	}
	out := make([]ledger.Transfer, len(ts))
	err := db.InTx(ctx, s.pool, func(ctx context.Context) error {
		ts := slices.Clone(ts)
		for i := range ts {
			if err := ledger.Check(ts[i]); err != nil {
				return err
			}
			if ts[i].Kind.Resolves() {
				// A pending transfer never changes: reading it without a lock is safe.
				p, ok, err := s.Get(ctx, ts[i].PendingID)
				switch {
				case err != nil:
					return err
				case !ok:
					return ledger.ErrPendingNotFound.With("pending transfer %s not found", ts[i].PendingID)
				case p.Kind != ledger.Pending:
					return ledger.ErrNotPending.With("transfer %s is %s", p.ID, p.Kind)
				}
				ts[i].Debit, ts[i].Credit, ts[i].AmountFen, ts[i].Reference = p.Debit, p.Credit, p.AmountFen, p.Reference
			}
		}
		if then.Queue != nil && len(ts) == 1 && ts[0].Kind == ledger.Posted {
			made, err := s.createPosted(ctx, ts[0], then)
			out[0] = made
			return err
		}
		var codes []string
		for _, t := range ts {
			codes = append(codes, t.Debit, t.Credit)
		}
		// Under the locks, every competitor for these accounts has committed or waits for us: what is stored
		// now settles retries and resolutions (read in the round trip that takes the locks).
		locked, err := s.lockAccounts(ctx, ts, codes...)
		if err != nil {
			return err
		}
		bal, done, resolved := locked.balances, locked.done, locked.resolved
		var fresh []ledger.Transfer
		for i, t := range ts {
			if prev, ok := done[t.ID]; ok {
				if !prev.SameBody(t) {
					return ledger.ErrTransferIDReused.With("transfer %s was made with another body", t.ID)
				}
				out[i] = prev
				continue
			}
			if t.Kind.Resolves() {
				if resolved[t.PendingID] {
					return ledger.ErrPendingResolved.With("pending transfer %s was already posted or voided", t.PendingID)
				}
				resolved[t.PendingID] = true
			}
			debit, credit := bal[t.Debit], bal[t.Credit]
			ledger.Apply(debit, credit, t)
			if err := s.rules.CheckLimit(t.Debit, *debit); err != nil {
				return err
			}
			if err := s.rules.CheckLimit(t.Credit, *credit); err != nil {
				return err
			}
			done[t.ID] = t
			fresh = append(fresh, t)
			out[i] = t
		}
		return s.write(ctx, fresh, bal, locked, then)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// queueSettled queues the reads that find the transfers among ts already stored, and the pending transfers
// among those ts resolve that are already resolved; readSettled reads their answers.
func queueSettled(b *pgx.Batch, ts []ledger.Transfer) (pendings bool) {
	var ids, ps []string
	for _, t := range ts {
		ids = append(ids, t.ID)
		if t.Kind.Resolves() {
			ps = append(ps, t.PendingID)
		}
	}
	b.Queue(`SELECT `+transferCols+` FROM ledger_transfers WHERE id = ANY($1)`, ids)
	if len(ps) > 0 {
		b.Queue(`SELECT pending_id FROM ledger_transfers WHERE pending_id = ANY($1)`, ps)
	}
	return len(ps) > 0
}

func readSettled(res pgx.BatchResults, pendings bool) (map[string]ledger.Transfer, map[string]bool, error) {
	stored, err := collectTransfers(res.Query())
	if err != nil {
		return nil, nil, err
	}
	done := map[string]ledger.Transfer{}
	for _, t := range stored {
		done[t.ID] = t
	}
	resolved := map[string]bool{}
	if pendings {
		rows, err := res.Query()
		if err != nil {
			return nil, nil, err
		}
		ps, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return nil, nil, err
		}
		for _, p := range ps {
			resolved[p] = true
		}
	}
	return done, resolved, nil
}

// write inserts the new transfers, as the next entries of the ledger's hash chain, and saves the balances they
// changed, then sends then's statements, all in one round trip.
func (s *Store) write(ctx context.Context, fresh []ledger.Transfer, bal map[string]*ledger.Balance, locked locked, then Then) error {
	if len(fresh) == 0 && then.Queue == nil {
		return nil
	}
	tx, err := batcherOf(ctx, s)
	if err != nil {
		return err
	}
	b := &pgx.Batch{}
	if len(fresh) > 0 {
		for i := range fresh {
			fresh[i].CreatedAt = pgchain.Micro(fresh[i].CreatedAt) // as stored, so the hash is the stored row's
		}
		seq, prev := locked.seq, locked.prev
		if !locked.chain {
			if seq, prev, err = pgchain.Next(ctx, s.q(ctx), Chain); err != nil {
				return err
			}
		}
		// The transfers and the balances in one round trip, the chain's lock held.
		queueChain(b, seq, prev, fresh)
		codes := make([]string, 0, len(bal))
		for c := range bal {
			codes = append(codes, c)
		}
		slices.Sort(codes)
		var dp, cp, dpe, cpe []int64
		for _, c := range codes {
			b := bal[c]
			dp, cp, dpe, cpe = append(dp, b.DebitsPosted), append(cp, b.CreditsPosted), append(dpe, b.DebitsPending), append(cpe, b.CreditsPending)
		}
		b.Queue(`UPDATE ledger_accounts a SET debits_posted = v.dp, credits_posted = v.cp, debits_pending = v.dpe,
		credits_pending = v.cpe FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[]) AS v (code, dp, cp, dpe, cpe)
		WHERE a.code = v.code`, codes, dp, cp, dpe, cpe)
	}
	if then.Queue != nil {
		then.Queue(b)
	}
	res := tx.SendBatch(ctx, b)
	if len(fresh) > 0 {
		err = readChain(res, fresh)
		if err == nil {
			_, err = res.Exec()
		}
	}
	if err == nil && then.Read != nil {
		err = then.Read(res)
	}
	if cerr := res.Close(); err == nil {
		err = cerr
	}
	return err
}

// batcher is a transaction that sends statements in one round trip (pgx.Tx).
type batcher interface {
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// batcherOf is the transaction ctx carries (CreateTransfers always runs in one).
func batcherOf(ctx context.Context, s *Store) (batcher, error) {
	tx, ok := s.q(ctx).(batcher)
	if !ok {
		return nil, errors.New("pgledger: no transaction to send a batch in")
	}
	return tx, nil
}

// createPosted makes one posted transfer t and sends then's statements, all in one round trip: it creates the
// accounts missing, locks the accounts in code order and reads them and what is stored of t (as lockAccounts),
// takes the chain's lock, inserts t as the chain's next entry with its hash computed in SQL (pgchain.HashSQL)
// and adds it to the balances only if the insert stored it, then runs then's statements. The answers are
// checked here afterwards: the stored hash against hashchain's, the balances against the rules (and the
// table's CHECK), a transfer made before under t's ID as a retry (answered with the stored transfer, then's
// statements run as for any retry, the chain's lock held for nothing) or a reuse (TRANSFER_ID_REUSED). Any
// failure fails the transaction, which the caller rolls back.
func (s *Store) createPosted(ctx context.Context, t ledger.Transfer, then Then) (ledger.Transfer, error) {
	codes := []string{t.Debit, t.Credit}
	slices.Sort(codes)
	negative := []bool{s.rules.MayGoNegative != nil && s.rules.MayGoNegative(codes[0]), s.rules.MayGoNegative != nil && s.rules.MayGoNegative(codes[1])}
	tx, err := batcherOf(ctx, s)
	if err != nil {
		return ledger.Transfer{}, err
	}
	t.CreatedAt = pgchain.Micro(t.CreatedAt) // as stored, so the hash is the stored row's
	fields := ChainFields(t)
	chainPart, fieldsPart := pgchain.EncodingParts(Chain, fields...)
	// The missing accounts are created first, by a statement of their own before any account is locked (see
	// lockAccounts).
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO ledger_accounts (code, may_go_negative)
		SELECT c.code, c.neg FROM unnest($1::text[], $2::bool[]) AS c (code, neg)
		WHERE NOT EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.code = c.code)
		ORDER BY c.code
		ON CONFLICT (code) DO NOTHING`, codes, negative)
	b.Queue(`SELECT code, debits_posted, credits_posted, debits_pending, credits_pending
		FROM ledger_accounts WHERE code = ANY($1) ORDER BY code FOR UPDATE`, codes)
	b.Queue(`SELECT `+transferCols+` FROM ledger_transfers WHERE id = $1`, t.ID)
	pgchain.QueueNext(b, Chain)
	b.Queue(`WITH made AS (
			INSERT INTO ledger_transfers (id, kind, debit_account, credit_account, amount_fen, reason, reference, requested_by, request_id,
				created_at, chain_seq, prev_hash, hash)
			SELECT $1::text, $2::text, $3::text, $4::text, $5::bigint, $6::text, $7::text, $8::text, $9::text, $10::timestamptz, n.seq, n.prev, `+pgchain.HashSQL("n.prev", "n.seq", "$11", "$12")+`
			FROM `+pgchain.NextSQL(Chain, "$13")+` AS n
			ON CONFLICT DO NOTHING
			RETURNING chain_seq, prev_hash, hash),
		moved AS (
			UPDATE ledger_accounts a SET debits_posted = a.debits_posted + CASE WHEN a.code = $3 THEN $5 ELSE 0 END,
				credits_posted = a.credits_posted + CASE WHEN a.code = $4 THEN $5 ELSE 0 END
			WHERE a.code IN ($3, $4) AND EXISTS (SELECT 1 FROM made)
			RETURNING a.code)
		SELECT chain_seq, prev_hash, hash, (SELECT count(*) FROM moved) FROM made`,
		t.ID, string(t.Kind), t.Debit, t.Credit, t.AmountFen, t.Reason, t.Reference, t.RequestedBy, t.RequestID, t.CreatedAt,
		chainPart, fieldsPart, hashchain.Genesis)
	then.Queue(b)
	res := tx.SendBatch(ctx, b)
	defer res.Close()
	if _, err := res.Exec(); err != nil {
		return ledger.Transfer{}, err
	}
	balances, err := scanBalances(res.Query())
	if err != nil {
		return ledger.Transfer{}, err
	}
	if len(balances) != len(codes) {
		return ledger.Transfer{}, errors.New("ledger: accounts missing after creation")
	}
	prev, already, err := s.storedOne(res)
	if err != nil {
		return ledger.Transfer{}, err
	}
	seq, prevHash, err := pgchain.ReadNext(res)
	if err != nil {
		return ledger.Transfer{}, err
	}
	// The rules, on the balances read under the locks: their refusal is the answer, whatever the CHECK says.
	debit, credit := balances[t.Debit], balances[t.Credit]
	ledger.Apply(&debit, &credit, t)
	limit := s.rules.CheckLimit(t.Debit, debit)
	if limit == nil {
		limit = s.rules.CheckLimit(t.Credit, credit)
	}
	var l hashchain.Link
	var moved int64
	err = res.QueryRow().Scan(&l.Seq, &l.Prev, &l.Hash, &moved)
	switch {
	case already:
		// Made meanwhile by a transaction that did not need our locks: nothing was inserted or moved.
		if !errors.Is(err, pgx.ErrNoRows) {
			return ledger.Transfer{}, fmt.Errorf("ledger: transfer %s stored twice: %v", t.ID, err)
		}
		if !prev.SameBody(t) {
			return ledger.Transfer{}, ledger.ErrTransferIDReused.With("transfer %s was made with another body", t.ID)
		}
		t = prev
	case limit != nil:
		return ledger.Transfer{}, limit
	case err != nil:
		return ledger.Transfer{}, err
	case l.Seq != seq || l.Prev != prevHash || moved != 2:
		return ledger.Transfer{}, fmt.Errorf("ledger: transfer %s stored as entry %d after %s moving %d accounts, not %d after %s", t.ID, l.Seq, l.Prev, moved, seq, prevHash)
	case l.Hash != hashchain.Hash(l.Prev, hashchain.Encode(Chain, l.Seq, fields...)):
		return ledger.Transfer{}, fmt.Errorf("ledger: transfer %s stored with hash %s, not hashchain's", t.ID, l.Hash)
	}
	if err := then.Read(res); err != nil {
		return ledger.Transfer{}, err
	}
	return t, res.Close()
}

// storedOne reads the answer of a read of one transfer by ID: the stored transfer, if any.
func (s *Store) storedOne(res pgx.BatchResults) (ledger.Transfer, bool, error) {
	t, err := scanTransfer(res.QueryRow())
	if errors.Is(err, pgx.ErrNoRows) {
		return ledger.Transfer{}, false, nil
	}
	return t, err == nil, err
}

// locked is what lockAccounts read under the account locks.
type locked struct {
	balances map[string]*ledger.Balance
	done     map[string]ledger.Transfer // the transfers already stored
	resolved map[string]bool            // the pending transfers already resolved
	chain    bool                       // the chain's lock is held too, and seq and prev are its next entry's
	seq      int64
	prev     string
}
