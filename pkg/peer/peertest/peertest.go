// Package peertest serves a fake of another suite service in a test, on a real loopback gRPC server with the
// identity interceptor, and dials it the way a service dials its peers (grpcserver.DialAs: the caller's
// signed service identity on every call, a bounded call time), so a client of that service is tested over
// the wire it uses in production.
package peertest

import (
	"context"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"

	"github.com/commonweal/commonweal/pkg/grpcserver"
	"github.com/commonweal/commonweal/pkg/identity"
)

// Dial starts a server on which register puts the fake's handlers and returns a connection to it dialled as
// the service self ("donations") with the given call timeout (0: grpcserver.CallTimeout). Both stop when tb
// ends.
func Dial(tb testing.TB, self string, callTimeout time.Duration, register func(*grpc.Server)) *grpc.ClientConn {
	tb.Helper()
	signer := identity.NewSigner([]byte("peertest-identity-key"))
	srv := grpcserver.New(signer)
	register(srv.GRPC)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = srv.Serve(ctx, lis, time.Second); close(done) }()
	conn, err := grpcserver.DialAs(lis.Addr().String(), signer, self, callTimeout)
	if err != nil {
		stop()
		<-done
		tb.Fatal(err)
	}
	tb.Cleanup(func() { conn.Close(); stop(); <-done })
	return conn
}

// Unreachable returns a connection, dialled as the service self, to a loopback address nothing listens on.
func Unreachable(tb testing.TB, self string) *grpc.ClientConn {
	tb.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close()
	conn, err := grpcserver.DialAs(addr, identity.NewSigner([]byte("peertest-identity-key")), self, 0)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { conn.Close() })
	return conn
}
