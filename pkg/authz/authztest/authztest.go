// Package authztest checks a service's authorisation table the way it runs: through a real gRPC server with
// the identity and authorisation interceptors, as pkg/service wires them. As gives the use cases' own tests
// the caller's context those interceptors would have handed on.
package authztest

import (
	"context"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/proto"

	"github.com/commonweal/commonweal/pkg/authz"
	"github.com/commonweal/commonweal/pkg/grpcserver"
	"github.com/commonweal/commonweal/pkg/identity"
)

// Covers fails tb when an RPC of desc has no rule (it would be refused to everyone) or a rule names no RPC.
func Covers(tb testing.TB, p authz.Policy, desc grpc.ServiceDesc) {
	tb.Helper()
	if noRule, unknown := p.Missing(desc); len(noRule) > 0 || len(unknown) > 0 {
		tb.Fatalf("RPCs without a rule: %v; rules without an RPC: %v", noRule, unknown)
	}
}

// Callers are the identities to try against every RPC: each role alone with the subject, and an anonymous
// caller (nil).
func Callers(subject string) map[string]*identity.Identity {
	out := map[string]*identity.Identity{"anonymous": nil}
	for _, r := range identity.AllRoles {
		out[string(r)] = &identity.Identity{Subject: subject, Roles: []identity.Role{r}}
	}
	return out
}

// As is the context a use case gets for a call by subject holding roles, once the identity interceptor has
// read the caller: for the use cases' own tests, which run without gRPC.
func As(subject string, roles ...identity.Role) context.Context {
	return identity.With(context.Background(), identity.Identity{Subject: subject, Roles: roles})
}

// Server is a service's handlers behind the identity and authorisation interceptors.
type Server struct {
	service string
	signer  *identity.Signer
	conn    *grpc.ClientConn
}

// Serve starts a server applying p, on which register puts the service's handlers; it stops when tb ends.
func Serve(tb testing.TB, p authz.Policy, register func(*grpc.Server)) *Server {
	tb.Helper()
	signer := identity.NewSigner([]byte("authztest-identity-key"))
	srv := grpcserver.New(signer, grpcserver.Option{Unary: authz.Unary(p), Stream: authz.Stream(p)})
	register(srv.GRPC)
	lis := bufconn.Listen(1 << 20)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = srv.Serve(ctx, lis, time.Second); close(done) }()
	conn, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cancel(); conn.Close(); <-done })
	return &Server{service: p.Service, signer: signer, conn: conn}
}

// Call invokes a method (its short name) as who (nil: anonymous) and returns the answer's status code.
func (s *Server) Call(method string, who *identity.Identity, in, out proto.Message) codes.Code {
	return status.Code(s.Invoke(method, who, in, out))
}

// Invoke is Call returning the answer's error itself (nil: OK), for tests that look past the code.
func (s *Server) Invoke(method string, who *identity.Identity, in, out proto.Message) error {
	ctx := context.Background()
	if who != nil {
		ctx = s.signer.Outgoing(ctx, *who)
	}
	return s.conn.Invoke(ctx, "/"+s.service+"/"+method, in, out)
}
