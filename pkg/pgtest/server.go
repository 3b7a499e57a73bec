// The private PostgreSQL server a test process starts when DATABASE_URL is not set.

package pgtest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

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

// DurableVar names the environment variable that makes the private server durable: with DurableVar=1 it
// runs with PostgreSQL's crash-safe defaults (fsync, synchronous_commit and full_page_writes on), as the
// benchmarks (`make bench`) need to compare like with like. Without it, the private server of a test process
// runs fast and unsafe (fsync=off, synchronous_commit=off, full_page_writes=off): a test database holds
// nothing worth a crash-safe write. DATABASE_URL's server, when set, keeps whatever settings it has.
const DurableVar = "PGTEST_DURABLE"

// Durable reports whether the private server runs (or will run) with durable settings (DurableVar=1).
func Durable() bool { return os.Getenv(DurableVar) == "1" }

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
		args := []string{"-D", data, "-c", "listen_addresses=127.0.0.1", "-p", strconv.Itoa(port), "-k", sock, "-c", "max_connections=300"}
		if !Durable() {
			args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
		}
		cmd := exec.Command(filepath.Join(bin, "postgres"), args...)
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
