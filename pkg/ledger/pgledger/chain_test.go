package pgledger

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/hashchain"
	"github.com/commonweal/commonweal/pkg/ledger"
)

// TestChainOfTransfers: every transfer made is the chain's next entry (1, 2, 3, …), a retried transfer adds
// none, the stored hashes are those pkg/hashchain computes from the stored rows, and the head is the last.
func TestChainOfTransfers(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	nanos := at.Add(123_456_789 * time.Nanosecond) // truncated to microseconds before hashing
	mk := func(tr ledger.Transfer) {
		t.Helper()
		tr.RequestedBy, tr.CreatedAt = "x", nanos
		if _, err := s.CreateTransfer(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
	if h, err := s.ChainHead(ctx); err != nil || h != (hashchain.Head{Chain: Chain}) {
		t.Fatalf("empty chain's head: %v %+v", err, h)
	}
	mk(ledger.Transfer{ID: "a", Kind: ledger.Posted, Debit: "world", Credit: "pool", AmountFen: 100, Reason: "善款"})
	mk(ledger.Transfer{ID: "a", Kind: ledger.Posted, Debit: "world", Credit: "pool", AmountFen: 100, Reason: "善款"}) // a retry
	mk(ledger.Transfer{ID: "r", Kind: ledger.Pending, Debit: "pool", Credit: "paid", AmountFen: 60})
	mk(ledger.Transfer{ID: "p", Kind: ledger.PostPending, PendingID: "r"})
	c, err := s.ChainLinks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Links) != 3 {
		t.Fatalf("%d entries, want 3", len(c.Links))
	}
	prev := hashchain.Genesis
	for i, l := range c.Links {
		if l.Seq != int64(i+1) || l.Prev != prev || l.Hash != hashchain.Hash(prev, hashchain.Encode(Chain, l.Seq, l.Fields...)) {
			t.Fatalf("entry %d: %+v", i+1, l)
		}
		prev = l.Hash
	}
	if got := c.Links[2].Fields; got[5] != "r" || got[4] != "60" || got[10] != "2026-05-01T09:00:00.123456Z" {
		t.Fatalf("fields of the post: %q", got)
	}
	h, err := s.ChainHead(ctx)
	if err != nil || h.Seq != 3 || h.Hash != prev || !h.At.Equal(nanos.Truncate(time.Microsecond)) {
		t.Fatalf("head %v %+v", err, h)
	}
	if v, err := s.Verify(ctx); err != nil || !v.Balanced || len(v.ChainBreaks) != 0 {
		t.Fatalf("verify: %v %+v", err, v)
	}
}

// TestChainCatchesAnEdit edits a transfer as a superuser would (the append-only trigger disabled): the ledger
// no longer verifies, naming the first bad entry, and a head recorded before fails its check.
func TestChainCatchesAnEdit(t *testing.T) {
	s, pool := newStore(t)
	ctx := context.Background()
	for i := 1; i <= 4; i++ {
		if _, err := s.CreateTransfer(ctx, ledger.Transfer{ID: fmt.Sprint("t", i), Kind: ledger.Posted, Debit: "world", Credit: "pool",
			AmountFen: int64(i * 100), RequestedBy: "x", CreatedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	recorded, err := s.ChainHead(ctx)
	if err != nil || recorded.Seq != 4 {
		t.Fatalf("head: %v %+v", err, recorded)
	}
	// The balances are moved along, so only the chain can tell.
	if _, err := pool.Exec(ctx, `ALTER TABLE ledger_transfers DISABLE TRIGGER ledger_transfers_no_update;
		UPDATE ledger_transfers SET amount_fen = 250 WHERE id = 't2';
		UPDATE ledger_accounts SET credits_posted = credits_posted + 50 WHERE code = 'pool';
		UPDATE ledger_accounts SET debits_posted = debits_posted + 50 WHERE code = 'world';
		ALTER TABLE ledger_transfers ENABLE TRIGGER ledger_transfers_no_update`); err != nil {
		t.Fatal(err)
	}
	v, err := s.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := hashchain.Break{Chain: Chain, Seq: 2, EntryID: "t2", Reason: hashchain.HashMismatch}
	if !v.Balanced || len(v.ChainBreaks) != 1 || v.ChainBreaks[0] != want {
		t.Fatalf("verification after the edit: %+v, want balanced with break %+v", v, want)
	}
	c, err := s.ChainLinks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if chk := hashchain.CheckHead(recorded, c.Links); chk.Intact || *chk.FirstBreak != want {
		t.Fatalf("recorded head after the edit: %+v", chk)
	}

	// Rewriting the edited entry's hash too moves the break to its successor, which names the old hash.
	rehash := hashchain.Seal(Chain, 2, c.Links[1].Prev, c.Links[1]).Hash
	for _, sql := range []string{`ALTER TABLE ledger_transfers DISABLE TRIGGER ledger_transfers_no_update`,
		`UPDATE ledger_transfers SET hash = '` + rehash + `' WHERE id = 't2'`, `ALTER TABLE ledger_transfers ENABLE TRIGGER ledger_transfers_no_update`} {
		if _, err := pool.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	if v, err := s.Verify(ctx); err != nil || len(v.ChainBreaks) != 1 || v.ChainBreaks[0] != (hashchain.Break{Chain: Chain, Seq: 3, EntryID: "t3", Reason: hashchain.LinkMismatch}) {
		t.Fatalf("verification after the rehash: %v %+v", err, v)
	}
}

// TestConcurrentAppendsKeepOneChain: transactions on disjoint accounts, which do not queue on each other's
// account locks, still append one after the other: one chain, no gap, no fork.
func TestConcurrentAppendsKeepOneChain(t *testing.T) {
	s, _ := newStore(t)
	ctx := context.Background()
	const n = 40
	for i := range n {
		if _, err := s.CreateTransfer(ctx, ledger.Transfer{ID: fmt.Sprint("fund-", i), Kind: ledger.Posted, Debit: "world", Credit: fmt.Sprint("pool:", i),
			AmountFen: 10, RequestedBy: "g", CreatedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	errs := run(n, func(i int) error {
		_, err := s.CreateTransfers(ctx,
			ledger.Transfer{ID: fmt.Sprint("in-", i), Kind: ledger.Posted, Debit: fmt.Sprint("pool:", i), Credit: fmt.Sprint("mid:", i), AmountFen: 10, RequestedBy: "g", CreatedAt: at},
			ledger.Transfer{ID: fmt.Sprint("out-", i), Kind: ledger.Posted, Debit: fmt.Sprint("mid:", i), Credit: fmt.Sprint("paid:", i), AmountFen: 10, RequestedBy: "g", CreatedAt: at})
		return err
	})
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	c, err := s.ChainLinks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if b, head := hashchain.Walk(Chain, c.Links); b != nil || head.Seq != 3*n || len(c.Links) != 3*n {
		t.Fatalf("chain of %d entries, head %+v, break %+v", len(c.Links), head, b)
	}
	// A batch's transfers are consecutive entries.
	for i := n; i < len(c.Links); i += 2 {
		if in, out := c.Links[i].ID, c.Links[i+1].ID; in[:3] != "in-" || out != "out-"+in[3:] {
			t.Fatalf("entries %d and %d: %s, %s", i+1, i+2, in, out)
		}
	}
}
