package grpcserver

import (
	"context"
	"encoding/json"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	applicationsv1 "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1"
	donationsv1 "github.com/commonweal/commonweal/gen/go/commonweal/donations/v1"
)

func method(t *testing.T, full string) protoreflect.MethodDescriptor {
	t.Helper()
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(full))
	if err != nil {
		t.Fatal(err)
	}
	return d.(protoreflect.MethodDescriptor)
}

func TestRetryableMethods(t *testing.T) {
	_ = donationsv1.File_commonweal_donations_v1_donations_proto
	for _, c := range []struct {
		method string
		want   bool
	}{
		{"commonweal.applications.v1.ApplicationsService.GetRound", true},                // GET
		{"commonweal.applications.v1.ApplicationsService.ListApplications", true},        // GET
		{"commonweal.applications.v1.ApplicationsService.CreateRound", false},            // POST
		{"commonweal.applications.v1.ApplicationsService.VerifyOrganization", false},     // a mutation named Verify
		{"commonweal.applications.v1.ApplicationsService.ExportOrganizationData", false}, // POST: records the request
		{"commonweal.applications.v1.ApplicationsService.BatchGetOrganizations", true},   // no HTTP binding, BatchGet
		{"commonweal.donations.v1.DonationsService.VerifyLedger", true},                  // GET
		{"commonweal.donations.v1.DonationsService.ConfirmDeposit", false},
		{"grpc.health.v1.Health.Check", true},
		{"grpc.health.v1.Health.Watch", false}, // streaming
	} {
		if got := Retryable(method(t, c.method)); got != c.want {
			t.Errorf("Retryable(%s) = %v, want %v", c.method, got, c.want)
		}
	}
}

func TestServiceConfigBalancesAndRetriesOnlyReads(t *testing.T) {
	var cfg struct {
		LoadBalancingConfig []map[string]any `json:"loadBalancingConfig"`
		MethodConfig        []struct {
			Name []struct {
				Service, Method string
			} `json:"name"`
			RetryPolicy struct {
				MaxAttempts          int      `json:"maxAttempts"`
				RetryableStatusCodes []string `json:"retryableStatusCodes"`
			} `json:"retryPolicy"`
		} `json:"methodConfig"`
	}
	if err := json.Unmarshal([]byte(ServiceConfig()), &cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.LoadBalancingConfig) != 1 || cfg.LoadBalancingConfig[0]["round_robin"] == nil {
		t.Errorf("loadBalancingConfig = %v, want round_robin", cfg.LoadBalancingConfig)
	}
	if len(cfg.MethodConfig) != 1 || strings.Join(cfg.MethodConfig[0].RetryPolicy.RetryableStatusCodes, ",") != "UNAVAILABLE" {
		t.Fatalf("methodConfig = %+v, want one retry policy on UNAVAILABLE", cfg.MethodConfig)
	}
	names := map[string]bool{}
	for _, n := range cfg.MethodConfig[0].Name {
		if n.Method == "" {
			t.Errorf("a whole service is retried: %+v", n)
		}
		names[n.Service+"/"+n.Method] = true
	}
	for m, want := range map[string]bool{
		"commonweal.applications.v1.ApplicationsService/GetRound":    true,
		"commonweal.applications.v1.ApplicationsService/CreateRound": false,
		"commonweal.applications.v1.ApplicationsService/UpdateRound": false,
	} {
		if names[m] != want {
			t.Errorf("%s retried: %v, want %v", m, names[m], want)
		}
	}
}

// replica is an applications server on a loopback port counting its calls; GetRound and CreateRound fail
// with UNAVAILABLE while failNext > 0.
type replica struct {
	applicationsv1.UnimplementedApplicationsServiceServer
	addr     string
	srv      *grpc.Server
	calls    atomic.Int64
	failNext atomic.Int64
}

func (r *replica) answer() error {
	r.calls.Add(1)
	if r.failNext.Add(-1) >= 0 {
		return status.Error(codes.Unavailable, "try again")
	}
	return nil
}

func (r *replica) GetRound(context.Context, *applicationsv1.GetRoundRequest) (*applicationsv1.Round, error) {
	if err := r.answer(); err != nil {
		return nil, err
	}
	return &applicationsv1.Round{Name: r.addr}, nil
}

func (r *replica) CreateRound(context.Context, *applicationsv1.CreateRoundRequest) (*applicationsv1.Round, error) {
	if err := r.answer(); err != nil {
		return nil, err
	}
	return &applicationsv1.Round{Name: r.addr}, nil
}

func startReplica(t *testing.T) *replica {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &replica{addr: lis.Addr().String(), srv: grpc.NewServer(serverKeepalive()...)}
	applicationsv1.RegisterApplicationsServiceServer(r.srv, r)
	healthpb.RegisterHealthServer(r.srv, health.NewServer())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); r.srv.Serve(lis) }()
	t.Cleanup(func() { r.srv.Stop(); wg.Wait() })
	return r
}

