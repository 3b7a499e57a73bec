package e2e

// The scenarios of BenchmarkSuite (bench_suite_test.go) after the votes: deposits (2), the list (3), the
// statistics (4) and the kill -9 check.

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	donationsv1 "github.com/commonweal/commonweal/gen/go/commonweal/donations/v1"
	"github.com/commonweal/commonweal/pkg/grpcserver"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/tlsconf"
	"github.com/commonweal/commonweal/pkg/tlsconf/devpki"
)

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
		profiled := func() {}
		if r == 0 { // BENCH_PPROF: profiles of the first measurement
			profiled = profiles.capture(b, "2", "deposits", cfg.seconds)
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
		profiled()
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
// testdata/pgbench/list.sql (the service's query, prepared); and, for comparison, the same with the gateway's
// read coalescing off.
func benchList(b *testing.B, s *Suite, w *reviewRound, cfg benchConfig, pgbench string, profiles *benchProfiles) []*benchRow {
	row := &benchRow{scenario: "3. applications first page by category (HTTP)", unit: "pages/s", baseUnit: "TPS", target: 0.6, atLeast: true}
	const generated = 10_000
	// Set-up, not timed: copies of one of the round's applications (every column), over the five categories,
	// none shortlisted; vacuumed and checkpointed, so that the measurements do not count PostgreSQL's
	// first pass over the new rows (hint bits, autovacuum) or the checkpoint the insert leads to.
	execSQL(b, s.DBURL, fmt.Sprintf(`INSERT INTO applications.applications
		SELECT (jsonb_populate_record(a, jsonb_build_object('id', md5('bench-list-app-' || i)::uuid, 'title', 'bench list ' || i,
			'category', (ARRAY['ELDERLY','DISABILITY','YOUTH','RELIEF','OTHER'])[i %% 5 + 1], 'stage', 'NOT_SHORTLISTED',
			'created_at', a.created_at + i * interval '1 millisecond'))).*
		FROM applications.applications a, generate_series(1, %d) i WHERE a.id = '%s'`, generated, w.apps[0]), `VACUUM (ANALYZE) applications.applications`, `CHECKPOINT`)
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
	// One measurement of the page's load: pages answered 200 per second, and the CPU each process spent on them
	// (into cpu, when set).
	probe := newCPUProbe(b, s)
	load := func(d time.Duration, cpu *cpuPerOp) float64 {
		before := probe.read()
		ok, elapsed, failed, first := closedLoop(50, d, func() error {
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
		if cpu != nil {
			cpu.add(before, probe.read(), ok)
			if failed > 0 {
				b.Errorf("%d list requests failed, the first: %v", failed, first)
			}
		}
		return float64(ok) / elapsed.Seconds()
	}
	// The gateway restarted with coalescing set (the connections made again, unmeasured: a second of load).
	gatewayCoalescing := func(on bool) {
		s.Stop("gateway")
		s.Restart("gateway", fmt.Sprint("COALESCE_READS=", on))
		load(time.Second, nil)
	}
	// Each round also measures the page with every read making its own calls (COALESCE_READS=false), against
	// the same pgbench figure: what one staff member's page costs the suite when nobody else asks for it.
	alone := &benchRow{scenario: "3. the same, every read its own call", unit: "pages/s", baseUnit: "TPS", targetText: "(for comparison)", met: "—"}
	var perPage, perPageAlone cpuPerOp
	for r := range cfg.rounds {
		profiled := func() {}
		if r == 0 { // BENCH_PPROF: profiles of the first measurement
			profiled = profiles.capture(b, "3", "list", cfg.seconds)
		}
		a := load(cfg.seconds, &perPage)
		profiled()
		gatewayCoalescing(false)
		aAlone := load(cfg.seconds, &perPageAlone)
		gatewayCoalescing(true)
		tps := baseline.run(b, pgbench, s.DBURL, cfg.seconds)
		row.add(a, tps)
		alone.add(aAlone, tps)
		fmt.Printf("bench: 3 round %d: %.0f pages/s (every read its own call: %.0f), pgbench %.0f TPS\n", r+1, a, aAlone, tps)
	}
	fmt.Println("bench: 3 CPU per page:", perPage.String())
	fmt.Println("bench: 3 CPU per page, every read its own call:", perPageAlone.String())
	row.note = fmt.Sprintf("%d applications in the round, 50 HTTP connections (one operator's token: identical reads, which the gateway coalesces, COALESCE_READS); baseline: testdata/pgbench/list.sql (16 clients); CPU per page: %s",
		generated+len(w.apps)+1, perPage.String())
	alone.note = "the gateway restarted with COALESCE_READS=false for this measurement of each round, the same pgbench figure; CPU per page: " + perPageAlone.String()
	return []*benchRow{row, alone}
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
