package httpapi

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/commonweal/commonweal/pkg/identity"
)

func TestClientNetwork(t *testing.T) {
	proxies := mustProxies(t, HeaderXForwardedFor, "10.0.0.0/8")
	for _, tt := range []struct {
		name, remote, xff, want string
	}{
		{"direct IPv4 client", "203.0.113.77:4711", "", "203.0.113.0/24"},
		{"direct IPv6 client", "[2001:db8:1:2:3:4:5:6]:4711", "", "2001:db8:1:2::/64"},
		{"through a trusted proxy", "10.1.2.3:4711", "198.51.100.9", "198.51.100.0/24"},
		{"untrusted peer naming another address", "203.0.113.77:4711", "198.51.100.9", "203.0.113.0/24"},
		{"unreadable peer", "somewhere", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var seen string
			called := false
			h := clientNetwork(proxies, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				called, seen = true, identity.ClientNetwork(r.Context())
			}))
			r := httptest.NewRequest(http.MethodPost, "/v1/rounds/r/applications/a/votes", nil)
			r.RemoteAddr = tt.remote
			if tt.xff != "" {
				r.Header.Set(HeaderXForwardedFor, tt.xff)
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if !called {
				t.Fatal("next handler not called")
			}
			if seen != tt.want {
				t.Errorf("network = %q, want %q", seen, tt.want)
			}
		})
	}
}
