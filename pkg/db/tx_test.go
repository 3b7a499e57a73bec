package db

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

func txPool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	_, dbURL := emptyDB.Database(t)
	pool, err := pgxpool.New(testCtx(t), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if _, err := pool.Exec(testCtx(t), "CREATE TABLE t (id int PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	return pool
}

func rowIDs(t *testing.T, pool *pgxpool.Pool) []int {
	t.Helper()
	rows, err := pool.Query(testCtx(t), "SELECT id FROM t ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func insert(ctx context.Context, pool *pgxpool.Pool, id int) error {
	_, err := Q(ctx, pool).Exec(ctx, "INSERT INTO t VALUES ($1)", id)
	return err
}

func TestInTx(t *testing.T) {
	errBoom := errors.New("boom")
	tests := []struct {
		name    string
		fn      func(ctx context.Context, pool *pgxpool.Pool) error
		wantErr error
		want    []int
	}{
		{"commit", func(ctx context.Context, pool *pgxpool.Pool) error {
			if err := insert(ctx, pool, 1); err != nil {
				return err
			}
			return insert(ctx, pool, 2)
		}, nil, []int{1, 2}},
		{"error rolls back", func(ctx context.Context, pool *pgxpool.Pool) error {
			if err := insert(ctx, pool, 1); err != nil {
				return err
			}
			return errBoom
		}, errBoom, nil},
		{"SQL error rolls back", func(ctx context.Context, pool *pgxpool.Pool) error {
			if err := insert(ctx, pool, 1); err != nil {
				return err
			}
			return insert(ctx, pool, 1) // duplicate key
		}, nil, nil},
		{"nested joins and commits", func(ctx context.Context, pool *pgxpool.Pool) error {
			if err := insert(ctx, pool, 1); err != nil {
				return err
			}
			return InTx(ctx, pool, func(ctx context.Context) error { return insert(ctx, pool, 2) })
		}, nil, []int{1, 2}},
		{"outer error rolls back nested work", func(ctx context.Context, pool *pgxpool.Pool) error {
			if err := InTx(ctx, pool, func(ctx context.Context) error { return insert(ctx, pool, 2) }); err != nil {
				return err
			}
			return errBoom
		}, errBoom, nil},
		{"inner error rolls back outer work", func(ctx context.Context, pool *pgxpool.Pool) error {
			if err := insert(ctx, pool, 1); err != nil {
				return err
			}
			return InTx(ctx, pool, func(ctx context.Context) error {
				if err := insert(ctx, pool, 2); err != nil {
					return err
				}
				return errBoom
			})
		}, errBoom, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pool := txPool(t)
			err := InTx(testCtx(t), pool, func(ctx context.Context) error { return tt.fn(ctx, pool) })
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr == nil && tt.want != nil && err != nil {
				t.Errorf("err = %v", err)
			}
			if tt.want == nil && err == nil {
				t.Error("err = nil, want a failure")
			}
			if got := rowIDs(t, pool); !equalInts(got, tt.want) {
				t.Errorf("rows = %v, want %v", got, tt.want)
			}
			if n := pool.Stat().AcquiredConns(); n != 0 {
				t.Errorf("%d connections still acquired", n)
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestInTxNestedSharesTransaction(t *testing.T) {
	pool := txPool(t)
	ctx := testCtx(t)
	if _, ok := Q(ctx, pool).(*pgxpool.Pool); !ok {
		t.Errorf("Q outside a transaction = %T, want the pool", Q(ctx, pool))
	}
	err := InTx(ctx, pool, func(outer context.Context) error {
		if _, ok := Q(outer, pool).(pgx.Tx); !ok {
			t.Errorf("Q inside InTx = %T, want a pgx.Tx", Q(outer, pool))
		}
		outerXID := scalar[int64](t, Q(outer, pool), "SELECT txid_current()")
		if err := insert(outer, pool, 1); err != nil {
			return err
		}
		return InTx(outer, pool, func(inner context.Context) error {
			if Q(inner, pool) != Q(outer, pool) {
				t.Error("nested InTx opened another transaction")
			}
			if xid := scalar[int64](t, Q(inner, pool), "SELECT txid_current()"); xid != outerXID {
				t.Errorf("inner txid %d, outer %d", xid, outerXID)
			}
			// The inner call sees the outer's uncommitted row; the pool (another connection) does not.
			if n := scalar[int64](t, Q(inner, pool), "SELECT count(*) FROM t"); n != 1 {
				t.Errorf("inner sees %d rows, want 1", n)
			}
			if n := scalar[int64](t, pool, "SELECT count(*) FROM t"); n != 0 {
				t.Errorf("another connection sees %d uncommitted rows", n)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := rowIDs(t, pool); !equalInts(got, []int{1}) {
		t.Errorf("rows = %v", got)
	}
}

func TestInTxPanicRollsBack(t *testing.T) {
	pool := txPool(t)
	ctx := testCtx(t)
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the panic to propagate", r)
			}
		}()
		_ = InTx(ctx, pool, func(ctx context.Context) error {
			if err := insert(ctx, pool, 1); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	if got := rowIDs(t, pool); len(got) != 0 {
		t.Errorf("rows after a panic = %v", got)
	}
	if n := pool.Stat().AcquiredConns(); n != 0 {
		t.Errorf("%d connections still acquired after a panic", n)
	}
}

func TestInTxCanceledContext(t *testing.T) {
	pool := txPool(t)
	ctx, cancel := context.WithCancel(testCtx(t))
	called := false
	err := InTx(ctx, pool, func(ctx context.Context) error {
		called = true
		if err := insert(ctx, pool, 1); err != nil {
			return err
		}
		cancel()
		return nil
	})
	if err == nil {
		t.Error("InTx committed after its context was canceled")
	}
	if !called {
		t.Fatal("fn not called")
	}
	if got := rowIDs(t, pool); len(got) != 0 {
		t.Errorf("rows = %v, want none", got)
	}
}

func TestSavepoint(t *testing.T) {
	pool := txPool(t)
	ctx := testCtx(t)
	errBoom := errors.New("boom")
	if err := Savepoint(ctx, func(context.Context) error { return nil }); !errors.Is(err, ErrNoTx) {
		t.Errorf("Savepoint outside a transaction = %v, want ErrNoTx", err)
	}
	err := InTx(ctx, pool, func(ctx context.Context) error {
		if err := insert(ctx, pool, 1); err != nil {
			return err
		}
		// A failing savepoint undoes its own work only, and answers fn's error itself.
		err := Savepoint(ctx, func(ctx context.Context) error {
			if err := insert(ctx, pool, 2); err != nil {
				return err
			}
			// Calls made with the savepoint's context (InTx too) join it.
			if err := InTx(ctx, pool, func(ctx context.Context) error { return insert(ctx, pool, 3) }); err != nil {
				return err
			}
			return errBoom
		})
		if err != errBoom {
			t.Errorf("failing savepoint = %v, want fn's error itself", err)
		}
		// An SQL error inside a savepoint leaves the transaction usable.
		err = Savepoint(ctx, func(ctx context.Context) error { return insert(ctx, pool, 1) })
		if err == nil {
			t.Error("duplicate key inside a savepoint: no error")
		}
		// A savepoint that succeeds keeps its work; one that panics is rolled back to.
		if err := Savepoint(ctx, func(ctx context.Context) error { return insert(ctx, pool, 4) }); err != nil {
			return err
		}
		func() {
			defer func() { _ = recover() }()
			_ = Savepoint(ctx, func(ctx context.Context) error {
				if err := insert(ctx, pool, 5); err != nil {
					return err
				}
				panic("boom")
			})
		}()
		return insert(ctx, pool, 6)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := rowIDs(t, pool); !equalInts(got, []int{1, 4, 6}) {
		t.Errorf("rows = %v, want [1 4 6]", got)
	}
	// The outer transaction's rollback undoes released savepoints too.
	_ = InTx(ctx, pool, func(ctx context.Context) error {
		if err := Savepoint(ctx, func(ctx context.Context) error { return insert(ctx, pool, 7) }); err != nil {
			return err
		}
		return errBoom
	})
	if got := rowIDs(t, pool); !equalInts(got, []int{1, 4, 6}) {
		t.Errorf("rows after an outer rollback = %v, want [1 4 6]", got)
	}
}
