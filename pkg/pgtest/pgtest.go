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
	"math/big"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
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

// The private server.

var (
	mainActive  atomic.Bool
	privateOnce sync.Once
	private     *server
	privateErr  error
)

type server struct {
	dir    string
	url    string
	cmd    *exec.Cmd
	exited chan struct{} // closed when the postmaster has exited
}

// startPrivate creates a cluster in a new temporary directory and starts a postmaster on a free
// loopback port. The postmaster is a child of this process with a parent-death signal, so it also goes
// away if the test binary is killed (e.g. by go test -timeout); the directory is then removed by the
// next private server start.
func startPrivate() (*server, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root, PostgreSQL needs an unprivileged user and there is no 'postgres' user (%v); create one or set DATABASE_URL", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	sweepStale()

	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, err
	}
	s := &server{dir: dir}
	fail := func(err error) (*server, error) {
		os.RemoveAll(dir)
		return nil, err
	}
	data, sock, logPath := filepath.Join(dir, "data"), filepath.Join(dir, "sock"), filepath.Join(dir, "log")
	if err := os.WriteFile(filepath.Join(dir, "owner"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return fail(err)
	}
	for _, d := range []string{data, sock} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return fail(err)
		}
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return fail(err)
	}
	if cred != nil {
		for _, p := range []string{data, sock} {
			if err := os.Chown(p, int(cred.Uid), int(cred.Gid)); err != nil {
				return fail(err)
			}
		}
	}

	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-A", "trust", "-U", "postgres",
		"--encoding=UTF8", "--locale=C", "--no-sync")
	initdb.Dir = dir
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		hint := ""
		if cred != nil {
			hint = fmt.Sprintf(" (running as user postgres: is %s traversable by it? set TMPDIR otherwise)", dir)
		}
		return fail(fmt.Errorf("initdb failed%s: %v\n%s", hint, err, tail(out)))
	}

	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fail(err)
	}
	defer logFile.Close() // the postmaster has its own copy

	// Two test binaries may pick the same port: retry on a bind failure.
	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err != nil {
			return fail(err)
		}
		s.url = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
		cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", data,
			"-c", "listen_addresses=127.0.0.1", "-p", strconv.Itoa(port), "-k", sock,
			"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
			"-c", "max_connections=300")
		cmd.Dir = dir
		cmd.Stdout, cmd.Stderr = logFile, logFile
		cmd.SysProcAttr = &syscall.SysProcAttr{
			Credential: cred,
			Setpgid:    true,            // a ^C on go test reaches us, not the server
			Pdeathsig:  syscall.SIGQUIT, // immediate shutdown if this process dies
		}
		if s.exited, err = launch(cmd); err != nil {
			return fail(fmt.Errorf("start postgres: %w", err))
		}
		s.cmd = cmd
		err = s.waitReady(60 * time.Second)
		if err == nil {
			return s, nil
		}
		s.stop()
		logText, _ := os.ReadFile(logPath)
		if attempt < 5 && strings.Contains(string(logText), "could not bind") {
			continue
		}
		return fail(fmt.Errorf("postgres did not start: %v; log:\n%s", err, tail(logText)))
	}
}

// launch starts cmd and returns a channel closed when it has exited.
func launch(cmd *exec.Cmd) (exited chan struct{}, err error) {
	exited = make(chan struct{})
	started := make(chan error)
	go func() {
		// Pdeathsig fires when the thread that started the child exits: keep this goroutine on its
		// thread, and the thread alive, until the child is gone.
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		_ = cmd.Wait()
		close(exited)
	}()
	return exited, <-started
}

// waitReady polls until the server accepts connections.
func (s *server) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, s.url)
		cancel()
		if err == nil {
			conn.Close(context.Background())
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("postgres exited: %v", s.cmd.ProcessState)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not accepting connections after %v: %w", timeout, err)
		}
	}
}

// stop shuts the postmaster down (fast shutdown, then harder).
func (s *server) stop() {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGQUIT, syscall.SIGKILL} {
		_ = s.cmd.Process.Signal(sig)
		select {
		case <-s.exited:
			return
		case <-time.After(20 * time.Second):
		}
	}
}

func stopPrivate() error {
	if private == nil {
		return nil
	}
	private.stop()
	err := os.RemoveAll(private.dir)
	private = nil
	return err
}

// sweepStale removes the directories of private servers whose test process is gone (killed before Main
// could clean up).
func sweepStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "pgtest-*"))
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "owner"))
		if err != nil || alive(string(b)) {
			continue
		}
		if pm, err := os.ReadFile(filepath.Join(d, "data", "postmaster.pid")); err == nil {
			if pid, _, _ := strings.Cut(string(pm), "\n"); alive(pid) {
				continue
			}
		}
		os.RemoveAll(d)
	}
}

func alive(pidText string) bool {
	pid, err := strconv.Atoi(strings.TrimSpace(pidText))
	if err != nil || pid <= 0 {
		return true // unknown: leave it alone
	}
	return syscall.Kill(pid, 0) != syscall.ESRCH
}

// binDir finds the directory holding initdb and postgres: initdb's on PATH, else the newest
// /usr/lib/postgresql/*/bin.
func binDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if p, err = filepath.EvalSymlinks(p); err == nil {
			if _, err := os.Stat(filepath.Join(filepath.Dir(p), "postgres")); err == nil {
				return filepath.Dir(p), nil
			}
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	best, bestVersion := "", -1
	for _, d := range dirs {
		v, err := strconv.Atoi(filepath.Base(filepath.Dir(d)))
		if _, serr := os.Stat(filepath.Join(d, "initdb")); err == nil && serr == nil && v > bestVersion {
			best, bestVersion = d, v
		}
	}
	if best == "" {
		return "", errors.New("initdb not found on PATH nor in /usr/lib/postgresql/*/bin: install PostgreSQL or set DATABASE_URL")
	}
	return best, nil
}

// freePort returns a loopback port that is free now, below the kernel's ephemeral range so that an
// outgoing connection does not grab it before the server binds it.
func freePort() (int, error) {
	for range 100 {
		n, err := rand.Int(rand.Reader, big.NewInt(12000))
		if err != nil {
			return 0, err
		}
		port := 20000 + int(n.Int64())
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err == nil {
			l.Close()
			return port, nil
		}
	}
	return 0, errors.New("no free port found in 20000-31999")
}

func tail(b []byte) string {
	text := strings.TrimRight(string(b), "\n")
	if text == "" {
		return "    (no output)"
	}
	lines := strings.Split(text, "\n")
	if len(lines) > 30 {
		lines = lines[len(lines)-30:]
	}
	return "    " + strings.Join(lines, "\n    ")
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
