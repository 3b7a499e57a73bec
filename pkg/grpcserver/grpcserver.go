// Package grpcserver starts a service's gRPC server the same way everywhere: tracing, recovery, identity,
// access logs, health and reflection, and a graceful shutdown.
package grpcserver

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"runtime/debug"
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
}

// New returns a server whose every call is traced, recovered from panics, logged and carries the verified
// caller identity.
func New(signer *identity.Signer) *Server {
	g := grpc.NewServer(
		grpc.StatsHandler(otelgrpc.NewServerHandler()),
		grpc.ChainUnaryInterceptor(recoverUnary, logUnary, signer.UnaryServerInterceptor()),
	)
	h := health.NewServer()
	healthpb.RegisterHealthServer(g, h)
	reflection.Register(g)
	return &Server{GRPC: g, Health: h}
}

// Serve serves on lis until ctx is done, then reports NOT_SERVING, stops gracefully within grace and
// forces the stop after it.
func (s *Server) Serve(ctx context.Context, lis net.Listener, grace time.Duration) error {
	s.Health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	errc := make(chan error, 1)
	go func() { errc <- s.GRPC.Serve(lis) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.Health.Shutdown()
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
// service (self), so the callee can authorise it as that service. A call without a deadline gets
// CallTimeout: callers often hold a row lock while they ask.
func DialAs(addr string, signer *identity.Signer, self string) (*grpc.ClientConn, error) {
	return grpc.NewClient(addr, grpc.WithStatsHandler(otelgrpc.NewClientHandler()), grpc.WithTransportCredentials(insecureCreds()),
		grpc.WithChainUnaryInterceptor(withDefaultTimeout(CallTimeout), signer.ServiceClientInterceptor(self)))
}

// CallTimeout bounds a service-to-service call that has no deadline of its own.
const CallTimeout = 10 * time.Second

func withDefaultTimeout(d time.Duration) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if _, ok := ctx.Deadline(); !ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, d)
			defer cancel()
		}
		return invoker(ctx, method, req, reply, cc, opts...)
	}
}
