package pgerr

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestTransient(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{&pgconn.PgError{Code: "40P01"}, true},                            // deadlock_detected
		{fmt.Errorf("booking: %w", &pgconn.PgError{Code: "40001"}), true}, // serialization_failure, wrapped
		{&pgconn.PgError{Code: "55P03"}, true},                            // lock_not_available
		{&pgconn.PgError{Code: "23505"}, false},                           // unique_violation: running again fails again
		{&pgconn.PgError{Code: "08006"}, false},                           // connection failure: Unreachable's business
		{errors.New("deadlock detected"), false},                          // not a PostgreSQL error
		{nil, false},
	} {
		if got := Transient(c.err); got != c.want {
			t.Errorf("Transient(%v) = %t, want %t", c.err, got, c.want)
		}
	}
}
