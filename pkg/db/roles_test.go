package db

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ledgerMigrations have an ordinary table with a sequence and an append-only table declared the way the
// services declare theirs: a row trigger refusing UPDATE and DELETE.
var ledgerMigrations = fstest.MapFS{
	"00001_ledger.sql": {Data: []byte(`-- +goose Up
CREATE TABLE accounts (id bigserial PRIMARY KEY, balance bigint NOT NULL DEFAULT 0);
CREATE TABLE entries (id bigint PRIMARY KEY, amount bigint NOT NULL);
-- +goose StatementBegin
CREATE FUNCTION entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'entries is append-only: % refused', TG_OP USING ERRCODE = 'restrict_violation';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER entries_no_update BEFORE UPDATE OR DELETE ON entries FOR EACH ROW EXECUTE FUNCTION entries_append_only();
CREATE TRIGGER entries_no_truncate BEFORE TRUNCATE ON entries FOR EACH STATEMENT EXECUTE FUNCTION entries_append_only();
-- A trigger on UPDATE alone (rows that change, under rules) does not make a table append-only.
CREATE TRIGGER accounts_checked BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION entries_append_only();
ALTER TABLE accounts DISABLE TRIGGER accounts_checked;
-- +goose Down
DROP TABLE entries;
DROP TABLE accounts;
`)},
}

// later adds a column to the append-only table and a second append-only table, as a later release would.
var later = withFile(ledgerMigrations, "00002_later.sql", `-- +goose Up
ALTER TABLE entries ADD COLUMN chain_hash bytea;
CREATE TABLE events (id bigint PRIMARY KEY, what text NOT NULL);
CREATE TRIGGER events_no_update BEFORE DELETE OR UPDATE ON events FOR EACH ROW EXECUTE FUNCTION entries_append_only();
CREATE TABLE notes (id bigint PRIMARY KEY, body text NOT NULL);
`)

func wantDenied(t *testing.T, pool *pgxpool.Pool, sqls ...string) {
	t.Helper()
	for _, sql := range sqls {
		_, err := pool.Exec(testCtx(t), sql)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Errorf("%s: err = %v, want permission denied (42501)", sql, err)
		}
	}
}

func wantAllowed(t *testing.T, pool *pgxpool.Pool, sqls ...string) {
	t.Helper()
	for _, sql := range sqls {
		if _, err := pool.Exec(testCtx(t), sql); err != nil {
			t.Errorf("%s: %v", sql, err)
		}
	}
}

func TestMigrateSplitsOwnerAndRuntimeRoles(t *testing.T) {
	s := newSettings(t)
	ctx := testCtx(t)
	if err := Migrate(ctx, s, ledgerMigrations); err != nil {
		t.Fatal(err)
	}
	admin := adminConn(t, s.AdminURL)
	owner := OwnerRole(s.Schema)
	rows, err := admin.Query(ctx, `SELECT c.relname || ':' || pg_get_userbyid(c.relowner) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = $1 AND c.relkind IN ('r', 'S') ORDER BY 1`, s.Schema)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"accounts:" + owner, "accounts_id_seq:" + owner, "entries:" + owner, "goose_db_version:" + owner, "goose_db_version_id_seq:" + owner}
	if !slices.Equal(got, want) {
		t.Errorf("owners %v, want %v", got, want)
	}
	if fnOwner := scalar[string](t, admin, "SELECT pg_get_userbyid(proowner) FROM pg_proc WHERE proname = 'entries_append_only'"); fnOwner != owner {
		t.Errorf("function owned by %s, want %s", fnOwner, owner)
	}
	if tables, err := AppendOnlyTables(ctx, admin, s.Schema); err != nil || !slices.Equal(tables, []string{"entries"}) {
		t.Errorf("AppendOnlyTables = %v, %v; want [entries]", tables, err)
	}

	pool, err := Open(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	wantAllowed(t, pool,
		"INSERT INTO accounts DEFAULT VALUES", "UPDATE accounts SET balance = 5", "SELECT * FROM accounts", "DELETE FROM accounts",
		"INSERT INTO entries VALUES (1, 10)", "SELECT * FROM entries", "SELECT * FROM goose_db_version")
	// The ledger cannot be rewritten: refused by privilege before any trigger runs, and the triggers
	// cannot be switched off, nor the schema changed, nor the owner's role taken.
	wantDenied(t, pool,
		"UPDATE entries SET amount = 11", "DELETE FROM entries", "TRUNCATE entries",
		"ALTER TABLE entries DISABLE TRIGGER entries_no_update", "ALTER TABLE entries DISABLE TRIGGER ALL",
		"DROP TRIGGER entries_no_update ON entries", "DROP TABLE entries", "ALTER TABLE entries OWNER TO "+s.Schema,
		"CREATE OR REPLACE FUNCTION entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
		"TRUNCATE accounts", "CREATE TABLE intruder (id int)",
		"DELETE FROM goose_db_version", "INSERT INTO goose_db_version (version_id, is_applied) VALUES (99, true)",
		"SET ROLE "+owner)
	if n := scalar[int64](t, pool, "SELECT count(*) FROM entries WHERE amount = 10"); n != 1 {
		t.Errorf("entries changed: %d rows of 10", n)
	}

	// A later migration's columns and tables are covered when it is applied; a grant made by hand is not kept.
	if _, err := admin.Exec(ctx, "GRANT UPDATE ON "+s.Schema+".entries TO "+s.Schema); err != nil {
		t.Fatal(err)
	}
	if err := Migrate(ctx, s, later); err != nil {
		t.Fatal(err)
	}
	wantAllowed(t, pool,
		"INSERT INTO entries VALUES (2, 20, '\\x00')", "SELECT chain_hash FROM entries",
		"INSERT INTO events VALUES (1, 'x')", "INSERT INTO notes VALUES (1, 'x')", "UPDATE notes SET body = 'y'")
	wantDenied(t, pool, "UPDATE entries SET chain_hash = NULL", "UPDATE events SET what = 'y'", "DELETE FROM events",
		"ALTER TABLE events DISABLE TRIGGER events_no_update")
}

