// Package peertest serves a fake of another suite service in a test, on a real loopback gRPC server with
// mutual TLS (a throwaway CA) and the identity interceptor, and dials it the way a service dials its peers
// (grpcserver.DialAs: the caller's certificate, which names the calling service to the fake, and a bounded
// call time), so a client of that service is tested over the wire it uses in production.
package peertest

import (
	"context"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"

	"github.com/commonweal/commonweal/pkg/grpcserver"
	"github.com/commonweal/commonweal/pkg/identity/identitytest"
)

// PeerName is the name the fake's certificate gives it.
const PeerName = "peertest"

// Dial starts a server on which register puts the fake's handlers and returns a connection to it dialled as
// the service self ("donations") with the given call timeout (0: grpcserver.CallTimeout). The fake's handlers
// see the caller as identity.ServiceIdentity(self). Both stop when tb ends.
func Dial(tb testing.TB, self string, callTimeout time.Duration, register func(*grpc.Server)) *grpc.ClientConn {
	tb.Helper()
	suite := identitytest.New(tb)
	srv := grpcserver.New(suite.Server(PeerName), suite.Verifier(PeerName))
	register(srv.GRPC)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = srv.Serve(ctx, lis, time.Second); close(done) }()
	conn, err := grpcserver.DialAs(lis.Addr().String(), suite.Client(self, PeerName), callTimeout)
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
	suite := identitytest.New(tb)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close()
	conn, err := grpcserver.DialAs(addr, suite.Client(self, PeerName), 0)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { conn.Close() })
	return conn
}
