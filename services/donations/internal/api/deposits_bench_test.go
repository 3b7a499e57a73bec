package api_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/protobuf/types/known/timestamppb"

	applicationsv1 "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1"
	pb "github.com/commonweal/commonweal/gen/go/commonweal/donations/v1"
	"github.com/commonweal/commonweal/pkg/authz"
	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/grpcserver"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/identity/identitytest"
	"github.com/commonweal/commonweal/pkg/pagetoken"
	"github.com/commonweal/commonweal/pkg/pgtest"
	"github.com/commonweal/commonweal/pkg/sealed"
	"github.com/commonweal/commonweal/services/donations/internal/api"
	"github.com/commonweal/commonweal/services/donations/internal/app"
	"github.com/commonweal/commonweal/services/donations/internal/clients"
	"github.com/commonweal/commonweal/services/donations/internal/store"
	"github.com/commonweal/commonweal/services/donations/internal/store/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var emptyDB = pgtest.NewTemplate("donations_bench_empty_v1", func(ctx context.Context, adminURL, dbURL string) error { return nil })

// Made-up credit codes (region 999999 does not exist) with check characters computed once, independently of
// pkg/cnid, from GB 32100-2015.
const (
	usccBenchOrg   = "91999999MA0000009F"
	usccBenchDonor = "91999999MA0000010L"
)

func freeAddr(b *testing.B) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startApplications builds and starts the real applications service against dbURL.
func startApplications(b *testing.B, dbURL string) string {
	dir := b.TempDir()
	build := exec.Command("go", "build", "-o", dir+string(filepath.Separator), "github.com/commonweal/commonweal/services/applications")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		b.Fatalf("building applications: %v", err)
	}
	addr := freeAddr(b)
	benchSuite = identitytest.New(b)
	cmd := exec.Command(filepath.Join(dir, "applications"))
	cmd.Env = append(os.Environ(), "COMMONWEAL_MODE=dev", "DATABASE_URL="+dbURL, "APPLICATIONS_GRPC_ADDR="+addr, "LOG_LEVEL=warn", "OTEL_TRACES_EXPORTER=none")
	cmd.Env = append(cmd.Env, benchSuite.Env("applications")...) // its certificate and the gateway's public key
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() })
	return addr
}

// benchSuite is the throwaway CA and gateway key pair of the applications process and of its callers here.
var benchSuite *identitytest.Suite

// startDonations serves the real donations gRPC API in this process, as main.go wires it.
func startDonations(b *testing.B, dbURL, applicationsAddr string) string {
	ctx := context.Background()
	dbs := db.Settings{AdminURL: dbURL, Schema: "donations", Password: "donations-bench"}
	if err := db.Migrate(ctx, dbs, migrations.FS); err != nil {
		b.Fatal(err)
	}
	pool, err := db.Open(ctx, dbs)
	if err != nil {
		b.Fatal(err)
	}
	box, _ := sealed.New(make([]byte, 32))
	conn, err := grpcserver.DialAs(applicationsAddr, benchSuite.Client("donations", "applications"), 0)
	if err != nil {
		b.Fatal(err)
	}
	// DEPOSIT_BATCH as main.go reads it (0: each confirmation its own transaction).
	batch := app.DefaultDepositBatch
	if v := os.Getenv("DEPOSIT_BATCH"); v != "" {
		if batch, err = strconv.Atoi(v); err != nil || batch < 0 {
			b.Fatalf("DEPOSIT_BATCH=%q: a number of confirmations, 0 or more", v)
		}
	}
	uc := app.New(store.New(pool, box), idempotency.NewPG(pool), clients.NewApplications(conn), time.Now, app.WithDepositBatch(batch))
	srv := grpcserver.New(benchSuite.Server("donations"), benchSuite.Verifier("donations"), grpcserver.Option{Unary: authz.Unary(api.Policy)})
	pb.RegisterDonationsServiceServer(srv.GRPC, api.NewServer(uc, pagetoken.NewSigner([]byte("bench-page-token-key-32-bytes-long!"))))
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { srv.Serve(sctx, lis, 5*time.Second); close(done) }()
	b.Cleanup(func() { stop(); <-done; conn.Close(); pool.Close() })
	return lis.Addr().String()
}

