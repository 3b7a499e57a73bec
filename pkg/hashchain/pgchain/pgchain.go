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
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/hashchain"
)

// Next locks the chain kept in table until the transaction ctx's querier belongs to ends, and returns the
// next entry's sequence number and its predecessor's hash. q must be a transaction.
func Next(ctx context.Context, q db.Querier, table string) (seq int64, prev string, err error) {
	// The key names the schema too: services sharing one database do not queue on each other's chains.
	const lock = `SELECT pg_advisory_xact_lock(hashtextextended('commonweal.hashchain:' || current_schema() || '.' || $1::text, 0))`
	head := `SELECT chain_seq, hash FROM ` + pgx.Identifier{table}.Sanitize() + ` ORDER BY chain_seq DESC LIMIT 1`
	if _, err := q.Exec(ctx, lock, table); err != nil {
		return 0, "", err
	}
	err = q.QueryRow(ctx, head).Scan(&seq, &prev)
	if errors.Is(err, pgx.ErrNoRows) {
		return 1, hashchain.Genesis, nil
	}
	if err != nil {
		return 0, "", err
	}
	return seq + 1, prev, nil
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
	seq, prev, err := Next(ctx, q, t.Table)
	if err != nil {
		return err
	}
	e.At = Micro(e.At)
	l := hashchain.Seal(t.Table, seq, prev, hashchain.Link{Fields: e.Fields()})
	_, err = q.Exec(ctx, `INSERT INTO `+pgx.Identifier{t.Table}.Sanitize()+` (`+pgx.Identifier{t.Owner}.Sanitize()+`, action, at, by_subject, request_id,
		detail, chain_seq, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, e.Owner, e.Action, e.At, e.By, e.RequestID, e.Detail, l.Seq, l.Prev, l.Hash)
	return err
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
