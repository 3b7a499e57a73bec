package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func mustProxies(t testing.TB, header string, cidrs ...string) Proxies {
	t.Helper()
	p, err := ParseProxies(cidrs, header)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParseProxies(t *testing.T) {
	for _, c := range []struct {
		cidrs  []string
		header string
		ok     bool
	}{
		{nil, "X-Forwarded-For", true},
		{nil, "x-forwarded-for", true},
		{nil, "forwarded", true},
		{nil, "X-Real-Ip", false},
		{nil, "", false},
		{[]string{"10.0.0.0/8", " fd00::/8 ", "192.0.2.7", "2001:db8::1"}, "Forwarded", true},
		{[]string{"10.0.0.0/33"}, "Forwarded", false},
		{[]string{"proxy.internal"}, "Forwarded", false},
		{[]string{"fe80::1%eth0"}, "Forwarded", false},
		{[]string{"0.0.0.0/0"}, "Forwarded", false}, // trusting everyone defeats every limit
		{[]string{"::/0"}, "Forwarded", false},
	} {
		_, err := ParseProxies(c.cidrs, c.header)
		if (err == nil) != c.ok {
			t.Errorf("%q %q: error %v, want ok=%v", c.cidrs, c.header, err, c.ok)
		}
	}
	p := mustProxies(t, "X-Forwarded-For", "192.0.2.7", "::ffff:10.1.0.0/112")
	if len(p.Trusted) != 2 || p.Trusted[0].String() != "192.0.2.7/32" || p.Trusted[1].String() != "10.1.0.0/16" {
		t.Fatalf("trusted = %v", p.Trusted)
	}
}

func TestClientAddr(t *testing.T) {
	xff := mustProxies(t, HeaderXForwardedFor, "10.0.0.0/8", "fd00::/8")
	fwd := mustProxies(t, HeaderForwarded, "10.0.0.0/8", "fd00::/8")
	for _, c := range []struct {
		what    string
		p       Proxies
		peer    string
		headers map[string][]string
		want    string
	}{
		{"no proxies: the peer", Proxies{}, "198.51.100.1:5000", nil, "198.51.100.1"},
		{"no proxies configured: a header is ignored", Proxies{}, "198.51.100.1:5000",
			map[string][]string{"X-Forwarded-For": {"203.0.113.9"}}, "198.51.100.1"},
		{"spoofed X-Forwarded-For from an untrusted peer: ignored", xff, "198.51.100.1:5000",
			map[string][]string{"X-Forwarded-For": {"203.0.113.9"}}, "198.51.100.1"},
		{"spoofed Forwarded from an untrusted peer: ignored", fwd, "198.51.100.1:5000",
			map[string][]string{"Forwarded": {"for=203.0.113.9"}}, "198.51.100.1"},
		{"trusted proxy without a header: the proxy", xff, "10.0.0.5:5000", nil, "10.0.0.5"},
		{"trusted proxy's X-Forwarded-For", xff, "10.0.0.5:5000",
			map[string][]string{"X-Forwarded-For": {"203.0.113.9"}}, "203.0.113.9"},
		{"multi-hop: the first untrusted from the right", xff, "10.0.0.5:5000",
			map[string][]string{"X-Forwarded-For": {"192.0.2.66, 203.0.113.9, 10.2.0.1,10.0.0.9"}}, "203.0.113.9"},
		{"a client's own prefix of the chain is not believed", xff, "10.0.0.5:5000",
			map[string][]string{"X-Forwarded-For": {"1.1.1.1, 10.0.0.1, 203.0.113.9"}}, "203.0.113.9"},
		{"several header lines are one list", xff, "10.0.0.5:5000",
			map[string][]string{"X-Forwarded-For": {"192.0.2.66, 203.0.113.9", "10.0.0.9"}}, "203.0.113.9"},
		{"only the configured header is read", xff, "10.0.0.5:5000",
			map[string][]string{"Forwarded": {"for=192.0.2.66"}, "X-Forwarded-For": {"203.0.113.9"}}, "203.0.113.9"},
		{"X-Forwarded-For with ports and brackets", xff, "[fd00::1]:5000",
			map[string][]string{"X-Forwarded-For": {"[2001:db8::7]:4711, 10.0.0.3:80"}}, "2001:db8::7"},
		{"every hop trusted: the leftmost", xff, "10.0.0.5:5000",
			map[string][]string{"X-Forwarded-For": {"10.9.9.9, 10.0.0.1"}}, "10.9.9.9"},
		{"malformed hop among the trusted ones: the header is ignored", xff, "10.0.0.5:5000",
			map[string][]string{"X-Forwarded-For": {"203.0.113.9, not-an-ip"}}, "10.0.0.5"},
		{"garbage left of the client is never read", xff, "10.0.0.5:5000",
			map[string][]string{"X-Forwarded-For": {"not-an-ip, <script>, 203.0.113.9"}}, "203.0.113.9"},
		{"empty X-Forwarded-For element: ignored", xff, "10.0.0.5:5000",
			map[string][]string{"X-Forwarded-For": {"203.0.113.9,"}}, "10.0.0.5"},
		{"trusted proxy's Forwarded", fwd, "10.0.0.5:5000",
			map[string][]string{"Forwarded": {"for=203.0.113.9;proto=https"}}, "203.0.113.9"},
		{"Forwarded multi-hop, quoted IPv6 with port, upper-case name", fwd, "10.0.0.5:5000",
			map[string][]string{"Forwarded": {`for=192.0.2.66, FOR="[2001:db8:cafe::17]:4711";by=10.0.0.9, for=10.2.0.1;proto=http`}}, "2001:db8:cafe::17"},
		{"Forwarded over several lines", fwd, "10.0.0.5:5000",
			map[string][]string{"Forwarded": {`for="198.51.100.20:1234"`, "for=10.2.0.1"}}, "198.51.100.20"},
		{"Forwarded quoted comma inside a client's own element", fwd, "10.0.0.5:5000",
			map[string][]string{"Forwarded": {`for="1.2.3.4,5.6.7.8";x="a;b", for=203.0.113.9`}}, "203.0.113.9"},
		{"Forwarded unknown hop: ignored", fwd, "10.0.0.5:5000",
			map[string][]string{"Forwarded": {"for=203.0.113.9, for=unknown"}}, "10.0.0.5"},
		{"Forwarded obfuscated hop: ignored", fwd, "10.0.0.5:5000",
			map[string][]string{"Forwarded": {"for=_hidden"}}, "10.0.0.5"},
		{"Forwarded element without for: ignored", fwd, "10.0.0.5:5000",
			map[string][]string{"Forwarded": {"proto=https;by=10.0.0.9"}}, "10.0.0.5"},
		{"Forwarded unterminated quote: ignored", fwd, "10.0.0.5:5000",
			map[string][]string{"Forwarded": {`for="203.0.113.9`}}, "10.0.0.5"},
		{"Forwarded for named twice: ignored", fwd, "10.0.0.5:5000",
			map[string][]string{"Forwarded": {"for=203.0.113.9;for=198.51.100.1"}}, "10.0.0.5"},
		{"Forwarded with too many elements: ignored", fwd, "10.0.0.5:5000",
			map[string][]string{"Forwarded": {strings.Repeat("for=1.2.3.4, ", 100) + "for=203.0.113.9"}}, "10.0.0.5"},
		{"IPv4-mapped peer is IPv4", xff, "[::ffff:10.0.0.5]:5000",
			map[string][]string{"X-Forwarded-For": {"::ffff:203.0.113.9"}}, "203.0.113.9"},
	} {
		r := httptest.NewRequest("POST", "/", nil)
		r.RemoteAddr = c.peer
		for k, vs := range c.headers {
			for _, v := range vs {
				r.Header.Add(k, v)
			}
		}
		got, ok := c.p.ClientAddr(r)
		if !ok || got.String() != c.want {
			t.Errorf("%s: %v (%v), want %s", c.what, got, ok, c.want)
		}
	}
}

func TestAddrKey(t *testing.T) {
	p := Proxies{}
	key := func(remote string) string {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = remote
		return p.clientKey(r)
	}
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"[2001:db8:1:2::1]:1", "[2001:db8:1:2:ffff:ffff:ffff:ffff]:2", true}, // one /64
		{"[2001:db8:1:2::1]:1", "[2001:db8:1:3::1]:1", false},                 // two /64s
		{"192.0.2.1:1", "192.0.2.2:1", false},                                 // IPv4: the full address
		{"192.0.2.1:1", "[::ffff:192.0.2.1]:9", true},                         // IPv4-mapped is IPv4
		{"[fe80::1%eth0]:1", "[fe80::2%eth1]:1", true},
	} {
		if got := key(c.a) == key(c.b); got != c.same {
			t.Errorf("%s and %s: same bucket %v, want %v (%s, %s)", c.a, c.b, got, c.same, key(c.a), key(c.b))
		}
	}
	if got := key("[2001:db8:1:2::1]:1"); got != "2001:db8:1:2::/64" {
		t.Errorf("IPv6 key %q", got)
	}
	if got := key("not-an-address"); got != "not-an-address" {
		t.Errorf("unreadable peer key %q", got)
	}
}

