// Package authztest checks a service's authorisation table the way it runs: through a real gRPC server with
// mutual TLS and the identity and authorisation interceptors, as pkg/service wires them. A user calls as the
// gateway forwards one (the gateway's certificate and an identity signed for the service), a suite service
// with its own certificate. As gives the use cases' own tests the caller's context those interceptors would
// have handed on.
package authztest

import (
	"context"
	"maps"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/proto"

	"github.com/commonweal/commonweal/pkg/addrs"
	"github.com/commonweal/commonweal/pkg/authz"
	"github.com/commonweal/commonweal/pkg/grpcserver"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/identity/identitytest"
)

// Covers fails tb when an RPC of desc has no rule (it would be refused to everyone) or a rule names no RPC.
func Covers(tb testing.TB, p authz.Policy, desc grpc.ServiceDesc) {
	tb.Helper()
	if noRule, unknown := p.Missing(desc); len(noRule) > 0 || len(unknown) > 0 {
		tb.Fatalf("RPCs without a rule: %v; rules without an RPC: %v", noRule, unknown)
	}
}

// Callers are the identities to try against every RPC: each role alone with the subject, and an anonymous
// caller (nil). The SERVICE caller calls with a certificate naming the subject (Server.Invoke).
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
	tb      testing.TB
	service string // the gRPC service, e.g. commonweal.donations.v1.DonationsService
	name    string // the suite service its certificate names, e.g. donations
	suite   *identitytest.Suite
	lis     *bufconn.Listener

	mu    sync.Mutex
	conns map[string]*grpc.ClientConn // by the name of the caller's certificate
}

// Serve starts a server applying p, on which register puts the service's handlers; it stops when tb ends.
func Serve(tb testing.TB, p authz.Policy, register func(*grpc.Server)) *Server {
	tb.Helper()
	s := &Server{tb: tb, service: p.Service, name: suiteName(p.Service), suite: identitytest.New(tb), lis: bufconn.Listen(1 << 20), conns: map[string]*grpc.ClientConn{}}
	srv := grpcserver.New(s.suite.Server(s.name), s.suite.Verifier(s.name), grpcserver.Option{Unary: authz.Unary(p), Stream: authz.Stream(p)})
	register(srv.GRPC)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = srv.Serve(ctx, s.lis, time.Second); close(done) }()
	tb.Cleanup(func() {
		s.mu.Lock()
		for _, c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		cancel()
		<-done
	})
	return s
}

// suiteName is the suite service serving a gRPC service ("commonweal.donations.v1.X" → "donations").
func suiteName(service string) string {
	if parts := strings.Split(service, "."); len(parts) > 2 {
		return parts[1]
	}
	return "authztest"
}

// conn is the connection of a caller whose certificate names name.
func (s *Server) conn(name string) *grpc.ClientConn {
	s.tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.conns[name]; ok {
		return c
	}
	c, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return s.lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(s.suite.Client(name, s.name)))
	if err != nil {
		s.tb.Fatal(err)
	}
	s.conns[name] = c
	return c
}

// Call invokes a method (its short name) as who (nil: anonymous) and returns the answer's status code.
func (s *Server) Call(method string, who *identity.Identity, in, out proto.Message) codes.Code {
	return status.Code(s.Invoke(method, who, in, out))
}

// Invoke is Call returning the answer's error itself (nil: OK), for tests that look past the code. A caller
// holding the SERVICE role calls as the suite service its subject names ("service:funding", or "funding"),
// with that service's certificate; any other caller through the gateway, with an identity signed for this
// service; an anonymous caller through the gateway without one.
func (s *Server) Invoke(method string, who *identity.Identity, in, out proto.Message) error {
	ctx := context.Background()
	conn := s.conn(identity.Gateway)
	switch {
	case who != nil && who.Has(identity.Service):
		conn = s.conn(suiteService(strings.TrimPrefix(who.Subject, "service:"), s.name))
	case who != nil:
		ctx = s.suite.As(ctx, *who, s.name)
	}
	return conn.Invoke(ctx, "/"+s.service+"/"+method, in, out)
}

// suiteService is the suite service whose certificate a SERVICE caller presents: the one its subject names,
// or, for a subject naming none (Callers' generic caller), the first other suite service by name, since
// certificates naming no suite service are refused before authorisation.
func suiteService(name, self string) string {
	if _, ok := addrs.Default[name]; ok {
		return name
	}
	names := slices.Sorted(maps.Keys(addrs.Default))
	for _, n := range names {
		if n != self {
			return n
		}
	}
	return names[0]
}
