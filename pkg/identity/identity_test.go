package identity

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

// fixedSigner returns a signer whose clock reads *now.
func fixedSigner(key []byte, now *time.Time) *Signer {
	s := NewSigner(key)
	s.now = func() time.Time { return *now }
	return s
}

func TestSignVerifyRoundTrip(t *testing.T) {
	s := NewSigner(testKey)
	tests := []Identity{
		{Subject: "user-1", Roles: []Role{Applicant}, OrgID: "org-9"},
		{Subject: "donor-7", Roles: []Role{Donor}, DonorID: "d-7"},
		{Subject: "staff", Roles: []Role{Operator, Finance}},
		{Subject: "svc:applications", Roles: []Role{Service}},
		{Subject: "名字 with \"quotes\" and .dots.", Roles: []Role{Reviewer}},
	}
	for _, id := range tests {
		tok := s.Sign(id)
		if strings.Count(tok, ".") != 1 {
			t.Errorf("token %q has not exactly one dot", tok)
		}
		got, err := s.Verify(tok)
		if err != nil {
			t.Fatalf("Verify(Sign(%+v)): %v", id, err)
		}
		if got.Subject != id.Subject || got.OrgID != id.OrgID || got.DonorID != id.DonorID || !slices.Equal(got.Roles, id.Roles) {
			t.Errorf("round trip = %+v, want %+v", got, id)
		}
		// Another signer with the same key accepts it too (gateway signs, service verifies).
		if _, err := NewSigner(append([]byte(nil), testKey...)).Verify(tok); err != nil {
			t.Errorf("same key, other signer: %v", err)
		}
	}
}

func TestVerifyRejects(t *testing.T) {
	s := NewSigner(testKey)
	id := Identity{Subject: "user-1", Roles: []Role{Applicant}}
	tok := s.Sign(id)
	p, sig, _ := strings.Cut(tok, ".")

	// A payload that claims more roles, with the original signature.
	body, _ := base64.RawURLEncoding.DecodeString(p)
	forged := strings.Replace(string(body), `"APPLICANT"`, `"ORGANIZER"`, 1)
	if forged == string(body) {
		t.Fatal("test setup: role not found in payload")
	}
	forgedP := base64.RawURLEncoding.EncodeToString([]byte(forged))

	sigBytes, _ := base64.RawURLEncoding.DecodeString(sig)
	flipped := append([]byte(nil), sigBytes...)
	flipped[0] ^= 1

	// A well-signed token whose payload is not a valid identity.
	signed := func(payload string) string {
		pp := base64.RawURLEncoding.EncodeToString([]byte(payload))
		return pp + "." + base64.RawURLEncoding.EncodeToString(s.mac(pp))
	}
	signedRaw := func(pp string) string { return pp + "." + base64.RawURLEncoding.EncodeToString(s.mac(pp)) }
	future := time.Now().Add(time.Hour).Unix()

	tests := []struct {
		name  string
		token string
		want  []error
	}{
		{"forged payload", forgedP + "." + sig, []error{ErrSignature}},
		{"payload changed by one char", p[:len(p)-2] + string(p[len(p)-2]^1) + p[len(p)-1:] + "." + sig, []error{ErrSignature, ErrMalformed}},
		{"signature bit flipped", p + "." + base64.RawURLEncoding.EncodeToString(flipped), []error{ErrSignature}},
		{"signature truncated", p + "." + base64.RawURLEncoding.EncodeToString(sigBytes[:16]), []error{ErrSignature}},
		{"signature empty", p + ".", []error{ErrSignature}},
		{"signature not base64", p + ".!!!", []error{ErrMalformed}},
		{"signature padded base64", p + "." + base64.URLEncoding.EncodeToString(sigBytes), []error{ErrMalformed, ErrSignature}},
		{"no dot", p + sig, []error{ErrMalformed}},
		{"empty", "", []error{ErrMalformed}},
		{"extra segment", tok + ".x", []error{ErrSignature, ErrMalformed}},
		{"signed non-base64 payload", signedRaw("@@@"), []error{ErrMalformed}},
		{"signed non-JSON payload", signed("not json"), []error{ErrMalformed}},
		{"signed empty subject", signed(`{"sub":"","roles":["ORGANIZER"],"exp":` + itoa(future) + `}`), []error{ErrMalformed}},
		{"signed without exp", signed(`{"sub":"x","roles":["ORGANIZER"]}`), []error{ErrExpired, ErrMalformed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Verify(tt.token)
			if err == nil {
				t.Fatalf("Verify accepted %q as %+v", tt.token, got)
			}
			if !slices.ContainsFunc(tt.want, func(w error) bool { return errors.Is(err, w) }) {
				t.Errorf("err = %v, want one of %v", err, tt.want)
			}
			if got.Subject != "" || len(got.Roles) != 0 {
				t.Errorf("rejected token still returned identity %+v", got)
			}
		})
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestVerifyOtherKey(t *testing.T) {
	tok := NewSigner(testKey).Sign(Identity{Subject: "u", Roles: []Role{Organizer}})
	for _, key := range [][]byte{[]byte("another key entirely, 32 bytes.."), testKey[:31], nil} {
		if _, err := NewSigner(key).Verify(tok); !errors.Is(err, ErrSignature) {
			t.Errorf("key %q: err = %v, want ErrSignature", key, err)
		}
	}
}

func TestVerifyExpiry(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s := fixedSigner(testKey, &now)
	tok := s.Sign(Identity{Subject: "u", Roles: []Role{Applicant}})
	start := now

	tests := []struct {
		name    string
		at      time.Time
		wantErr error
	}{
		{"immediately", start, nil},
		{"just before TTL", start.Add(TTL - time.Second), nil},
		{"at TTL", start.Add(TTL), nil},
		{"one second after TTL", start.Add(TTL + time.Second), ErrExpired},
		{"an hour later", start.Add(time.Hour), ErrExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now = tt.at
			_, err := s.Verify(tok)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Errorf("Verify at +%v: err = %v, want %v", tt.at.Sub(start), err, tt.wantErr)
			}
		})
	}
}

