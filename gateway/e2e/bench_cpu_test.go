package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat: 100 on every Linux.
const clockTicks = 100

// statFields is the fields of /proc/<pid>/stat after the command name, the first being field 3 (the state);
// nil when it cannot be read. The command name (field 2) is in parentheses and may hold spaces: fields are
// counted after its end.
func statFields(pid int) []string {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	i := strings.LastIndexByte(string(raw), ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(string(raw[i+1:]))
}

// cpuTime is the CPU time (user + system) a process has used so far, from /proc/<pid>/stat (0 when it cannot
// be read, e.g. the process has exited).
func cpuTime(pid int) time.Duration {
	f := statFields(pid)
	if len(f) < 13 {
		return 0
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64) // field 14
	stime, err2 := strconv.ParseInt(f[12], 10, 64) // field 15
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(utime+stime) * time.Second / clockTicks
}

// cpuProbe reads the CPU time of the processes a vote or a list page passes through: the suite's gateway, reviews and
// applications, the bench process itself (the load generator) and the PostgreSQL server (its postmaster and
// every backend), so that a measurement can tell what each spends per vote whatever else loads the machine.
type cpuProbe struct {
	s          *Suite
	postmaster int // 0: not known (not a local server)
}

// cpuProcesses are the processes cpuProbe reports on, in the order printed.
var cpuProcesses = []string{"gateway", "reviews", "applications", "bench", "postgres"}

func newCPUProbe(tb testing.TB, s *Suite) *cpuProbe {
	p := &cpuProbe{s: s}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.DBURL)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(ctx)
	var dir string
	if conn.QueryRow(ctx, `SHOW data_directory`).Scan(&dir) == nil {
		if pm, err := os.ReadFile(filepath.Join(dir, "postmaster.pid")); err == nil {
			first, _, _ := strings.Cut(string(pm), "\n")
			p.postmaster, _ = strconv.Atoi(strings.TrimSpace(first))
		}
	}
	return p
}

// read returns each process's CPU time so far.
func (p *cpuProbe) read() map[string]time.Duration {
	out := map[string]time.Duration{"bench": cpuTime(os.Getpid())}
	for _, name := range []string{"gateway", "reviews", "applications"} {
		if proc := p.s.procs[name]; proc != nil {
			out[name] = cpuTime(proc.cmd.Process.Pid)
		}
	}
	if p.postmaster > 0 {
		// The postmaster and its children (backends, WAL writer, checkpointer, …): the backends of the
		// services' pools live through a measurement, so their CPU is counted in full.
		total := cpuTime(p.postmaster)
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil || parentOf(pid) != p.postmaster {
				continue
			}
			total += cpuTime(pid)
		}
		out["postgres"] = total
	}
	return out
}

// parentOf is a process's parent's PID (0 when unknown).
func parentOf(pid int) int {
	f := statFields(pid)
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

// cpuPerOp accumulates CPU time per process over measurements and the operations they did.
type cpuPerOp struct {
	used map[string]time.Duration
	ops  int64
}

// add records one measurement: CPU times before and after, and the operations done in between.
func (c *cpuPerOp) add(before, after map[string]time.Duration, ops int64) {
	if c.used == nil {
		c.used = map[string]time.Duration{}
	}
	for name, t := range after {
		if b, ok := before[name]; ok && t >= b {
			c.used[name] += t - b
		}
	}
	c.ops += ops
}

// String is "gateway 96, reviews 53, … µs" per operation.
func (c *cpuPerOp) String() string {
	if c.ops == 0 {
		return "no operations"
	}
	var parts []string
	var total time.Duration
	for _, name := range cpuProcesses {
		t, ok := c.used[name]
		if !ok {
			continue
		}
		total += t
		parts = append(parts, fmt.Sprintf("%s %.0f", name, float64(t.Microseconds())/float64(c.ops)))
	}
	return fmt.Sprintf("%s, all %.0f µs (utime+stime from /proc/<pid>/stat, over %d)", strings.Join(parts, ", "), float64(total.Microseconds())/float64(c.ops), c.ops)
}

// benchProfiles is BENCH_PPROF: a directory to save CPU profiles of the suite's processes in, taken during a
// measurement; the processes then serve Go's profiles on their admin address (ADMIN_ADDR, ADMIN_PPROF=true).
type benchProfiles struct {
	dir   string
	admin map[string]string // process name → admin address
}

// benchProfilesFromEnv reads BENCH_PPROF; nil when it is not set.
func benchProfilesFromEnv(tb testing.TB) *benchProfiles {
	dir := os.Getenv("BENCH_PPROF")
	if dir == "" {
		return nil
	}
	dir, err := filepath.Abs(dir)
	if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		tb.Fatalf("BENCH_PPROF: %v", err)
	}
	return &benchProfiles{dir: dir, admin: map[string]string{}}
}

// env is the environment that makes a process serve its profiles on a free loopback port (none without
// BENCH_PPROF).
func (p *benchProfiles) env(tb testing.TB, name string) []string {
	if p == nil {
		return nil
	}
	addr := freeAddr(tb)
	p.admin[name] = addr
	return []string{"ADMIN_ADDR=" + addr, "ADMIN_PPROF=true"}
}

// capture starts CPU profiles of every process with an admin address and of the bench process itself (the
// load generator), each for d (at most 25 s: the admin server's write timeout is 30 s), saved as
// dir/<prefix>-<process>.pprof. The returned function waits for them and prints the paths saved as scenario's;
// without BENCH_PPROF (p nil) nothing is captured and it does nothing.
func (p *benchProfiles) capture(tb testing.TB, scenario, prefix string, d time.Duration) (done func()) {
	if p == nil {
		return func() {}
	}
	// Within the measurement: its first second is left out (the load starts at once, the profile a little later).
	seconds := max(1, min(25, int(d/time.Second)-1))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var saved []string
	save := func(path string) {
		mu.Lock()
		saved = append(saved, path)
		mu.Unlock()
	}
	for name, addr := range p.admin {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := filepath.Join(p.dir, prefix+"-"+name+".pprof")
			resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, seconds))
			if err != nil {
				tb.Errorf("profile of %s: %v", name, err)
				return
			}
			defer resp.Body.Close()
			raw, err := io.ReadAll(resp.Body)
			if err != nil || resp.StatusCode != 200 {
				tb.Errorf("profile of %s: %s %v %.200s", name, resp.Status, err, raw)
				return
			}
			if err := os.WriteFile(path, raw, 0o644); err != nil {
				tb.Errorf("profile of %s: %v", name, err)
				return
			}
			save(path)
		}()
	}
	self := filepath.Join(p.dir, prefix+"-bench.pprof")
	f, err := os.Create(self)
	if err == nil {
		if err = pprof.StartCPUProfile(f); err != nil {
			f.Close()
		}
	}
	if err != nil {
		tb.Logf("profile of the bench process: %v", err) // e.g. go test -cpuprofile is profiling it already
	} else {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(seconds) * time.Second)
			pprof.StopCPUProfile()
			f.Close()
			save(self)
		}()
	}
	return func() {
		wg.Wait()
		for _, path := range saved {
			fmt.Printf("bench: %s CPU profile: %s\n", scenario, path)
		}
	}
}
