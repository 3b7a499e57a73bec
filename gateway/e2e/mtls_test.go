package e2e

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/commonweal/commonweal/pkg/grpcserver"
	"github.com/commonweal/commonweal/pkg/tlsconf"
	"github.com/commonweal/commonweal/pkg/tlsconf/devpki"
)

// TestServicesRequireMutualTLS speaks to a running service's gRPC port directly, as someone on the network
// would: only a client certificate of the suite's CA gets an answer.
func TestServicesRequireMutualTLS(t *testing.T) {
	t.Parallel()
	s := Start(t)
	addr := s.envOf("donations", "DONATIONS_GRPC_ADDR")
	load := func(dir, name string) *tlsconf.Source {
		src, err := tlsconf.Load(devpki.Paths(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return src
	}
	other := t.TempDir()
	if err := devpki.Write(other, "gateway", "donations"); err != nil {
		t.Fatal(err)
	}
	check := func(creds credentials.TransportCredentials) error {
		conn, err := grpcserver.Dial(addr, creds)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err = healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}, grpc.WaitForReady(false))
		return err
	}
	if err := check(tlsconf.ClientCredentials(load(certDir, "gateway"), "donations")); err != nil {
		t.Fatalf("the suite's own certificate: %v", err)
	}
	foreign := devpki.Paths(other, "gateway")
	foreign.CA = devpki.Paths(certDir, "gateway").CA
	foreignSrc, err := tlsconf.Load(foreign)
	if err != nil {
		t.Fatal(err)
	}
	for name, creds := range map[string]credentials.TransportCredentials{
		"plaintext":                          insecure.NewCredentials(),
		"client certificate of another CA":   tlsconf.ClientCredentials(foreignSrc, "donations"),
		"expecting another binary's address": tlsconf.ClientCredentials(load(certDir, "gateway"), "funding"),
	} {
		if err := check(creds); err == nil {
			t.Errorf("%s: the service answered", name)
		}
	}
}
