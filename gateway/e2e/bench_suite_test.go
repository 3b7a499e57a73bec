package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/pgtest"
)

// Tracing of the benchmarked suite: as in production, parent-based sampling of 10% of the traces, exported
// over OTLP to the suite's local collector. Scenario 5 compares it with tracing off.
var (
	tracingOn  = []string{"OTEL_TRACES_SAMPLER=parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG=0.1", "OTEL_SDK_DISABLED=false"}
	tracingOff = []string{"OTEL_EXPORTER_OTLP_ENDPOINT=", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=", "OTEL_TRACES_EXPORTER=none", "OTEL_TRACES_SAMPLER=always_off", "OTEL_SDK_DISABLED=false"}
)

// BenchmarkSuite is `make bench`: it starts the suite on a private durable PostgreSQL (PGTEST_DURABLE=1),
// loads it and measures each scenario of issue 13 against PostgreSQL doing the same work on the same server
// (pgbench, psql), interleaved (A B A B …, BENCH_ROUNDS rounds of BENCH_SECONDS each), and prints one table:
// each figure, its baseline and their ratio as median (min–max) over the rounds, with the target. It fails
// when a correctness check fails (a vote acknowledged and not stored, tallies other than the acknowledged
// votes, a ledger that does not balance, receipt numbers with gaps), not when a target is missed.
// deploy/PERFORMANCE.md describes the scenarios and how to rerun them.
func BenchmarkSuite(b *testing.B) {
	cfg := benchConfigFromEnv(b)
	// The private server is started by the first database below: durable, like production.
	os.Setenv(pgtest.DurableVar, "1")
	pgbench := pgClient(b, "pgbench")
	psql := pgClient(b, "psql")
	_, dbURL := emptyDB.Database(b)
	settings, durable := serverSettings(b, dbURL)
	header := []string{
		"machine:    " + machine(),
		"database:   " + settings,
		fmt.Sprintf("knobs:      BENCH_ROUNDS=%d BENCH_SECONDS=%d BENCH_SCENARIOS=%s", cfg.rounds, int(cfg.seconds/time.Second), strings.Join(slices.Sorted(func(y func(string) bool) {
			for k := range cfg.scenarios {
				if !y(k) {
					return
				}
			}
		}), ",")),
		"load:       HTTP 50 connections (closed loop), gRPC 16 workers, pgbench 16 clients -M prepared; tracing on (parent-based 10%, OTLP to a local sink) except scenario 5's B",
		"processes:  " + cfg.procsText(),
	}
	if !durable {
		header = append(header, "WARNING:    the server is NOT durable (DATABASE_URL's server?): figures are not comparable with production")
	}
	loadBefore := loadAverage()
	var rows []*benchRow
	defer func() {
		// Other work on the machine makes the figures noisy: the load averages tell whether there was any.
		header = append(header, "loadavg:    "+loadBefore+" before, "+loadAverage()+" after (1, 5, 15 min; the suite and pgbench themselves load the machine)")
		printBenchTable(os.Stdout, header, rows)
	}()

	// BENCH_PPROF: the processes on the vote, deposit and list paths serve Go's profiles on their admin address.
	profiles := benchProfilesFromEnv(b)
	s := StartWith(b, Options{DBURL: dbURL, Env: append(append([]string{"LOG_LEVEL=error"}, tracingOn...), cfg.procsEnv()...),
		GatewayEnv: append(append(append([]string{"VOTE_RATE_LIMIT=0", "VOTER_CODE_RATE_LIMIT=0", "LOG_LEVEL=error"}, tracingOn...), cfg.procsEnv()...), profiles.env(b, "gateway")...),
		ServiceEnv: func(svc string) []string {
			if svc == "reviews" || svc == "applications" || svc == "donations" {
				return profiles.env(b, svc)
			}
			return nil
		}})
	time.Sleep(2 * time.Second)
	idle := s.memory("VmRSS")

	// A round in PROMOTION with three finalists: the votes, the pledges and the listed applications go there.
	start := time.Now()
	w := newReviewRound(b, s, 3, 3)
	w.publishShortlist(b, func(m, a int) int { return 60 + a })
	st, body := w.advance(b, "PHASE_PUBLICITY")
	expectTB(b, "publicity", st, body, 200, "")
	time.Sleep(publicityPeriod + 100*time.Millisecond)
	st, body = w.advance(b, "PHASE_PROMOTION")
	expectTB(b, "promotion", st, body, 200, "")
	fmt.Printf("bench: suite started and a round taken to PROMOTION in %s\n", time.Since(start).Round(time.Second))

	votes := newVoteLoad(b, s, w.roundID, w.apps)
	prepareVoteBaseline(b, s.DBURL)
	voteBaseline := pgbenchRun{script: "vote.sql", clients: 16}

	if cfg.scenarios["1"] {
		row := &benchRow{scenario: "1. votes through the gateway (HTTP)", unit: "votes/s", baseUnit: "TPS", target: 1.0, atLeast: true}
		rows = append(rows, row)
		var perVote cpuPerOp
		for r := range cfg.rounds {
			profiled := func() {}
			a := votes.measureWith(50, cfg.seconds, &perVote, func() {
				if r == 0 { // BENCH_PPROF: profiles of the first measurement
					profiled = profiles.capture(b, "1", "votes", cfg.seconds)
				}
			})
			profiled()
			bps := voteBaseline.run(b, pgbench, s.DBURL, cfg.seconds)
			row.add(a, bps)
			fmt.Printf("bench: 1 round %d: %.0f votes/s, pgbench %.0f TPS\n", r+1, a, bps)
		}
		summary := votes.check(b, true)
		fmt.Println("bench: 1 votes:", summary)
		fmt.Println("bench: 1 CPU per vote:", perVote.String())
		row.note = summary + "; baseline: testdata/pgbench/vote.sql (unique-key insert, 16 clients); CPU per vote: " + perVote.String()
	}
	if cfg.scenarios["6"] {
		loaded := s.memory("VmHWM")
		for _, name := range append(slices.Clone(suiteServices), "gateway") {
			row := &benchRow{scenario: "6. memory " + name + " idle / loaded", baseline: "—", ratio: "—", targetText: "≤ 48 / ≤ 160 MiB"}
			rows = append(rows, row)
			l := "—"
			okLoaded := true
			if cfg.scenarios["1"] {
				l = fmt.Sprintf("%.1f", loaded[name]/1024)
				okLoaded = loaded[name] <= 160*1024
			}
			row.figure = fmt.Sprintf("%.1f / %s MiB", idle[name]/1024, l)
			row.met = "yes"
			if idle[name] > 48*1024 || !okLoaded {
				row.met = "NO"
			}
		}
		rows[len(rows)-1].note = "memory: VmRSS after start (idle) and VmHWM (peak resident) at the end of scenario 1 (loaded), per process"
		if !cfg.scenarios["1"] {
			rows[len(rows)-1].note = "memory: VmRSS after start; loaded needs scenario 1"
		}
	}
	if cfg.scenarios["5"] {
		row := &benchRow{scenario: "5. votes, tracing 10% ÷ off", unit: "votes/s", target: 0.95, atLeast: true}
		rows = append(rows, row)
		on := append([]string{"OTEL_EXPORTER_OTLP_ENDPOINT=http://" + s.Spans.addr, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="}, tracingOn...)
		for r := range cfg.rounds {
			// The processes on the vote path restart with the other tracing setting before each measurement.
			// A second of load after each restart warms the new processes up (connection pools), unmeasured.
			s.restartVotePath(on)
			votes.measure(50, time.Second)
			a := votes.measure(50, cfg.seconds)
			s.restartVotePath(tracingOff)
			votes.measure(50, time.Second)
			bv := votes.measure(50, cfg.seconds)
			row.add(a, bv)
			fmt.Printf("bench: 5 round %d: tracing on %.0f votes/s, off %.0f votes/s\n", r+1, a, bv)
		}
		s.restartVotePath(on)
		summary := votes.check(b, true)
		fmt.Println("bench: 5 votes:", summary)
		row.note = "A and B are scenario 1's vote load, gateway, reviews and applications restarted between measurements; all votes so far: " + summary
	}
	if cfg.scenarios["2"] {
		rows = append(rows, benchDeposits(b, s, w, cfg, pgbench, psql, profiles))
	}
	if cfg.scenarios["3"] {
		rows = append(rows, benchList(b, s, w, cfg, pgbench, profiles)...)
	}
	if cfg.scenarios["4"] {
		rows = append(rows, benchStatistics(b, s, cfg, psql))
	} else {
		rows = append(rows, &benchRow{scenario: "4. round statistics (100,000 applications)", figure: "skipped", baseline: "—", ratio: "—", targetText: "≤ 1.20 (time)", met: "—",
			note: "slow (generation takes minutes): run with BENCH_SCENARIOS=4 or all"})
	}
	if cfg.scenarios["kill"] {
		rows = append(rows, benchKill(b, s, votes, cfg))
	}
}

// loadAverage is the first three fields of /proc/loadavg.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "?"
}

// memory reads a field (VmRSS, VmHWM) of /proc/<pid>/status of every process of the suite, in KiB.
func (s *Suite) memory(field string) map[string]float64 {
	out := map[string]float64{}
	for name, p := range s.procs {
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
		if err != nil {
			s.t.Fatalf("memory of %s: %v", name, err)
		}
		for _, line := range strings.Split(string(raw), "\n") {
			var kb float64
			if _, err := fmt.Sscanf(line, field+": %f kB", &kb); err == nil {
				out[name] = kb
			}
		}
	}
	return out
}

// restartVotePath restarts the processes a vote passes through (applications, reviews, then the gateway)
// with env, each after a graceful stop.
func (s *Suite) restartVotePath(env []string) {
	s.t.Helper()
	for _, name := range []string{"applications", "reviews", "gateway"} {
		s.Stop(name)
		s.Restart(name, env...)
	}
}

// voteLoad casts votes through the gateway from distinct voters, seeded with SQL as BenchmarkCastVotes does
// (set-up, not the code under test): vote i is voter i/len(apps)+1's vote for apps[i%len(apps)], so every vote
// is a distinct (voter, application) pair and counts.
type voteLoad struct {
	tb       testing.TB
	s        *Suite
	roundID  string
	apps     []string
	next     atomic.Int64 // the next vote's index
	capacity int64        // the votes the seeded voters can cast
	lastRate float64
	cpu      *cpuProbe    // made by the first measurement of CPU time
	ackedAll atomic.Int64 // the votes answered 200 so far, live

	mu        sync.Mutex
	acked     []int64 // the indexes of the votes answered 200
	attempted int64
	failures  map[string]int // answers other than 200, by status (or error)
}

func newVoteLoad(tb testing.TB, s *Suite, roundID string, apps []string) *voteLoad {
	return &voteLoad{tb: tb, s: s, roundID: roundID, apps: apps, failures: map[string]int{}}
}

// seed makes sure the seeded voters can cast at least votes votes in all.
func (v *voteLoad) seed(votes int64) {
	v.tb.Helper()
	n := int64(len(v.apps))
	from, to := v.capacity/n+1, (votes+n-1)/n
	if to < from {
		return
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, v.s.DBURL)
	if err != nil {
		v.tb.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, q := range []string{
		`INSERT INTO reviews.voters (id, phone_hmac, created_at) SELECT md5('bench-voter-' || i)::uuid, sha256(('bench-phone-' || i)::bytea), now() FROM generate_series($1::bigint, $2::bigint) i`,
		`INSERT INTO reviews.voter_tokens (token_hash, voter_id, expires_at, created_at) SELECT sha256(('bench-token-' || i)::bytea), md5('bench-voter-' || i)::uuid, now() + interval '1 day', now() FROM generate_series($1::bigint, $2::bigint) i`,
	} {
		if _, err := conn.Exec(ctx, q, from, to); err != nil {
			v.tb.Fatal(err)
		}
	}
	v.capacity = to * n
}

// start starts conns closed-loop voters and returns the function that stops them, waits for the requests in
// flight to be answered, and returns the votes acknowledged (200) and how long the load ran. The load also
// ends when the seeded voters have cast every vote.
func (v *voteLoad) start(conns int) (stop func() (acked int64, elapsed time.Duration)) {
	var stopping atomic.Bool
	var wg sync.WaitGroup
	var ackedNow atomic.Int64
	begin := time.Now()
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []int64
			var attempted int64
			fails := map[string]int{}
			defer func() {
				v.mu.Lock()
				v.acked = append(v.acked, mine...)
				v.attempted += attempted
				for k, n := range fails {
					v.failures[k] += n
				}
				v.mu.Unlock()
			}()
			// One connection per voter goroutine (rawHTTP, bench_http_test.go); each request is the prepared
			// bytes of a vote with its path and X-Voter-Token filled in.
			client := newRawHTTP(v.tb, v.s.URL)
			defer client.Close()
			n := int64(len(v.apps))
			prefix := make([][]byte, n) // the request up to the voter token, per application
			for k, app := range v.apps {
				prefix[k] = []byte("POST /v1/rounds/" + v.roundID + "/applications/" + app + "/votes HTTP/1.1\r\nHost: " + client.addr +
					"\r\nContent-Type: application/json\r\nContent-Length: 2\r\nX-Voter-Token: bench-token-")
			}
			var req []byte
			for !stopping.Load() {
				i := v.next.Add(1) - 1
				if i >= v.capacity {
					return
				}
				req = append(req[:0], prefix[i%n]...)
				req = strconv.AppendInt(req, i/n+1, 10)
				req = append(req, "\r\n\r\n{}"...)
				attempted++
				a, err := client.do(req, false)
				switch {
				case err != nil:
					fails["error "+errKey(err)]++
				case a.status == 200:
					mine = append(mine, i)
					ackedNow.Add(1)
					v.ackedAll.Add(1)
				default:
					fails[a.reason]++
				}
				if err != nil || a.status != 200 {
					time.Sleep(10 * time.Millisecond) // e.g. reviews restarting: do not spin
				}
			}
		}()
	}
	return func() (int64, time.Duration) {
		stopping.Store(true)
		wg.Wait()
		return ackedNow.Load(), time.Since(begin)
	}
}

// measure runs the load for d and returns the votes acknowledged per second.
func (v *voteLoad) measure(conns int, d time.Duration) float64 {
	return v.measureWith(conns, d, nil, nil)
}

// measureWith is measure that also adds the CPU time each process used during the load, and the votes
// acknowledged, to cpu (when not nil), and calls started (when not nil) once the load has started.
func (v *voteLoad) measureWith(conns int, d time.Duration, cpu *cpuPerOp, started func()) float64 {
	// Seeded well past what the load can cast in d: a load that ran out of voters would report votes/d, a cap.
	v.seed(v.next.Load() + max(150_000, int64(3*v.lastRate*d.Seconds())))
	var before map[string]time.Duration
	if cpu != nil {
		if v.cpu == nil {
			v.cpu = newCPUProbe(v.tb, v.s)
		}
		before = v.cpu.read()
	}
	stop := v.start(conns)
	if started != nil {
		started()
	}
	time.Sleep(d)
	acked, elapsed := stop()
	if cpu != nil {
		cpu.add(before, v.cpu.read(), acked)
	}
	v.lastRate = float64(acked) / elapsed.Seconds()
	return v.lastRate
}

// check verifies the votes cast so far: every acknowledged vote is stored (none lost), none is stored twice,
// no more are stored than were attempted, and the tallies count exactly the stored votes; with exact, also
// that the stored votes are exactly the acknowledged ones (no vote failed). It returns a summary.
func (v *voteLoad) check(tb testing.TB, exact bool) string {
	tb.Helper()
	v.mu.Lock()
	acked := slices.Clone(v.acked)
	attempted := v.attempted
	failures := fmt.Sprint(v.failures)
	v.mu.Unlock()
	s := v.s
	stored := int64(s.Count(`SELECT count(*) FROM reviews.votes WHERE round_id = $1`, v.roundID))
	distinct := int64(s.Count(`SELECT count(DISTINCT (application_id, voter_id)) FROM reviews.votes WHERE round_id = $1`, v.roundID))
	voters := make([]int64, len(acked))
	apps := make([]string, len(acked))
	n := int64(len(v.apps))
	for k, i := range acked {
		voters[k], apps[k] = i/n+1, v.apps[i%n]
	}
	lost := s.Count(`SELECT count(*) FROM unnest($2::bigint[], $3::uuid[]) a(voter, app)
		WHERE NOT EXISTS (SELECT 1 FROM reviews.votes v WHERE v.round_id = $1 AND v.application_id = a.app AND v.voter_id = md5('bench-voter-' || a.voter)::uuid)`,
		v.roundID, voters, apps)
	var tallied int64
	for _, t := range talliesTB(tb, s, v.roundID) {
		tallied += t
	}
	summary := fmt.Sprintf("%d votes acknowledged (200) of %d attempted, %d stored, %d tallied, %d acknowledged and lost, %d stored twice",
		len(acked), attempted, stored, tallied, lost, stored-distinct)
	if len(v.failures) > 0 {
		summary += "; other answers: " + failures
	}
	switch {
	case lost > 0:
		tb.Errorf("%d votes answered 200 are not stored: %s", lost, summary)
	case stored != distinct:
		tb.Errorf("a vote is stored twice: %s", summary)
	case stored > attempted:
		tb.Errorf("more votes stored than attempted: %s", summary)
	case tallied != stored:
		tb.Errorf("the tallies do not count the stored votes: %s", summary)
	case exact && stored != int64(len(acked)):
		tb.Errorf("stored votes differ from the acknowledged ones: %s", summary)
	}
	return summary
}

// errExhausted ends a closed loop early: its work is used up.
var errExhausted = errors.New("no more work prepared")

// closedLoop runs op from workers goroutines, each calling it again as soon as it returns, for d or until op
// returns errExhausted, and returns the successful calls and how long the loop ran. Any other error is
// counted, and the first is returned.
func closedLoop(workers int, d time.Duration, op func() error) (ok int64, elapsed time.Duration, failed int64, first error) {
	var stopping atomic.Bool
	var okN, failN atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	begin := time.Now()
	timer := time.AfterFunc(d, func() { stopping.Store(true) })
	defer timer.Stop()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stopping.Load() {
				switch err := op(); {
				case errors.Is(err, errExhausted):
					stopping.Store(true)
				case err != nil:
					failN.Add(1)
					firstErr.CompareAndSwap(nil, err)
				default:
					okN.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	first, _ = firstErr.Load().(error)
	return okN.Load(), time.Since(begin), failN.Load(), first
}
