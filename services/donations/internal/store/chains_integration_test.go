package store_test

import (
	"context"
	"io/fs"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/dbtest"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/hashchain"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/ledger"
	"github.com/commonweal/commonweal/pkg/pgtest"
	"github.com/commonweal/commonweal/services/donations/internal/app"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
	"github.com/commonweal/commonweal/services/donations/internal/store"
	"github.com/commonweal/commonweal/services/donations/internal/store/migrations"
)

// beforeChains are the migrations before 00006 chained the transfers and the pledge events.
var beforeChains = func() fstest.MapFS {
	out := fstest.MapFS{}
	names, _ := fs.Glob(migrations.FS, "*.sql")
	for _, name := range names {
		if name >= "00006" {
			continue
		}
		b, err := fs.ReadFile(migrations.FS, name)
		if err != nil {
			panic(err)
		}
		out[name] = &fstest.MapFile{Data: b}
	}
	return out
}()

// unchained is what the service wrote before 00006: two transfers and three pledge events, each table's rows
// inserted in another order than their times (the chain follows the times).
const unchained = `
INSERT INTO donors (id, name, kind, owner_subject, created_at) VALUES ('dddddddd-0000-0000-0000-000000000004', 'Co', 'ENTERPRISE', 'donor-1', '2026-05-01');
INSERT INTO pledges (id, donor_id, application_id, round_id, amount_fen, kind, agreement_ref, state, created_at, created_by) VALUES
  ('` + deposited + `', 'dddddddd-0000-0000-0000-000000000004', '` + appA + `', '` + round + `', 800, 'CASH', 'AG', 'DEPOSITED', '2026-05-01', 'd');
INSERT INTO ledger_accounts (code, may_go_negative, debits_posted, credits_posted) VALUES ('bank', true, 800, 0), ('earmarked:` + appA + `', false, 0, 800);
INSERT INTO ledger_transfers (id, kind, debit_account, credit_account, amount_fen, reason, reference, requested_by, created_at) VALUES
  ('second', 'POSTED', 'bank', 'earmarked:` + appA + `', 300, '善款 deposit', 'pledge:` + deposited + `', 'fed', '2026-05-06 10:00:00.123456+08'),
  ('first', 'POSTED', 'bank', 'earmarked:` + appA + `', 500, 'deposit', 'pledge:` + deposited + `', 'fed', '2026-05-06 09:00:00+08');
INSERT INTO pledge_events (pledge_id, action, at, by_subject, request_id, detail) VALUES
  ('` + deposited + `', 'DEPOSITED', '2026-05-06 10:00:00+08', 'fed', 'r2', 'amount_fen=300'),
  ('` + deposited + `', 'PLEDGED', '2026-05-01 00:00:00+08', 'd', 'r0', ''),
  ('` + deposited + `', 'DEPOSITED', '2026-05-06 09:00:00+08', 'fed', 'r1', 'amount_fen=500');`

var unchainedDB = pgtest.NewTemplate("donations_v5_"+pgtest.HashFS(beforeChains), func(ctx context.Context, _, dbURL string) error {
	return db.Migrate(ctx, settings(dbURL), beforeChains)
})

