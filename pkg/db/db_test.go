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
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

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
	t.Cleanup(func() { dropRole(t, dbURL, schema) })
	return Settings{AdminURL: dbURL, Schema: schema, Password: "pw-" + schema}
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
	if owner := scalar[string](t, conn, "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = $1", s.Schema); owner != s.Schema {
		t.Errorf("schema %s owned by %s, want the role", s.Schema, owner)
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
	if owner := scalar[string](t, conn, "SELECT tableowner FROM pg_tables WHERE schemaname = $1 AND tablename = 'widgets'", s.Schema); owner != s.Schema {
		t.Errorf("widgets owned by %s, want the service role", owner)
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
	t.Cleanup(func() { dropRole(t, b.AdminURL, b.Schema) })
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

func TestOpen(t *testing.T) {
	s := newSettings(t)
	ctx := testCtx(t)
	if err := Migrate(ctx, s, migrations); err != nil {
		t.Fatal(err)
	}

	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	t.Cleanup(func() { otel.SetTracerProvider(prev); tp.Shutdown(context.Background()) })

	pool, err := Open(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()

	var user, schema string
	if err := pool.QueryRow(ctx, "SELECT current_user, current_schema()").Scan(&user, &schema); err != nil {
		t.Fatal(err)
	}
	if user != s.Schema || schema != s.Schema {
		t.Errorf("current_user, current_schema() = %s, %s; want %s for both", user, schema, s.Schema)
	}
	// Set explicitly, not merely resolved through the default "$user" entry.
	if sp := scalar[string](t, pool, "SHOW search_path"); sp != s.Schema {
		t.Errorf("search_path = %q, want %q", sp, s.Schema)
	}
	// Unqualified names resolve in the schema, on every connection of the pool.
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			c, err := pool.Acquire(ctx)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Release()
			var name string
			if err := c.QueryRow(ctx, "SELECT name FROM widgets WHERE id = 1").Scan(&name); err != nil || name != "first" {
				t.Errorf("unqualified read = %q, %v", name, err)
			}
			time.Sleep(50 * time.Millisecond) // keep the connection so that the others open new ones
		})
	}
	wg.Wait()
	if _, err := pool.Exec(ctx, "CREATE TABLE created_later (id int)"); err != nil {
		t.Fatal(err)
	}
	conn := adminConn(t, s.AdminURL)
	if n := scalar[int64](t, conn, "SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename = 'created_later'", s.Schema); n != 1 {
		t.Error("a table created through the pool is not in the service's schema")
	}

	// The pool is traced.
	var traced bool
	for _, sp := range rec.Ended() {
		for _, kv := range sp.Attributes() {
			if kv.Key == "db.statement" && kv.Value.AsString() == "SELECT current_user, current_schema()" && sp.Name() == "SQL SELECT" {
				traced = true
			}
		}
	}
	if !traced {
		t.Errorf("no SQL SELECT span for the query among %d spans", len(rec.Ended()))
	}
}

func TestOpenIsolatesSchemas(t *testing.T) {
	a := newSettings(t)
	b := a
	b.Schema = "t_mig_" + randomSuffix()
	t.Cleanup(func() { dropRole(t, b.AdminURL, b.Schema) })
	ctx := testCtx(t)
	for _, s := range []Settings{a, b} {
		if err := Migrate(ctx, s, migrations); err != nil {
			t.Fatal(err)
		}
	}
	pool, err := Open(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	tests := []string{
		"SELECT count(*) FROM " + b.Schema + ".widgets",
		"INSERT INTO " + b.Schema + ".widgets VALUES (2, 'x')",
		"CREATE TABLE " + b.Schema + ".intruder (id int)",
		"CREATE TABLE public.intruder (id int)",
	}
	for _, sql := range tests {
		_, err := pool.Exec(ctx, sql)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Errorf("%s: err = %v, want permission denied (42501)", sql, err)
		}
	}
}

func TestOpenFails(t *testing.T) {
	s := newSettings(t) // never migrated: the role does not exist
	ctx := testCtx(t)
	pool, err := Open(ctx, s)
	if err == nil {
		pool.Close()
		t.Fatal("Open as a missing role succeeded")
	}
	if !strings.Contains(err.Error(), s.Schema) {
		t.Errorf("error %q does not name the role", err)
	}
	if _, err := Open(ctx, Settings{AdminURL: "postgres://x@[::1", Schema: "x"}); err == nil {
		t.Error("Open with a malformed URL succeeded")
	}
}

func TestRoleURL(t *testing.T) {
	tests := []struct {
		name     string
		admin    string
		schema   string
		password string
		host     string
		port     uint16
		database string
		sslmode  bool // TLS required
	}{
		{"plain", "postgres://postgres:admin@db.internal:6543/commonweal?sslmode=disable", "applications", "secret", "db.internal", 6543, "commonweal", false},
		{"no admin password", "postgres://postgres@127.0.0.1:5432/suite?sslmode=disable", "donations", "pw", "127.0.0.1", 5432, "suite", false},
		{"special password", "postgresql://admin:x@db:5432/app?sslmode=disable", "accounts", "p@ss:/w?d#%&= '\"\\ 密", "db", 5432, "app", false},
		{"sslmode kept", "postgres://admin:x@db:5432/app?sslmode=require", "accounts", "pw", "db", 5432, "app", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := Settings{AdminURL: tt.admin, Schema: tt.schema, Password: tt.password}.RoleURL()
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(u, "admin") {
				t.Errorf("role URL %q still carries the admin credentials", u)
			}
			cfg, err := pgconn.ParseConfig(u)
			if err != nil {
				t.Fatalf("ParseConfig(%q): %v", u, err)
			}
			if cfg.User != tt.schema || cfg.Password != tt.password {
				t.Errorf("user/password = %q/%q, want %q/%q", cfg.User, cfg.Password, tt.schema, tt.password)
			}
			if cfg.Host != tt.host || cfg.Port != tt.port || cfg.Database != tt.database {
				t.Errorf("server = %s:%d/%s, want %s:%d/%s", cfg.Host, cfg.Port, cfg.Database, tt.host, tt.port, tt.database)
			}
			if (cfg.TLSConfig != nil) != tt.sslmode {
				t.Errorf("TLS = %v, want %v", cfg.TLSConfig != nil, tt.sslmode)
			}
		})
	}
	if _, err := (Settings{AdminURL: "postgres://x@[::1", Schema: "x"}).RoleURL(); err == nil {
		t.Error("RoleURL of a malformed URL succeeded")
	}
}

func TestRoleURLOverridesQueryCredentials(t *testing.T) {
	// libpq-style URLs may carry the user in the query string; pgx lets it override the user info.
	u, err := Settings{AdminURL: "postgres://db:5432/app?user=postgres&password=admin&sslmode=disable", Schema: "accounts", Password: "pw"}.RoleURL()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := pgconn.ParseConfig(u)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.User != "accounts" || cfg.Password != "pw" {
		t.Errorf("%q connects as %q/%q, want the service role accounts/pw", u, cfg.User, cfg.Password)
	}
}

// pool returns a superuser pool on a fresh database with a table t(id int primary key).
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
