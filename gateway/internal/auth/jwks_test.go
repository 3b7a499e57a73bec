package auth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseJWKS(t *testing.T) {
	ed := newEd25519(t, "ed").jwk()
	rs := newRSA(t, "rs").jwk()
	ec := newEC(t, "ec").jwk()
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	smallJWK := signer{kid: "small", key: small}.jwk()
	with := func(k map[string]any, kv ...any) map[string]any {
		out := map[string]any{}
		for n, v := range k {
			out[n] = v
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(out, kv[i].(string))
			} else {
				out[kv[i].(string)] = kv[i+1]
			}
		}
		return out
	}
	set := func(keys ...map[string]any) []byte {
		b, _ := json.Marshal(map[string]any{"keys": keys})
		return b
	}
	cases := []struct {
		name    string
		data    []byte
		kids    []string // the keys kept
		algs    []string // the algorithms of the first kid
		wantErr string
	}{
		{"three key types", set(rs, ed, ec), []string{"ec", "ed", "rs"}, []string{"EC:ES256"}, ""},
		{"RSA without alg: the RSA family", set(with(rs, "alg", nil)), []string{"rs"}, rsaAlgs, ""},
		{"EdDSA by its RFC 9864 name", set(with(ed, "alg", "Ed25519")), []string{"ed"}, []string{"EdDSA"}, ""},
		{"encryption key skipped", set(ed, with(rs, "use", "enc")), []string{"ed"}, nil, ""},
		{"key without kid skipped", set(ed, with(rs, "kid", nil)), []string{"ed"}, nil, ""},
		{"unsupported types skipped", set(ed, map[string]any{"kty": "oct", "kid": "h", "k": "c2VjcmV0"},
			with(ed, "kid", "x", "crv", "X25519")), []string{"ed"}, nil, ""},
		{"no usable key", set(with(rs, "use", "enc")), nil, nil, "no signature key"},
		{"empty", []byte(`{"keys": []}`), nil, nil, "no signature key"},
		{"not JSON", []byte(`<html>`), nil, nil, "JWKS"},
		{"private key", set(with(ed, "d", "AAAA")), nil, nil, "private key"},
		{"duplicate kid", set(ed, with(rs, "kid", "ed")), nil, nil, "two keys"},
		{"RSA under 2048 bits", set(smallJWK), nil, nil, "1024 bits"},
		{"alg not fitting the key", set(with(ed, "alg", "RS256")), nil, nil, "does not fit"},
		{"HS256 on an RSA key", set(with(rs, "alg", "HS256")), nil, nil, "does not fit"},
		{"bad base64", set(with(ed, "x", "!!")), nil, nil, `"x"`},
		{"short Ed25519 key", set(with(ed, "x", "AAAA")), nil, nil, "32 bytes"},
		{"even RSA exponent", set(with(rs, "e", "AQAA")), nil, nil, "exponent"},
		{"EC point off the curve", set(with(ec, "y", ec["x"])), nil, nil, "ec"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			keys, err := ParseJWKS(tc.data)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var kids []string
			for kid := range keys {
				kids = append(kids, kid)
			}
			slices.Sort(kids)
			if !slices.Equal(kids, tc.kids) {
				t.Fatalf("kids = %v, want %v", kids, tc.kids)
			}
			if tc.algs != nil {
				k := keys[tc.kids[0]]
				want := tc.algs
				if len(want) == 1 && strings.HasPrefix(want[0], "EC:") {
					if _, ok := k.Public.(*ecdsa.PublicKey); !ok {
						t.Fatalf("EC key decoded as %T", k.Public)
					}
					want = []string{strings.TrimPrefix(want[0], "EC:")}
				}
				if !slices.Equal(k.Algs, want) {
					t.Fatalf("algs = %v, want %v", k.Algs, want)
				}
			}
		})
	}
	keys, err := ParseJWKS(set(ed))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := keys["ed"].Public.(ed25519.PublicKey); !ok {
		t.Fatalf("Ed25519 key decoded as %T", keys["ed"].Public)
	}
}

func TestRefreshInterval(t *testing.T) {
	def := 10 * time.Minute
	cases := map[string]time.Duration{
		"":                          def,
		"public":                    def,
		"max-age=300":               5 * time.Minute,
		"public, max-age=1800":      30 * time.Minute,
		"max-age=5":                 MinRefresh,
		"max-age=0":                 MinRefresh,
		"max-age=86400":             MaxRefresh,
		"max-age=99999999999999999": MaxRefresh,
		"max-age=1e3":               def, // not a number: the default
		"Max-Age=600":               10 * time.Minute,
		`max-age="600"`:             10 * time.Minute,
		"no-cache":                  MinRefresh,
		"max-age=600, no-store":     MinRefresh,
		"max-age=-1":                def,
		"max-age=600, max-age=60":   10 * time.Minute,
	}
	for header, want := range cases {
		if got := refreshInterval(header, def); got != want {
			t.Errorf("refreshInterval(%q) = %s, want %s", header, got, want)
		}
	}
	if got := refreshInterval("", 5*time.Second); got != MinRefresh {
		t.Errorf("a default under the bound: %s", got)
	}
}
