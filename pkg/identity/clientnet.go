package identity

import (
	"context"
	"net/netip"
)

// ClientNetworkKey is the gRPC metadata key in which the gateway forwards the network its client called from.
// A service accepts it only on a connection whose certificate names the gateway.
const ClientNetworkKey = "x-commonweal-client-network"

// The prefix lengths a client network has: a whole address is never forwarded, only the network one
// subscriber (or one NAT) most likely holds.
const (
	clientNetworkBits4 = 24
	clientNetworkBits6 = 64
)

type clientNetworkKey struct{}

// WithClientNetwork returns ctx carrying the client network network (as NetworkOf writes it); "" carries none.
func WithClientNetwork(ctx context.Context, network string) context.Context {
	if network == "" {
		return ctx
	}
	return context.WithValue(ctx, clientNetworkKey{}, network)
}

// ClientNetwork is the client network in ctx, or "" when unknown.
func ClientNetwork(ctx context.Context) string {
	s, _ := ctx.Value(clientNetworkKey{}).(string)
	return s
}

// NetworkOf is the network of a client address: the /24 of an IPv4 address, the /64 of an IPv6 one, as a
// prefix ("203.0.113.0/24", "2001:db8:1:2::/64"); "" for an invalid address.
func NetworkOf(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	a = a.WithZone("").Unmap()
	bits := clientNetworkBits6
	if a.Is4() {
		bits = clientNetworkBits4
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return ""
	}
	return p.String()
}

// ParseClientNetwork returns s in canonical form when it is a client network as NetworkOf writes it (a masked
// /24 IPv4 or /64 IPv6 prefix), or false.
func ParseClientNetwork(s string) (string, bool) {
	if s == "" || len(s) > 64 {
		return "", false
	}
	p, err := netip.ParsePrefix(s)
	if err != nil || p.Addr().Zone() != "" || p.Addr().Is4In6() {
		return "", false
	}
	want := clientNetworkBits6
	if p.Addr().Is4() {
		want = clientNetworkBits4
	}
	if p.Bits() != want || p.Masked() != p {
		return "", false
	}
	return p.String(), true
}
