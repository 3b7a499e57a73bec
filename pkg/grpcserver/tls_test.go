package grpcserver

import (
	"context"
	"crypto/tls"
	"net"
	"os"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/commonweal/commonweal/pkg/tlsconf"
	"github.com/commonweal/commonweal/pkg/tlsconf/devpki"
)

// peerDesc is a service whose Name answers the suite binary named by the caller's verified certificate.
var peerDesc = grpc.ServiceDesc{
	ServiceName: "commonweal.test.v1.PeerService",
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "Name",
		Handler: func(_ any, ctx context.Context, dec func(any) error, icpt grpc.UnaryServerInterceptor) (any, error) {
			in := new(wrapperspb.StringValue)
			if err := dec(in); err != nil {
				return nil, err
			}
			h := func(ctx context.Context, _ any) (any, error) {
				name, _ := tlsconf.PeerName(ctx)
				return wrapperspb.String(name), nil
			}
			return icpt(ctx, in, &grpc.UnaryServerInfo{FullMethod: "/commonweal.test.v1.PeerService/Name"}, h)
		},
	}},
}

// pki writes a dev CA and certificates for names into a fresh directory and returns it.
func pki(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	if err := devpki.Write(dir, names...); err != nil {
		t.Fatal(err)
	}
	return dir
}

func load(t *testing.T, dir, name string) *tlsconf.Source {
	t.Helper()
	src, err := tlsconf.Load(devpki.Paths(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// serveTLS serves the peer service on loopback as the binary name with its certificate from dir.
func serveTLS(t *testing.T, src *tlsconf.Source) string {
	t.Helper()
	srv := New(tlsconf.ServerCredentials(src), nil)
	srv.GRPC.RegisterService(&peerDesc, struct{}{})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Serve(ctx, lis, time.Second); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return lis.Addr().String()
}

// callName calls Name over creds and returns the answer and the server certificate the client saw.
func callName(t *testing.T, addr string, creds credentials.TransportCredentials) (string, *peer.Peer, error) {
	t.Helper()
	conn, err := Dial(addr, creds)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out := new(wrapperspb.StringValue)
	var p peer.Peer
	err = conn.Invoke(ctx, "/commonweal.test.v1.PeerService/Name", wrapperspb.String(""), out, grpc.Peer(&p))
	return out.GetValue(), &p, err
}

func TestMutualTLS(t *testing.T) {
	captureLogs(t)
	dir := pki(t, "applications", "gateway", "reviews")
	addr := serveTLS(t, load(t, dir, "applications"))

	// The suite's own client: the server sees the caller's name from its certificate.
	name, _, err := callName(t, addr, tlsconf.ClientCredentials(load(t, dir, "gateway"), "applications"))
	if err != nil || name != "gateway" {
		t.Fatalf("mutual TLS call = %q, %v; want gateway", name, err)
	}
	if name, _, err := callName(t, addr, tlsconf.ClientCredentials(load(t, dir, "reviews"), "applications")); err != nil || name != "reviews" {
		t.Fatalf("call from reviews = %q, %v", name, err)
	}

	other := pki(t, "gateway", "applications")
	for _, tc := range []struct {
		name  string
		creds credentials.TransportCredentials
	}{
		{"plaintext client", insecure.NewCredentials()},
		{"client certificate from another CA", tlsconf.ClientCredentials(foreign(t, other, dir, "gateway"), "applications")},
		{"no client certificate", credentials.NewTLS(&tls.Config{MinVersion: tls.VersionTLS13, RootCAs: load(t, dir, "gateway").Pool(), ServerName: "localhost"})},
		{"server certificate naming another binary", tlsconf.ClientCredentials(load(t, dir, "gateway"), "reviews")},
		{"server certificate from another CA", tlsconf.ClientCredentials(load(t, other, "gateway"), "applications")},
		{"TLS 1.2 client", credentials.NewTLS(tls12(t, load(t, dir, "gateway")))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := callName(t, addr, tc.creds)
			if status.Code(err) != codes.Unavailable {
				t.Fatalf("err = %v, want the connection refused (Unavailable)", err)
			}
		})
	}
}

// foreign is a source with other's certificate for name (another CA) that trusts the CA in dir.
func foreign(t *testing.T, other, dir, name string) *tlsconf.Source {
	t.Helper()
	f := devpki.Paths(other, name)
	f.CA = devpki.Paths(dir, name).CA
	src, err := tlsconf.Load(f)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func tls12(t *testing.T, src *tlsconf.Source) *tls.Config {
	t.Helper()
	cfg := tlsconf.ClientConfig(src, "applications")
	cfg.MinVersion, cfg.MaxVersion = tls.VersionTLS12, tls.VersionTLS12
	return cfg
}

// TestCertificatesReloadWithoutRestart rotates the whole PKI (a new CA, new certificates for both sides)
// under a running server and client: the next connection uses the new files.
func TestCertificatesReloadWithoutRestart(t *testing.T) {
	captureLogs(t)
	dir := pki(t, "applications", "gateway")
	addr := serveTLS(t, load(t, dir, "applications"))
	client := tlsconf.ClientCredentials(load(t, dir, "gateway"), "applications")
	_, before, err := callName(t, addr, client)
	if err != nil {
		t.Fatal(err)
	}

	if err := devpki.Write(dir, "applications", "gateway"); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Second)
	for _, name := range []string{"applications", "gateway"} {
		f := devpki.Paths(dir, name)
		for _, p := range []string{f.Cert, f.Key, f.CA} {
			if err := os.Chtimes(p, later, later); err != nil {
				t.Fatal(err)
			}
		}
	}
	name, after, err := callName(t, addr, client)
	if err != nil || name != "gateway" {
		t.Fatalf("call after the rotation = %q, %v", name, err)
	}
	serial := func(p *peer.Peer) string {
		return p.AuthInfo.(credentials.TLSInfo).State.PeerCertificates[0].SerialNumber.String()
	}
	if serial(before) == serial(after) {
		t.Error("the server still presents its old certificate")
	}
}
