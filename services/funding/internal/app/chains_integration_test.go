package app_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/hashchain"
	"github.com/commonweal/commonweal/pkg/pgtest"
)

// TestFundingChains: the allocation, the plans' commitments and their CREATED events are entries of the
// ledger_transfers and plan_events chains; the heads are published and check out; a plan event edited as a
// superuser (triggers disabled) is caught by VerifyLedger, naming the first bad entry, and fails a head recorded
// before it.
func TestFundingChains(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	a, _ := f.project(20_000_000, 0, 0)
	b, _ := f.project(30_000_000, 0, 0)
	f.signOff([]string{a, b})
	f.allocate(t, 60_000_000, "A-1")
	f.plans(t)
	heads, _, err := f.svc.ChainHeads(ctx)
	if err != nil || len(heads) != 2 || heads[0].Chain != "ledger_transfers" || heads[1].Chain != "plan_events" || heads[1].Seq != 2 || heads[0].Seq < 3 {
		t.Fatalf("heads: %v %+v", err, heads)
	}
	for _, h := range heads {
		if c, err := f.svc.CheckChainHead(ctx, h); err != nil || !c.Intact {
			t.Fatalf("%+v: %v %+v", h, err, c)
		}
	}
	f.verify(t)

	admin, err := pgx.Connect(ctx, pgtest.URLWithDatabase(pgtest.Server(t), f.pool.Config().ConnConfig.Database))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	var id string
	if err := admin.QueryRow(ctx, `SELECT id::text FROM funding.plan_events WHERE chain_seq = 1`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(ctx, `ALTER TABLE funding.plan_events DISABLE TRIGGER USER;
		UPDATE funding.plan_events SET detail = detail || ' (edited)' WHERE chain_seq = 1;
		ALTER TABLE funding.plan_events ENABLE TRIGGER USER`); err != nil {
		t.Fatal(err)
	}
	want := hashchain.Break{Chain: "plan_events", Seq: 1, EntryID: id, Reason: hashchain.HashMismatch}
	v, err := f.svc.VerifyLedger(auditor)
	if err != nil || !v.Balanced || len(v.ChainBreaks) != 1 || v.ChainBreaks[0] != want {
		t.Fatalf("verify after the edit: %v %+v, want %+v", err, v, want)
	}
	if c, err := f.svc.CheckChainHead(ctx, heads[1]); err != nil || c.Intact || *c.FirstBreak != want {
		t.Fatalf("recorded head after the edit: %v %+v", err, c)
	}
}
