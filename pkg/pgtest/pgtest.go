// Package pgtest gives integration tests a PostgreSQL server and cheap, isolated databases cloned from a
// per-process template.
//
// Every test package that uses it needs
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// or, when TestMain has cleanup of its own to run after the tests, os.Exit(pgtest.Run(m)) after it
// (os.Exit skips deferred calls, so nothing may be deferred in the function that calls os.Exit).
//
// In -short mode (go test -short, `make test-unit`) every test that asks for a database is skipped and no
// server is started, even when DATABASE_URL is set.
//
// Server returns DATABASE_URL when it is set (CI, or `export DATABASE_URL=$(deploy/local/pg.sh start
// .run/pg)`). Otherwise the first call starts a private server for the test process (initdb in a
// temporary directory, about two seconds) which Main stops and deletes when the tests are done. As root
// (PostgreSQL refuses to run as root) the private server runs as the "postgres" user.
//
// A Template is built once (per server, not per process: see NewTemplate) by a setup function such as
// the service's migrations, and every Template.Database call clones it into a fresh database that is
// dropped when the test ends:
//
//	var tmpl = pgtest.NewTemplate("accounts_"+migrationsHash, func(ctx context.Context, adminURL, dbURL string) error {
//		return migrate(ctx, dbURL) // must close every connection it opens
//	})
//
//	func TestX(t *testing.T) {
//		_, dbURL := tmpl.Database(t)
//		...
//	}
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Main runs the tests of a package, stops and deletes the private server if this process started one,
// and exits with the tests' status. Call it from TestMain: func TestMain(m *testing.M) { pgtest.Main(m) }.
func Main(m *testing.M) {
	os.Exit(Run(m))
}

// Run is Main without the exit: it runs the tests, stops and deletes the private server if this process
// started one, and returns the exit code for os.Exit. Use it when TestMain has cleanup of its own.
func Run(m *testing.M) int {
	mainActive.Store(true)
	code := m.Run()
	if err := stopPrivate(); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// Server returns a superuser URL of a PostgreSQL server: DATABASE_URL when set, otherwise the URL of a
// private server started (once per process) for this test binary. In -short mode it skips the test
// instead, without starting anything.
func Server(tb testing.TB) string {
	tb.Helper()
	if testing.Short() {
		tb.Skip("pgtest: needs PostgreSQL; skipped in -short mode")
	}
	if env := os.Getenv("DATABASE_URL"); env != "" {
		u, err := url.Parse(env)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			tb.Fatalf("pgtest: DATABASE_URL must be a postgres:// URL, got %q", env)
		}
		return env
	}
	if !mainActive.Load() {
		tb.Fatal("pgtest: DATABASE_URL is not set and the package has no TestMain calling pgtest.Main, " +
			"which must stop the private server: add func TestMain(m *testing.M) { pgtest.Main(m) }")
	}
	privateOnce.Do(func() { private, privateErr = startPrivate() })
	if privateErr != nil {
		tb.Fatalf("pgtest: %v", privateErr)
	}
	return private.url
}

// URLWithDatabase returns url with its database (path) replaced by db. It panics if url does not parse.
func URLWithDatabase(rawURL, db string) string {
	u := mustParse(rawURL)
	u.Path = "/" + db
	u.RawPath = ""
	return u.String()
}

// URLWithUser returns url with its credentials replaced by user and password (none if empty). It panics
// if url does not parse.
func URLWithUser(rawURL, user, password string) string {
	u := mustParse(rawURL)
	if password == "" {
		u.User = url.User(user)
	} else {
		u.User = url.UserPassword(user, password)
	}
	return u.String()
}

func mustParse(rawURL string) *url.URL {
	u, err := url.Parse(rawURL)
	if err != nil {
		panic(fmt.Sprintf("pgtest: bad database URL: %v", err))
	}
	return u
}

// Template is a database built once by a setup function and cloned for each test.
type Template struct {
	name  string
	setup func(ctx context.Context, adminURL, dbURL string) error

	once sync.Once
	err  error
}

var templateName = regexp.MustCompile(`^[a-z0-9_]{1,58}$`)

