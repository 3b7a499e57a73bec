// Package grpcserver starts a service's gRPC server the same way everywhere: tracing, recovery, identity,
// access logs, health and reflection, and a graceful shutdown.
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
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"

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
}

// New returns a server whose every call is traced, recovered from panics, logged and carries the verified
// caller identity, then passes the options' interceptors.
func New(signer *identity.Signer, opts ...Option) *Server {
	unary := []grpc.UnaryServerInterceptor{recoverUnary, logUnary, signer.UnaryServerInterceptor()}
	var stream []grpc.StreamServerInterceptor
	for _, o := range opts {
		if o.Unary != nil {
			unary = append(unary, o.Unary)
		}
		if o.Stream != nil {
			stream = append(stream, o.Stream)
		}
	}
	g := grpc.NewServer(
		grpc.StatsHandler(otelgrpc.NewServerHandler()),
		grpc.ChainUnaryInterceptor(unary...),
		grpc.ChainStreamInterceptor(stream...),
	)
	h := health.NewServer()
	healthpb.RegisterHealthServer(g, h)
	reflection.Register(g)
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

// Dial opens a traced client connection to a service; the caller adds the identity to each call.
func Dial(addr string) (*grpc.ClientConn, error) {
	return grpc.NewClient(addr, grpc.WithStatsHandler(otelgrpc.NewClientHandler()), grpc.WithTransportCredentials(insecureCreds()))
}

// DialAs opens a traced client connection on which every call carries the signed identity of the calling
// service (self), so the callee can authorise it as that service. A call without a deadline, or with a
// later one, gets callTimeout (CallTimeout when 0): one slow peer must not hold a request for long.
func DialAs(addr string, signer *identity.Signer, self string, callTimeout time.Duration) (*grpc.ClientConn, error) {
	if callTimeout <= 0 {
		callTimeout = CallTimeout
	}
	return grpc.NewClient(addr, grpc.WithStatsHandler(otelgrpc.NewClientHandler()), grpc.WithTransportCredentials(insecureCreds()),
		grpc.WithChainUnaryInterceptor(withDefaultTimeout(callTimeout), signer.ServiceClientInterceptor(self)))
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
