// Package outbox carries a service's effects on other services after a local commit: a use case enqueues a
// message in the same transaction as its change, and a relay delivers it afterwards, retrying with backoff
// until the receiver accepts it. No lock is held while delivering; receivers must be idempotent, since a
// message may be delivered more than once (e.g. after a crash between delivery and marking it).
package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/commonweal/commonweal/pkg/db"
)

// Table is the DDL of the outbox table a service's migration creates in its schema.
const Table = `CREATE TABLE outbox (
    id              bigserial PRIMARY KEY,
    topic           text NOT NULL,
    key             text NOT NULL,
    payload         bytea NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    last_error      text
);
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE delivered_at IS NULL;
CREATE INDEX outbox_key ON outbox (key) WHERE delivered_at IS NULL`

// Message is one effect to deliver.
type Message struct {
	ID       int64
	Topic    string // which handler delivers it
	Key      string // what it is about (e.g. a round ID), to flush or count a group
	Payload  []byte
	Attempts int
}

// Enqueue records m in the context's transaction (db.InTx) and returns its ID.
func Enqueue(ctx context.Context, pool *pgxpool.Pool, m Message) (int64, error) {
	var id int64
	err := db.Q(ctx, pool).QueryRow(ctx, `INSERT INTO outbox (topic, key, payload) VALUES ($1, $2, $3) RETURNING id`, m.Topic, m.Key, m.Payload).Scan(&id)
	return id, err
}

// Pending counts the undelivered messages with key.
func Pending(ctx context.Context, pool *pgxpool.Pool, key string) (int, error) {
	var n int
	err := db.Q(ctx, pool).QueryRow(ctx, `SELECT count(*) FROM outbox WHERE key = $1 AND delivered_at IS NULL`, key).Scan(&n)
	return n, err
}

// Handler delivers a message to its receiver; an error leaves it for a later attempt.
type Handler func(ctx context.Context, m Message) error

// Relay delivers a service's outbox.
type Relay struct {
	pool     *pgxpool.Pool
	handlers map[string]Handler
	// Interval between polls when nothing is due.
	Interval time.Duration
	// Lease is how long a claimed message is left to its deliverer before another may try it.
	Lease time.Duration
	// MaxBackoff caps the wait between attempts.
	MaxBackoff time.Duration
	// Batch is how many messages one poll claims.
	Batch int
}

// NewRelay returns a relay over pool with a handler per topic.
func NewRelay(pool *pgxpool.Pool, handlers map[string]Handler) *Relay {
	return &Relay{pool: pool, handlers: handlers, Interval: time.Second, Lease: 30 * time.Second, MaxBackoff: time.Minute, Batch: 50}
}

// Run delivers due messages until ctx is done.
func (r *Relay) Run(ctx context.Context) {
	for {
		n, err := r.Once(ctx)
		if err != nil && ctx.Err() == nil && !db.Unreachable(err) {
			slog.ErrorContext(ctx, "outbox relay", "error", err.Error())
		}
		if n > 0 && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(r.Interval):
		}
	}
}

// Once claims and delivers one batch of due messages and returns how many it tried.
func (r *Relay) Once(ctx context.Context) (int, error) {
	msgs, err := r.claim(ctx, `SELECT id FROM outbox WHERE delivered_at IS NULL AND next_attempt_at <= now() ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`, r.Batch)
	if err != nil {
		return 0, err
	}
	for _, m := range msgs {
		if err := r.deliver(ctx, m); err != nil && ctx.Err() != nil {
			return len(msgs), err
		}
	}
	return len(msgs), nil
}

// DeliverNow tries the messages with ids at once (a use case calls it after its commit, so the effect is
// usually visible when it answers), waiting for any another deliverer holds. It returns the first
// delivery error; undelivered messages stay for the background relay.
func (r *Relay) DeliverNow(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	msgs, err := r.claim(ctx, `SELECT id FROM outbox WHERE id = ANY($1) AND delivered_at IS NULL AND next_attempt_at <= now() FOR UPDATE SKIP LOCKED`, ids)
	if err != nil {
		return err
	}
	var first error
	for _, m := range msgs {
		if err := r.deliver(ctx, m); err != nil && first == nil {
			first = err
		}
	}
	if first != nil {
		return first
	}
	// Messages another relay holds: wait (bounded by the lease) until they are delivered.
	deadline := time.Now().Add(r.Lease)
	for time.Now().Before(deadline) {
		var left int
		if err := r.pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE id = ANY($1) AND delivered_at IS NULL`, ids).Scan(&left); err != nil {
			return err
		}
		if left == 0 {
			return nil
		}
		var failed *string
		_ = r.pool.QueryRow(ctx, `SELECT last_error FROM outbox WHERE id = ANY($1) AND delivered_at IS NULL AND last_error IS NOT NULL LIMIT 1`, ids).Scan(&failed)
		if failed != nil {
			return errors.New(*failed)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return fmt.Errorf("outbox: messages still undelivered after %s", r.Lease)
}

// claim leases the selected messages in one short statement: no lock is held once it returns.
func (r *Relay) claim(ctx context.Context, selectIDs string, arg any) ([]Message, error) {
	rows, err := r.pool.Query(ctx, `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => $2)
		WHERE id IN (`+selectIDs+`) RETURNING id, topic, key, payload, attempts`, arg, r.Lease.Seconds())
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Message, error) {
		var m Message
		err := row.Scan(&m.ID, &m.Topic, &m.Key, &m.Payload, &m.Attempts)
		return m, err
	})
}

func (r *Relay) deliver(ctx context.Context, m Message) error {
	h, ok := r.handlers[m.Topic]
	var err error
	if !ok {
		err = fmt.Errorf("outbox: no handler for topic %q", m.Topic)
	} else {
		err = h(ctx, m)
	}
	if err == nil {
		_, err = r.pool.Exec(ctx, `UPDATE outbox SET delivered_at = now(), last_error = NULL WHERE id = $1`, m.ID)
		return err
	}
	msg := err.Error()
	if len(msg) > 500 {
		msg = msg[:500]
	}
	slog.WarnContext(ctx, "outbox delivery failed", "topic", m.Topic, "id", m.ID, "attempts", m.Attempts, "error", msg)
	if _, uerr := r.pool.Exec(context.WithoutCancel(ctx), `UPDATE outbox SET next_attempt_at = now() + make_interval(secs => $2), last_error = $3 WHERE id = $1`,
		m.ID, r.backoff(m.Attempts).Seconds(), msg); uerr != nil {
		slog.WarnContext(ctx, "outbox: recording a failed delivery", "error", uerr.Error())
	}
	return err
}

// backoff doubles from 1 s per attempt up to MaxBackoff.
func (r *Relay) backoff(attempts int) time.Duration {
	d := time.Second
	for i := 1; i < attempts && d < r.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, r.MaxBackoff)
}
