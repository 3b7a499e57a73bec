package tlsconf

import (
	"crypto/x509"
	"net/url"
	"testing"
)

func TestNameOf(t *testing.T) {
	parse := func(s string) *url.URL {
		u, err := url.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	for _, tc := range []struct {
		uris []string
		want string
		ok   bool
	}{
		{[]string{"spiffe://commonweal/reviews"}, "reviews", true},
		{[]string{"https://example.org/x", "spiffe://commonweal/gateway"}, "gateway", true},
		{[]string{"spiffe://other/reviews"}, "", false},
		{[]string{"spiffe://commonweal/"}, "", false},
		{[]string{"spiffe://commonweal/a/b"}, "", false},
		{nil, "", false},
	} {
		cert := &x509.Certificate{}
		for _, s := range tc.uris {
			cert.URIs = append(cert.URIs, parse(s))
		}
		got, ok := NameOf(cert)
		if got != tc.want || ok != tc.ok {
			t.Errorf("NameOf(%v) = %q, %v; want %q, %v", tc.uris, got, ok, tc.want, tc.ok)
		}
	}
	if u := URI("funding").String(); u != "spiffe://commonweal/funding" {
		t.Errorf("URI = %s", u)
	}
}
