package e2e

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// benchConfig are `make bench`'s knobs (environment variables).
type benchConfig struct {
	rounds    int             // BENCH_ROUNDS: interleaved rounds A B A B … (default 3)
	seconds   time.Duration   // BENCH_SECONDS: length of each measurement (default 10)
	scenarios map[string]bool // BENCH_SCENARIOS: "1,2,3,5,6" by default; "all" adds 4 and kill
	procs     int             // BENCH_GOMAXPROCS: GOMAXPROCS of each service and the gateway (default 1; 0: Go's default)
}

func benchConfigFromEnv(tb testing.TB) benchConfig {
	tb.Helper()
	c := benchConfig{rounds: 3, seconds: 10 * time.Second, scenarios: map[string]bool{}, procs: 1}
	if v := os.Getenv("BENCH_ROUNDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			tb.Fatalf("BENCH_ROUNDS=%q: want a positive number", v)
		}
		c.rounds = n
	}
	if v := os.Getenv("BENCH_SECONDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			tb.Fatalf("BENCH_SECONDS=%q: want a positive number of seconds", v)
		}
		c.seconds = time.Duration(n) * time.Second
	}
	if v := os.Getenv("BENCH_GOMAXPROCS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			tb.Fatalf("BENCH_GOMAXPROCS=%q: want a number of CPUs, or 0 for Go's default", v)
		}
		c.procs = n
	}
	list := os.Getenv("BENCH_SCENARIOS")
	switch list {
	case "":
		list = "1,2,3,5,6"
	case "all":
		list = "1,2,3,4,5,6,kill"
	}
	for _, x := range strings.Split(list, ",") {
		x = strings.TrimSpace(x)
		if !slices.Contains([]string{"1", "2", "3", "4", "5", "6", "kill"}, x) {
			tb.Fatalf("BENCH_SCENARIOS=%q: want a comma-separated list of 1 to 6 and kill, or all", list)
		}
		c.scenarios[x] = true
	}
	return c
}

// procsEnv is the environment giving each process of the suite BENCH_GOMAXPROCS CPUs. The suite's six
// processes and PostgreSQL share the machine; with Go's default each process runs as many threads as the
// machine has CPUs, and the runtime's threads spin looking for work that another process is doing (scenario
// 1 on 2 CPUs: 157 µs of CPU per vote with Go's default, 144 with 1 each). One CPU each is what Go sets
// itself in a container limited to one CPU.
func (c benchConfig) procsEnv() []string {
	if c.procs == 0 {
		return nil
	}
	return []string{fmt.Sprintf("GOMAXPROCS=%d", c.procs)}
}

func (c benchConfig) procsText() string {
	if c.procs == 0 {
		return "each service and the gateway with Go's default GOMAXPROCS (BENCH_GOMAXPROCS=0)"
	}
	return fmt.Sprintf("each service and the gateway with GOMAXPROCS=%d (BENCH_GOMAXPROCS; as under a container limit of %d CPU)", c.procs, c.procs)
}
