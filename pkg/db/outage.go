package db

import (
	"context"
	"errors"
	"io"
	"net"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Unreachable reports whether err means the database could not be reached or dropped the connection
// (server down, restarting or refusing connections), as opposed to a statement that failed.
func Unreachable(err error) bool {
	if err == nil {
		return false
	}
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case len(pgErr.Code) == 5 && pgErr.Code[:2] == "08": // connection_exception
			return true
		case pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03": // admin/crash shutdown, cannot connect now
			return true
		}
		return false
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) {
		return true
	}
	// pgx reports a connection lost mid-statement as a plain error that is safe to retry.
	return pgconn.SafeToRetry(err)
}

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
