package auth

import (
	"errors"
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