// TestRateLimitBehindProxies sends votes and complaints through rateLimit as they arrive at a gateway behind
// a trusted proxy (10.0.0.0/8) and straight from the internet.
func TestRateLimitBehindProxies(t *testing.T) {
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	rules := append(VoteRules(2, 0), ComplaintRules(5)...)
	h := rateLimit(newLimiter(rules, func() time.Time { return now }), mustProxies(t, HeaderXForwardedFor, "10.0.0.0/8"),
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) }))
	const (
		vote      = "POST /v1/rounds/r1/applications/a1/votes"
		complaint = "POST /v1/rounds/r1/complaints"
		resolve   = "POST /v1/complaints/c1:resolve"
		list      = "GET /v1/rounds/r1/complaints"
	)
	type step struct {
		what  string
		route string
		peer  string
		xff   string
		want  int
	}
	steps := []step{
		{"A's vote 1 straight, with a spoofed header", vote, "198.51.100.1:1", "203.0.113.1", 200},
		{"A's vote 2 straight, another spoofed header", vote, "198.51.100.1:2", "203.0.113.2", 200},
		{"A's vote 3 straight: the headers did not give A new buckets", vote, "198.51.100.1:3", "203.0.113.3", 429},
		{"B's vote 1 via the proxy", vote, "10.0.0.5:1", "203.0.113.10", 200},
		{"B's vote 2 via the proxy", vote, "10.0.0.5:2", "203.0.113.10", 200},
		{"B's vote 3 via the proxy: B's own bucket", vote, "10.0.0.5:3", "203.0.113.10", 429},
		{"C's vote via the same proxy: not B's bucket", vote, "10.0.0.5:4", "203.0.113.11", 200},
		{"B via another proxy hop: still B", vote, "10.0.0.6:1", "203.0.113.10, 10.1.1.1", 429},
		{"B spoofing a leftmost entry: still B", vote, "10.0.0.5:1", "192.0.2.99, 203.0.113.10", 429},
		{"D from 2001:db8:1:2::1", vote, "[2001:db8:1:2::1]:1", "", 200},
		{"D from 2001:db8:1:2::2: the same /64", vote, "[2001:db8:1:2::2]:1", "", 200},
		{"D from 2001:db8:1:2::3: the /64's bucket is empty", vote, "[2001:db8:1:2::3]:1", "", 429},
		{"E from 2001:db8:1:3::1: another /64", vote, "[2001:db8:1:3::1]:1", "", 200},
		{"E's /64 via the proxy", vote, "10.0.0.5:1", "2001:db8:1:3::abcd", 200},
		{"E's /64 via the proxy, once more", vote, "10.0.0.5:1", "[2001:db8:1:3::ef]:443", 429},
	}
	// A complaint flood from F behind the proxy: five pass, the rest meet 429; G behind the same proxy and
	// the operator's own routes are not held back.
	for i := 1; i <= 20; i++ {
		want := 200
		if i > 5 {
			want = 429
		}
		steps = append(steps, step{fmt.Sprintf("F's complaint %d", i), complaint, "10.0.0.5:1", "203.0.113.20", want})
	}
	steps = append(steps,
		step{"G's complaint", complaint, "10.0.0.5:1", "203.0.113.21", 200},
		step{"F resolving a complaint: not a complaint", resolve, "10.0.0.5:1", "203.0.113.20", 200},
		step{"F listing complaints", list, "10.0.0.5:1", "203.0.113.20", 200},
		step{"F's vote: the vote bucket is another", vote, "10.0.0.5:1", "203.0.113.20", 200},
	)
	for _, st := range steps {
		method, path, _ := strings.Cut(st.route, " ")
		r := httptest.NewRequest(method, path, nil)
		r.RemoteAddr = st.peer
		if st.xff != "" {
			r.Header.Set("X-Forwarded-For", st.xff)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != st.want {
			t.Errorf("%s: status %d, want %d", st.what, rec.Code, st.want)
			continue
		}
		if st.want == 429 {
			var body struct{ Details []map[string]any }
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || len(body.Details) != 1 || body.Details[0]["reason"] != "RATE_LIMITED" || rec.Header().Get("Retry-After") == "" {
				t.Errorf("%s: body %s, Retry-After %q, want the reason RATE_LIMITED", st.what, rec.Body, rec.Header().Get("Retry-After"))
			}
		}
	}
	// A minute later F may complain again.
	now = now.Add(time.Minute)
	r := httptest.NewRequest("POST", "/v1/rounds/r1/complaints", nil)
	r.RemoteAddr = "10.0.0.5:1"
	r.Header.Set("X-Forwarded-For", "203.0.113.20")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Code != 200 {
		t.Fatalf("F a minute later: %d", rec.Code)
	}
}

