package grpcserver

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/commonweal/commonweal/pkg/grpcerr"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/identity/identitytest"
)

// testSvc is the name the test server's certificate gives it: the audience of the identities it accepts.
const testSvc = "testsvc"

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// captureLogs sends the default slog logger to a buffer for the test's duration.
func captureLogs(t *testing.T) *syncBuffer {
	t.Helper()
	buf := &syncBuffer{}
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(prev) })
	return buf
}

// testService is a hand-written service: WhoAmI echoes the caller's subject, Panic panics, Block waits
// until release is closed or its context ends.
type testService struct {
	whoCalls int
	mu       sync.Mutex
	release  chan struct{}
	started  chan struct{}
	spanOK   bool
}

const svcName = "commonweal.test.v1.TestService"

func unary(name string, fn func(s *testService, ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error)) grpc.MethodDesc {
	return grpc.MethodDesc{
		MethodName: name,
		Handler: func(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
			in := new(wrapperspb.StringValue)
			if err := dec(in); err != nil {
				return nil, err
			}
			h := func(ctx context.Context, req any) (any, error) {
				return fn(srv.(*testService), ctx, req.(*wrapperspb.StringValue))
			}
			if interceptor == nil {
				return h(ctx, in)
			}
			return interceptor(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: "/" + svcName + "/" + name}, h)
		},
	}
}

var testDesc = grpc.ServiceDesc{
	ServiceName: svcName,
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{
		unary("WhoAmI", func(s *testService, ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
			s.mu.Lock()
			s.whoCalls++
			s.spanOK = trace.SpanContextFromContext(ctx).IsValid()
			s.mu.Unlock()
			id := identity.From(ctx)
			return wrapperspb.String(id.Subject + "|" + string(id.Roles[0])), nil
		}),
		unary("Panic", func(s *testService, ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
			panic("secret panic value 110101199003077777")
		}),
		unary("Block", func(s *testService, ctx context.Context, in *wrapperspb.StringValue) (*wrapperspb.StringValue, error) {
			close(s.started)
			select {
			case <-s.release:
			case <-ctx.Done():
			}
			return wrapperspb.String("released"), nil
		}),
	},
}

type harness struct {
	t      *testing.T
	srv    *Server
	svc    *testService
	lis    *bufconn.Listener
	conn   *grpc.ClientConn // the gateway's connection
	suite  *identitytest.Suite
	cancel context.CancelFunc
	done   chan struct{} // closed when Serve returns
	err    error         // what Serve returned, valid after done
}

// start serves a New server with the test service on a bufconn listener, with mutual TLS (a throwaway CA);
// h.conn is a connection from the gateway.
func start(t *testing.T, grace time.Duration, opts ...Option) *harness {
	t.Helper()
	suite := identitytest.New(t)
	srv := New(suite.Server(testSvc), suite.Verifier(testSvc), opts...)
	svc := &testService{release: make(chan struct{}), started: make(chan struct{})}
	srv.GRPC.RegisterService(&testDesc, svc)

	lis := bufconn.Listen(1 << 20)
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{t: t, srv: srv, svc: svc, lis: lis, suite: suite, cancel: cancel, done: make(chan struct{})}
	go func() { h.err = srv.Serve(ctx, lis, grace); close(h.done) }()

	h.conn = h.dial(suite.Client(identity.Gateway, testSvc))
	t.Cleanup(func() {
		cancel()
		select {
		case <-h.done:
		case <-time.After(10 * time.Second):
			t.Error("Serve did not return after cleanup")
		}
	})
	return h
}

// dial opens a connection to the harness's server with creds.
func (h *harness) dial(creds credentials.TransportCredentials) *grpc.ClientConn {
	h.t.Helper()
	conn, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return h.lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(creds))
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { conn.Close() })
	return conn
}

// as is ctx carrying id as the gateway forwards it to the test server.
func (h *harness) as(ctx context.Context, id identity.Identity) context.Context {
	return h.suite.As(ctx, id, testSvc)
}

func (h *harness) call(ctx context.Context, method string) (*wrapperspb.StringValue, error) {
	return invoke(ctx, h.conn, method)
}

