package pgledger

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/ledger"
)

// TestLockAccounts locks the existing accounts among those asked, in code order, creates none, and holds the
// locks until the transaction ends: a transfer on a locked account waits for it.
func TestLockAccounts(t *testing.T) {
	s, pool := newStore(t)
	ctx := context.Background()
	if _, err := s.CreateTransfer(ctx, ledger.Transfer{ID: "t1", Kind: ledger.Posted, Debit: "world", Credit: "b", AmountFen: 100, RequestedBy: "test", CreatedAt: at}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.LockAccounts(ctx, "b"); err == nil {
		t.Error("LockAccounts outside a transaction: no error")
	}
	locked := make(chan struct{})
	release := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- db.InTx(ctx, pool, func(ctx context.Context) error {
			got, err := s.LockAccounts(ctx, "world", "missing", "b", "world")
			if err != nil {
				return err
			}
			if !slices.Equal(got, []string{"b", "world"}) {
				t.Errorf("locked %v, want [b world]", got)
			}
			close(locked)
			<-release
			return nil
		})
	}()
	<-locked
	if n := scalarCount(t, pool, `SELECT count(*) FROM ledger_accounts WHERE code = 'missing'`); n != 0 {
		t.Errorf("LockAccounts created %d accounts", n)
	}
	// Another transaction can lock neither b nor world while the first holds them (NOWAIT: no waiting).
	for _, code := range []string{"b", "world"} {
		_, err := pool.Exec(ctx, `SELECT code FROM ledger_accounts WHERE code = $1 FOR UPDATE NOWAIT`, code)
		if !isLockNotAvailable(err) {
			t.Errorf("locking %s while another transaction holds it = %v, want lock_not_available", code, err)
		}
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateTransfer(ctx, ledger.Transfer{ID: "t2", Kind: ledger.Posted, Debit: "world", Credit: "b", AmountFen: 5, RequestedBy: "test", CreatedAt: at}); err != nil {
		t.Fatal(err)
	}
	if got := stored(t, pool)["b"].CreditsPosted; got != 105 {
		t.Errorf("b credits = %d, want 105", got)
	}
}

func isLockNotAvailable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "55P03"
}

func scalarCount(t *testing.T, pool *pgxpool.Pool, sql string) int64 {
	t.Helper()
	var n int64
	if err := pool.QueryRow(context.Background(), sql).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
