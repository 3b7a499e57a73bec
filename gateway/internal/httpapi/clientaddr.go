package httpapi

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Headers in which trusted proxies may report the client's address.
const (
	HeaderXForwardedFor = "X-Forwarded-For"
	HeaderForwarded     = "Forwarded" // RFC 7239
)

// Proxies say which TCP peers may report the client's address, and in which header. The zero value trusts
// no one: the client is the TCP peer.
type Proxies struct {
	Trusted []netip.Prefix
	// Header is the one header the proxies write: HeaderXForwardedFor or HeaderForwarded. Only that one is read,
	// because a client can send the other and a proxy passes it on untouched.
	Header string
}

// ParseProxies reads TRUSTED_PROXIES (CIDRs or single addresses) and the header they write.
func ParseProxies(cidrs []string, header string) (Proxies, error) {
	p := Proxies{Header: http.CanonicalHeaderKey(strings.TrimSpace(header))}
	if p.Header != HeaderXForwardedFor && p.Header != HeaderForwarded {
		return Proxies{}, fmt.Errorf("header %q: must be %s or %s", header, HeaderXForwardedFor, HeaderForwarded)
	}
	for _, s := range cidrs {
		s = strings.TrimSpace(s)
		prefix, err := netip.ParsePrefix(s)
		if err != nil {
			addr, aerr := netip.ParseAddr(s)
			if aerr != nil || addr.Zone() != "" {
				return Proxies{}, fmt.Errorf("%q is not a CIDR (e.g. 10.0.0.0/8, fd00::/8) or an address", s)
			}
			prefix = netip.PrefixFrom(addr.Unmap(), addr.Unmap().BitLen())
		}
		if prefix.Bits() == 0 {
			// Trusting every address lets any client name any address, which defeats every per-address limit.
			return Proxies{}, fmt.Errorf("%q trusts every address: list the proxies' own networks", s)
		}
		if prefix.Addr().Is4In6() && prefix.Bits() >= 96 {
			prefix = netip.PrefixFrom(prefix.Addr().Unmap(), prefix.Bits()-96)
		}
		p.Trusted = append(p.Trusted, prefix.Masked())
	}
	return p, nil
}

func (p Proxies) trusts(a netip.Addr) bool {
	for _, t := range p.Trusted {
		if t.Contains(a) {
			return true
		}
	}
	return false
}

// ClientAddr is the address of the client behind r: the TCP peer, unless the peer is a trusted proxy; then
// the proxies' header is walked from the right, past every trusted hop, to the first untrusted address. A
// header from an untrusted peer is never read; a hop the walk cannot read makes it ignore the header (the
// peer is the client). ok is false when the peer address itself is unreadable.
func (p Proxies) ClientAddr(r *http.Request) (netip.Addr, bool) {
	peer, ok := parseHop(r.RemoteAddr)
	if !ok {
		return netip.Addr{}, false
	}
	if !p.trusts(peer) {
		return peer, true
	}
	values := r.Header.Values(p.Header)
	if len(values) == 0 {
		return peer, true
	}
	// Several header lines are one list, in order (RFC 9110 §5.3).
	rest := strings.Join(values, ",")
	if p.Header == HeaderForwarded {
		elems, ok := splitForwarded(rest)
		if !ok {
			return peer, true
		}
		client := peer
		for i := len(elems) - 1; i >= 0; i-- {
			hop, ok := forwardedFor(elems[i])
			if !ok {
				return peer, true
			}
			if client, ok = parseHop(hop); !ok {
				return peer, true
			}
			if !p.trusts(client) {
				return client, true
			}
		}
		return client, true
	}
	// X-Forwarded-For is walked from the right without splitting it: what a client wrote to the left of the
	// first untrusted hop costs nothing.
	client := peer
	for {
		i := strings.LastIndexByte(rest, ',')
		a, ok := parseHop(rest[i+1:])
		if !ok {
			return peer, true
		}
		client = a
		if !p.trusts(a) || i < 0 {
			break
		}
		rest = rest[:i]
	}
	// Every hop trusted: the leftmost is the client (e.g. a job inside the cluster).
	return client, true
}

// parseHop reads one address as a proxy reports it: "192.0.2.1", "192.0.2.1:4711", "2001:db8::1",
// "[2001:db8::1]" or "[2001:db8::1]:4711". Zones are dropped and IPv4-mapped IPv6 addresses unmapped.
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return netip.Addr{}, false
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.WithZone("").Unmap(), true
	}
	if host, _, err := net.SplitHostPort(s); err == nil {
		if a, err := netip.ParseAddr(host); err == nil {
			return a.WithZone("").Unmap(), true
		}
	}
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil {
			return a.WithZone("").Unmap(), true
		}
	}
	return netip.Addr{}, false
}

// maxForwardedElements bounds the work one Forwarded header costs.
const maxForwardedElements = 64

var errForwarded = errors.New("malformed Forwarded header")

// splitForwarded splits a Forwarded header into its comma-separated elements, honouring quoted strings.
// A header with an unterminated quote or more than maxForwardedElements elements is refused.
func splitForwarded(s string) ([]string, bool) {
	var elems []string
	start, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case !quoted && c == ',':
			elems = append(elems, s[start:i])
			start = i + 1
			if len(elems) > maxForwardedElements {
				return nil, false
			}
		}
	}
	if quoted {
		return nil, false
	}
	return append(elems, s[start:]), true
}

// forwardedFor is the for= value of one Forwarded element (RFC 7239 §4), unquoted. An element without one
// is unreadable; so are "unknown" and obfuscated identifiers ("_hidden"), which parseHop then refuses.
func forwardedFor(elem string) (string, bool) {
	v, err := forwardedParam(elem, "for")
	return v, err == nil
}

func forwardedParam(elem, name string) (string, error) {
	found, value := false, ""
	for len(elem) > 0 {
		// One pair: token "=" ( token / quoted-string ), pairs separated by ";".
		eq := strings.IndexByte(elem, '=')
		if eq < 0 {
			return "", errForwarded
		}
		key := strings.TrimSpace(elem[:eq])
		rest := strings.TrimLeft(elem[eq+1:], " \t")
		var v string
		if strings.HasPrefix(rest, `"`) {
			var b strings.Builder
			i := 1
			for ; i < len(rest) && rest[i] != '"'; i++ {
				if rest[i] == '\\' && i+1 < len(rest) {
					i++
				}
				b.WriteByte(rest[i])
			}
			if i >= len(rest) {
				return "", errForwarded
			}
			v, rest = b.String(), rest[i+1:]
			rest = strings.TrimLeft(rest, " \t")
			if rest != "" && rest[0] != ';' {
				return "", errForwarded
			}
		} else {
			end := strings.IndexByte(rest, ';')
			if end < 0 {
				end = len(rest)
			}
			v, rest = strings.TrimSpace(rest[:end]), rest[end:]
		}
		if strings.EqualFold(key, name) {
			if found { // a parameter named twice is ambiguous
				return "", errForwarded
			}
			found, value = true, v
		}
		elem = strings.TrimPrefix(rest, ";")
	}
	if !found {
		return "", errForwarded
	}
	return value, nil
}

// addrKey is the rate-limit key of a client address: an IPv4 address itself, an IPv6 address its /64 (one
// subscriber's network, from which it may take any of 2^64 addresses).
func addrKey(a netip.Addr) string {
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// clientKey is the rate-limit key of the client behind r.
func (p Proxies) clientKey(r *http.Request) string {
	if a, ok := p.ClientAddr(r); ok {
		return addrKey(a)
	}
	return r.RemoteAddr
}
