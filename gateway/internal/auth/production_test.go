package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/commonweal/commonweal/pkg/config"
	"github.com/commonweal/commonweal/pkg/identity"
)

const (
	testIssuer   = "https://idp.example.org/"
	testAudience = "commonweal-api"
)

// signer is a private key of the identity provider with the kid it publishes.
type signer struct {
	kid    string
	method jwt.SigningMethod
	key    crypto.Signer
}

var (
	rsaOnce sync.Once
	rsaKey  *rsa.PrivateKey
)

func newRSA(t *testing.T, kid string) signer {
	t.Helper()
	rsaOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return signer{kid: kid, method: jwt.SigningMethodRS256, key: rsaKey}
}

func newEd25519(t *testing.T, kid string) signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return signer{kid: kid, method: jwt.SigningMethodEdDSA, key: priv}
}

func newEC(t *testing.T, kid string) signer {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return signer{kid: kid, method: jwt.SigningMethodES256, key: priv}
}

func b64u(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// jwk is the public JWK of s.
func (s signer) jwk() map[string]any {
	switch k := s.key.(type) {
	case *rsa.PrivateKey:
		return map[string]any{"kty": "RSA", "kid": s.kid, "use": "sig", "alg": "RS256", "n": b64u(k.N.Bytes()), "e": b64u(big.NewInt(int64(k.E)).Bytes())}
	case ed25519.PrivateKey:
		return map[string]any{"kty": "OKP", "kid": s.kid, "crv": "Ed25519", "x": b64u(k.Public().(ed25519.PublicKey))}
	case *ecdsa.PrivateKey:
		raw, _ := k.PublicKey.Bytes()
		return map[string]any{"kty": "EC", "kid": s.kid, "crv": "P-256", "x": b64u(raw[1:33]), "y": b64u(raw[33:])}
	}
	panic("key type")
}

func jwksOf(signers ...signer) []byte {
	var keys []map[string]any
	for _, s := range signers {
		keys = append(keys, s.jwk())
	}
	b, _ := json.Marshal(map[string]any{"keys": keys})
	return b
}

// validClaims are claims a production verifier accepts.
func validClaims() Claims {
	now := time.Now()
	return Claims{
		RegisteredClaims: jwt.RegisteredClaims{Subject: "fed", Issuer: testIssuer, Audience: jwt.ClaimStrings{"other", testAudience},
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(15 * time.Minute))},
		Roles: []string{"CHARITY_FEDERATION"},
	}
}

func (s signer) sign(t *testing.T, c Claims) string {
	t.Helper()
	tok := jwt.NewWithClaims(s.method, c)
	tok.Header["kid"] = s.kid
	out, err := tok.SignedString(s.key)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// writeFile replaces path's content the way a rotation does (a new file renamed over the old one).
func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	tmp := path + ".new"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func fileVerifier(t *testing.T, signers ...signer) (*Verifier, string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "jwks.json")
	writeFile(t, file, jwksOf(signers...))
	v, err := NewProductionVerifier(Settings{Issuer: testIssuer, Audience: testAudience, MaxLifetime: time.Hour, JWKSFile: file})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(v.Close)
	return v, file
}

func wantRefused(t *testing.T, v *Verifier, name, token, reason string) {
	t.Helper()
	id, err := v.Verify(token)
	if !errors.Is(err, ErrInvalidToken) {
		t.Errorf("%s: accepted as %+v", name, id)
		return
	}
	if got := Reason(err); got != reason {
		t.Errorf("%s: reason %s (%v), want %s", name, got, err, reason)
	}
}

