package identity

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// testPair is the gateway key pair of the tests.
var testPub, testKey = mustKey()

func mustKey() (ed25519.PublicKey, ed25519.PrivateKey) {
	pub, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		panic(err)
	}
	return pub, key
}

// at returns an issuer and a verifier (for aud "donations") whose clocks read *now.
func at(now *time.Time) (*Issuer, *Verifier) {
	is, v := NewIssuer(testKey), NewVerifier("donations", testPub)
	is.now = func() time.Time { return *now }
	v.now = func() time.Time { return *now }
	return is, v
}

func TestSignVerifyRoundTrip(t *testing.T) {
	is, v := NewIssuer(testKey), NewVerifier("donations", testPub)
	tests := []Identity{
		{Subject: "user-1", Roles: []Role{Applicant}, OrgID: "org-9"},
		{Subject: "donor-7", Roles: []Role{Donor}, DonorID: "d-7"},
		{Subject: "staff", Roles: []Role{Operator, Finance}},
		{Subject: "名字 with \"quotes\" and .dots.", Roles: []Role{Reviewer}},
		{Subject: "no roles"},
	}
	for _, id := range tests {
		tok := is.Sign(id, "donations")
		if strings.Count(tok, ".") != 1 {
			t.Errorf("token %q has not exactly one dot", tok)
		}
		got, err := v.Verify(tok)
		if err != nil {
			t.Fatalf("Verify(Sign(%+v)): %v", id, err)
		}
		if got.Subject != id.Subject || got.OrgID != id.OrgID || got.DonorID != id.DonorID || !slices.Equal(got.Roles, id.Roles) {
			t.Errorf("round trip = %+v, want %+v", got, id)
		}
	}
}

func TestVerifyRejects(t *testing.T) {
	is, v := NewIssuer(testKey), NewVerifier("donations", testPub)
	id := Identity{Subject: "user-1", Roles: []Role{Applicant}}
	tok := is.Sign(id, "donations")
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
	signedRaw := func(pp string) string {
		return pp + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(testKey, []byte(signedPrefix+pp)))
	}
	signed := func(payload string) string { return signedRaw(base64.RawURLEncoding.EncodeToString([]byte(payload))) }
	now := time.Now().Unix()
	claimsJSON := func(sub, roles, aud string, iat, exp int64) string {
		return `{"sub":"` + sub + `","roles":[` + roles + `],"aud":"` + aud + `","iat":` + itoa(iat) + `,"exp":` + itoa(exp) + `}`
	}
	// Signed without the prefix: a signature the key made for something else.
	unprefixed := p + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(testKey, []byte(p)))

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
		{"signed without the prefix", unprefixed, []error{ErrSignature}},
		{"no dot", p + sig, []error{ErrMalformed}},
		{"empty", "", []error{ErrMalformed}},
		{"extra segment", tok + ".x", []error{ErrSignature, ErrMalformed}},
		{"signed non-base64 payload", signedRaw("@@@"), []error{ErrMalformed}},
		{"signed non-JSON payload", signed("not json"), []error{ErrMalformed}},
		{"signed empty subject", signed(claimsJSON("", `"ORGANIZER"`, "donations", now, now+30)), []error{ErrMalformed}},
		{"signed without exp", signed(`{"sub":"x","roles":["ORGANIZER"],"aud":"donations","iat":` + itoa(now) + `}`), []error{ErrMalformed}},
		{"signed for longer than Lifetime", signed(claimsJSON("x", `"ORGANIZER"`, "donations", now, now+3600)), []error{ErrMalformed}},
		{"signed unknown role", signed(claimsJSON("x", `"ADMIN"`, "donations", now, now+30)), []error{ErrMalformed}},
		{"signed SERVICE role", signed(claimsJSON("service:funding", `"SERVICE"`, "donations", now, now+30)), []error{ErrServiceRole}},
		{"signed without aud", signed(`{"sub":"x","roles":["ORGANIZER"],"iat":` + itoa(now) + `,"exp":` + itoa(now+30) + `}`), []error{ErrAudience}},
		{"signed for another service", is.Sign(id, "funding"), []error{ErrAudience}},
		{"signed in the future", signed(claimsJSON("x", `"ORGANIZER"`, "donations", now+60, now+90)), []error{ErrNotYetValid}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := v.Verify(tt.token)
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
	tok := NewIssuer(testKey).Sign(Identity{Subject: "u", Roles: []Role{Organizer}}, "donations")
	otherPub, _ := mustKey()
	for name, pub := range map[string]ed25519.PublicKey{"other key": otherPub, "truncated key": testPub[:31], "no key": nil} {
		if _, err := NewVerifier("donations", pub).Verify(tok); !errors.Is(err, ErrSignature) {
			t.Errorf("%s: err = %v, want ErrSignature", name, err)
		}
	}
}

func TestVerifyExpiry(t *testing.T) {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	now := start
	is, v := at(&now)
	tok := is.Sign(Identity{Subject: "u", Roles: []Role{Applicant}}, "donations")

	tests := []struct {
		name    string
		at      time.Time
		wantErr error
	}{
		{"immediately", start, nil},
		{"the verifier's clock a little behind", start.Add(-ClockSkew), nil},
		{"the verifier's clock too far behind", start.Add(-ClockSkew - time.Second), ErrNotYetValid},
		{"at the end of its lifetime", start.Add(Lifetime), nil},
		{"within the clock skew after it", start.Add(Lifetime + ClockSkew), nil},
		{"one second after the skew", start.Add(Lifetime + ClockSkew + time.Second), ErrExpired},
		{"an hour later", start.Add(time.Hour), ErrExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now = tt.at
			_, err := v.Verify(tok)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Errorf("Verify at %+v: err = %v, want %v", tt.at.Sub(start), err, tt.wantErr)
			}
		})
	}
}

func TestLifetimeIsShort(t *testing.T) {
	if Lifetime <= 0 || Lifetime > time.Minute || ClockSkew <= 0 || ClockSkew > Lifetime {
		t.Errorf("Lifetime = %v, ClockSkew = %v; a captured header must stop working within a minute", Lifetime, ClockSkew)
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
