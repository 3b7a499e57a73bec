package e2e

import (
	"context"
	"crypto/ed25519"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	donationsv1 "github.com/commonweal/commonweal/gen/go/commonweal/donations/v1"
	"github.com/commonweal/commonweal/pkg/grpcerr"
	"github.com/commonweal/commonweal/pkg/grpcserver"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/tlsconf"
	"github.com/commonweal/commonweal/pkg/tlsconf/devpki"
)

// devIssuer signs as the suite's gateway does here: the harness runs in dev mode, with the dev key pair.
func devIssuer(t *testing.T) *identity.Issuer {
	t.Helper()
	key, err := identity.ParsePrivateKey(identity.DevPrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	return identity.NewIssuer(key)
}

// TestForwardedIdentityIsBoundToItsService speaks to the running donations service directly, as someone on
// the network holding the gateway's certificate and a forwarded identity captured on its way to another
// service would: an identity signed for applications is refused by donations, one signed by another key
// too, and a user identity on a service's connection too; the identity signed for donations, from the
// gateway, is accepted.
func TestForwardedIdentityIsBoundToItsService(t *testing.T) {
	t.Parallel()
	s := Start(t)
	addr := s.envOf("donations", "DONATIONS_GRPC_ADDR")
	client := func(caller string) donationsv1.DonationsServiceClient {
		src, err := tlsconf.Load(devpki.Paths(certDir, caller))
		if err != nil {
			t.Fatal(err)
		}
		conn, err := grpcserver.Dial(addr, tlsconf.ClientCredentials(src, "donations"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return donationsv1.NewDonationsServiceClient(conn)
	}
	gateway, funding := client(identity.Gateway), client("funding")
	operator := identity.Identity{Subject: "operator-1", Roles: []identity.Role{identity.Operator}}
	_, otherKey, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	list := func(c donationsv1.DonationsServiceClient, token string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := c.ListDonors(metadata.AppendToOutgoingContext(ctx, identity.MetadataKey, token), &donationsv1.ListDonorsRequest{PageSize: 1})
		return err
	}
	if err := list(gateway, devIssuer(t).Sign(operator, "donations")); err != nil {
		t.Fatalf("the gateway's identity for donations: %v", err)
	}
	for name, tc := range map[string]struct {
		c     donationsv1.DonationsServiceClient
		token string
	}{
		"signed for applications, replayed to donations": {gateway, devIssuer(t).Sign(operator, "applications")},
		"signed by another key":                          {gateway, identity.NewIssuer(otherKey).Sign(operator, "donations")},
		"sent on the funding service's connection":       {funding, devIssuer(t).Sign(operator, "donations")},
	} {
		if err := list(tc.c, tc.token); status.Code(err) != codes.Unauthenticated || grpcerr.Reason(err) != "UNAUTHENTICATED" {
			t.Errorf("%s: %v, want UNAUTHENTICATED", name, err)
		}
	}
}
