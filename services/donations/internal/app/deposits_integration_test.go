package app_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/hashchain"
	"github.com/commonweal/commonweal/services/donations/internal/app"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

// TestConfirmationsUnderLoad confirms many cash deposits at once, to two applications, with the ways a
// partner's batch goes wrong mixed in: the same request sent twice at the same time, a second confirmation of
// a pledge under another bank reference, a bank reference reused for another pledge, and in-kind approvals
// (which also number receipts) racing the deposits. Afterwards each pledge was confirmed at most once, the
// answers name the stored receipts, the year's
// receipts are 1..n with no gap and no duplicate, the ledger is balanced and reconciled, and both hash chains
// walk from their first entry; a confirmation in the next year starts that year's numbering at 1.
func TestConfirmationsUnderLoad(t *testing.T) {
	f := setup(t)
	other := f.apps.add(f.round, "SHORTLISTED", 10_000_000)
	donorCtx, d := f.donor(t, "donor-1")
	const n = 40
	cash := make([]domain.Pledge, n)
	for i := range cash {
		p, err := f.svc.CreatePledge(donorCtx, app.CreatePledge{DonorID: d.ID, ApplicationID: []string{f.app, other}[i%2], AmountFen: 1_000,
			Kind: domain.KindCash, AgreementRef: "AG"})
		if err != nil {
			t.Fatal(err)
		}
		cash[i] = p
	}
	const goodsN = 6
	goods := make([]domain.Pledge, goodsN)
	for i := range goods {
		goods[i] = f.pledge(t, donorCtx, d.ID, domain.KindInKind, 500)
		if _, err := f.svc.AppraisePledge(operator, app.AppraisePledge{PledgeID: goods[i].ID, ValueFen: 500, Notes: "goods"}); err != nil {
			t.Fatal(err)
		}
	}
	at := f.clock.Now().Add(-time.Minute)
	type result struct {
		pledge, receipt string
		err             error
	}
	results := make(chan result, 4*n+goodsN)
	var wg sync.WaitGroup
	run := func(pledge string, do func() (domain.Pledge, error)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := do()
			results <- result{pledge, p.ReceiptNumber, err}
		}()
	}
	for i, p := range cash {
		ref := fmt.Sprint("LOAD-", i)
		// The same request twice at once: one confirmation, the same answer twice.
		cmd := deposit(p.ID, ref, 1_000, at)
		cmd.Key = key("confirm-" + ref)
		for range 2 {
			run(p.ID, func() (domain.Pledge, error) { return f.svc.ConfirmDeposit(federation, cmd) })
		}
		switch i % 4 {
		case 1: // the pledge again under another bank reference: refused whichever comes first
			run(p.ID, func() (domain.Pledge, error) {
				return f.svc.ConfirmDeposit(federation, deposit(p.ID, ref+"-AGAIN", 1_000, at))
			})
		case 2: // this pledge's bank reference for the next pledge: at most one of the two may hold it
			next := cash[(i+1)%n]
			run(next.ID, func() (domain.Pledge, error) {
				return f.svc.ConfirmDeposit(federation, deposit(next.ID, ref, 1_000, at))
			})
		}
	}
	for _, g := range goods {
		run(g.ID, func() (domain.Pledge, error) {
			return f.svc.ApproveAppraisal(organizer, app.ApproveAppraisal{PledgeID: g.ID})
		})
	}
	wg.Wait()
	close(results)

	receiptOf := map[string]string{} // pledge → its receipt, as the answers give it
	for r := range results {
		switch {
		case r.err == nil:
			if prev, ok := receiptOf[r.pledge]; ok && prev != r.receipt {
				t.Fatalf("pledge %s answered with receipts %s and %s", r.pledge, prev, r.receipt)
			}
			receiptOf[r.pledge] = r.receipt
		case reason(r.err) != "BANK_REFERENCE_CONFLICT" && reason(r.err) != "PLEDGE_STATE_INVALID":
			t.Fatalf("pledge %s: %v", r.pledge, r.err)
		}
	}

	// What is stored: every pledge answered with a receipt confirmed or approved once, with one event, one
	// transfer and its receipt; every other one with none. A pledge loses its own bank reference to the next
	// pledge at most for one in four.
	confirmedCash := 0
	for _, p := range cash {
		if _, ok := receiptOf[p.ID]; ok {
			confirmedCash++
		}
	}
	if confirmedCash < n-n/4 || len(receiptOf) != confirmedCash+goodsN {
		t.Fatalf("%d of %d cash pledges and %d of %d in-kind pledges answered with a receipt", confirmedCash, n, len(receiptOf)-confirmedCash, goodsN)
	}
	ctx := context.Background()
	var confirmed, deposited, transfers, distinct int
	var maxN int64
	if err := f.pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT receipt_number), coalesce(max(split_part(receipt_number, '-', 2)::bigint), 0)
		FROM pledges WHERE receipt_number IS NOT NULL`).Scan(&confirmed, &distinct, &maxN); err != nil {
		t.Fatal(err)
	}
	if confirmed != len(receiptOf) || distinct != confirmed || maxN != int64(confirmed) {
		t.Fatalf("%d pledges with a receipt (%d distinct, highest %d); want %d, numbered 1..%[4]d", confirmed, distinct, maxN, len(receiptOf))
	}
	for pledge, receipt := range receiptOf {
		var stored string
		if err := f.pool.QueryRow(ctx, `SELECT receipt_number FROM pledges WHERE id = $1`, pledge).Scan(&stored); err != nil || stored != receipt {
			t.Fatalf("pledge %s: answered receipt %s, stored %q (%v)", pledge, receipt, stored, err)
		}
	}
	if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM pledge_events WHERE action = 'DEPOSITED'`).Scan(&deposited); err != nil {
		t.Fatal(err)
	}
	if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM ledger_transfers WHERE id LIKE 'pledge:%:confirm'`).Scan(&transfers); err != nil {
		t.Fatal(err)
	}
	if deposited != confirmedCash || transfers != len(receiptOf) {
		t.Fatalf("%d DEPOSITED events for %d confirmed cash pledges, %d confirmation transfers for %d pledges", deposited, confirmedCash, transfers, len(receiptOf))
	}
	verify := func() {
		t.Helper()
		v, err := f.svc.VerifyLedger(federation)
		if err != nil || !v.Balanced || len(v.Mismatches) != 0 || len(v.ChainBreaks) != 0 {
			t.Fatalf("verify: %v %+v", err, v)
		}
		heads, err := f.store.ChainHeads(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range heads {
			c, ok, err := f.store.Chain(ctx, h.Chain)
			if err != nil || !ok {
				t.Fatalf("chain %s: %v", h.Chain, err)
			}
			if b, head := hashchain.Walk(c.Name, c.Links); b != nil || head.Seq != int64(len(c.Links)) || head.Hash != h.Hash {
				t.Fatalf("chain %s: break %+v, head %+v of %d links, published %+v", c.Name, b, head, len(c.Links), h)
			}
		}
	}
	verify()

	// The next year numbers from 1 again (and a bank reference in Chinese is hashed byte for byte).
	f.clock.Add(time.Date(2027, 1, 2, 9, 0, 0, 0, domain.ReceiptZone).Sub(f.clock.Now()))
	late := f.pledge(t, donorCtx, d.ID, domain.KindCash, 1_000)
	p, err := f.svc.ConfirmDeposit(federation, deposit(late.ID, "LOAD-二〇二七年", 1_000, f.clock.Now()))
	if err != nil || p.ReceiptNumber != "2027-000001" {
		t.Fatalf("first confirmation of 2027: %v %q", err, p.ReceiptNumber)
	}
	verify()
}