func FuzzClientAddr(f *testing.F) {
	f.Add("10.0.0.5:1", "192.0.2.1, 203.0.113.9", `for=192.0.2.66, for="[2001:db8::1]:80";by=x`)
	f.Add("[fd00::1]:1", "", `for="unterminated`)
	f.Add("10.0.0.5:1", ",,,", `;;=;"\`)
	xff := mustProxies(f, HeaderXForwardedFor, "10.0.0.0/8", "fd00::/8")
	fwd := mustProxies(f, HeaderForwarded, "10.0.0.0/8", "fd00::/8")
	f.Fuzz(func(t *testing.T, peer, xffValue, fwdValue string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = peer
		r.Header.Set("X-Forwarded-For", xffValue)
		r.Header.Set("Forwarded", fwdValue)
		for _, p := range []Proxies{xff, fwd} {
			a, ok := p.ClientAddr(r)
			if !ok {
				continue
			}
			if !a.IsValid() || a.Zone() != "" || a.Is4In6() {
				t.Fatalf("%q %q %q: client %v", peer, xffValue, fwdValue, a)
			}
			if !p.trusts(mustPeer(t, peer)) && a != mustPeer(t, peer) {
				t.Fatalf("untrusted peer %q: client %v from its header", peer, a)
			}
		}
	})
}

func mustPeer(t *testing.T, s string) netip.Addr {
	a, ok := parseHop(s)
	if !ok {
		t.Fatalf("peer %q unreadable but ClientAddr ok", s)
	}
	return a
}
