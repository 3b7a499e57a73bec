package db

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/commonweal/commonweal/pkg/pgerr"
)

// Unreachable reports whether err means the database could not be reached or dropped the connection
// (server down, restarting or refusing connections), as opposed to a statement that failed.
func Unreachable(err error) bool { return pgerr.Unreachable(err) }

// Watch pings the pool every interval until ctx is done and calls report with whether the database
// answered, once at the start and then whenever that changes, so a service's health follows its database.
func Watch(ctx context.Context, pool *pgxpool.Pool, interval time.Duration, report func(up bool)) {
	last := -1
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		pctx, cancel := context.WithTimeout(ctx, interval)
		err := pool.Ping(pctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		up := 0
		if err == nil {
			up = 1
		}
		if up != last {
			report(up == 1)
			last = up
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
