// Package identitytest gives a test the suite's trust as production has it, with throwaway keys: a CA issuing
// the certificates that name suite binaries (services are known by them) and a gateway key pair signing end
// users' identities. A test calls a service as a user the way the gateway does: over a connection with the
// gateway's certificate (Client(identity.Gateway, service)) with a token signed for that service (As).
package identitytest

import (
	"context"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/tlsconf"
	"github.com/commonweal/commonweal/pkg/tlsconf/devpki"
)

// Suite is one test's CA and gateway key pair.
type Suite struct {
	tb     testing.TB
	dir    string
	ca     *devpki.CA
	key    ed25519.PrivateKey
	public ed25519.PublicKey

	mu      sync.Mutex
	sources map[string]*tlsconf.Source
}

// New makes a fresh CA and gateway key pair, kept in a directory removed when tb ends.
func New(tb testing.TB) *Suite {
	tb.Helper()
	ca, err := devpki.NewCA("identitytest CA")
	if err != nil {
		tb.Fatal(err)
	}
	public, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		tb.Fatal(err)
	}
	s := &Suite{tb: tb, dir: tb.TempDir(), ca: ca, key: key, public: public, sources: map[string]*tlsconf.Source{}}
	if err := os.WriteFile(filepath.Join(s.dir, "ca.pem"), ca.PEM, 0o644); err != nil {
		tb.Fatal(err)
	}
	return s
}

// Files issues a certificate for the suite binary name (once) and returns its files.
func (s *Suite) Files(name string) tlsconf.Files {
	s.tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	f := devpki.Paths(s.dir, name)
	if _, err := os.Stat(f.Cert); err == nil {
		return f
	}
	certPEM, keyPEM, err := s.ca.Issue(name)
	if err != nil {
		s.tb.Fatal(err)
	}
	if err := os.WriteFile(f.Key, keyPEM, 0o600); err != nil {
		s.tb.Fatal(err)
	}
	if err := os.WriteFile(f.Cert, certPEM, 0o644); err != nil {
		s.tb.Fatal(err)
	}
	return f
}

// Source is the loaded certificate of the suite binary name.
func (s *Suite) Source(name string) *tlsconf.Source {
	s.tb.Helper()
	f := s.Files(name)
	s.mu.Lock()
	defer s.mu.Unlock()
	if src, ok := s.sources[name]; ok {
		return src
	}
	src, err := tlsconf.Load(f)
	if err != nil {
		s.tb.Fatal(err)
	}
	s.sources[name] = src
	return src
}

// Server are the transport credentials of a server that is the suite binary name.
func (s *Suite) Server(name string) credentials.TransportCredentials {
	return tlsconf.ServerCredentials(s.Source(name))
}

// Client are the transport credentials of the suite binary self calling the one named server.
func (s *Suite) Client(self, server string) credentials.TransportCredentials {
	return tlsconf.ClientCredentials(s.Source(self), server)
}

// Verifier verifies, for the service named service, the identities the suite's gateway signs.
func (s *Suite) Verifier(service string) *identity.Verifier {
	return identity.NewVerifier(service, s.public)
}

// Issuer signs as the suite's gateway.
func (s *Suite) Issuer() *identity.Issuer { return identity.NewIssuer(s.key) }

// As returns ctx carrying id signed by the gateway for the service named service, to send over a connection
// with the gateway's certificate.
func (s *Suite) As(ctx context.Context, id identity.Identity, service string) context.Context {
	return s.Issuer().Outgoing(ctx, id, service)
}

// Env is the environment of a suite binary name started by a test: its certificate files and the gateway's
// public key (and, for the gateway, its private key).
func (s *Suite) Env(name string) []string {
	f := s.Files(name)
	env := []string{tlsconf.CertFileVar + "=" + f.Cert, tlsconf.KeyFileVar + "=" + f.Key, tlsconf.CAFileVar + "=" + f.CA,
		identity.PublicKeyVar + "=" + identity.EncodePublicKey(s.public)}
	if name == identity.Gateway {
		env = append(env, identity.PrivateKeyVar+"="+identity.EncodePrivateKey(s.key))
	}
	return env
}

// Conn returns a connection to the suite service named service at addr that calls as the caller in each
// call's context (identity.With), the way the suite would: a suite service (the SERVICE role, subject
// "service:<name>") over a connection with its own certificate and nothing else; an end user through the
// gateway (its certificate, and the identity signed for service); an anonymous caller through the gateway
// without an identity. The connections close when the test ends.
func (s *Suite) Conn(addr, service string) grpc.ClientConnInterface {
	return &routedConn{s: s, addr: addr, service: service, conns: map[string]*grpc.ClientConn{}}
}

type routedConn struct {
	s             *Suite
	addr, service string

	mu    sync.Mutex
	conns map[string]*grpc.ClientConn // by the name of the caller's certificate
}

// conn is the connection of the caller in ctx.
func (r *routedConn) conn(ctx context.Context) (*grpc.ClientConn, error) {
	name := identity.Gateway
	if id := identity.From(ctx); id.Has(identity.Service) {
		name = strings.TrimPrefix(id.Subject, "service:")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.conns[name]; ok {
		return c, nil
	}
	opts := []grpc.DialOption{grpc.WithTransportCredentials(r.s.Client(name, r.service))}
	if name == identity.Gateway {
		opts = append(opts, r.s.Issuer().DialOptions(r.service)...)
	}
	c, err := grpc.NewClient(r.addr, opts...)
	if err != nil {
		return nil, err
	}
	r.conns[name] = c
	r.s.tb.Cleanup(func() { c.Close() })
	return c, nil
}

func (r *routedConn) Invoke(ctx context.Context, method string, args, reply any, opts ...grpc.CallOption) error {
	c, err := r.conn(ctx)
	if err != nil {
		return err
	}
	return c.Invoke(ctx, method, args, reply, opts...)
}

func (r *routedConn) NewStream(ctx context.Context, desc *grpc.StreamDesc, method string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	c, err := r.conn(ctx)
	if err != nil {
		return nil, err
	}
	return c.NewStream(ctx, desc, method, opts...)
}
