package auth

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/commonweal/commonweal/pkg/identity"
)

func TestDevTokenRoundTrip(t *testing.T) {
	v := NewDevVerifier([]byte("k1"))
	want := identity.Identity{Subject: "u1", Roles: []identity.Role{identity.Applicant}, OrgID: "o1", DonorID: "d1"}
	tok, err := v.IssueDev(want, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	got, err := v.Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	if got.Subject != "u1" || !got.Has(identity.Applicant) || got.OrgID != "o1" || got.DonorID != "d1" {
		t.Fatalf("identity = %+v", got)
	}
	if _, err := NewDevVerifier([]byte("k2")).Verify(tok); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("token verified with another key: %v", err)
	}
}

func TestRefusedTokens(t *testing.T) {
	key := []byte("k1")
	sign := func(c Claims) string {
		s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	valid := func() Claims {
		return Claims{RegisteredClaims: jwt.RegisteredClaims{Subject: "u", Issuer: Issuer, ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))}, Roles: []string{"OPERATOR"}}
	}
	cases := map[string]func(c *Claims){
		"expired":      func(c *Claims) { c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-time.Hour)) },
		"no expiry":    func(c *Claims) { c.ExpiresAt = nil },
		"other issuer": func(c *Claims) { c.Issuer = "someone" },
		"no subject":   func(c *Claims) { c.Subject = "" },
		"unknown role": func(c *Claims) { c.Roles = []string{"ROOT"} },
		"service role": func(c *Claims) { c.Roles = []string{"SERVICE"} },
		"no role":      func(c *Claims) { c.Roles = nil },
	}
	v := NewDevVerifier(key)
	if _, err := v.Verify(sign(valid())); err != nil {
		t.Fatalf("valid token refused: %v", err)
	}
	for name, change := range cases {
		c := valid()
		change(&c)
		if _, err := v.Verify(sign(c)); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("%s: accepted (%v)", name, err)
		}
	}
	if _, err := v.Verify("garbage"); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("garbage accepted")
	}
}

func TestProductionVerifierRS256(t *testing.T) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "keys.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	v, err := NewProductionVerifier(file)
	if err != nil {
		t.Fatal(err)
	}
	c := Claims{RegisteredClaims: jwt.RegisteredClaims{Subject: "fed", Issuer: Issuer, ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))}, Roles: []string{"CHARITY_FEDERATION"}}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodRS256, c).SignedString(priv)
	if err != nil {
		t.Fatal(err)
	}
	id, err := v.Verify(tok)
	if err != nil || !id.Has(identity.CharityFederation) {
		t.Fatalf("RS256 token: %+v %v", id, err)
	}
	// An HS256 token (e.g. signed with the public key as secret) must never pass in production mode.
	hs, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(der)
	if _, err := v.Verify(hs); !errors.Is(err, ErrInvalidToken) {
		t.Fatal("HS256 token accepted by the production verifier")
	}
	if _, err := v.IssueDev(identity.Identity{Subject: "x", Roles: []identity.Role{identity.Organizer}}, time.Now()); err == nil {
		t.Fatal("production verifier issued a dev token")
	}
	if _, err := NewProductionVerifier(filepath.Join(t.TempDir(), "missing.pem")); err == nil {
		t.Fatal("missing key file accepted")
	}
}
