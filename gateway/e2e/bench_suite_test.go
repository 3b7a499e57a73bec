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
	"google.golang.org/protobuf/types/known/timestamppb"

	donationsv1 "github.com/commonweal/commonweal/gen/go/commonweal/donations/v1"
	"github.com/commonweal/commonweal/pkg/grpcserver"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/pgtest"
	"github.com/commonweal/commonweal/pkg/tlsconf"
	"github.com/commonweal/commonweal/pkg/tlsconf/devpki"
)

// benchConfig are `make bench`'s knobs (environment variables).
type benchConfig struct {
	rounds    int             // BENCH_ROUNDS: interleaved rounds A B A B … (default 3)
	seconds   time.Duration   // BENCH_SECONDS: length of each measurement (default 10)
	scenarios map[string]bool // BENCH_SCENARIOS: "1,2,3,5,6" by default; "all" adds 4 and kill
}

func benchConfigFromEnv(tb testing.TB) benchConfig {
	tb.Helper()
	c := benchConfig{rounds: 3, seconds: 10 * time.Second, scenarios: map[string]bool{}}
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

// Tracing of the benchmarked suite: as in production, parent-based sampling of 10% of the traces, exported
// over OTLP to the suite's local collector. Scenario 5 compares it with tracing off.
var (
	tracingOn  = []string{"OTEL_TRACES_SAMPLER=parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG=0.1", "OTEL_SDK_DISABLED=false"}
	tracingOff = []string{"OTEL_EXPORTER_OTLP_ENDPOINT=", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=", "OTEL_TRACES_SAMPLER=always_off", "OTEL_SDK_DISABLED=true"}
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

	// BENCH_PPROF: the processes on the vote and deposit paths serve Go's profiles on their admin address.
	profiles := benchProfilesFromEnv(b)
	s := StartWith(b, Options{DBURL: dbURL, Env: append([]string{"LOG_LEVEL=error"}, tracingOn...),
		GatewayEnv: append(append([]string{"VOTE_RATE_LIMIT=0", "VOTER_CODE_RATE_LIMIT=0", "LOG_LEVEL=error"}, tracingOn...), profiles.env(b, "gateway")...),
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
			var saved func() []string
			a := votes.measureWith(50, cfg.seconds, &perVote, func() {
				if r == 0 && profiles != nil { // BENCH_PPROF: profiles of the first measurement
					saved = profiles.capture(b, "votes", cfg.seconds)
				}
			})
			if saved != nil {
				for _, path := range saved() {
					fmt.Println("bench: 1 CPU profile:", path)
				}
			}
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
		rows = append(rows, benchList(b, s, w, cfg, pgbench))
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

// benchDeposits is scenario 2: cash deposit confirmations over gRPC, by a stub-based client of the donations
// service that calls as the charity federation through the gateway's certificate with the identity signed
// by the dev gateway key (as the gateway does), ÷ pgbench of testdata/pgbench/deposit.sql.
func benchDeposits(b *testing.B, s *Suite, w *reviewRound, cfg benchConfig, pgbench, psql string, profiles *benchProfiles) *benchRow {
	row := &benchRow{scenario: "2. deposit confirmations (gRPC)", unit: "conf/s", baseUnit: "TPS", target: 0.8, atLeast: true}
	src, err := tlsconf.Load(devpki.Paths(certDir, identity.Gateway))
	if err != nil {
		b.Fatal(err)
	}
	key, err := identity.ParsePrivateKey(identity.DevPrivateKey)
	if err != nil {
		b.Fatal(err)
	}
	conn, err := grpcserver.Dial(s.envOf("donations", "DONATIONS_GRPC_ADDR"), tlsconf.ClientCredentials(src, "donations"),
		identity.NewIssuer(key).DialOptions("donations")...)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	don := donationsv1.NewDonationsServiceClient(conn)
	as := func(subject string, role identity.Role) context.Context {
		return identity.With(context.Background(), identity.Identity{Subject: subject, Roles: []identity.Role{role}})
	}
	donorCtx := as("bench-donor", identity.Donor)
	donor, err := don.CreateDonor(donorCtx, &donationsv1.CreateDonorRequest{Name: "Bench Co", Kind: donationsv1.DonorKind_DONOR_KIND_ENTERPRISE, Uscc: usccBenchDonor})
	if err != nil {
		b.Fatalf("create donor: %v", err)
	}
	var pledges []string
	var next atomic.Int64
	prepare := func(n int) { // set-up, not timed: pledges to confirm, made through the API
		var mu sync.Mutex
		todo := atomic.Int64{}
		todo.Store(int64(n))
		_, _, failed, first := closedLoop(16, time.Hour, func() error {
			if todo.Add(-1) < 0 {
				return errExhausted
			}
			p, err := don.CreatePledge(donorCtx, &donationsv1.CreatePledgeRequest{DonorId: donor.Id, ApplicationId: w.apps[0], AmountFen: 10_000,
				Kind: donationsv1.PledgeKind_PLEDGE_KIND_CASH, AgreementRef: "AG"})
			if err != nil {
				return err
			}
			mu.Lock()
			pledges = append(pledges, p.Id)
			mu.Unlock()
			return nil
		})
		if failed > 0 {
			b.Fatalf("create pledge: %v", first)
		}
	}
	federation := as("bench-federation", identity.CharityFederation)
	var confirmed int64
	var lastRate float64
	baseline := prepareDepositBaseline(b, s.DBURL, psql)
	for r := range cfg.rounds {
		prepare(int(max(2000, 1.3*lastRate*cfg.seconds.Seconds())))
		depositedAt := timestamppb.New(time.Now().Add(-time.Minute))
		var saved func() []string
		if r == 0 && profiles != nil { // BENCH_PPROF: profiles of the first measurement
			saved = profiles.capture(b, "deposits", cfg.seconds)
		}
		ok, elapsed, failed, first := closedLoop(16, cfg.seconds, func() error {
			i := next.Add(1) - 1
			if i >= int64(len(pledges)) {
				return errExhausted
			}
			_, err := don.ConfirmDeposit(federation, &donationsv1.ConfirmDepositRequest{PledgeId: pledges[i], BankReference: fmt.Sprint("BENCH-", i),
				AmountFen: 10_000, DepositedAt: depositedAt})
			return err
		})
		if failed > 0 {
			b.Errorf("%d deposit confirmations failed, the first: %v", failed, first)
		}
		if saved != nil {
			for _, path := range saved() {
				fmt.Println("bench: 2 CPU profile:", path)
			}
		}
		confirmed += ok
		lastRate = float64(ok) / elapsed.Seconds()
		tps := baseline.run(b, pgbench, s.DBURL, cfg.seconds)
		row.add(lastRate, tps)
		fmt.Printf("bench: 2 round %d: %.0f confirmations/s, pgbench %.0f TPS\n", r+1, lastRate, tps)
	}
	v, err := don.VerifyLedger(as("bench-auditor", identity.Auditor), &donationsv1.VerifyLedgerRequest{})
	switch {
	case err != nil:
		b.Errorf("verify ledger: %v", err)
	case !v.Balanced || v.Transfers != confirmed:
		b.Errorf("ledger after %d confirmations: balanced %v, %d transfers", confirmed, v.Balanced, v.Transfers)
	}
	receipts := s.Count(`SELECT count(receipt_number) FROM donations.pledges`)
	distinct := s.Count(`SELECT count(DISTINCT receipt_number) FROM donations.pledges`)
	counters := s.Count(`SELECT coalesce(sum(last), 0)::int FROM donations.receipt_counters`)
	if receipts != distinct || receipts != counters {
		b.Errorf("receipts: %d issued, %d distinct numbers, counters at %d: not gapless", receipts, distinct, counters)
	}
	row.note = fmt.Sprintf("%d confirmed, ledger verified, %d receipts numbered without gaps, 16 workers; baseline: testdata/pgbench/deposit.sql after deposit_setup.sql (16 clients)", confirmed, receipts)
	return row
}

// usccBenchDonor is a made-up unified social credit code (region 999999 does not exist) with a valid check
// character (GB 32100-2015), the donations benchmark's.
const usccBenchDonor = "91999999MA0000010L"

// benchList is scenario 3: the first page (20 rows) of a round's applications filtered by category, through
// the gateway as an OPERATOR, over a round of 10,000 generated applications ÷ pgbench of
// testdata/pgbench/list.sql (the service's query, prepared).
func benchList(b *testing.B, s *Suite, w *reviewRound, cfg benchConfig, pgbench string) *benchRow {
	row := &benchRow{scenario: "3. applications first page by category (HTTP)", unit: "pages/s", baseUnit: "TPS", target: 0.6, atLeast: true}
	const generated = 10_000
	// Set-up, not timed: copies of one of the round's applications (every column), over the five categories,
	// none shortlisted.
	execSQL(b, s.DBURL, fmt.Sprintf(`INSERT INTO applications.applications
		SELECT (jsonb_populate_record(a, jsonb_build_object('id', md5('bench-list-app-' || i)::uuid, 'title', 'bench list ' || i,
			'category', (ARRAY['ELDERLY','DISABILITY','YOUTH','RELIEF','OTHER'])[i %% 5 + 1], 'stage', 'NOT_SHORTLISTED',
			'created_at', a.created_at + i * interval '1 millisecond'))).*
		FROM applications.applications a, generate_series(1, %d) i WHERE a.id = '%s'`, generated, w.apps[0]), `ANALYZE applications.applications`)
	operator := s.Token("bench-operator", []string{"OPERATOR"}, "")
	path := "/v1/rounds/" + w.roundID + "/applications?category=CATEGORY_ELDERLY&page_size=20"
	// 50 connections (rawHTTP, bench_http_test.go), each used by one request at a time.
	clients := make(chan *rawHTTP, 50)
	for range cap(clients) {
		clients <- newRawHTTP(b, s.URL)
	}
	defer func() {
		for range cap(clients) {
			(<-clients).Close()
		}
	}()
	req := requestBytes(strings.TrimPrefix(s.URL, "http://"), "GET", path, nil, "Authorization: Bearer "+operator)
	st, body := s.Do("GET", path, operator, nil)
	expectTB(b, "list", st, body, 200, "")
	if got := len(body["applications"].([]any)); got != 20 || str(body["nextPageToken"]) == "" {
		b.Fatalf("first page: %d applications (want 20 and a next page)", got)
	}
	baseline := pgbenchRun{script: "list.sql", clients: 16, searchPath: "applications", vars: map[string]string{"round": w.roundID, "category": "ELDERLY"}}
	for r := range cfg.rounds {
		ok, elapsed, failed, first := closedLoop(50, cfg.seconds, func() error {
			c := <-clients
			defer func() { clients <- c }()
			a, err := c.do(req, false)
			if err != nil {
				return err
			}
			if a.status != 200 {
				return fmt.Errorf("list: %s", a.reason)
			}
			return nil
		})
		if failed > 0 {
			b.Errorf("%d list requests failed, the first: %v", failed, first)
		}
		a := float64(ok) / elapsed.Seconds()
		tps := baseline.run(b, pgbench, s.DBURL, cfg.seconds)
		row.add(a, tps)
		fmt.Printf("bench: 3 round %d: %.0f pages/s, pgbench %.0f TPS\n", r+1, a, tps)
	}
	row.note = fmt.Sprintf("%d applications in the round, 50 HTTP connections; baseline: testdata/pgbench/list.sql (16 clients)", generated+len(w.apps)+1)
	return row
}

// benchStatistics is scenario 4: GetRoundStatistics through the gateway over a generated round of 100,000
// applications and 1,000,000 votes (BenchmarkStatistics's set-up, generateStatisticsRound) ÷ psql running the
// same aggregate (benchStatisticsSQL), interleaved; the ratio is of times (lower is better).
func benchStatistics(b *testing.B, s *Suite, cfg benchConfig, psql string) *benchRow {
	row := &benchRow{scenario: "4. round statistics (100,000 applications)", unit: "s", target: 1.2, atLeast: false}
	w := newReviewRound(b, s, 3, 3)
	w.publishShortlist(b, func(m, a int) int { return 60 + a })
	generateStatisticsRound(b, s, w.roundID, w.apps[0])
	finance := s.Token("bench-finance", []string{"FINANCE"}, "")
	timeout := s.Client.Timeout
	s.Client.Timeout = 10 * time.Minute
	defer func() { s.Client.Timeout = timeout }()
	for r := range cfg.rounds {
		start := time.Now()
		st, body := s.Do("GET", "/v1/rounds/"+w.roundID+"/statistics", finance, nil)
		rpc := time.Since(start)
		expectTB(b, "statistics", st, body, 200, "")
		if total := body["total"].(map[string]any); total["applications"] != float64(benchApplications+len(w.apps)+1) {
			b.Errorf("statistics of %v applications", total["applications"])
		}
		start = time.Now()
		out, err := runCommand(psql, "-X", "-q", "-A", "-t", "-d", s.DBURL, "-c", fmt.Sprintf(benchStatisticsSQL, w.roundID))
		sql := time.Since(start)
		if err != nil || strings.Count(out, "\n") < 5 {
			b.Fatalf("psql: %v %s", err, out)
		}
		row.add(rpc.Seconds(), sql.Seconds())
		fmt.Printf("bench: 4 round %d: statistics %s, psql %s\n", r+1, rpc.Round(time.Millisecond), sql.Round(time.Millisecond))
	}
	row.note = "time per call (lower is better), one call at a time; baseline: psql -c of benchStatisticsSQL (statistics_bench_test.go)"
	return row
}

// benchKill is the durability check under load: during a vote load of BENCH_SECONDS the reviews process is
// killed (SIGKILL) a third of the way in and restarted, the load goes on, and at the end every vote answered
// 200 must be stored, none twice, and the tallies must count the stored votes.
func benchKill(b *testing.B, s *Suite, votes *voteLoad, cfg benchConfig) *benchRow {
	row := &benchRow{scenario: "kill -9 reviews during the vote load", baseline: "—", ratio: "—", targetText: "0 lost", met: "yes"}
	votes.seed(votes.next.Load() + max(30_000, int64(1.5*votes.lastRate*cfg.seconds.Seconds())))
	stop := votes.start(50)
	time.Sleep(cfg.seconds / 3)
	s.Kill("reviews")
	killed := time.Now()
	s.Restart("reviews")
	down := time.Since(killed)
	time.Sleep(cfg.seconds / 3)
	acked, elapsed := stop()
	errorsBefore := b.Failed()
	summary := votes.check(b, false)
	fmt.Println("bench: kill votes:", summary)
	row.figure = fmt.Sprintf("%d acked in %s", acked, elapsed.Round(time.Second))
	if !errorsBefore && b.Failed() {
		row.met = "NO"
	}
	row.note = fmt.Sprintf("reviews unavailable %s; all votes so far: %s", down.Round(100*time.Millisecond), summary)
	return row
}
