package idempotency

import (
	"context"
	"log/slog"
	"time"
)

// DefaultRetention is how long request records are kept: far longer than any client retries a request.
const DefaultRetention = 30 * 24 * time.Hour

// PurgeBatch is how many records one purge statement deletes, so no statement holds many row locks for long.
const PurgeBatch = 500

// Purge deletes the request records created before cutoff, at most batch per statement (each its own short
// transaction), until none is left or ctx ends; it returns how many it deleted. A retry of a purged request
// runs again as a new one, so the retention must exceed any client's retry window.
func (s *PG) Purge(ctx context.Context, cutoff time.Time, batch int) (int64, error) {
	if batch <= 0 {
		batch = PurgeBatch
	}
	var total int64
	for {
		tag, err := s.Pool.Exec(ctx, `DELETE FROM idempotency_keys WHERE request_id IN (
    SELECT request_id FROM idempotency_keys WHERE created_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`, cutoff, batch)
		if err != nil {
			return total, err
		}
		total += tag.RowsAffected()
		if tag.RowsAffected() < int64(batch) {
			return total, nil
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
}

// PurgeEvery runs Purge with cutoff now-retention at once and then every interval until ctx ends (a
// background task of the service); failures are logged and retried at the next tick.
func (s *PG) PurgeEvery(ctx context.Context, retention, interval time.Duration, now func() time.Time) {
	for {
		n, err := s.Purge(ctx, now().Add(-retention), PurgeBatch)
		switch {
		case err != nil && ctx.Err() == nil:
			slog.Warn("purging old request records", "error", err.Error())
		case n > 0:
			slog.Info("purged old request records", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}