func invoke(ctx context.Context, conn *grpc.ClientConn, method string) (*wrapperspb.StringValue, error) {
	out := new(wrapperspb.StringValue)
	err := conn.Invoke(ctx, "/"+svcName+"/"+method, wrapperspb.String("in"), out)
	return out, err
}

func (h *harness) wait(t *testing.T, within time.Duration) error {
	t.Helper()
	select {
	case <-h.done:
		return h.err
	case <-time.After(within):
		t.Fatalf("Serve did not return within %v", within)
		return nil
	}
}

func TestServeHealthAndShutdown(t *testing.T) {
	captureLogs(t)
	h := start(t, 2*time.Second)
	ctx, cancelCalls := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelCalls()
	hc := healthpb.NewHealthClient(h.conn)

	resp, err := hc.Check(ctx, &healthpb.HealthCheckRequest{}, grpc.WaitForReady(true))
	if err != nil {
		t.Fatalf("health Check: %v", err)
	}
	if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health = %v, want SERVING", resp.GetStatus())
	}

	// A watcher sees the switch to NOT_SERVING when the context ends.
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	watch, err := hc.Watch(watchCtx, &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	first, err := watch.Recv()
	if err != nil || first.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("first watch update = %v, %v; want SERVING", first, err)
	}

	h.cancel()
	next, err := watch.Recv()
	if err != nil || next.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Fatalf("watch update after cancel = %v, %v; want NOT_SERVING", next, err)
	}
	stopWatch() // let the graceful stop finish

	if err := h.wait(t, 5*time.Second); err != nil {
		t.Errorf("Serve returned %v, want nil", err)
	}
	got, err := h.srv.Health.Check(context.Background(), &healthpb.HealthCheckRequest{})
	if err != nil || got.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Errorf("health after shutdown = %v, %v; want NOT_SERVING", got, err)
	}
	// A late SetServingStatus (e.g. from a readiness loop) must not flip it back.
	h.srv.Health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	got, _ = h.srv.Health.Check(context.Background(), &healthpb.HealthCheckRequest{})
	if got.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Errorf("health flipped back to %v after shutdown", got.GetStatus())
	}
	// The server no longer answers.
	short, cancelShort := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancelShort()
	if _, err := h.call(short, "WhoAmI"); err == nil {
		t.Error("call succeeded after shutdown")
	}
}

func TestServeWaitsForInFlightCalls(t *testing.T) {
	captureLogs(t)
	h := start(t, 5*time.Second)
	res := make(chan error, 1)
	var out *wrapperspb.StringValue
	go func() {
		var err error
		out, err = h.call(context.Background(), "Block")
		res <- err
	}()
	<-h.svc.started
	h.cancel()
	select {
	case <-h.done:
		t.Fatalf("Serve returned (%v) while a call was in flight and within grace", h.err)
	case <-time.After(200 * time.Millisecond):
	}
	close(h.svc.release)
	if err := <-res; err != nil || out.GetValue() != "released" {
		t.Errorf("in-flight call = %v, %v; want it to complete", out, err)
	}
	if err := h.wait(t, 5*time.Second); err != nil {
		t.Errorf("Serve returned %v", err)
	}
}

func TestServeForcesStopAfterGrace(t *testing.T) {
	captureLogs(t)
	h := start(t, 200*time.Millisecond)
	res := make(chan error, 1)
	go func() {
		_, err := h.call(context.Background(), "Block") // never released
		res <- err
	}()
	<-h.svc.started
	start := time.Now()
	h.cancel()
	if err := h.wait(t, 3*time.Second); err != nil {
		t.Errorf("Serve returned %v, want nil", err)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("Serve returned after %v, before the grace period", d)
	}
	select {
	case err := <-res:
		if err == nil {
			t.Error("blocked call succeeded after a forced stop")
		}
	case <-time.After(3 * time.Second):
		t.Error("blocked call still running after a forced stop")
	}
}