func TestDialBalancesOverStaticReplicasAndSurvivesOneStopping(t *testing.T) {
	a, b := startReplica(t), startReplica(t)
	conn, err := Dial("static:///"+a.addr+","+b.addr, insecure.NewCredentials())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := applicationsv1.NewApplicationsServiceClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// round_robin uses a replica from the moment its connection is up: call until both answered (bounded).
	for i := 0; i < 1000 && (a.calls.Load() == 0 || b.calls.Load() == 0); i++ {
		if _, err := client.GetRound(ctx, &applicationsv1.GetRoundRequest{}, grpc.WaitForReady(true)); err != nil {
			t.Fatal(err)
		}
	}
	if a.calls.Load() == 0 || b.calls.Load() == 0 {
		t.Fatalf("calls per replica: %d and %d, want both reached", a.calls.Load(), b.calls.Load())
	}
	a.srv.Stop()
	before := b.calls.Load()
	for i := range 20 {
		round, err := client.GetRound(ctx, &applicationsv1.GetRoundRequest{})
		if err != nil {
			t.Fatalf("call %d after one replica stopped: %v", i, err)
		}
		if round.GetName() != b.addr {
			t.Fatalf("answered by %q, want the remaining replica %s", round.GetName(), b.addr)
		}
	}
	if got := b.calls.Load() - before; got < 20 {
		t.Errorf("the remaining replica took %d calls, want 20", got)
	}
}

func TestDialRetriesReadsButNotMutationsOnUnavailable(t *testing.T) {
	r := startReplica(t)
	conn, err := Dial(r.addr, insecure.NewCredentials())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := applicationsv1.NewApplicationsServiceClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	r.failNext.Store(1)
	if _, err := client.GetRound(ctx, &applicationsv1.GetRoundRequest{}); err != nil {
		t.Fatalf("GetRound after one UNAVAILABLE: %v, want retried", err)
	}
	if got := r.calls.Load(); got != 2 {
		t.Errorf("GetRound reached the server %d times, want 2", got)
	}

	r.calls.Store(0)
	r.failNext.Store(RetryMaxAttempts)
	if _, err := client.GetRound(ctx, &applicationsv1.GetRoundRequest{}); status.Code(err) != codes.Unavailable {
		t.Errorf("GetRound failing every attempt: %v, want UNAVAILABLE", err)
	}
	if got := r.calls.Load(); got != RetryMaxAttempts {
		t.Errorf("GetRound reached the server %d times, want %d (RetryMaxAttempts)", got, RetryMaxAttempts)
	}

	r.calls.Store(0)
	r.failNext.Store(1)
	if _, err := client.CreateRound(ctx, &applicationsv1.CreateRoundRequest{}); status.Code(err) != codes.Unavailable {
		t.Errorf("CreateRound after UNAVAILABLE: %v, want UNAVAILABLE returned to the caller", err)
	}
	if got := r.calls.Load(); got != 1 {
		t.Errorf("CreateRound reached the server %d times, want 1 (mutations are not retried)", got)
	}
}

func TestServeHealthMirrorsTheServer(t *testing.T) {
	srv := New(insecure.NewCredentials(), nil)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hlis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	hctx, stopHealth := context.WithCancel(context.Background())
	defer stopHealth()
	healthDone := make(chan error, 1)
	go func() { healthDone <- srv.ServeHealth(hctx, hlis) }()

	conn, err := grpc.NewClient(hlis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	hc := healthpb.NewHealthClient(conn)
	check := func() healthpb.HealthCheckResponse_ServingStatus {
		t.Helper()
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		resp, err := hc.Check(cctx, &healthpb.HealthCheckRequest{})
		if err != nil {
			t.Fatalf("plaintext health check: %v", err)
		}
		return resp.GetStatus()
	}
	if got := check(); got != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Errorf("before Serve: %v, want NOT_SERVING", got)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, lis, time.Second) }()
	waitStatus := func(want healthpb.HealthCheckResponse_ServingStatus) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); check() != want; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("health never became %v", want)
			}
		}
	}
	waitStatus(healthpb.HealthCheckResponse_SERVING)
	srv.SetDatabaseUp(false)
	if got := check(); got != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Errorf("database down: %v, want NOT_SERVING", got)
	}
	srv.SetDatabaseUp(true)
	if got := check(); got != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("database back: %v, want SERVING", got)
	}
	// The health port serves nothing else.
	if _, err := applicationsv1.NewApplicationsServiceClient(conn).GetRound(context.Background(), &applicationsv1.GetRoundRequest{}); status.Code(err) != codes.Unimplemented {
		t.Errorf("an API call on the health port: %v, want UNIMPLEMENTED", err)
	}
	stop()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	if got := check(); got != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Errorf("after shutdown: %v, want NOT_SERVING", got)
	}
	stopHealth()
	if err := <-healthDone; err != nil {
		t.Fatal(err)
	}
}