func TestTTLIsShort(t *testing.T) {
	if TTL <= 0 || TTL > 5*time.Minute {
		t.Errorf("TTL = %v; a captured header must stop working within minutes", TTL)
	}
}

func TestHasAndIsStaff(t *testing.T) {
	tests := []struct {
		name  string
		id    Identity
		has   []Role
		want  bool
		staff bool
	}{
		{"anonymous", Anonymous, []Role{Public}, true, false},
		{"anonymous not applicant", Anonymous, []Role{Applicant}, false, false},
		{"no roles", Identity{Subject: "x"}, []Role{Public}, false, false},
		{"no roles asked", Identity{Subject: "x", Roles: []Role{Organizer}}, nil, false, true},
		{"one of several", Identity{Subject: "x", Roles: []Role{Applicant}}, []Role{Organizer, Applicant}, true, false},
		{"none of several", Identity{Subject: "x", Roles: []Role{Donor}}, []Role{Organizer, Applicant}, false, false},
		{"organizer", Identity{Subject: "x", Roles: []Role{Organizer}}, []Role{Organizer}, true, true},
		{"operator", Identity{Subject: "x", Roles: []Role{Operator}}, []Role{Operator}, true, true},
		{"committee", Identity{Subject: "x", Roles: []Role{Committee}}, []Role{Committee}, true, true},
		{"finance", Identity{Subject: "x", Roles: []Role{Finance}}, []Role{Finance}, true, true},
		{"auditor", Identity{Subject: "x", Roles: []Role{Auditor}}, []Role{Auditor}, true, true},
		{"reviewer is not staff", Identity{Subject: "x", Roles: []Role{Reviewer}}, []Role{Reviewer}, true, false},
		{"service is not staff", Identity{Subject: "x", Roles: []Role{Service}}, []Role{Service}, true, false},
		{"charity federation is not staff", Identity{Subject: "x", Roles: []Role{CharityFederation, LotteryCenter}}, []Role{LotteryCenter}, true, false},
		{"applicant and auditor", Identity{Subject: "x", Roles: []Role{Applicant, Auditor}}, []Role{Applicant}, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.id.Has(tt.has...); got != tt.want {
				t.Errorf("Has(%v) = %v, want %v", tt.has, got, tt.want)
			}
			if got := tt.id.IsStaff(); got != tt.staff {
				t.Errorf("IsStaff() = %v, want %v", got, tt.staff)
			}
		})
	}
}

func TestRoleValid(t *testing.T) {
	for _, r := range AllRoles {
		if !r.Valid() {
			t.Errorf("%s not valid", r)
		}
	}
	for _, r := range []Role{"", "ADMIN", "organizer"} {
		if r.Valid() {
			t.Errorf("%q valid", r)
		}
	}
}

func TestAuthenticatedAndContext(t *testing.T) {
	if Anonymous.Authenticated() {
		t.Error("Anonymous is authenticated")
	}
	if got := From(context.Background()); got.Subject != "" || !slices.Equal(got.Roles, []Role{Public}) {
		t.Errorf("From(empty) = %+v, want Anonymous", got)
	}
	id := Identity{Subject: "u", Roles: []Role{Donor}, DonorID: "d"}
	if !id.Authenticated() {
		t.Error("identity with subject not authenticated")
	}
	got := From(With(context.Background(), id))
	if got.Subject != "u" || got.DonorID != "d" || !slices.Equal(got.Roles, id.Roles) {
		t.Errorf("From(With(id)) = %+v", got)
	}
}