func TestServeListenerError(t *testing.T) {
	captureLogs(t)
	srv := New(insecure.NewCredentials(), nil)
	lis := bufconn.Listen(1024)
	lis.Close()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(context.Background(), lis, time.Second) }()
	select {
	case err := <-done:
		if err == nil {
			t.Error("Serve on a closed listener returned nil")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve on a closed listener did not return")
	}
}

func TestPanicBecomesInternal(t *testing.T) {
	logs := captureLogs(t)
	h := start(t, time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	_, err := h.call(ctx, "Panic")
	if code := status.Code(err); code != codes.Internal {
		t.Fatalf("code = %v (%v), want Internal", code, err)
	}
	if strings.Contains(status.Convert(err).Message(), "110101") {
		t.Errorf("panic value leaked to the caller: %v", err)
	}
	// The server survives and keeps answering.
	out, err := h.call(h.as(ctx, identity.Identity{Subject: "u", Roles: []identity.Role{identity.Applicant}}), "WhoAmI")
	if err != nil || out.GetValue() != "u|APPLICANT" {
		t.Errorf("call after panic = %v, %v", out, err)
	}
	l := logs.String()
	if !strings.Contains(l, "panic in handler") || !strings.Contains(l, "/"+svcName+"/Panic") {
		t.Errorf("panic not logged with its method; logs:\n%s", l)
	}
}

func TestRecoverUnary(t *testing.T) {
	captureLogs(t)
	info := &grpc.UnaryServerInfo{FullMethod: "/x.v1.X/Y"}
	tests := []struct {
		name    string
		handler grpc.UnaryHandler
		want    codes.Code
		resp    any
	}{
		{"string panic", func(context.Context, any) (any, error) { panic("boom") }, codes.Internal, nil},
		{"error panic", func(context.Context, any) (any, error) { panic(errors.New("boom")) }, codes.Internal, nil},
		{"nil panic", func(context.Context, any) (any, error) { panic(nil) }, codes.Internal, nil},
		{"no panic", func(context.Context, any) (any, error) { return "fine", nil }, codes.OK, "fine"},
		{"error passes", func(context.Context, any) (any, error) { return nil, status.Error(codes.NotFound, "x") }, codes.NotFound, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var resp any
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("panic escaped: %v", r)
					}
				}()
				resp, err = recoverUnary(context.Background(), "req", info, tt.handler)
			}()
			if code := status.Code(err); code != tt.want {
				t.Errorf("code = %v, want %v", code, tt.want)
			}
			if resp != tt.resp {
				t.Errorf("resp = %v, want %v", resp, tt.resp)
			}
		})
	}
}

