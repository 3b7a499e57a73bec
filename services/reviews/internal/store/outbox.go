package store

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/commonweal/commonweal/pkg/outbox"
	"github.com/commonweal/commonweal/services/reviews/internal/app"
)

// Outbox is the use cases' outbox over the schema's outbox table (pkg/outbox) and its relay.
type Outbox struct {
	pool  *pgxpool.Pool
	relay *outbox.Relay
}

var _ app.Outbox = (*Outbox)(nil)

// NewOutbox returns the outbox on pool whose messages relay delivers.
func NewOutbox(pool *pgxpool.Pool, relay *outbox.Relay) *Outbox {
	return &Outbox{pool: pool, relay: relay}
}

// Enqueue records a message in the context's transaction.
func (o *Outbox) Enqueue(ctx context.Context, topic, key string, payload []byte) error {
	_, err := outbox.Enqueue(ctx, o.pool, outbox.Message{Topic: topic, Key: key, Payload: payload})
	return err
}

// Flush makes the key's undelivered messages due now (those waiting for a retry too) and delivers them.
func (o *Outbox) Flush(ctx context.Context, key string) error {
	rows, err := o.pool.Query(ctx, `UPDATE outbox SET next_attempt_at = now() WHERE key = $1 AND delivered_at IS NULL RETURNING id`, key)
	if err != nil {
		return err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return err
	}
	return o.relay.DeliverNow(ctx, ids)
}

// RoundCounts reads a round's review state in one query; its undelivered stages are the outbox messages
// keyed by the round.
func (s *Store) RoundCounts(ctx context.Context, roundID string) (app.RoundCounts, error) {
	var st app.RoundCounts
	err := s.q(ctx).QueryRow(ctx, `SELECT
		COALESCE((SELECT state FROM shortlists WHERE round_id = $1), ''),
		(SELECT count(*) FROM outbox WHERE key = $1::text AND delivered_at IS NULL),
		(SELECT count(*) FROM complaints WHERE round_id = $1 AND state = 'OPEN'),
		COALESCE((SELECT state FROM results WHERE round_id = $1), '')`, roundID).
		Scan(&st.ShortlistState, &st.UndeliveredStages, &st.OpenComplaints, &st.ResultsState)
	return st, err
}
