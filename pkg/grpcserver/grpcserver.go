// Package grpcserver starts a service's gRPC server the same way everywhere: tracing, recovery, identity,
// access logs, documented input maxima (bounds), health, reflection in dev mode only, and a graceful shutdown.
package grpcserver

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"runtime/debug"
	"sync"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"

	"github.com/commonweal/commonweal/pkg/bounds"
	"github.com/commonweal/commonweal/pkg/identity"
)

// Server is a gRPC server with its health service.
type Server struct {
	GRPC   *grpc.Server
	Health *health.Server

	mu      sync.Mutex
	serving bool // Serve has started and not yet stopped
	dbDown  bool // the database did not answer its last ping
}

// Option adds interceptors to a server (e.g. the service's authorisation table); they run after the
// identity is verified.
type Option struct {
	Unary  grpc.UnaryServerInterceptor
	Stream grpc.StreamServerInterceptor
	// Reflection serves gRPC reflection (dev mode only: it lists every method to whoever connects).
	Reflection bool
}

// New returns a server on the transport creds (tlsconf.ServerCredentials: mutual TLS; only a test passes
// anything else) whose every call is traced, recovered from panics, logged and carries the verified caller
// identity (identity.Authenticator: a service from its certificate, an end user from the identity the gateway
// signed, which users verifies; nil: no end user is accepted), then passes the options' interceptors, then
// refuses a request over a documented maximum (bounds).
func New(creds credentials.TransportCredentials, users *identity.Verifier, opts ...Option) *Server {
	if creds == nil {
		panic("grpcserver.New: no transport credentials")
	}
	authn := identity.NewAuthenticator(users)
	unary := []grpc.UnaryServerInterceptor{recoverUnary, logUnary, authn.UnaryServerInterceptor()}
	stream := []grpc.StreamServerInterceptor{recoverStream, authn.StreamServerInterceptor()}
	reflect := false
	for _, o := range opts {
		reflect = reflect || o.Reflection
		if o.Unary != nil {
			unary = append(unary, o.Unary)
		}
		if o.Stream != nil {
			stream = append(stream, o.Stream)
		}
	}
	// Last, once the caller is known and allowed: a request over a documented maximum (bounds) is refused
	// before its handler runs, with the same precedence as the handler's own validation (an unauthorised
	// caller is told PERMISSION_DENIED whatever it sent).
	unary = append(unary, bounds.UnaryServerInterceptor())
	stream = append(stream, bounds.StreamServerInterceptor())
	g := grpc.NewServer(append([]grpc.ServerOption{
		grpc.Creds(creds),
		grpc.StatsHandler(otelgrpc.NewServerHandler()),
		grpc.ChainUnaryInterceptor(unary...),
		grpc.ChainStreamInterceptor(stream...),
	}, serverKeepalive()...)...)
	h := health.NewServer()
	h.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING) // until Serve
	healthpb.RegisterHealthServer(g, h)
	if reflect {
		reflection.Register(g)
	}
	return &Server{GRPC: g, Health: h}
}

// SetDatabaseUp makes the health answer follow the service's database: NOT_SERVING while it is
// unreachable, SERVING again once it answers (while the server is serving).
func (s *Server) SetDatabaseUp(up bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dbDown = !up
	if s.serving {
		s.Health.SetServingStatus("", s.statusLocked())
	}
}

func (s *Server) statusLocked() healthpb.HealthCheckResponse_ServingStatus {
	if s.dbDown {
		return healthpb.HealthCheckResponse_NOT_SERVING
	}
	return healthpb.HealthCheckResponse_SERVING
}

// Serve serves on lis until ctx is done, then reports NOT_SERVING, stops gracefully within grace and
// forces the stop after it.
func (s *Server) Serve(ctx context.Context, lis net.Listener, grace time.Duration) error {
	s.mu.Lock()
	s.serving = true
	s.Health.SetServingStatus("", s.statusLocked())
	s.mu.Unlock()
	errc := make(chan error, 1)
	go func() { errc <- s.GRPC.Serve(lis) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.mu.Lock()
	s.serving = false
	s.Health.Shutdown()
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.GRPC.GracefulStop(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace):
		s.GRPC.Stop()
	}
	if err := <-errc; err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		return err
	}
	return nil
}

func recoverUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
	defer func() {
		if r := recover(); r != nil {
			slog.ErrorContext(ctx, "panic in handler", "method", info.FullMethod, "panic", r, "stack", string(debug.Stack()))
			err = status.Error(codes.Internal, "internal error")
		}
	}()
	return handler(ctx, req)
}

func recoverStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
	defer func() {
		if r := recover(); r != nil {
			slog.ErrorContext(ss.Context(), "panic in handler", "method", info.FullMethod, "panic", r, "stack", string(debug.Stack()))
			err = status.Error(codes.Internal, "internal error")
		}
	}()
	return handler(srv, ss)
}

func logUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	start := time.Now()
	resp, err := handler(ctx, req)
	level := slog.LevelInfo
	if code := status.Code(err); code == codes.Internal || code == codes.Unknown {
		level = slog.LevelError
	}
	slog.Log(ctx, level, "rpc", "method", info.FullMethod, "code", status.Code(err).String(), "duration_ms", time.Since(start).Milliseconds())
	return resp, err
}

// Dial opens a traced client connection to a service (addr: host:port, dns:///name:port for every address
// of a name, or static:///host1:port1,host2:port2; calls are balanced round_robin, safe calls retried on
// UNAVAILABLE, connections kept alive: dial.go) over the transport creds (tlsconf.ClientCredentials
// naming the service), with further options (the gateway's: identity.Issuer.DialOptions, which sign the end
// user's identity for that service into each call).
func Dial(addr string, creds credentials.TransportCredentials, opts ...grpc.DialOption) (*grpc.ClientConn, error) {
	base := append(clientOptions(), grpc.WithStatsHandler(otelgrpc.NewClientHandler()), grpc.WithTransportCredentials(creds))
	return grpc.NewClient(addr, append(base, opts...)...)
}

// DialAs opens a traced client connection of one service to another (addresses and options as Dial's) over
// the transport creds, whose client certificate names the calling service: the callee knows the caller from
// it, so the calls carry no identity of their own. A call without a deadline, or with a later one, gets callTimeout (CallTimeout when 0): one slow
// peer must not hold a request for long.
func DialAs(addr string, creds credentials.TransportCredentials, callTimeout time.Duration) (*grpc.ClientConn, error) {
	if callTimeout <= 0 {
		callTimeout = CallTimeout
	}
	return grpc.NewClient(addr, append(clientOptions(), grpc.WithStatsHandler(otelgrpc.NewClientHandler()), grpc.WithTransportCredentials(creds),
		grpc.WithChainUnaryInterceptor(withDefaultTimeout(callTimeout)))...)
}

// CallTimeout is the default bound of one service-to-service call.
const CallTimeout = 10 * time.Second

func withDefaultTimeout(d time.Duration) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if dl, ok := ctx.Deadline(); !ok || time.Until(dl) > d {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, d)
			defer cancel()
		}
		return invoker(ctx, method, req, reply, cc, opts...)
	}
}
