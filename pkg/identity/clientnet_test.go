package identity

import (
	"context"
	"net/netip"
	"testing"

	"google.golang.org/grpc/metadata"
)

func TestNetworkOf(t *testing.T) {
	for _, tt := range []struct{ addr, want string }{
		{"203.0.113.77", "203.0.113.0/24"},
		{"203.0.113.0", "203.0.113.0/24"},
		{"::ffff:198.51.100.9", "198.51.100.0/24"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
		{"fe80::1%eth0", "fe80::/64"},
		{"", ""},
	} {
		var a netip.Addr
		if tt.addr != "" {
			a = netip.MustParseAddr(tt.addr)
		}
		if got := NetworkOf(a); got != tt.want {
			t.Errorf("NetworkOf(%q) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

func TestParseClientNetwork(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{
		{"203.0.113.0/24", "203.0.113.0/24", true},
		{"2001:db8:1:2::/64", "2001:db8:1:2::/64", true},
		{"2001:0db8:0001:0002::/64", "2001:db8:1:2::/64", true},
		{"203.0.113.7/24", "", false},  // not masked: a whole address in disguise
		{"203.0.113.7/32", "", false},  // a whole address
		{"203.0.0.0/16", "", false},    // wrong size
		{"2001:db8::1/128", "", false}, // a whole address
		{"2001:db8::/48", "", false},
		{"::ffff:203.0.113.0/120", "", false},
		{"203.0.113.0", "", false},
		{"garbage", "", false},
		{"", "", false},
	} {
		got, ok := ParseClientNetwork(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseClientNetwork(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// TestClientNetworkForwarded: the network the gateway's call carries reaches the handler; from anyone else, or
// malformed, it is ignored (the call itself still goes through).
func TestClientNetworkForwarded(t *testing.T) {
	is := NewIssuer(testKey)
	alice := Identity{Subject: "alice", Roles: []Role{Applicant}}
	bg := context.Background()
	// What the gateway's dial options put on the wire, for an anonymous voter and for a signed-in user.
	wire := func(ctx context.Context) metadata.MD {
		md, _ := metadata.FromOutgoingContext(is.forward(ctx, "donations"))
		return md
	}
	anonymous := wire(WithClientNetwork(bg, "203.0.113.0/24"))
	if got := anonymous.Get(ClientNetworkKey); len(got) != 1 || got[0] != "203.0.113.0/24" {
		t.Fatalf("anonymous call carries %v, want the network", anonymous)
	}
	if got := anonymous.Get(MetadataKey); len(got) != 0 {
		t.Errorf("anonymous call carries an identity: %v", got)
	}
	signedIn := wire(WithClientNetwork(With(bg, alice), "2001:db8:1:2::/64"))
	if len(signedIn.Get(MetadataKey)) != 1 || len(signedIn.Get(ClientNetworkKey)) != 1 {
		t.Fatalf("signed-in call carries %v, want identity and network", signedIn)
	}
	if got := wire(bg).Get(ClientNetworkKey); len(got) != 0 {
		t.Errorf("a call without a network carries %v", got)
	}

	gw := fromPeer(bg, Gateway)
	in := func(ctx context.Context, md metadata.MD) context.Context { return metadata.NewIncomingContext(ctx, md) }
	for _, tt := range []struct {
		name string
		ctx  context.Context
		want string
	}{
		{"from the gateway, anonymous", in(gw, anonymous), "203.0.113.0/24"},
		{"from the gateway, signed in", in(gw, signedIn), "2001:db8:1:2::/64"},
		{"from the gateway, none", in(gw, metadata.MD{}), ""},
		{"from another service", in(fromPeer(bg, "funding"), anonymous), ""},
		{"uncertified", in(bg, anonymous), ""},
		{"malformed", in(gw, metadata.Pairs(ClientNetworkKey, "not a network")), ""},
		{"a whole address", in(gw, metadata.Pairs(ClientNetworkKey, "203.0.113.9/32")), ""},
		{"unmasked", in(gw, metadata.Pairs(ClientNetworkKey, "203.0.113.9/24")), ""},
		{"two values", in(gw, metadata.Pairs(ClientNetworkKey, "203.0.113.0/24", ClientNetworkKey, "198.51.100.0/24")), ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var seen string
			called := false
			handler := func(ctx context.Context, req any) (any, error) {
				called, seen = true, ClientNetwork(ctx)
				return "ok", nil
			}
			a := testAuthenticator(NewVerifier("donations", testPub))
			if _, err := a.UnaryServerInterceptor()(tt.ctx, "req", testInfo, handler); err != nil {
				t.Fatalf("err = %v", err)
			}
			if !called {
				t.Fatal("handler not called")
			}
			if seen != tt.want {
				t.Errorf("handler saw network %q, want %q", seen, tt.want)
			}
		})
	}
}
