package db

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

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
	// The runtime role changes data, never the schema: tables come from migrations, run as the owner.
	var pgErr *pgconn.PgError
	if _, err := pool.Exec(ctx, "CREATE TABLE created_later (id int)"); !errors.As(err, &pgErr) || pgErr.Code != "42501" {
		t.Errorf("CREATE TABLE through the pool: err = %v, want permission denied (42501)", err)
	}

	// The pool is traced.
	var traced bool
	for _, sp := range rec.Ended() {
		for _, kv := range sp.Attributes() {
			if kv.Key == "db.query.text" && kv.Value.AsString() == "SELECT current_user, current_schema()" && sp.Name() == "SQL SELECT" {
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
	t.Cleanup(func() { dropRoles(t, b.AdminURL, b.Schema) })
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
