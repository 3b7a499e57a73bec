package store_test

import (
	"context"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/dbtest"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ledger"
	"github.com/commonweal/commonweal/pkg/ledger/pgledger"
	"github.com/commonweal/commonweal/pkg/pgtest"
	"github.com/commonweal/commonweal/services/donations/internal/app"
	"github.com/commonweal/commonweal/services/donations/internal/store"
	"github.com/commonweal/commonweal/services/donations/internal/store/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// beforeSharedLedger are the migrations of databases whose ledger the donations service kept itself (its
// transfers carried application_id and pledge_id), before 00004 converted it to pkg/ledger/pgledger's tables.
var beforeSharedLedger = func() fstest.MapFS {
	out := fstest.MapFS{}
	for _, name := range []string{"00001_initial.sql", "00002_pledge_events_append_only.sql", "00003_redirect_targets_and_donor_pages.sql"} {
		b, err := fs.ReadFile(migrations.FS, name)
		if err != nil {
			panic(err)
		}
		out[name] = &fstest.MapFile{Data: b}
	}
	return out
}()

func settings(dbURL string) db.Settings {
	return db.Settings{AdminURL: dbURL, Schema: "donations", Password: "donations-test"}
}

var oldLedger = pgtest.NewTemplate("donations_v3_"+pgtest.HashFS(beforeSharedLedger), func(ctx context.Context, _, dbURL string) error {
	return db.Migrate(ctx, settings(dbURL), beforeSharedLedger)
})

// IDs of the data the old service wrote.
const (
	appA, appB = "aaaaaaaa-0000-0000-0000-000000000001", "bbbbbbbb-0000-0000-0000-000000000002"
	round      = "cccccccc-0000-0000-0000-000000000003"
	deposited  = "00000000-0000-0000-0000-0000000000d1" // cash 800 to A
	refunded   = "00000000-0000-0000-0000-0000000000f2" // cash 200 to A, late, refunded
	redirected = "00000000-0000-0000-0000-0000000000e3" // cash 300 to A, redirected on to B
	inKind     = "00000000-0000-0000-0000-0000000000c4" // goods worth 700 to A
	unpaid     = "00000000-0000-0000-0000-0000000000a5" // pledged, never paid
)

// oldData is what the service wrote before the conversion (00001's tables): pledges, their transfers with
// pledge_id and application_id, a donation share of A reserved and released (application_id only), and the
// balances those transfers leave, worked out by hand.
const oldData = `
INSERT INTO donors (id, name, kind, owner_subject, created_at) VALUES ('dddddddd-0000-0000-0000-000000000004', 'Co', 'ENTERPRISE', 'donor-1', '2026-05-01');
INSERT INTO pledges (id, donor_id, application_id, round_id, amount_fen, kind, agreement_ref, state, created_at, created_by, deposited_amount_fen,
    appraised_value_fen, late, redirect_application_id) VALUES
  ('` + deposited + `', 'dddddddd-0000-0000-0000-000000000004', '` + appA + `', '` + round + `', 800, 'CASH', 'AG', 'DEPOSITED', '2026-05-01', 'd', 800, 0, false, NULL),
  ('` + refunded + `', 'dddddddd-0000-0000-0000-000000000004', '` + appA + `', '` + round + `', 200, 'CASH', 'AG', 'REFUNDED', '2026-05-02', 'd', 200, 0, true, NULL),
  ('` + redirected + `', 'dddddddd-0000-0000-0000-000000000004', '` + appA + `', '` + round + `', 300, 'CASH', 'AG', 'REDIRECTED', '2026-05-03', 'd', 300, 0, false, '` + appB + `'),
  ('` + inKind + `', 'dddddddd-0000-0000-0000-000000000004', '` + appA + `', '` + round + `', 700, 'IN_KIND', 'AG', 'APPROVED', '2026-05-04', 'd', 0, 700, false, NULL),
  ('` + unpaid + `', 'dddddddd-0000-0000-0000-000000000004', '` + appA + `', '` + round + `', 900, 'CASH', 'AG', 'PLEDGED', '2026-05-05', 'd', 0, 0, false, NULL);
INSERT INTO ledger_accounts (code, may_go_negative, debits_posted, credits_posted, debits_pending, credits_pending) VALUES
  ('bank', true, 1300, 0, 0, 0), ('in_kind_external', true, 700, 0, 0, 0),
  ('earmarked:` + appA + `', false, 800, 1100, 0, 0), ('earmarked:` + appB + `', false, 0, 300, 0, 0), ('late:` + appA + `', false, 200, 200, 0, 0),
  ('in_kind:` + appA + `', false, 0, 700, 0, 0), ('refunds', false, 0, 200, 0, 0), ('payout_pending', false, 0, 500, 0, 0);
INSERT INTO ledger_transfers (id, kind, debit_account, credit_account, amount_fen, pending_id, reason, application_id, pledge_id, requested_by, created_at) VALUES
  ('pledge:` + deposited + `:confirm', 'POSTED', 'bank', 'earmarked:` + appA + `', 800, NULL, 'deposit', '` + appA + `', '` + deposited + `', 'fed', '2026-05-06'),
  ('pledge:` + refunded + `:confirm', 'POSTED', 'bank', 'late:` + appA + `', 200, NULL, 'deposit', '` + appA + `', '` + refunded + `', 'fed', '2026-05-06'),
  ('pledge:` + refunded + `:refund', 'POSTED', 'late:` + appA + `', 'refunds', 200, NULL, 'refund: late', '` + appA + `', '` + refunded + `', 'fed', '2026-05-07'),
  ('pledge:` + redirected + `:confirm', 'POSTED', 'bank', 'earmarked:` + appA + `', 300, NULL, 'deposit', '` + appA + `', '` + redirected + `', 'fed', '2026-05-06'),
  ('pledge:` + redirected + `:redirect', 'POSTED', 'earmarked:` + appA + `', 'earmarked:` + appB + `', 300, NULL, 'redirect: donor', '` + appA + `', '` + redirected + `', 'op', '2026-05-07'),
  ('pledge:` + inKind + `:confirm', 'POSTED', 'in_kind_external', 'in_kind:` + appA + `', 700, NULL, 'approved', '` + appA + `', '` + inKind + `', 'org', '2026-05-06'),
  ('funding:plan:P:tranche:1:reserve', 'PENDING', 'earmarked:` + appA + `', 'payout_pending', 500, NULL, 'plan P tranche 1', '` + appA + `', NULL, 'service:funding', '2026-06-01'),
  ('funding:plan:P:tranche:1:release', 'POST_PENDING', 'earmarked:` + appA + `', 'payout_pending', 500, 'funding:plan:P:tranche:1:reserve', 'donation share released', '` + appA + `', NULL, 'service:funding', '2026-06-01');`

// TestConversionToTheSharedLedger migrates a database the old service wrote to the shared ledger's tables:
// every transfer keeps what it was about (now its reference), the balances and the data are unchanged, the
// ledger still verifies and reconciles the pledges, the tables are pgledger.Schema's (column order aside) and
// still append-only, the store works on them (an old transfer retried is answered, a paid-out share can come
// back), and the conversion can be undone and redone.
func TestConversionToTheSharedLedger(t *testing.T) {
	ctx := context.Background()
	_, dbURL := oldLedger.Database(t)
	admin, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "SET search_path = donations; "+oldData); err != nil {
		t.Fatal(err)
	}
	before := balances(t, admin)
	if err := db.Migrate(ctx, settings(dbURL), migrations.FS); err != nil {
		t.Fatal(err)
	}
	wantRefs := map[string]string{
		"pledge:" + deposited + ":confirm": "pledge:" + deposited, "pledge:" + refunded + ":confirm": "pledge:" + refunded,
		"pledge:" + refunded + ":refund": "pledge:" + refunded, "pledge:" + redirected + ":confirm": "pledge:" + redirected,
		"pledge:" + redirected + ":redirect": "pledge:" + redirected, "pledge:" + inKind + ":confirm": "pledge:" + inKind,
		"funding:plan:P:tranche:1:reserve": "application:" + appA, "funding:plan:P:tranche:1:release": "application:" + appA,
	}
	converted := func() {
		t.Helper()
		refs := map[string]string{}
		rows, _ := admin.Query(ctx, `SELECT id, reference FROM ledger_transfers`)
		var id, ref string
		if _, err := pgx.ForEachRow(rows, []any{&id, &ref}, func() error { refs[id] = ref; return nil }); err != nil {
			t.Fatal(err)
		}
		if !mapsEqual(refs, wantRefs) {
			t.Fatalf("references %v, want %v", refs, wantRefs)
		}
		if after := balances(t, admin); !mapsEqual(after, before) {
			t.Fatalf("balances %v, were %v", after, before)
		}
	}
	converted()
	if got, want := catalog(t, admin, "donations"), referenceCatalog(t, admin); !slices.Equal(got, want) {
		t.Fatalf("the converted tables are not pgledger.Schema's:\n got %q\nwant %q", got, want)
	}

	// Down to the old tables, which get back their application and pledge columns, and up again.
	version := func(target int64, up bool) {
		t.Helper()
		sqlDB, err := db.OwnerDB(settings(dbURL)) // as the schema's owner role, like db.Migrate
		if err != nil {
			t.Fatal(err)
		}
		defer sqlDB.Close()
		versions, err := database.NewStore(database.DialectPostgres, "donations.goose_db_version")
		if err != nil {
			t.Fatal(err)
		}
		p, err := goose.NewProvider("", sqlDB, migrations.FS, goose.WithStore(versions))
		if err == nil && up {
			_, err = p.UpTo(ctx, target)
		} else if err == nil {
			_, err = p.DownTo(ctx, target)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	version(3, false)
	var wrong int
	if err := admin.QueryRow(ctx, `SELECT count(*) FROM ledger_transfers WHERE application_id IS DISTINCT FROM $1::uuid
		OR pledge_id IS DISTINCT FROM (CASE WHEN id LIKE 'pledge:%' THEN substr(id, 8, 36)::uuid END)`, appA).Scan(&wrong); err != nil || wrong != 0 {
		t.Fatalf("down: %d transfers lost their application or pledge: %v", wrong, err)
	}
	version(6, true) // through 00006, which chains the converted transfers (the walk below checks them)
	// Tables dropped and created again by goose alone have no grants yet: give them, as db.Migrate does.
	if err := db.GrantRuntime(ctx, settings(dbURL)); err != nil {
		t.Fatal(err)
	}
	converted()

	pool, err := db.Open(ctx, settings(dbURL))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	st := store.New(pool, dbtest.Box(t))
	svc := app.New(st, idempotency.NewPG(pool), nil, func() time.Time { return time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC) })
	funding := identity.With(ctx, identity.ServiceIdentity("funding"))
	verify := func(accounts, transfers int) {
		t.Helper()
		if v, err := svc.VerifyLedger(ctx); err != nil || !v.Balanced || v.Accounts != accounts || v.Transfers != transfers || len(v.ChainBreaks) != 0 {
			t.Fatalf("verify: %v %+v", err, v)
		}
	}
	verify(8, 8)
	// The old reservation, asked for again as the use case asks: answered from the ledger, nothing moves.
	if got, err := svc.ReserveDonationShare(funding, app.ReserveDonationShare{TransferID: "funding:plan:P:tranche:1:reserve", ApplicationID: appA,
		AmountFen: 500, Reason: "plan P tranche 1"}); err != nil || got.RequestedBy != "service:funding" || got.Reference != "application:"+appA {
		t.Fatalf("an old reservation retried: %v %+v", err, got)
	}
	// The 500 paid out of A before the conversion may come back, and no more.
	back := app.ReturnDonationShare{TransferID: "funding:plan:P:return:1", ApplicationID: appA, AmountFen: 501, PaymentReference: "RET-1"}
	if _, err := svc.ReturnDonationShare(funding, back); err == nil {
		t.Fatal("more came back than was paid out")
	}
	back.AmountFen = 500
	if _, err := svc.ReturnDonationShare(funding, back); err != nil {
		t.Fatal(err)
	}
	verify(9, 9) // and returned_from_projects
	// Still append-only, and still no negative balance, even for the service's own role.
	if _, err := pool.Exec(ctx, `UPDATE ledger_transfers SET amount_fen = 1`); err == nil {
		t.Fatal("a converted transfer was changed")
	}
	for _, sql := range []string{`DELETE FROM ledger_transfers`, `TRUNCATE ledger_transfers CASCADE`,
		`UPDATE ledger_accounts SET debits_posted = 10000 WHERE code = 'refunds'`} {
		if _, err := pool.Exec(ctx, sql); err == nil {
			t.Fatalf("%s was allowed", sql)
		}
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM ledger_transfers`).Scan(&n); err != nil || n != 9 {
		t.Fatalf("history changed: %d %v", n, err)
	}
}

func mapsEqual[V comparable](a, b map[string]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// balances reads every account's four balances.
func balances(t *testing.T, conn *pgx.Conn) map[string]ledger.Balance {
	t.Helper()
	out := map[string]ledger.Balance{}
	rows, _ := conn.Query(context.Background(), `SELECT code, debits_posted, credits_posted, debits_pending, credits_pending FROM donations.ledger_accounts`)
	var code string
	var b ledger.Balance
	if _, err := pgx.ForEachRow(rows, []any{&code, &b.DebitsPosted, &b.CreditsPosted, &b.DebitsPending, &b.CreditsPending}, func() error {
		out[code] = b
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// referenceCatalog is the catalog of pgledger.Schema and ChainSchema created in a schema of its own.
func referenceCatalog(t *testing.T, conn *pgx.Conn) []string {
	t.Helper()
	ctx := context.Background()
	if _, err := conn.Exec(ctx, `CREATE SCHEMA pgledger_reference; SET search_path = pgledger_reference`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, pgledger.Schema+";\n"+pgledger.ChainSchema); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `SET search_path = donations`); err != nil {
		t.Fatal(err)
	}
	return catalog(t, conn, "pgledger_reference")
}

// catalog describes the ledger's tables in a schema, one sorted line per column (type, nullability, default),
// constraint, index, trigger (and whether it is enabled) and function, with the schema's name left out.
func catalog(t *testing.T, conn *pgx.Conn, schema string) []string {
	t.Helper()
	const tables = `c.relname IN ('ledger_accounts', 'ledger_transfers')`
	var lines []string
	for _, q := range []string{
		`SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' not null=' || a.attnotnull ||
			' default=' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
		FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
		WHERE n.nspname = $1 AND ` + tables + ` AND a.attnum > 0 AND NOT a.attisdropped`,
		`SELECT 'constraint ' || c.relname || '.' || k.conname || ' ' || pg_get_constraintdef(k.oid)
		FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND ` + tables,
		`SELECT 'index ' || indexdef FROM pg_indexes c WHERE schemaname = $1 AND tablename IN ('ledger_accounts', 'ledger_transfers')`,
		`SELECT 'trigger ' || pg_get_triggerdef(g.oid) || ' enabled=' || g.tgenabled::text
		FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND ` + tables + ` AND NOT g.tgisinternal`,
		`SELECT 'function ' || p.proname || ' ' || p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		WHERE n.nspname = $1 AND p.proname = 'ledger_transfers_append_only'`,
	} {
		rows, _ := conn.Query(context.Background(), q, schema)
		var line string
		if _, err := pgx.ForEachRow(rows, []any{&line}, func() error {
			lines = append(lines, strings.ReplaceAll(line, schema+".", ""))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(lines)
	return lines
}
