package pgledger

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/hashchain"
	"github.com/commonweal/commonweal/pkg/hashchain/pgchain"
	"github.com/commonweal/commonweal/pkg/ledger"
)

// Chain is the name of the ledger's hash chain: every transfer is an entry of it, in the order it was made.
const Chain = "ledger_transfers"

// ChainSchema is the DDL that hash-chains the transfers of Schema (pkg/hashchain), which a service's migration
// copies after Schema, with goose's annotations around the function and the DO block (the store's tests check
// the copy). Transfers made before it are chained in the order (created_at, seq).
const ChainSchema = `ALTER TABLE ledger_transfers ADD COLUMN chain_seq bigint, ADD COLUMN prev_hash text, ADD COLUMN hash text;

CREATE OR REPLACE FUNCTION pg_temp.chain_field(v text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT octet_length(v)::text || ':' || v || ','
$$;

ALTER TABLE ledger_transfers DISABLE TRIGGER ledger_transfers_no_update;
DO $$
DECLARE
    r    record;
    prev text := repeat('0', 64);
    n    bigint := 0;
    h    text;
BEGIN
    FOR r IN SELECT * FROM ledger_transfers ORDER BY created_at, seq LOOP
        n := n + 1;
        h := encode(sha256(convert_to(prev || pg_temp.chain_field('ledger_transfers') || pg_temp.chain_field(n::text) ||
            pg_temp.chain_field(r.id) || pg_temp.chain_field(r.kind) || pg_temp.chain_field(r.debit_account) ||
            pg_temp.chain_field(r.credit_account) || pg_temp.chain_field(r.amount_fen::text) ||
            pg_temp.chain_field(coalesce(r.pending_id, '')) || pg_temp.chain_field(r.reason) || pg_temp.chain_field(r.reference) ||
            pg_temp.chain_field(r.requested_by) || pg_temp.chain_field(r.request_id) ||
            pg_temp.chain_field(to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')), 'UTF8')), 'hex');
        UPDATE ledger_transfers SET chain_seq = n, prev_hash = prev, hash = h WHERE id = r.id;
        prev := h;
    END LOOP;
END;
$$;
ALTER TABLE ledger_transfers ENABLE TRIGGER ledger_transfers_no_update;

ALTER TABLE ledger_transfers ALTER COLUMN chain_seq SET NOT NULL, ALTER COLUMN prev_hash SET NOT NULL, ALTER COLUMN hash SET NOT NULL,
    ADD CONSTRAINT ledger_transfers_chain_seq_key UNIQUE (chain_seq),
    ADD CONSTRAINT ledger_transfers_chain_seq_check CHECK (chain_seq > 0),
    ADD CONSTRAINT ledger_transfers_hash_check CHECK (hash ~ '^[0-9a-f]{64}$' AND prev_hash ~ '^[0-9a-f]{64}$');`

// ChainFields are a transfer's fields in the chain's canonical encoding, in this order: id, kind, debit
// account, credit account, amount_fen, pending_id ("" for none), reason, reference, requested_by, request_id,
// created_at.
func ChainFields(t ledger.Transfer) []string {
	return []string{t.ID, string(t.Kind), t.Debit, t.Credit, hashchain.Int(t.AmountFen), t.PendingID, t.Reason, t.Reference,
		t.RequestedBy, t.RequestID, hashchain.Time(t.CreatedAt)}
}

// ChainHead reads the chain's head.
func (s *Store) ChainHead(ctx context.Context) (hashchain.Head, error) {
	return pgchain.Head(ctx, s.q(ctx), Chain, "created_at")
}

// ChainLinks reads the whole chain, in sequence order, from the transaction ctx carries (or the pool).
func (s *Store) ChainLinks(ctx context.Context) (hashchain.Chain, error) {
	return chainOf(s.q(ctx).Query(ctx, `SELECT `+transferCols+`, chain_seq, prev_hash, hash FROM ledger_transfers ORDER BY chain_seq`))
}

func chainOf(rows pgx.Rows, err error) (hashchain.Chain, error) {
	if err != nil {
		return hashchain.Chain{}, err
	}
	links, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (hashchain.Link, error) {
		var t ledger.Transfer
		var l hashchain.Link
		err := row.Scan(&t.ID, &t.Kind, &t.Debit, &t.Credit, &t.AmountFen, &t.PendingID, &t.Reason, &t.Reference, &t.RequestedBy, &t.RequestID,
			&t.CreatedAt, &l.Seq, &l.Prev, &l.Hash)
		l.ID, l.At, l.Fields = t.ID, t.CreatedAt, ChainFields(t)
		return l, err
	})
	return hashchain.Chain{Name: Chain, Links: links}, err
}

// queueChain queues the inserts of fresh transfers as the chain's next entries after (seq−1, prev), which the
// caller read under the chain's lock (pkg/hashchain/pgchain.Next), the last lock the ledger takes in a unit of
// work; readChain reads their answers. Their times are already truncated to microseconds.
func queueChain(b *pgx.Batch, seq int64, prev string, fresh []ledger.Transfer) {
	for _, t := range fresh {
		l := hashchain.Seal(Chain, seq, prev, hashchain.Link{Fields: ChainFields(t)})
		b.Queue(`INSERT INTO ledger_transfers (id, kind, debit_account, credit_account, amount_fen, pending_id, reason,
			reference, requested_by, request_id, created_at, chain_seq, prev_hash, hash)
			VALUES ($1, $2, $3, $4, $5, NULLIF($6, ''), $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT DO NOTHING`,
			t.ID, t.Kind, t.Debit, t.Credit, t.AmountFen, t.PendingID, t.Reason, t.Reference, t.RequestedBy, t.RequestID, t.CreatedAt,
			l.Seq, l.Prev, l.Hash)
		seq, prev = seq+1, l.Hash
	}
}

func readChain(res pgx.BatchResults, fresh []ledger.Transfer) error {
	for _, t := range fresh {
		tag, err := res.Exec()
		if err != nil {
			return err
		}
		// A transfer with this ID and other accounts, committed meanwhile by a transaction that did not need
		// our locks, makes this a conflict: a reuse of the ID with another body.
		if tag.RowsAffected() == 0 {
			return ledger.ErrTransferIDReused.With("transfer %s was made meanwhile with another body", t.ID)
		}
	}
	return nil
}

// WithEvents are the hash chains of a service that keeps a ledger and one event trail (donations: pledge
// events; funding: plan events), read together.
type WithEvents struct {
	Ledger *Store
	Events pgchain.Events
}

// Heads reads the ledger's head and the events' head in one read-only snapshot.
func (c WithEvents) Heads(ctx context.Context, pool *pgxpool.Pool) ([]hashchain.Head, error) {
	var heads []hashchain.Head
	err := pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		transfers, err := pgchain.Head(ctx, tx, Chain, "created_at")
		if err != nil {
			return err
		}
		events, err := c.Events.Head(ctx, tx)
		heads = []hashchain.Head{transfers, events}
		return err
	})
	return heads, err
}

// Chain reads the chain named name whole; ok is false for a name that is neither chain.
func (c WithEvents) Chain(ctx context.Context, q db.Querier, name string) (hashchain.Chain, bool, error) {
	switch name {
	case Chain:
		ch, err := c.Ledger.ChainLinks(ctx)
		return ch, true, err
	case c.Events.Table:
		ch, err := c.Events.Chain(ctx, q)
		return ch, true, err
	}
	return hashchain.Chain{}, false, nil
}