// TestChainsOfTheDonationsService: 00006 chains the rows written before it in time order, the same way the
// service's code does (the walk in Go checks the hashes SQL computed); the service appends after them; an
// edit made as a superuser (triggers disabled) is caught by VerifyLedger, naming the first bad entry, and by the
// check of a head recorded before it; the heads are published.
func TestChainsOfTheDonationsService(t *testing.T) {
	ctx := context.Background()
	_, dbURL := unchainedDB.Database(t)
	admin, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "SET search_path = donations; "+unchained); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx, settings(dbURL), migrations.FS); err != nil {
		t.Fatal(err)
	}
	pool, err := db.Open(ctx, settings(dbURL))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	st := store.New(pool, dbtest.Box(t))
	now := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	svc := app.New(st, idempotency.NewPG(pool), nil, func() time.Time { return now })

	ids := func(name string) []string {
		t.Helper()
		c, ok, err := st.Chain(ctx, name)
		if err != nil || !ok {
			t.Fatalf("chain %s: %v %v", name, ok, err)
		}
		if b, _ := hashchain.Walk(name, c.Links); b != nil {
			t.Fatalf("chain %s broken after the migration: %+v", name, b)
		}
		var out []string
		for _, l := range c.Links {
			out = append(out, l.ID)
		}
		return out
	}
	if got := ids("ledger_transfers"); len(got) != 2 || got[0] != "first" || got[1] != "second" {
		t.Fatalf("transfers chained as %v", got)
	}
	if got := ids("pledge_events"); len(got) != 3 || got[0] != "2" || got[1] != "3" || got[2] != "1" {
		t.Fatalf("pledge events chained as %v (ids)", got)
	}

	// The service appends after them.
	if _, err := st.CreateTransfer(ctx, ledger.Transfer{ID: "third", Kind: ledger.Posted, Debit: "bank", Credit: "earmarked:" + appA, AmountFen: 1,
		RequestedBy: "fed", CreatedAt: now.Add(time.Nanosecond)}); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordEvent(ctx, domain.PledgeEvent{PledgeID: deposited, Action: "NOTE", At: now, By: "fed", Detail: "善"}); err != nil {
		t.Fatal(err)
	}
	heads, asOf, err := svc.ChainHeads(ctx)
	if err != nil || len(heads) != 2 || !asOf.Equal(now) {
		t.Fatalf("heads: %v %+v %v", err, heads, asOf)
	}
	if heads[0].Chain != "ledger_transfers" || heads[0].Seq != 3 || heads[1].Chain != "pledge_events" || heads[1].Seq != 4 || !heads[1].At.Equal(now) {
		t.Fatalf("heads %+v", heads)
	}
	v, err := svc.VerifyLedger(ctx)
	if err != nil || len(v.ChainBreaks) != 0 || v.Transfers != 3 {
		t.Fatalf("verify: %v %+v", err, v)
	}
	for _, h := range heads {
		if c, err := svc.CheckChainHead(ctx, h); err != nil || !c.Intact || c.Current != h {
			t.Fatalf("check of the current head %+v: %v %+v", h, err, c)
		}
	}

	// A superuser edits the third pledge event of the chain (its first row).
	if _, err := admin.Exec(ctx, `ALTER TABLE pledge_events DISABLE TRIGGER pledge_events_no_update;
		UPDATE pledge_events SET detail = 'amount_fen=50' WHERE chain_seq = 3;
		ALTER TABLE pledge_events ENABLE TRIGGER pledge_events_no_update`); err != nil {
		t.Fatal(err)
	}
	v, err = svc.VerifyLedger(ctx)
	want := hashchain.Break{Chain: "pledge_events", Seq: 3, EntryID: "1", Reason: hashchain.HashMismatch}
	if err != nil || len(v.ChainBreaks) != 1 || v.ChainBreaks[0] != want {
		t.Fatalf("verify after the edit: %v %+v, want %+v", err, v, want)
	}
	if c, err := svc.CheckChainHead(ctx, heads[1]); err != nil || c.Intact || *c.FirstBreak != want {
		t.Fatalf("recorded head after the edit: %v %+v", err, c)
	}
	if c, err := svc.CheckChainHead(ctx, heads[0]); err != nil || !c.Intact {
		t.Fatalf("the other chain: %v %+v", err, c)
	}
	// A head recorded with another hash than the chain's.
	forged := heads[0]
	forged.Hash = hashchain.Genesis
	if c, err := svc.CheckChainHead(ctx, forged); err != nil || c.Intact || c.FirstBreak.Reason != hashchain.RecordedHeadMismatch || c.FirstBreak.EntryID != "third" {
		t.Fatalf("forged head: %v %+v", err, c)
	}
	for _, h := range []hashchain.Head{{Chain: "plan_events", Seq: 1, Hash: hashchain.Genesis}, {Chain: "ledger_transfers", Seq: 1, Hash: "xyz"}} {
		if _, err := svc.CheckChainHead(ctx, h); !invalid(err) {
			t.Errorf("%+v: %v, want INVALID_ARGUMENT", h, err)
		}
	}
}

func invalid(err error) bool {
	e, ok := errs.As(err)
	return ok && e.Kind == errs.InvalidArgument
}