// BenchmarkDepositConfirmations measures cash deposit confirmations per second over gRPC against the real
// donations server (with its PostgreSQL ledger, receipt counter and idempotency) and the real applications
// server, with 16 concurrent federation clients (BENCH_WORKERS to change). Run it with `make bench-deposits`.
func BenchmarkDepositConfirmations(b *testing.B) {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))) // no per-RPC log lines
	_, dbURL := emptyDB.Database(b)
	appsAddr := startApplications(b, dbURL)
	donAddr := startDonations(b, dbURL, appsAddr)
	// Who calls is in each call's context: users through the gateway's certificate with the identity it signs,
	// a service with its own certificate (identitytest.Suite.Conn).
	as := func(subject string, roles ...identity.Role) context.Context {
		return identity.With(context.Background(), identity.Identity{Subject: subject, Roles: roles})
	}
	apps := applicationsv1.NewApplicationsServiceClient(benchSuite.Conn(appsAddr, "applications"))
	don := pb.NewDonationsServiceClient(benchSuite.Conn(donAddr, "donations"))

	// A shortlisted application in a round in PROMOTION, made through the applications API.
	organizer, applicant, operator := as("organizer", identity.Organizer), as("applicant", identity.Applicant), as("operator", identity.Operator)
	var round *applicationsv1.Round
	var application *applicationsv1.Application
	var err error
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		round, err = apps.CreateRound(organizer, &applicationsv1.CreateRoundRequest{Name: "bench", Year: 2026,
			Policy: &applicationsv1.Policy{SubmissionDeadline: timestamppb.New(time.Now().Add(time.Hour)), ShortlistQuota: 3, SelectionQuota: 2},
			Notice: &applicationsv1.Document{Title: "bench notice", Body: "a round is published with its notice"}})
		if err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		b.Fatalf("create round: %v", err)
	}
	must := func(err error) {
		if err != nil {
			b.Helper()
			b.Fatal(err)
		}
	}
	_, err = apps.AdvanceRound(organizer, &applicationsv1.AdvanceRoundRequest{RoundId: round.Id, Phase: applicationsv1.Phase_PHASE_SOLICITATION})
	must(err)
	org, err := apps.CreateOrganization(applicant, &applicationsv1.CreateOrganizationRequest{Name: "Org", Kind: applicationsv1.OrganizationKind_ORGANIZATION_KIND_SOCIAL_ORGANIZATION, Uscc: usccBenchOrg})
	must(err)
	_, err = apps.VerifyOrganization(operator, &applicationsv1.VerifyOrganizationRequest{OrgId: org.Id, Evidence: "bench: 市民政局社会组织登记档案"})
	must(err)
	application, err = apps.CreateApplication(applicant, &applicationsv1.CreateApplicationRequest{RoundId: round.Id, OrgId: org.Id,
		Category: applicationsv1.Category_CATEGORY_ELDERLY, Title: "Meals", Summary: "meals", DurationMonths: 6,
		BudgetItems: []*applicationsv1.BudgetItem{{Name: "meals", AmountFen: 10_000_000}}, ServiceArea: []string{"A"},
		Beneficiaries: &applicationsv1.Beneficiaries{Group: "elderly", EstimatedCount: 10}, Team: []*applicationsv1.TeamMember{{Name: "Li", Role: "lead"}},
		Declarations: &applicationsv1.EligibilityDeclarations{NoGovernmentProvision: true, NotFundedElsewhere: true}})
	must(err)
	submitted, err := apps.SubmitApplication(applicant, &applicationsv1.SubmitApplicationRequest{ApplicationId: application.Id, Etag: application.Etag})
	must(err)
	_, err = apps.ReviewApplication(operator, &applicationsv1.ReviewApplicationRequest{ApplicationId: application.Id, Decision: applicationsv1.ReviewDecision_REVIEW_DECISION_ACCEPT,
		Etag: submitted.GetEtag()})
	must(err)
	// The reviews service's part, done as it does it (SetApplicationStage as service:reviews), and the round
	// moved to PROMOTION in the database: benchmark setup standing in for shortlisting and publicity.
	_, err = apps.SetApplicationStage(identity.With(context.Background(), identity.ServiceIdentity("reviews")),
		&applicationsv1.SetApplicationStageRequest{ApplicationId: application.Id, Stage: applicationsv1.Stage_STAGE_SHORTLISTED})
	must(err)
	conn, err := pgx.Connect(context.Background(), dbURL)
	must(err)
	_, err = conn.Exec(context.Background(), `UPDATE applications.rounds SET phase = 'PROMOTION', version = version + 1 WHERE id = $1`, round.Id)
	must(err)
	conn.Close(context.Background())

	donorCtx := as("bench-donor", identity.Donor)
	donor, err := don.CreateDonor(donorCtx, &pb.CreateDonorRequest{Name: "Bench Co", Kind: pb.DonorKind_DONOR_KIND_ENTERPRISE, Uscc: usccBenchDonor})
	must(err)
	pledges := make([]string, b.N)
	for i := range pledges {
		p, err := don.CreatePledge(donorCtx, &pb.CreatePledgeRequest{DonorId: donor.Id, ApplicationId: application.Id, AmountFen: 10_000, Kind: pb.PledgeKind_PLEDGE_KIND_CASH, AgreementRef: "AG"})
		must(err)
		pledges[i] = p.Id
	}

	federation := as("federation", identity.CharityFederation)
	depositedAt := timestamppb.New(time.Now().Add(-time.Minute))
	workers := 16
	if n, err := strconv.Atoi(os.Getenv("BENCH_WORKERS")); err == nil && n > 0 {
		workers = n
	}
	var next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(pledges) {
					return
				}
				if _, err := don.ConfirmDeposit(federation, &pb.ConfirmDepositRequest{PledgeId: pledges[i], BankReference: fmt.Sprint("BENCH-", i), AmountFen: 10_000, DepositedAt: depositedAt}); err != nil {
					failed.Store(err)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatalf("confirmation failed: %v", err)
	}
	rate := float64(b.N) / elapsed.Seconds()
	b.ReportMetric(rate, "confirmations/s")
	if b.N > 1 {
		fmt.Printf("deposit confirmations: %d in %s over gRPC with %d clients = %.0f confirmations/s\n", b.N, elapsed.Round(time.Millisecond), workers, rate)
	}
	v, err := don.VerifyLedger(as("auditor", identity.Auditor), &pb.VerifyLedgerRequest{})
	if err != nil || !v.Balanced || v.Transfers != int64(b.N) {
		b.Fatalf("ledger after the benchmark: %v %v", err, v)
	}
}
