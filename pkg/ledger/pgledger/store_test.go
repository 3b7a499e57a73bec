package pgledger

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/ledger"
	"github.com/commonweal/commonweal/pkg/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var tmpl = pgtest.NewTemplate("pkgledger_"+schemaHash(), func(ctx context.Context, _, dbURL string) error {
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	_, err = pool.Exec(ctx, Schema+";\n"+ChainSchema)
	return err
})

func schemaHash() string {
	h := sha256.Sum256([]byte(Schema + ChainSchema))
	return hex.EncodeToString(h[:6])
}

// rules of the tests: only "world" (the outside world) may go negative.
var rules = ledger.Rules{MayGoNegative: func(code string) bool { return code == "world" }}

var at = time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)

func newStore(t *testing.T) (*Store, *pgxpool.Pool) {
	t.Helper()
	_, dbURL := tmpl.Database(t)
	pool, err := pgxpool.New(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return NewStore(pool, rules), pool
}

func reason(err error) string {
	if e, ok := errs.As(err); ok {
		return e.Reason
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func stored(t *testing.T, pool *pgxpool.Pool) map[string]ledger.Balance {
	t.Helper()
	b, err := scanBalances(pool.Query(context.Background(), `SELECT code, debits_posted, credits_posted, debits_pending, credits_pending FROM ledger_accounts`))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestTransfersRetriesAndResolution(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	alloc := ledger.Transfer{ID: "alloc-1", Kind: ledger.Posted, Debit: "world", Credit: "pool", AmountFen: 1000, Reason: "allocation", Reference: "round-1", RequestedBy: "lottery", RequestID: "req-1", CreatedAt: at}
	got, err := s.CreateTransfer(ctx, alloc)
	if err != nil || !got.SameBody(alloc) || got.RequestedBy != "lottery" {
		t.Fatalf("allocation: %v %+v", err, got)
	}
	again := alloc
	again.RequestedBy, again.CreatedAt = "someone else", at.Add(time.Hour)
	if got, err := s.CreateTransfer(ctx, again); err != nil || got.RequestedBy != "lottery" || !got.CreatedAt.Equal(at) {
		t.Fatalf("a retry answers the stored transfer: %v %+v", err, got)
	}
	other := alloc
	other.AmountFen = 1001
	if _, err := s.CreateTransfer(ctx, other); reason(err) != "TRANSFER_ID_REUSED" {
		t.Fatalf("same ID, other amount: %v", err)
	}
	reserve := ledger.Transfer{ID: "r-1", Kind: ledger.Pending, Debit: "pool", Credit: "paid", AmountFen: 700, Reference: "plan-1", RequestedBy: "x", CreatedAt: at}
	if _, err := s.CreateTransfer(ctx, reserve); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateTransfer(ctx, ledger.Transfer{ID: "r-2", Kind: ledger.Pending, Debit: "pool", Credit: "paid", AmountFen: 301, RequestedBy: "x", CreatedAt: at}); reason(err) != "INSUFFICIENT_FUNDS" {
		t.Fatalf("over-reservation: %v", err)
	}
	post := ledger.Transfer{ID: "p-1", Kind: ledger.PostPending, PendingID: "r-1", RequestedBy: "x", CreatedAt: at}
	got, err = s.CreateTransfer(ctx, post)
	if err != nil || got.AmountFen != 700 || got.Debit != "pool" || got.Reference != "plan-1" {
		t.Fatalf("post: %v %+v", err, got)
	}
	if _, err := s.CreateTransfer(ctx, post); err != nil {
		t.Fatalf("retried post: %v", err)
	}
	if _, err := s.CreateTransfer(ctx, ledger.Transfer{ID: "v-1", Kind: ledger.VoidPending, PendingID: "r-1", RequestedBy: "x", CreatedAt: at}); reason(err) != "PENDING_TRANSFER_ALREADY_RESOLVED" {
		t.Fatalf("void after post: %v", err)
	}
	if _, err := s.CreateTransfer(ctx, ledger.Transfer{ID: "v-2", Kind: ledger.VoidPending, PendingID: "alloc-1", RequestedBy: "x", CreatedAt: at}); reason(err) != "NOT_A_PENDING_TRANSFER" {
		t.Fatalf("void of a posted transfer: %v", err)
	}
	if _, err := s.CreateTransfer(ctx, ledger.Transfer{ID: "v-3", Kind: ledger.VoidPending, PendingID: "nope", RequestedBy: "x", CreatedAt: at}); reason(err) != "PENDING_TRANSFER_NOT_FOUND" {
		t.Fatalf("void of nothing: %v", err)
	}
	// A batch is all or nothing: the second transfer fails, so the first is not made either.
	_, err = s.CreateTransfers(ctx,
		ledger.Transfer{ID: "b-1", Kind: ledger.Posted, Debit: "pool", Credit: "paid", AmountFen: 200, RequestedBy: "x", CreatedAt: at},
		ledger.Transfer{ID: "b-2", Kind: ledger.Posted, Debit: "pool", Credit: "paid", AmountFen: 101, RequestedBy: "x", CreatedAt: at})
	if reason(err) != "INSUFFICIENT_FUNDS" {
		t.Fatalf("batch beyond the pool: %v", err)
	}
	if _, ok, _ := s.Get(ctx, "b-1"); ok {
		t.Fatal("half a batch was made")
	}
	// Inside a batch, a repeated ID is a retry and two resolutions of one pending transfer are refused.
	if _, err := s.CreateTransfer(ctx, ledger.Transfer{ID: "r-3", Kind: ledger.Pending, Debit: "pool", Credit: "paid", AmountFen: 100, RequestedBy: "x", CreatedAt: at}); err != nil {
		t.Fatal(err)
	}
	out, err := s.CreateTransfers(ctx,
		ledger.Transfer{ID: "b-3", Kind: ledger.Posted, Debit: "pool", Credit: "paid", AmountFen: 50, RequestedBy: "x", CreatedAt: at},
		ledger.Transfer{ID: "b-3", Kind: ledger.Posted, Debit: "pool", Credit: "paid", AmountFen: 50, RequestedBy: "x", CreatedAt: at})
	if err != nil || len(out) != 2 {
		t.Fatalf("a repeated ID in a batch: %v", err)
	}
	if _, err := s.CreateTransfers(ctx, ledger.Transfer{ID: "b-4", Kind: ledger.PostPending, PendingID: "r-3", RequestedBy: "x", CreatedAt: at},
		ledger.Transfer{ID: "b-5", Kind: ledger.VoidPending, PendingID: "r-3", RequestedBy: "x", CreatedAt: at}); reason(err) != "PENDING_TRANSFER_ALREADY_RESOLVED" {
		t.Fatalf("two resolutions in one batch: %v", err)
	}
	// Inside a caller's transaction, the transfers roll back with it.
	boom := errors.New("boom")
	err = db.InTx(ctx, s.pool, func(ctx context.Context) error {
		if _, err := s.CreateTransfer(ctx, ledger.Transfer{ID: "tx-1", Kind: ledger.Posted, Debit: "world", Credit: "pool", AmountFen: 5, RequestedBy: "x", CreatedAt: at}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if _, ok, _ := s.Get(ctx, "tx-1"); ok {
		t.Fatal("a transfer survived its transaction's rollback")
	}
	bal, err := s.Balances(ctx, "pool", "paid", "never-used")
	if err != nil || bal["pool"].Available() != 1000-700-50-100 || bal["paid"].Posted() != 750 || len(bal) != 2 {
		t.Fatalf("balances: %v %+v", err, bal)
	}
	refs, err := s.TransfersOf(ctx, "plan-1")
	if err != nil || len(refs) != 2 || refs[0].ID != "r-1" || refs[1].ID != "p-1" {
		t.Fatalf("transfers of plan-1: %v %+v", err, refs)
	}
	if v, err := s.Verify(ctx); err != nil || !v.Balanced {
		t.Fatalf("verify: %v %+v", err, v)
	}
}

// TestLedgerIsAppendOnly: posted history cannot be changed or removed, and the database refuses a negative
// balance even if code forgot to check.
func TestLedgerIsAppendOnly(t *testing.T) {
	s, pool := newStore(t)
	ctx := context.Background()
	if _, err := s.CreateTransfer(ctx, ledger.Transfer{ID: "a", Kind: ledger.Posted, Debit: "world", Credit: "pool", AmountFen: 5, RequestedBy: "x", CreatedAt: at}); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{`UPDATE ledger_transfers SET amount_fen = 6`, `DELETE FROM ledger_transfers`, `TRUNCATE ledger_transfers CASCADE`} {
		if _, err := pool.Exec(ctx, sql); err == nil {
			t.Fatalf("%s was allowed", sql)
		}
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM ledger_transfers WHERE amount_fen = 5`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("history changed: %d %v", n, err)
	}
	if _, err := pool.Exec(ctx, `UPDATE ledger_accounts SET debits_posted = 100 WHERE code = 'pool'`); err == nil {
		t.Fatal("the database let a non-negative account go negative")
	}
	if _, err := pool.Exec(ctx, `UPDATE ledger_accounts SET debits_posted = 100 WHERE code = 'world'`); err != nil {
		t.Fatalf("the outside world may go negative: %v", err)
	}
}
