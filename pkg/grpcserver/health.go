package grpcserver

import (
	"context"
	"errors"
	"net"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// ServeHealth serves the gRPC health protocol (grpc.health.v1) alone, without TLS, on lis until ctx is done,
// answering what the server's own health service answers (Health: NOT_SERVING before Serve, while the
// database does not answer and from the start of the shutdown). It is for probes that cannot present a client
// certificate (the kubelet's gRPC probes): it serves nothing else. Cancel ctx after Serve returns, so that
// the probes see NOT_SERVING during the graceful stop.
func (s *Server) ServeHealth(ctx context.Context, lis net.Listener) error {
	g := grpc.NewServer(serverKeepalive()...)
	healthpb.RegisterHealthServer(g, s.Health)
	errc := make(chan error, 1)
	go func() { errc <- g.Serve(lis) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	g.Stop() // health calls are instant; Watch streams end with the server
	if err := <-errc; err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		return err
	}
	return nil
}
