package pgledger

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/hashchain"
	"github.com/commonweal/commonweal/pkg/ledger"
)

// TestCreateTransfersThen makes posted transfers with statements of the caller after them in one round trip
// (the path a deposit confirmation takes), concurrently: the balances, the chain and the caller's rows agree,
// a retry answers the stored transfer, another body is TRANSFER_ID_REUSED, and a transfer beyond an account's
// balance is INSUFFICIENT_FUNDS with neither it nor the caller's statements kept.
func TestCreateTransfersThen(t *testing.T) {
	s, pool := newStore(t)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `CREATE TABLE then_notes (transfer_id text NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	then := func(id string, got *string) Then {
		return Then{
			Queue: func(b *pgx.Batch) {
				b.Queue(`INSERT INTO then_notes (transfer_id) VALUES ($1) RETURNING transfer_id`, id)
			},
			Read: func(res pgx.BatchResults) error { return res.QueryRow().Scan(got) },
		}
	}
	do := func(tr ledger.Transfer) (ledger.Transfer, string, error) {
		var got string
		var out []ledger.Transfer
		err := db.InTx(ctx, pool, func(ctx context.Context) error {
			var err error
			out, err = s.CreateTransfersThen(ctx, then(tr.ID, &got), tr)
			return err
		})
		if err != nil {
			return ledger.Transfer{}, got, err
		}
		return out[0], got, nil
	}
	const n = 30
	var wg sync.WaitGroup
	errc := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr := ledger.Transfer{ID: fmt.Sprint("in-", i), Kind: ledger.Posted, Debit: "world", Credit: []string{"pool", "other"}[i%2], AmountFen: 100,
				Reason: "in", Reference: "r", RequestedBy: "x", CreatedAt: at}
			got, note, err := do(tr)
			if err == nil && (!got.SameBody(tr) || note != tr.ID) {
				err = fmt.Errorf("transfer %+v, note %q", got, note)
			}
			errc <- err
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Fatal(err)
		}
	}
	tr := ledger.Transfer{ID: "in-0", Kind: ledger.Posted, Debit: "world", Credit: "pool", AmountFen: 100, Reason: "in", Reference: "r", RequestedBy: "y", CreatedAt: at.Add(1)}
	if got, _, err := do(tr); err != nil || got.RequestedBy != "x" {
		t.Fatalf("a retry answers the stored transfer: %v %+v", err, got)
	}
	tr.AmountFen = 101
	if _, _, err := do(tr); reason(err) != "TRANSFER_ID_REUSED" {
		t.Fatalf("same ID, other amount: %v", err)
	}
	out := ledger.Transfer{ID: "out-1", Kind: ledger.Posted, Debit: "pool", Credit: "paid", AmountFen: 1_501, RequestedBy: "x", CreatedAt: at}
	if _, _, err := do(out); reason(err) != "INSUFFICIENT_FUNDS" {
		t.Fatalf("beyond the pool's 1,500: %v", err)
	}
	out.AmountFen = 1_500
	if _, _, err := do(out); err != nil {
		t.Fatal(err)
	}
	b := stored(t, pool)
	if b["world"].DebitsPosted != n*100 || b["pool"].CreditsPosted != 1_500 || b["pool"].DebitsPosted != 1_500 || b["other"].CreditsPosted != 1_500 || b["paid"].CreditsPosted != 1_500 {
		t.Fatalf("balances: %+v", b)
	}
	var notesN int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM then_notes`).Scan(&notesN); err != nil || notesN != n+2 {
		t.Fatalf("%d notes (%v), want %d: one per transfer made and one for the retry", notesN, err, n+2)
	}
	v, err := s.Verify(ctx)
	if err != nil || len(v.Mismatches) != 0 || len(v.ChainBreaks) != 0 || v.Transfers != n+1 {
		t.Fatalf("verify: %v %+v", err, v)
	}
	c, err := s.ChainLinks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if b, head := hashchain.Walk(c.Name, c.Links); b != nil || head.Seq != n+1 {
		t.Fatalf("chain: %+v %+v", b, head)
	}
}