func TestProductionTokens(t *testing.T) {
	rs, ed, ec := newRSA(t, "rsa-1"), newEd25519(t, "ed-1"), newEC(t, "ec-1")
	v, _ := fileVerifier(t, rs, ed, ec)
	for _, s := range []signer{rs, ed, ec} {
		id, err := v.Verify(s.sign(t, validClaims()))
		if err != nil || id.Subject != "fed" || !id.Has(identity.CharityFederation) {
			t.Fatalf("%s token: %+v %v", s.method.Alg(), id, err)
		}
	}

	now := time.Now()
	cases := []struct {
		name   string
		change func(c *Claims)
		reason string
	}{
		{"wrong audience", func(c *Claims) { c.Audience = jwt.ClaimStrings{"another-api"} }, ReasonWrongAudience},
		{"no audience", func(c *Claims) { c.Audience = nil }, ReasonWrongAudience},
		{"wrong issuer", func(c *Claims) { c.Issuer = "https://evil.example.org/" }, ReasonWrongIssuer},
		{"dev issuer", func(c *Claims) { c.Issuer = Issuer }, ReasonWrongIssuer},
		{"lifetime too long", func(c *Claims) { c.ExpiresAt = jwt.NewNumericDate(now.Add(time.Hour + time.Minute)) }, ReasonLifetimeTooLong},
		{"no issue time", func(c *Claims) { c.IssuedAt = nil }, ReasonIssuedAtMissing},
		{"expired", func(c *Claims) {
			c.IssuedAt, c.ExpiresAt = jwt.NewNumericDate(now.Add(-time.Hour)), jwt.NewNumericDate(now.Add(-time.Minute))
		}, ReasonExpired},
		{"no expiry", func(c *Claims) { c.ExpiresAt = nil }, ReasonExpiryMissing},
		{"not yet valid", func(c *Claims) { c.NotBefore = jwt.NewNumericDate(now.Add(5 * time.Minute)) }, ReasonNotYetValid},
		{"issued in the future", func(c *Claims) {
			c.IssuedAt, c.ExpiresAt = jwt.NewNumericDate(now.Add(5*time.Minute)), jwt.NewNumericDate(now.Add(10*time.Minute))
		}, ReasonNotYetValid},
		{"service role", func(c *Claims) { c.Roles = []string{"SERVICE"} }, ReasonIdentityInvalid},
	}
	for _, tc := range cases {
		c := validClaims()
		tc.change(&c)
		wantRefused(t, v, tc.name, ed.sign(t, c), tc.reason)
	}

	// Within the clock skew: just expired and not quite valid yet are accepted.
	c := validClaims()
	c.NotBefore, c.ExpiresAt = jwt.NewNumericDate(now.Add(10*time.Second)), jwt.NewNumericDate(now.Add(-10*time.Second))
	c.IssuedAt = jwt.NewNumericDate(now.Add(-time.Minute))
	if _, err := v.Verify(ed.sign(t, c)); err != nil {
		t.Errorf("token within the clock skew refused: %v", err)
	}

	unknown := newEd25519(t, "ed-unknown")
	wantRefused(t, v, "unknown kid", unknown.sign(t, validClaims()), ReasonKeyUnknown)
	noKid := ed
	noKid.kid = ""
	wantRefused(t, v, "no kid", noKid.sign(t, validClaims()), ReasonKeyIDMissing)
	// A key used under another key's kid fails the signature.
	forged := unknown
	forged.kid = ed.kid
	wantRefused(t, v, "other key under a known kid", forged.sign(t, validClaims()), ReasonSignature)
	// The algorithm must fit the key the kid names: an RSA signature under the Ed25519 kid, HS256, none.
	wrongAlg := rs
	wrongAlg.kid = ed.kid
	wantRefused(t, v, "RS256 under an Ed25519 kid", wrongAlg.sign(t, validClaims()), ReasonAlgorithm)
	hs := jwt.NewWithClaims(jwt.SigningMethodHS256, validClaims())
	hs.Header["kid"] = rs.kid
	hsTok, _ := hs.SignedString([]byte(rs.jwk()["n"].(string)))
	wantRefused(t, v, "HS256", hsTok, ReasonAlgorithm)
	none := jwt.NewWithClaims(jwt.SigningMethodNone, validClaims())
	none.Header["kid"] = ed.kid
	noneTok, _ := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
	wantRefused(t, v, "alg none", noneTok, ReasonAlgorithm)
	wantRefused(t, v, "garbage", "a.b.c", ReasonMalformed)
	wantRefused(t, v, "huge", strings.Repeat("a", maxTokenBytes+1), ReasonMalformed)

	if _, err := v.IssueDev(identity.Identity{Subject: "x", Roles: []identity.Role{identity.Organizer}}, time.Now()); err == nil {
		t.Fatal("production verifier issued a dev token")
	}
	// A dev token is refused in production, even signed with the dev key the repository prints.
	devTok, _ := NewDevVerifier([]byte("dev-jwt-key-change-me")).IssueDev(identity.Identity{Subject: "x", Roles: []identity.Role{identity.Organizer}}, time.Now())
	wantRefused(t, v, "dev token", devTok, ReasonAlgorithm)
}