// NewTemplate declares the template database tmpl_<name>, built by setup. name must match
// [a-z0-9_]{1,58}.
//
// The template is kept on the server and reused by later test runs against the same server (a shared
// DATABASE_URL server, or pg.sh's), so name must change whenever what setup builds changes: include a
// version or a hash of the migrations, e.g. "accounts_"+hex(sha256(migration files))[:12]. Stale
// templates are never dropped automatically.
//
// setup runs at most once per server and name, under an advisory lock so that concurrent test binaries
// do not race, with dbURL pointing at the template database with adminURL's (superuser) credentials. It
// must close every connection it opens before returning; leftovers are terminated. Roles are global to
// the server, so roles it creates outlive the template and must be created idempotently. If setup fails,
// the half-built template is dropped and every Database call of this process fails.
func NewTemplate(name string, setup func(ctx context.Context, adminURL, dbURL string) error) *Template {
	if !templateName.MatchString(name) {
		panic(fmt.Sprintf("pgtest: template name %q does not match %s", name, templateName))
	}
	return &Template{name: name, setup: setup}
}

// Database creates a fresh database cloned from the template (building the template first if this is
// the first call) and drops it when the test ends. It returns the server's admin URL and the new
// database's URL, both with the superuser credentials of Server (use URLWithUser for other roles).
func (t *Template) Database(tb testing.TB) (adminURL, dbURL string) {
	tb.Helper()
	adminURL = Server(tb)
	tmpl := "tmpl_" + t.name
	t.once.Do(func() { t.err = t.ensure(adminURL, tmpl) })
	if t.err != nil {
		tb.Fatalf("pgtest: template %s: %v", tmpl, t.err)
	}

	db := "t_" + randomHex(8)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	create := "CREATE DATABASE " + ident(db) + " TEMPLATE " + ident(tmpl)
	err := withAdmin(ctx, adminURL, func(conn *pgx.Conn) error {
		// CREATE DATABASE fails while anyone is connected to the template (it already waits 5s).
		for {
			_, err := conn.Exec(ctx, create)
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) || pgErr.Code != "55006" || ctx.Err() != nil {
				return err
			}
			time.Sleep(200 * time.Millisecond)
		}
	})
	if err != nil {
		tb.Fatalf("pgtest: create database from %s: %v", tmpl, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		err := withAdmin(ctx, adminURL, func(conn *pgx.Conn) error {
			_, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident(db)+" WITH (FORCE)")
			return err
		})
		if err != nil {
			tb.Errorf("pgtest: drop database %s: %v", db, err)
		}
	})
	return adminURL, URLWithDatabase(adminURL, db)
}

// ensure makes sure the template database tmpl exists and is complete. Complete templates are marked
// with datistemplate, set after setup succeeded.
func (t *Template) ensure(adminURL, tmpl string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	return withAdmin(ctx, adminURL, func(conn *pgx.Conn) error {
		// Session lock, released when conn closes.
		if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(1885828211, hashtext($1))", tmpl); err != nil {
			return fmt.Errorf("advisory lock: %w", err)
		}
		var ready bool
		err := conn.QueryRow(ctx, "SELECT datistemplate FROM pg_database WHERE datname = $1", tmpl).Scan(&ready)
		switch {
		case err == nil && ready:
			return nil
		case err == nil: // left over by a run that failed or died during setup
			if _, err := conn.Exec(ctx, "DROP DATABASE "+ident(tmpl)+" WITH (FORCE)"); err != nil {
				return fmt.Errorf("drop incomplete template: %w", err)
			}
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}

		if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident(tmpl)+" TEMPLATE template0"); err != nil {
			return err
		}
		if err := t.setup(ctx, adminURL, URLWithDatabase(adminURL, tmpl)); err != nil {
			if _, derr := conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+ident(tmpl)+" WITH (FORCE)"); derr != nil {
				err = errors.Join(err, fmt.Errorf("drop failed template: %w", derr))
			}
			return fmt.Errorf("setup: %w", err)
		}
		if _, err := conn.Exec(ctx, "ALTER DATABASE "+ident(tmpl)+" WITH ALLOW_CONNECTIONS false IS_TEMPLATE true"); err != nil {
			return err
		}
		_, err = conn.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", tmpl)
		return err
	})
}

func withAdmin(ctx context.Context, adminURL string, fn func(*pgx.Conn) error) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	return fn(conn)
}

func ident(s string) string { return pgx.Identifier{s}.Sanitize() }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// HashFS is a short hash of every file in fsys, for template names that change when migrations do:
// NewTemplate("applications_"+HashFS(migrations.FS), ...).
func HashFS(fsys fs.FS) string {
	h := sha256.New()
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, path)
		h.Write([]byte(path))
		h.Write([]byte{0})
		h.Write(b)
		return err
	})
	if err != nil {
		panic(fmt.Sprintf("pgtest: hash migrations: %v", err))
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}
