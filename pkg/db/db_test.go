package db

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// emptyDB clones an empty database per test.
var emptyDB = pgtest.NewTemplate("pkgdb_empty_v1", func(context.Context, string, string) error { return nil })

func randomSuffix() string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// newSettings returns settings for a fresh database and a unique schema (roles are cluster-wide). The
// role is dropped when the test ends.
func newSettings(t *testing.T) Settings {
	t.Helper()
	_, dbURL := emptyDB.Database(t)
	schema := "t_mig_" + randomSuffix()
	t.Cleanup(func() { dropRoles(t, dbURL, schema) })
	return Settings{AdminURL: dbURL, Schema: schema, Password: "pw-" + schema}
}

// dropRoles drops a service's runtime and owner roles.
func dropRoles(t *testing.T, dbURL, schema string) {
	dropRole(t, dbURL, schema)
	dropRole(t, dbURL, OwnerRole(schema))
}

func dropRole(t *testing.T, dbURL, role string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Logf("drop role %s: %v", role, err)
		return
	}
	defer conn.Close(ctx)
	var exists bool
	_ = conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", role).Scan(&exists)
	if !exists {
		return
	}
	ident := pgx.Identifier{role}.Sanitize()
	_, _ = conn.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", role)
	if _, err := conn.Exec(ctx, "DROP OWNED BY "+ident+" CASCADE"); err != nil {
		t.Logf("drop owned by %s: %v", role, err)
	}
	if _, err := conn.Exec(ctx, "DROP ROLE "+ident); err != nil {
		t.Logf("drop role %s: %v", role, err)
	}
}