func TestJWKSFileRotationWithoutRestart(t *testing.T) {
	old, next := newEd25519(t, "2026-01"), newEd25519(t, "2026-02")
	v, file := fileVerifier(t, old)
	fk := v.keys.(*fileKeys)
	fk.checkEvery = 0 // look at the file on every token, not once a second

	oldTok := old.sign(t, validClaims())
	if _, err := v.Verify(oldTok); err != nil {
		t.Fatal(err)
	}
	wantRefused(t, v, "next key before the rotation", next.sign(t, validClaims()), ReasonKeyUnknown)

	// The provider publishes its next key beside the old one; tokens with the new kid are accepted at once.
	writeFile(t, file, jwksOf(old, next))
	if _, err := v.Verify(next.sign(t, validClaims())); err != nil {
		t.Fatalf("token of the rotated-in key refused: %v", err)
	}
	if _, err := v.Verify(oldTok); err != nil {
		t.Fatalf("old key refused while still published: %v", err)
	}

	// The old key is withdrawn: its tokens are refused from then on, the new key's accepted.
	writeFile(t, file, jwksOf(next))
	wantRefused(t, v, "withdrawn key", oldTok, ReasonKeyUnknown)
	if _, err := v.Verify(next.sign(t, validClaims())); err != nil {
		t.Fatalf("new key refused: %v", err)
	}

	// A broken file keeps the last good set in use.
	writeFile(t, file, []byte(`{"keys": [`))
	if _, err := v.Verify(next.sign(t, validClaims())); err != nil {
		t.Fatalf("last good key set dropped on a broken file: %v", err)
	}
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(next.sign(t, validClaims())); err != nil {
		t.Fatalf("last good key set dropped on a missing file: %v", err)
	}
}

func TestJWKSFileUnknownKidRereadAtMostOncePerInterval(t *testing.T) {
	old, next := newEd25519(t, "a"), newEd25519(t, "b")
	v, file := fileVerifier(t, old)
	fk := v.keys.(*fileKeys)
	now := time.Now()
	fk.now = func() time.Time { return now }
	fk.checkEvery = time.Hour // the stamp is not looked at: only the unknown-kid reread can find "b"
	wantRefused(t, v, "unknown kid", next.sign(t, validClaims()), ReasonKeyUnknown)
	writeFile(t, file, jwksOf(old, next))
	wantRefused(t, v, "unknown kid within the interval", next.sign(t, validClaims()), ReasonKeyUnknown)
	now = now.Add(UnknownKeyRefetch)
	if _, err := v.Verify(next.sign(t, validClaims())); err != nil {
		t.Fatalf("unknown kid not reread after the interval: %v", err)
	}
}

// jwksServer serves a JWKS over TLS; set changes what it serves.
type jwksServer struct {
	*httptest.Server
	mu      sync.Mutex
	body    []byte
	status  int
	cache   string
	fetches atomic.Int32
}

