package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgClient finds a PostgreSQL client program (pgbench, psql): in `pg_config --bindir`, next to initdb on
// PATH, on PATH, or in the newest /usr/lib/postgresql/*/bin.
func pgClient(tb testing.TB, name string) string {
	tb.Helper()
	var dirs []string
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dirs = append(dirs, strings.TrimSpace(string(out)))
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		dirs = append(dirs, filepath.Dir(p))
		if r, err := filepath.EvalSymlinks(p); err == nil {
			dirs = append(dirs, filepath.Dir(r))
		}
	}
	for _, d := range dirs {
		if p := filepath.Join(d, name); isExecutable(p) {
			return p
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	versions, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	slices.SortFunc(versions, func(a, b string) int {
		va, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(a))))
		vb, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(b))))
		return vb - va
	})
	if len(versions) > 0 {
		return versions[0]
	}
	tb.Fatalf("%s not found (looked in `pg_config --bindir`, next to initdb, on PATH and in /usr/lib/postgresql/*/bin): "+
		"install them (Debian 12: apt-get install postgresql-15 for pgbench, postgresql-client-15 for psql), "+
		"which `make bench` needs for its baselines", name)
	return ""
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// pgbenchRun is one pgbench measurement of a script from testdata/pgbench.
type pgbenchRun struct {
	script     string            // file name under testdata/pgbench
	clients    int               // -c
	searchPath string            // the search_path of its sessions (PGOPTIONS), "" for the default
	vars       map[string]string // -D name=value
}

var tpsLine = regexp.MustCompile(`(?m)^tps = ([0-9.]+) \(without initial connection time\)`)

// run runs pgbench prepared (-M prepared) against dbURL for d and returns its transactions per second. A
// failed transaction fails the benchmark: the baseline must do the work it claims.
func (p pgbenchRun) run(tb testing.TB, pgbench, dbURL string, d time.Duration) float64 {
	tb.Helper()
	script, err := filepath.Abs(filepath.Join("testdata", "pgbench", p.script))
	if err != nil {
		tb.Fatal(err)
	}
	threads := min(p.clients, runtime.NumCPU())
	args := []string{"-n", "-M", "prepared", "-c", strconv.Itoa(p.clients), "-j", strconv.Itoa(threads),
		"-T", strconv.Itoa(max(1, int(d.Round(time.Second)/time.Second))), "-f", script}
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range p.vars {
			if !yield(k) {
				return
			}
		}
	}) {
		args = append(args, "-D", k+"="+p.vars[k])
	}
	cmd := exec.Command(pgbench, append(args, dbURL)...)
	cmd.Env = os.Environ()
	if p.searchPath != "" {
		cmd.Env = append(cmd.Env, "PGOPTIONS=-c search_path="+p.searchPath)
	}
	out, err := cmd.CombinedOutput()
	m := tpsLine.FindSubmatch(out)
	if err != nil || m == nil {
		tb.Fatalf("pgbench %s: %v\n%s", p.script, err, out)
	}
	if f := regexp.MustCompile(`(?m)^number of failed transactions: ([1-9][0-9]*)`).FindSubmatch(out); f != nil {
		tb.Fatalf("pgbench %s: %s failed transactions\n%s", p.script, f[1], out)
	}
	tps, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		tb.Fatal(err)
	}
	return tps
}

// execSQL runs statements against the suite's database.
func execSQL(tb testing.TB, dbURL string, statements ...string) {
	tb.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, q := range statements {
		if _, err := conn.Exec(ctx, q); err != nil {
			tb.Fatalf("%v\n%s", err, q)
		}
	}
}

// prepareVoteBaseline makes the scratch table of testdata/pgbench/vote.sql: bench.votes, like reviews.votes
// (columns, keys, indexes; no foreign key). The services' data is not touched.
func prepareVoteBaseline(tb testing.TB, dbURL string) {
	execSQL(tb, dbURL, `CREATE SCHEMA IF NOT EXISTS bench`, `CREATE TABLE IF NOT EXISTS bench.votes (LIKE reviews.votes INCLUDING ALL)`)
}

// serverSettings are the durability settings and version of the suite's PostgreSQL server, for the table.
func serverSettings(tb testing.TB, dbURL string) (string, bool) {
	tb.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(ctx)
	var parts []string
	durable := true
	for _, name := range []string{"server_version", "fsync", "synchronous_commit", "full_page_writes", "wal_level", "shared_buffers", "max_connections"} {
		var v string
		if err := conn.QueryRow(ctx, "SHOW "+name).Scan(&v); err != nil {
			tb.Fatal(err)
		}
		if v == "off" && name != "wal_level" {
			durable = false
		}
		parts = append(parts, name+"="+v)
	}
	return fmt.Sprintf("PostgreSQL %s", strings.Join(parts, " ")), durable
}

// prepareDepositBaseline runs testdata/pgbench/deposit_setup.sql: the tables a deposit confirmation writes,
// copied into the scratch schema bench with pledges to confirm, for deposit.sql.
func prepareDepositBaseline(tb testing.TB, dbURL, psql string) pgbenchRun {
	tb.Helper()
	if out, err := runCommand(psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", filepath.Join("testdata", "pgbench", "deposit_setup.sql"), "-d", dbURL); err != nil {
		tb.Fatalf("deposit_setup.sql: %v\n%s", err, out)
	}
	return pgbenchRun{script: "deposit.sql", clients: 16}
}

// runCommand runs a program and returns its combined output.
func runCommand(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	return string(out), err
}