// TestMigrateHandsOverObjectsOfTheRuntimeRole: a database migrated before the owner role existed has its
// schema and tables owned by the runtime role; the next migration hands them to the owner.
func TestMigrateHandsOverObjectsOfTheRuntimeRole(t *testing.T) {
	s := newSettings(t)
	ctx := testCtx(t)
	if err := Migrate(ctx, s, ledgerMigrations); err != nil {
		t.Fatal(err)
	}
	admin := adminConn(t, s.AdminURL)
	role, owner := pgx.Identifier{s.Schema}.Sanitize(), pgx.Identifier{OwnerRole(s.Schema)}.Sanitize()
	if _, err := admin.Exec(ctx, "REASSIGN OWNED BY "+owner+" TO "+role); err != nil {
		t.Fatal(err)
	}
	if n := scalar[int64](t, admin, "SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tableowner = $1", s.Schema); n != 3 {
		t.Fatalf("%d tables of the runtime role, want 3 (the old layout)", n)
	}
	if err := Migrate(ctx, s, later); err != nil {
		t.Fatal(err)
	}
	if n := scalar[int64](t, admin, "SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tableowner <> $2", s.Schema, OwnerRole(s.Schema)); n != 0 {
		t.Errorf("%d tables not owned by the owner role", n)
	}
	if o := scalar[string](t, admin, "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = $1", s.Schema); o != OwnerRole(s.Schema) {
		t.Errorf("schema owned by %s", o)
	}
	pool, err := Open(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	wantAllowed(t, pool, "INSERT INTO entries VALUES (1, 10, NULL)")
	wantDenied(t, pool, "ALTER TABLE entries DISABLE TRIGGER ALL", "UPDATE entries SET amount = 1")
}

func TestOpenInProductionRefusesAPrivilegedRole(t *testing.T) {
	s := newSettings(t)
	ctx := testCtx(t)
	if err := Migrate(ctx, s, ledgerMigrations); err != nil {
		t.Fatal(err)
	}
	s.Production = true
	pool, err := Open(ctx, s)
	if err != nil {
		t.Fatalf("the runtime role refused: %v", err)
	}
	pool.Close()

	admin := adminConn(t, s.AdminURL)
	role, owner := pgx.Identifier{s.Schema}.Sanitize(), pgx.Identifier{OwnerRole(s.Schema)}.Sanitize()
	for _, tt := range []struct{ grant, revoke, want string }{
		{"ALTER ROLE " + role + " SUPERUSER", "ALTER ROLE " + role + " NOSUPERUSER", "is a superuser"},
		{"ALTER ROLE " + role + " CREATEROLE", "ALTER ROLE " + role + " NOCREATEROLE", "can create roles"},
		{"ALTER ROLE " + role + " CREATEDB", "ALTER ROLE " + role + " NOCREATEDB", "can create databases"},
		{"GRANT " + owner + " TO " + role, "REVOKE " + owner + " FROM " + role, "owns"},
		{"ALTER TABLE " + s.Schema + ".accounts OWNER TO " + role, "ALTER TABLE " + s.Schema + ".accounts OWNER TO " + owner, "owns"},
	} {
		if _, err := admin.Exec(ctx, tt.grant); err != nil {
			t.Fatal(err)
		}
		pool, err := Open(ctx, s)
		if err == nil {
			pool.Close()
			t.Errorf("after %s: Open in production succeeded", tt.grant)
		} else if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "production") {
			t.Errorf("after %s: err = %v, want it to say %q", tt.grant, err, tt.want)
		}
		dev := s
		dev.Production = false
		if pool, err := Open(ctx, dev); err != nil {
			t.Errorf("after %s: Open in dev mode: %v", tt.grant, err)
		} else {
			pool.Close()
		}
		if _, err := admin.Exec(ctx, tt.revoke); err != nil {
			t.Fatal(err)
		}
	}

	// A membership in the owner role granted by hand is taken back by the next migration.
	if _, err := admin.Exec(ctx, "GRANT "+owner+" TO "+role); err != nil {
		t.Fatal(err)
	}
	if err := Migrate(ctx, s, ledgerMigrations); err != nil {
		t.Fatal(err)
	}
	if pool, err := Open(ctx, s); err != nil {
		t.Errorf("after a migration: %v", err)
	} else {
		pool.Close()
	}
}

func TestMigrateRefusesASchemaTooLongForItsOwner(t *testing.T) {
	err := Migrate(context.Background(), Settings{AdminURL: "postgres://nobody@127.0.0.1:1/x", Schema: strings.Repeat("a", 60)}, migrations)
	if err == nil || !strings.Contains(err.Error(), "owner role") {
		t.Errorf("err = %v, want the owner role's name refused", err)
	}
}