func newJWKSServer(t *testing.T, body []byte) *jwksServer {
	s := &jwksServer{body: body, status: http.StatusOK}
	s.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.cache != "" {
			w.Header().Set("Cache-Control", s.cache)
		}
		w.WriteHeader(s.status)
		w.Write(s.body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) set(status int, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.body = status, body
}

func urlSettings(s *jwksServer) Settings {
	return Settings{Issuer: testIssuer, Audience: testAudience, MaxLifetime: time.Hour, JWKSURL: s.URL + "/.well-known/jwks.json",
		JWKSRefresh: 10 * time.Minute, JWKSTimeout: 5 * time.Second, Client: s.Client()}
}

func TestJWKSOverHTTPS(t *testing.T) {
	a, b, c := newRSA(t, "a"), newEd25519(t, "b"), newEd25519(t, "c")
	srv := newJWKSServer(t, jwksOf(a))
	v, err := NewProductionVerifier(urlSettings(srv))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	uk := v.keys.(*urlKeys)
	now := time.Now()
	uk.now = func() time.Time { return now }
	if _, err := v.Verify(a.sign(t, validClaims())); err != nil {
		t.Fatal(err)
	}
	if n := srv.fetches.Load(); n != 1 {
		t.Fatalf("%d fetches at start, want 1", n)
	}

	// A new kid: fetched again once, then accepted.
	srv.set(http.StatusOK, jwksOf(a, b))
	if _, err := v.Verify(b.sign(t, validClaims())); err != nil {
		t.Fatalf("rotated-in key refused: %v", err)
	}
	// Another unknown kid within the interval: refused without a fetch.
	wantRefused(t, v, "unknown kid", c.sign(t, validClaims()), ReasonKeyUnknown)
	if n := srv.fetches.Load(); n != 2 {
		t.Fatalf("%d fetches, want 2: an unknown kid may cause one fetch per %s", n, UnknownKeyRefetch)
	}
	// A failing provider keeps the last good set.
	now = now.Add(UnknownKeyRefetch)
	srv.set(http.StatusInternalServerError, nil)
	wantRefused(t, v, "unknown kid, provider down", c.sign(t, validClaims()), ReasonKeyUnknown)
	if _, err := v.Verify(b.sign(t, validClaims())); err != nil {
		t.Fatalf("last good key set dropped: %v", err)
	}
	if n := srv.fetches.Load(); n != 3 {
		t.Fatalf("%d fetches, want 3", n)
	}
}

func TestJWKSURLPeriodicRefresh(t *testing.T) {
	a, b := newEd25519(t, "a"), newEd25519(t, "b")
	srv := newJWKSServer(t, jwksOf(a))
	u := newURLKeys(srv.URL, urlSettings(srv).client(), 10*time.Minute)
	if _, err := u.fetch(); err != nil {
		t.Fatal(err)
	}
	srv.set(http.StatusOK, jwksOf(b))
	go u.refreshLoop(10 * time.Millisecond) // as if the last answer's max-age had run out
	defer u.close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		u.mu.RLock()
		_, ok := u.keys["b"]
		u.mu.RUnlock()
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("key set not refreshed in the background")
		}
		time.Sleep(10 * time.Millisecond)
	}
	u.mu.RLock()
	defer u.mu.RUnlock()
	if _, ok := u.keys["a"]; ok {
		t.Fatal("withdrawn key still in use after the refresh")
	}
}

func TestJWKSURLRefused(t *testing.T) {
	srv := newJWKSServer(t, []byte(`{"keys": []}`))
	if _, err := NewProductionVerifier(urlSettings(srv)); err == nil || !strings.Contains(err.Error(), JWKSURLVar) {
		t.Fatalf("empty key set accepted at start: %v", err)
	}
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	s := urlSettings(srv)
	s.JWKSURL = plain.URL
	if _, err := NewProductionVerifier(s); err == nil || !strings.Contains(err.Error(), "https") {
		t.Fatalf("http JWKS URL accepted: %v", err)
	}
	// The test server's certificate is not trusted by a default client.
	s = urlSettings(srv)
	s.Client = nil
	srv.set(http.StatusOK, jwksOf(newEd25519(t, "a")))
	if _, err := NewProductionVerifier(s); err == nil {
		t.Fatal("JWKS fetched from an untrusted certificate")
	}
}

func TestSettings(t *testing.T) {
	env := map[string]string{}
	cfg := config.NewWith("gateway", func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	s := ReadSettings(cfg)
	if err := cfg.Check(nil); err != nil {
		t.Fatal(err)
	}
	if s.MaxLifetime != time.Hour || s.JWKSRefresh != 10*time.Minute || s.JWKSTimeout != 5*time.Second {
		t.Errorf("defaults: %+v", s)
	}
	_, err := NewProductionVerifier(s)
	for _, name := range []string{IssuerVar, AudienceVar, JWKSFileVar} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("production without settings: %v, want it to name %s", err, name)
		}
	}
	for name, change := range map[string]func(s *Settings){
		MaxLifetimeVar: func(s *Settings) { s.MaxLifetime = 0 },
		JWKSURLVar:     func(s *Settings) { s.JWKSURL = "https://idp.example.org/jwks" }, // both file and URL
		JWKSFileVar:    func(s *Settings) { s.JWKSFile = filepath.Join(t.TempDir(), "missing.json") },
	} {
		s := Settings{Issuer: testIssuer, Audience: testAudience, MaxLifetime: time.Hour, JWKSFile: filepath.Join(t.TempDir(), "x")}
		change(&s)
		if _, err := NewProductionVerifier(s); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