func TestIdentityInterceptorInstalled(t *testing.T) {
	captureLogs(t)
	h := start(t, time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	out, err := h.call(ctx, "WhoAmI")
	if err != nil || out.GetValue() != "|PUBLIC" {
		t.Errorf("anonymous call = %v, %v; want |PUBLIC", out, err)
	}
	id := identity.Identity{Subject: "staff-1", Roles: []identity.Role{identity.Operator}}
	out, err = h.call(h.as(ctx, id), "WhoAmI")
	if err != nil || out.GetValue() != "staff-1|OPERATOR" {
		t.Errorf("signed call = %v, %v; want staff-1|OPERATOR", out, err)
	}
	// A service is known from its certificate, without any identity of its own.
	reviews := h.dial(h.suite.Client("reviews", testSvc))
	out, err = invoke(ctx, reviews, "WhoAmI")
	if err != nil || out.GetValue() != "service:reviews|SERVICE" {
		t.Errorf("call from the reviews service = %v, %v; want service:reviews|SERVICE", out, err)
	}

	h.svc.mu.Lock()
	before := h.svc.whoCalls
	h.svc.mu.Unlock()
	for name, tc := range map[string]struct {
		conn *grpc.ClientConn
		ctx  context.Context
	}{
		"forged (another gateway key)":     {h.conn, identitytest.New(t).As(ctx, id, testSvc)},
		"signed for another service":       {h.conn, h.suite.As(ctx, id, "funding")},
		"user identity from a service":     {reviews, h.as(ctx, id)},
		"user identity from a non-gateway": {h.dial(h.suite.Client("gatewayx", testSvc)), h.as(ctx, id)},
	} {
		_, err = invoke(tc.ctx, tc.conn, "WhoAmI")
		if status.Code(err) != codes.Unauthenticated || grpcerr.Reason(err) != "UNAUTHENTICATED" {
			t.Errorf("%s: err = %v (reason %q), want Unauthenticated", name, err, grpcerr.Reason(err))
		}
	}
	h.svc.mu.Lock()
	defer h.svc.mu.Unlock()
	if h.svc.whoCalls != before {
		t.Error("handler ran for a refused identity")
	}
}

func TestTracingAndReflection(t *testing.T) {
	captureLogs(t)
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	t.Cleanup(func() { otel.SetTracerProvider(prev); tp.Shutdown(context.Background()) })

	h := start(t, time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := h.call(ctx, "WhoAmI"); err != nil {
		t.Fatal(err)
	}
	h.svc.mu.Lock()
	spanOK := h.svc.spanOK
	h.svc.mu.Unlock()
	if !spanOK {
		t.Error("handler context carries no span")
	}
	// The stats handler ends the server span after the response is on its way: wait for it.
	var found bool
	for deadline := time.Now().Add(5 * time.Second); !found && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, s := range rec.Ended() {
			if s.SpanKind() == trace.SpanKindServer && strings.Contains(s.Name(), svcName+"/WhoAmI") {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("no server span for WhoAmI among %d spans", len(rec.Ended()))
	}

	info := h.srv.GRPC.GetServiceInfo()
	for _, name := range []string{"grpc.health.v1.Health", svcName} {
		if _, ok := info[name]; !ok {
			t.Errorf("service %s not registered", name)
		}
	}
	if _, ok := info["grpc.reflection.v1.ServerReflection"]; ok {
		t.Error("reflection served without being asked for (production)")
	}
	dev := start(t, time.Second, Option{Reflection: true})
	if _, ok := dev.srv.GRPC.GetServiceInfo()["grpc.reflection.v1.ServerReflection"]; !ok {
		t.Error("reflection not served in dev mode")
	}
}

// TestStreamsCarryTheVerifiedIdentity checks streams pass the identity interceptor too: a forged identity is
// refused on a stream (the health watch) as on a unary call.
func TestStreamsCarryTheVerifiedIdentity(t *testing.T) {
	captureLogs(t)
	h := start(t, time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	hc := healthpb.NewHealthClient(h.conn)
	id := identity.Identity{Subject: "staff-1", Roles: []identity.Role{identity.Operator}}
	for _, tc := range []struct {
		name string
		ctx  context.Context
		want codes.Code
	}{
		{"anonymous", ctx, codes.OK},
		{"signed", h.as(ctx, id), codes.OK},
		{"forged", identitytest.New(t).As(ctx, id, testSvc), codes.Unauthenticated},
		{"signed for another service", h.suite.As(ctx, id, "funding"), codes.Unauthenticated},
	} {
		watch, err := hc.Watch(tc.ctx, &healthpb.HealthCheckRequest{})
		if err == nil {
			_, err = watch.Recv()
		}
		if status.Code(err) != tc.want {
			t.Errorf("%s watch: %v, want %v", tc.name, err, tc.want)
		}
	}
}

// TestHealthFollowsDatabase checks the health answer is NOT_SERVING while the database is down, before and
// after Serve starts, and SERVING again once it is back.
func TestHealthFollowsDatabase(t *testing.T) {
	h := start(t, time.Second)
	hc := healthpb.NewHealthClient(h.conn)
	ctx := context.Background()
	status := func() healthpb.HealthCheckResponse_ServingStatus {
		t.Helper()
		resp, err := hc.Check(ctx, &healthpb.HealthCheckRequest{}, grpc.WaitForReady(true))
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetStatus()
	}
	if got := status(); got != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("status %v, want SERVING", got)
	}
	h.srv.SetDatabaseUp(false)
	if got := status(); got != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Fatalf("database down: status %v, want NOT_SERVING", got)
	}
	h.srv.SetDatabaseUp(true)
	if got := status(); got != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("database back: status %v, want SERVING", got)
	}
}
