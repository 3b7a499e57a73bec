// Package pgchain keeps hash chains (pkg/hashchain) in PostgreSQL tables: each chained table has the columns
// chain_seq (unique, from 1), prev_hash and hash, and is appended to by INSERT only. The chain's name is its
// table's name.
//
// Appending is serialised per chain by a transaction-scoped advisory lock (no row is updated, so the runtime
// role needs only INSERT and SELECT): the head is read after the lock, in the appending transaction, which
// must run at READ COMMITTED (pkg/db's default) so that it sees the head its predecessor committed. The lock
// is held until the transaction ends: append as late in a unit of work as possible, never take row locks others
// may hold after an append, and append to a service's chains in one order in every unit of work (the ledger's
// before the events'), so no two units of work wait for each other's chain.
package pgchain

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/hashchain"
)

// Next locks the chain kept in table until the transaction ctx's querier belongs to ends, and returns the
// next entry's sequence number and its predecessor's hash. q must be a transaction.
func Next(ctx context.Context, q db.Querier, table string) (seq int64, prev string, err error) {
	if tx, ok := q.(batcher); ok {
		// One round trip: the lock, then the head, as two statements of one pipeline (QueueNext).
		b := &pgx.Batch{}
		QueueNext(b, table)
		res := tx.SendBatch(ctx, b)
		seq, prev, err = ReadNext(res)
		if cerr := res.Close(); err == nil {
			err = cerr
		}
		return seq, prev, err
	}
	if _, err := q.Exec(ctx, lockSQL, table); err != nil {
		return 0, "", err
	}
	return scanHead(q.QueryRow(ctx, headSQL(table)))
}

// The key names the schema too: services sharing one database do not queue on each other's chains.
const lockSQL = `SELECT pg_advisory_xact_lock(hashtextextended('commonweal.hashchain:' || current_schema() || '.' || $1::text, 0))`

func headSQL(table string) string {
	return `SELECT chain_seq, hash FROM ` + pgx.Identifier{table}.Sanitize() + ` ORDER BY chain_seq DESC LIMIT 1`
}

func scanHead(row pgx.Row) (seq int64, prev string, err error) {
	err = row.Scan(&seq, &prev)
	if errors.Is(err, pgx.ErrNoRows) {
		return 1, hashchain.Genesis, nil
	}
	if err != nil {
		return 0, "", err
	}
	return seq + 1, prev, nil
}

// QueueNext queues in b what Next runs: the chain's lock, then the read of its head by a statement of its own,
// which takes its snapshot once the lock is held (the transaction must run at READ COMMITTED); ReadNext reads
// their answers (two results of b, in their place).
func QueueNext(b *pgx.Batch, table string) {
	b.Queue(lockSQL, table)
	b.Queue(headSQL(table))
}

// ReadNext reads the answers of QueueNext: the next entry's sequence number and its predecessor's hash.
func ReadNext(res pgx.BatchResults) (seq int64, prev string, err error) {
	if _, err := res.Exec(); err != nil {
		return 0, "", err
	}
	return scanHead(res.QueryRow())
}