func adminConn(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(testCtx(t), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func scalar[T any](t *testing.T, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, sql string, args ...any) T {
	t.Helper()
	var v T
	if err := q.QueryRow(testCtx(t), sql, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return v
}

var migrations = fstest.MapFS{
	"00001_init.sql": {Data: []byte(`-- +goose Up
CREATE TABLE widgets (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE applied (n int);
-- +goose Down
DROP TABLE applied;
DROP TABLE widgets;
`)},
	"00002_seed.sql": {Data: []byte(`-- +goose Up
INSERT INTO widgets VALUES (1, 'first');
INSERT INTO applied VALUES (2);
-- +goose Down
DELETE FROM widgets;
`)},
}

func withFile(base fstest.MapFS, name, body string) fstest.MapFS {
	out := fstest.MapFS{}
	for k, v := range base {
		out[k] = v
	}
	out[name] = &fstest.MapFile{Data: []byte(body)}
	return out
}

// checkMigrated asserts the role, schema, tables and version table of s after migrations 1 and 2.
func checkMigrated(t *testing.T, s Settings, wantVersion int64) {
	t.Helper()
	conn := adminConn(t, s.AdminURL)
	if !scalar[bool](t, conn, "SELECT rolcanlogin FROM pg_roles WHERE rolname = $1", s.Schema) {
		t.Errorf("role %s cannot log in", s.Schema)
	}
	if scalar[bool](t, conn, "SELECT rolcanlogin FROM pg_roles WHERE rolname = $1", OwnerRole(s.Schema)) {
		t.Errorf("owner role %s can log in", OwnerRole(s.Schema))
	}
	if owner := scalar[string](t, conn, "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = $1", s.Schema); owner != OwnerRole(s.Schema) {
		t.Errorf("schema %s owned by %s, want the owner role", s.Schema, owner)
	}
	tables := map[string]bool{}
	rows, err := conn.Query(testCtx(t), "SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_name IN ('goose_db_version', 'widgets', 'applied')")
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		tables[n] = true
	}
	for _, want := range []string{"goose_db_version", "widgets", "applied"} {
		if !tables[s.Schema+"."+want] {
			t.Errorf("table %s.%s missing; found %v", s.Schema, want, names)
		}
	}
	for _, n := range names {
		if !strings.HasPrefix(n, "t_mig_") {
			t.Errorf("table %s outside the service schemas", n)
		}
	}
	if owner := scalar[string](t, conn, "SELECT tableowner FROM pg_tables WHERE schemaname = $1 AND tablename = 'widgets'", s.Schema); owner != OwnerRole(s.Schema) {
		t.Errorf("widgets owned by %s, want the owner role", owner)
	}
	ident := pgx.Identifier{s.Schema}.Sanitize()
	if v := scalar[int64](t, conn, "SELECT max(version_id) FROM "+ident+".goose_db_version WHERE is_applied"); v != wantVersion {
		t.Errorf("version = %d, want %d", v, wantVersion)
	}
	if n := scalar[int64](t, conn, "SELECT count(*) FROM "+ident+".goose_db_version WHERE version_id > 0"); n != wantVersion {
		t.Errorf("%d version rows, want %d (a migration applied twice?)", n, wantVersion)
	}
	if n := scalar[int64](t, conn, "SELECT count(*) FROM "+ident+".applied WHERE n = 2"); n != 1 {
		t.Errorf("migration 2 ran %d times, want 1", n)
	}
}

func TestMigrate(t *testing.T) {
	s := newSettings(t)
	ctx := testCtx(t)
	if err := Migrate(ctx, s, migrations); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	checkMigrated(t, s, 2)

	// Idempotent: a second start-up changes nothing.
	if err := Migrate(ctx, s, migrations); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	checkMigrated(t, s, 2)

	// A new migration is applied on the next start-up, the old ones are not re-run.
	next := withFile(migrations, "00003_more.sql", "-- +goose Up\nALTER TABLE widgets ADD COLUMN color text;\n")
	if err := Migrate(ctx, s, next); err != nil {
		t.Fatalf("third Migrate: %v", err)
	}
	checkMigrated(t, s, 3)
	conn := adminConn(t, s.AdminURL)
	if n := scalar[int64](t, conn, "SELECT count(*) FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'widgets' AND column_name = 'color'", s.Schema); n != 1 {
		t.Error("migration 3 not applied")
	}
}

func TestMigrateConcurrent(t *testing.T) {
	s := newSettings(t)
	ctx := testCtx(t)
	const n = 4
	errc := make(chan error, n)
	start := make(chan struct{})
	for range n {
		go func() {
			<-start
			errc <- Migrate(ctx, s, migrations)
		}()
	}
	close(start)
	for range n {
		if err := <-errc; err != nil {
			t.Errorf("concurrent Migrate: %v", err)
		}
	}
	checkMigrated(t, s, 2)
}

// TestMigrateSameServiceInManyDatabases runs one service's migrations in several databases of one server at
// once, repeatedly: the role is cluster-wide, so its CREATE and ALTER race across databases (advisory locks
// do not span databases) and must still all succeed.
func TestMigrateSameServiceInManyDatabases(t *testing.T) {
	ctx := testCtx(t)
	first := newSettings(t)
	settings := []Settings{first}
	for range 4 {
		_, dbURL := emptyDB.Database(t)
		settings = append(settings, Settings{AdminURL: dbURL, Schema: first.Schema, Password: first.Password})
	}
	for round := range 3 {
		errc := make(chan error, len(settings))
		start := make(chan struct{})
		for _, s := range settings {
			go func() {
				<-start
				errc <- Migrate(ctx, s, migrations)
			}()
		}
		close(start)
		for range settings {
			if err := <-errc; err != nil {
				t.Fatalf("round %d: concurrent Migrate in separate databases: %v", round, err)
			}
		}
	}
	for _, s := range settings {
		checkMigrated(t, s, 2)
	}
}

func TestMigrateConcurrentSchemasShareDatabase(t *testing.T) {
	// Two services migrating side by side in one database (the default deployment) each get their own.
	a := newSettings(t)
	b := a
	b.Schema = "t_mig_" + randomSuffix()
	b.Password = "pw-b"
	t.Cleanup(func() { dropRoles(t, b.AdminURL, b.Schema) })
	ctx := testCtx(t)
	var wg sync.WaitGroup
	for _, s := range []Settings{a, b} {
		wg.Go(func() {
			if err := Migrate(ctx, s, migrations); err != nil {
				t.Errorf("Migrate %s: %v", s.Schema, err)
			}
		})
	}
	wg.Wait()
	checkMigrated(t, a, 2)
	checkMigrated(t, b, 2)
}

func TestMigrateFailure(t *testing.T) {
	s := newSettings(t)
	ctx := testCtx(t)
	bad := withFile(migrations, "00003_bad.sql", "-- +goose Up\nCREATE TABLE half (id int);\nTHIS IS NOT SQL;\n")
	err := Migrate(ctx, s, bad)
	if err == nil {
		t.Fatal("Migrate with a broken migration succeeded")
	}
	if !strings.Contains(err.Error(), s.Schema) {
		t.Errorf("error %q does not name the schema", err)
	}
	// The good migrations stay applied, the broken one left nothing behind.
	checkMigrated(t, s, 2)
	conn := adminConn(t, s.AdminURL)
	if n := scalar[int64](t, conn, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'half'"); n != 0 {
		t.Error("a failed migration left a table behind")
	}
	// The advisory lock was released: the next (fixed) start-up does not wait for it.
	short, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	fixed := withFile(migrations, "00003_bad.sql", "-- +goose Up\nCREATE TABLE half (id int);\n")
	if err := Migrate(short, s, fixed); err != nil {
		t.Fatalf("Migrate after a failure: %v", err)
	}
	checkMigrated(t, s, 3)
}

func TestMigrateRejectsBadSchemaNames(t *testing.T) {
	for _, schema := range []string{"", "Applications", "1abc", "app-lications", "app;drop", `a"b`, "apps.v1", "ämter", strings.Repeat("a", 64)} {
		// The URL is unreachable: the name must be refused before any connection.
		err := Migrate(context.Background(), Settings{AdminURL: "postgres://nobody@127.0.0.1:1/x", Schema: schema}, migrations)
		if err == nil || !strings.Contains(err.Error(), "identifier") {
			t.Errorf("Migrate(schema %q) err = %v, want a refused identifier", schema, err)
		}
	}
	for _, schema := range []string{"a", "applications", "_x", "app_2", strings.Repeat("a", 63)} {
		if !validIdent(schema) {
			t.Errorf("validIdent(%q) = false", schema)
		}
	}
}

// scramMatches reports whether a SCRAM-SHA-256 verifier from pg_authid was made from password.
func scramMatches(t *testing.T, verifier, password string) bool {
	t.Helper()
	// SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>
	rest, ok := strings.CutPrefix(verifier, "SCRAM-SHA-256$")
	if !ok {
		t.Fatalf("verifier %q is not SCRAM-SHA-256", verifier)
	}
	iterSalt, keys, _ := strings.Cut(rest, "$")
	iterText, saltB64, _ := strings.Cut(iterSalt, ":")
	storedB64, _, _ := strings.Cut(keys, ":")
	iter, err := strconv.Atoi(iterText)
	if err != nil {
		t.Fatal(err)
	}
	salt, err := base64.StdEncoding.DecodeString(saltB64)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := base64.StdEncoding.DecodeString(storedB64)
	if err != nil {
		t.Fatal(err)
	}
	salted, err := pbkdf2.Key(sha256.New, password, salt, iter, 32)
	if err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, salted)
	mac.Write([]byte("Client Key"))
	sum := sha256.Sum256(mac.Sum(nil))
	return bytes.Equal(sum[:], stored)
}

func TestMigrateSetsPassword(t *testing.T) {
	// The private test server trusts every local connection, so the password is checked against the
	// stored SCRAM verifier instead of by logging in.
	s := newSettings(t)
	ctx := testCtx(t)
	conn := adminConn(t, s.AdminURL)
	verifier := func() string {
		return scalar[string](t, conn, "SELECT rolpassword FROM pg_authid WHERE rolname = $1", s.Schema)
	}
	for i, pw := range []string{
		"simple",
		`it's a "quoted" \ back\\slash`,
		"'; DROP ROLE postgres; --",
		"p@ss:/w?d#%&= 密码",
	} {
		s.Password = pw
		if err := Migrate(ctx, s, migrations); err != nil {
			t.Fatalf("Migrate with password %q: %v", pw, err)
		}
		if !scramMatches(t, verifier(), pw) {
			t.Errorf("run %d: stored password does not match %q", i, pw)
		}
		// Open builds a URL with it: it must parse and reach the server as the role.
		pool, err := Open(ctx, s)
		if err != nil {
			t.Fatalf("Open with password %q: %v", pw, err)
		}
		if u := scalar[string](t, pool, "SELECT current_user"); u != s.Schema {
			t.Errorf("current_user = %s", u)
		}
		pool.Close()
	}
	if !scalar[bool](t, conn, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'postgres')") {
		t.Fatal("the password was executed as SQL")
	}
}
