package db

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

func TestUnreachable(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"no rows", pgx.ErrNoRows, false},
		{"unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"statement timeout", &pgconn.PgError{Code: "57014"}, false},
		{"connection failure", &pgconn.PgError{Code: "08006"}, true},
		{"admin shutdown", fmt.Errorf("query: %w", &pgconn.PgError{Code: "57P01"}), true},
		{"starting up", &pgconn.PgError{Code: "57P03"}, true},
		{"refused", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, true},
		{"closed mid-read", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true},
		{"plain error", errors.New("boom"), false},
	}
	for _, c := range cases {
		if got := Unreachable(c.err); got != c.want {
			t.Errorf("%s: Unreachable = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestUnreachableFromARealPool dials a port nobody listens on: the error pgx returns must count as
// unreachable, whatever its wrapping.
func TestUnreachableFromARealPool(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pool, err := pgxpool.New(ctx, "postgres://nobody@"+addr+"/none?sslmode=disable&connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	_, err = pool.Exec(ctx, "SELECT 1")
	if err == nil || !Unreachable(err) {
		t.Fatalf("err = %v, want one counted as unreachable", err)
	}

	// Watch reports the database down at once.
	var mu sync.Mutex
	var reports []bool
	wctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		Watch(wctx, pool, 20*time.Millisecond, func(up bool) { mu.Lock(); reports = append(reports, up); mu.Unlock() })
		close(done)
	}()
	for {
		mu.Lock()
		n := len(reports)
		mu.Unlock()
		if n > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	<-done
	if reports[0] {
		t.Fatalf("reports = %v, want down first", reports)
	}
	for i := 1; i < len(reports); i++ {
		if reports[i] == reports[i-1] {
			t.Fatalf("reports = %v: the same state twice", reports)
		}
	}
}