// batcher is a transaction that sends statements in one round trip (pgx.Tx).
type batcher interface {
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// Head reads the last entry of the chain kept in table; timeCol is the column of the entry's time.
func Head(ctx context.Context, q db.Querier, table, timeCol string) (hashchain.Head, error) {
	h := hashchain.Head{Chain: table}
	err := q.QueryRow(ctx, `SELECT chain_seq, hash, `+pgx.Identifier{timeCol}.Sanitize()+` FROM `+pgx.Identifier{table}.Sanitize()+
		` ORDER BY chain_seq DESC LIMIT 1`).Scan(&h.Seq, &h.Hash, &h.At)
	if errors.Is(err, pgx.ErrNoRows) {
		return hashchain.Head{Chain: table}, nil
	}
	return h, err
}

// Micro truncates t to the microseconds the database keeps, so the hash computed before the INSERT is the one
// the stored row gives.
func Micro(t time.Time) time.Time { return t.Truncate(time.Microsecond) }

// Events is a chained audit trail of the suite's shape: id bigserial, an owner column (the pledge or plan the
// event is about, a uuid), action, at, by_subject, request_id, detail. Its entries' fields, in the canonical
// encoding's order: owner ID, action, at, by_subject, request_id, detail; an entry is named by its id.
type Events struct {
	Table string // the table, which is the chain's name
	Owner string // the owner column
}

// Event is one entry of an Events trail.
type Event struct {
	Owner, Action string
	At            time.Time
	By, RequestID string
	Detail        string
}

// Fields are the event's fields in the canonical encoding's order.
func (e Event) Fields() []string {
	return []string{e.Owner, e.Action, hashchain.Time(e.At), e.By, e.RequestID, e.Detail}
}

// Append inserts e as the trail's next entry, inside the transaction q is (the chain stays locked until it
// ends).
func (t Events) Append(ctx context.Context, q db.Querier, e Event) error {
	sql, args, err := t.next(ctx, q, e)
	if err != nil {
		return err
	}
	_, err = q.Exec(ctx, sql, args...)
	return err
}

// QueueAppend queues in b the whole of an append of e: the trail's lock, then an insert that reads the head and
// computes the new entry's hash in SQL, from the canonical encoding's parts made here (the chain's netstring,
// then the sequence number's, then the fields'). No round trip is needed between the head and the insert, so
// the lock is held for as little as the rest of b and the commit. The returned read checks the answer (two
// results of b, in their place): the stored hash must be hashchain's of the stored predecessor and sequence
// number, or the append fails and the transaction must be rolled back.
func (t Events) QueueAppend(b *pgx.Batch, e Event) (read func(res pgx.BatchResults) error) {
	e.At = Micro(e.At)
	fields := e.Fields()
	chainPart, fieldsPart := EncodingParts(t.Table, fields...)
	b.Queue(lockSQL, t.Table)
	b.Queue(`INSERT INTO `+pgx.Identifier{t.Table}.Sanitize()+` (`+pgx.Identifier{t.Owner}.Sanitize()+`, action, at, by_subject, request_id, detail,
			chain_seq, prev_hash, hash)
		SELECT $1, $2, $3, $4, $5, $6, n.seq, n.prev, `+HashSQL("n.prev", "n.seq", "$7", "$8")+`
		FROM `+NextSQL(t.Table, "$9")+` AS n
		RETURNING chain_seq, prev_hash, hash`,
		e.Owner, e.Action, e.At, e.By, e.RequestID, e.Detail, chainPart, fieldsPart, hashchain.Genesis)
	return func(res pgx.BatchResults) error {
		if _, err := res.Exec(); err != nil {
			return err
		}
		var l hashchain.Link
		if err := res.QueryRow().Scan(&l.Seq, &l.Prev, &l.Hash); err != nil {
			return err
		}
		if want := hashchain.Hash(l.Prev, hashchain.Encode(t.Table, l.Seq, fields...)); l.Hash != want {
			return fmt.Errorf("pgchain: %s entry %d stored with hash %s, not %s", t.Table, l.Seq, l.Hash, want)
		}
		return nil
	}
}

func netstring(s string) string { return strconv.Itoa(len(s)) + ":" + s + "," }

// EncodingParts are the parts of an entry's canonical encoding (hashchain.Encode) that do not depend on its
// sequence number: the chain's netstring, and the fields' netstrings. HashSQL puts them together in SQL.
func EncodingParts(chain string, fields ...string) (chainPart, fieldsPart string) {
	enc := hashchain.Encode(chain, 0, fields...) // the chain's netstring, "1:0,", then the fields'
	chainPart = netstring(chain)
	return chainPart, string(enc[len(chainPart)+len(netstring("0")):])
}

// HashSQL is the SQL expression of an entry's hash (hashchain.Hash of hashchain.Encode), from SQL expressions
// of its predecessor's hash, its sequence number and the two EncodingParts (text parameters).
func HashSQL(prev, seq, chainPart, fieldsPart string) string {
	return `encode(sha256(convert_to(` + prev + ` || ` + chainPart + `::text || length((` + seq + `)::text) || ':' || (` + seq + `)::text || ',' || ` +
		fieldsPart + `::text, 'UTF8')), 'hex')`
}

// NextSQL is a subquery of one row (seq, prev): the next entry's sequence number and its predecessor's hash
// (genesis, a text parameter holding hashchain.Genesis, for an empty chain), read from the chain kept in table
// by the statement it is part of. The chain's lock must be held before that statement starts (QueueAppend).
func NextSQL(table, genesis string) string {
	return `(SELECT coalesce(h.chain_seq, 0) + 1 AS seq, coalesce(h.hash, ` + genesis + `::text) AS prev
		FROM (SELECT 1) AS one LEFT JOIN LATERAL (SELECT chain_seq, hash FROM ` + pgx.Identifier{table}.Sanitize() + `
		ORDER BY chain_seq DESC LIMIT 1) AS h ON true)`
}

// next locks the trail and returns the insert of e as its next entry.
func (t Events) next(ctx context.Context, q db.Querier, e Event) (string, []any, error) {
	seq, prev, err := Next(ctx, q, t.Table)
	if err != nil {
		return "", nil, err
	}
	e.At = Micro(e.At)
	l := hashchain.Seal(t.Table, seq, prev, hashchain.Link{Fields: e.Fields()})
	return `INSERT INTO ` + pgx.Identifier{t.Table}.Sanitize() + ` (` + pgx.Identifier{t.Owner}.Sanitize() + `, action, at, by_subject, request_id,
		detail, chain_seq, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		[]any{e.Owner, e.Action, e.At, e.By, e.RequestID, e.Detail, l.Seq, l.Prev, l.Hash}, nil
}

// Head reads the trail's head.
func (t Events) Head(ctx context.Context, q db.Querier) (hashchain.Head, error) {
	return Head(ctx, q, t.Table, "at")
}

// Chain reads the whole trail in sequence order.
func (t Events) Chain(ctx context.Context, q db.Querier) (hashchain.Chain, error) {
	rows, err := q.Query(ctx, `SELECT id::text, `+pgx.Identifier{t.Owner}.Sanitize()+`::text, action, at, by_subject, request_id, detail, chain_seq, prev_hash, hash
		FROM `+pgx.Identifier{t.Table}.Sanitize()+` ORDER BY chain_seq`)
	if err != nil {
		return hashchain.Chain{}, err
	}
	links, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (hashchain.Link, error) {
		var e Event
		var l hashchain.Link
		err := row.Scan(&l.ID, &e.Owner, &e.Action, &e.At, &e.By, &e.RequestID, &e.Detail, &l.Seq, &l.Prev, &l.Hash)
		l.At, l.Fields = e.At, e.Fields()
		return l, err
	})
	return hashchain.Chain{Name: t.Table, Links: links}, err
}
