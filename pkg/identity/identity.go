// Package identity carries the caller's identity from the gateway to every service: the gateway signs it,
// each service verifies it, and handlers authorise by role and then by object ownership.
package identity

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"
)

// Role is one of the programme's roles (DOMAIN.md §1).
type Role string

// The roles.
const (
	Organizer         Role = "ORGANIZER"
	Operator          Role = "OPERATOR"
	Committee         Role = "COMMITTEE"
	Finance           Role = "FINANCE"
	Auditor           Role = "AUDITOR"
	CharityFederation Role = "CHARITY_FEDERATION"
	LotteryCenter     Role = "LOTTERY_CENTER"
	Reviewer          Role = "REVIEWER"
	Applicant         Role = "APPLICANT"
	Donor             Role = "DONOR"
	Public            Role = "PUBLIC"
	// Department is a functional department or a sub-district or community office (职能部门、街道社区): it
	// records community needs for the needs catalogue.
	Department Role = "DEPARTMENT"
	// Service is a suite service calling another one on its own behalf.
	Service Role = "SERVICE"
)

// AllRoles lists the roles a token may carry.
var AllRoles = []Role{Organizer, Operator, Committee, Finance, Auditor, CharityFederation, LotteryCenter, Reviewer, Applicant, Donor, Public, Service, Department}

// StaffRoles are the programme's staff: they read every application.
var StaffRoles = []Role{Organizer, Operator, Committee, Finance, Auditor}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(AllRoles, r) }

// Identity is who is calling.
type Identity struct {
	Subject string `json:"sub"`
	Roles   []Role `json:"roles"`
	OrgID   string `json:"org,omitempty"`
	DonorID string `json:"donor,omitempty"`
}

// Anonymous is the identity of an unauthenticated caller.
var Anonymous = Identity{Roles: []Role{Public}}

// Has reports whether the identity holds any of the roles.
func (id Identity) Has(roles ...Role) bool {
	for _, r := range roles {
		if slices.Contains(id.Roles, r) {
			return true
		}
	}
	return false
}

// IsStaff reports whether the identity holds a staff role.
func (id Identity) IsStaff() bool { return id.Has(StaffRoles...) }

// Authenticated reports whether the caller proved who it is.
func (id Identity) Authenticated() bool { return id.Subject != "" }

type ctxKey struct{}

// With returns a context carrying id.
func With(ctx context.Context, id Identity) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// From returns the identity in ctx, or Anonymous.
func From(ctx context.Context) Identity {
	if id, ok := ctx.Value(ctxKey{}).(Identity); ok {
		return id
	}
	return Anonymous
}

// MetadataKey is the gRPC metadata key of the signed internal identity.
const MetadataKey = "x-commonweal-identity"

// TTL bounds how long a signed identity is accepted, so a captured header is useless soon after.
const TTL = 2 * time.Minute

// Errors of Verify.
var (
	ErrMalformed = errors.New("identity: malformed token")
	ErrSignature = errors.New("identity: bad signature")
	ErrExpired   = errors.New("identity: expired")
)

// Signer signs and verifies internal identities with a key shared by the gateway and the services.
type Signer struct {
	key []byte
	now func() time.Time
}

// NewSigner returns a signer using key.
func NewSigner(key []byte) *Signer {
	return &Signer{key: key, now: time.Now}
}

type payload struct {
	Identity
	Exp int64 `json:"exp"`
}

// Sign returns the signed, expiring token for id.
func (s *Signer) Sign(id Identity) string {
	body, _ := json.Marshal(payload{Identity: id, Exp: s.now().Add(TTL).Unix()})
	p := base64.RawURLEncoding.EncodeToString(body)
	return p + "." + base64.RawURLEncoding.EncodeToString(s.mac(p))
}

// Verify checks a token's signature and expiry and returns its identity.
func (s *Signer) Verify(token string) (Identity, error) {
	p, sig, ok := strings.Cut(token, ".")
	if !ok {
		return Identity{}, ErrMalformed
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return Identity{}, ErrMalformed
	}
	if !hmac.Equal(got, s.mac(p)) {
		return Identity{}, ErrSignature
	}
	body, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return Identity{}, ErrMalformed
	}
	var pl payload
	if err := json.Unmarshal(body, &pl); err != nil || pl.Subject == "" {
		return Identity{}, ErrMalformed
	}
	if s.now().Unix() > pl.Exp {
		return Identity{}, ErrExpired
	}
	return pl.Identity, nil
}

func (s *Signer) mac(p string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(p))
	return m.Sum(nil)
}

// ServiceIdentity is the identity a suite service uses when it calls another service on its own behalf.
func ServiceIdentity(service string) Identity {
	return Identity{Subject: "service:" + service, Roles: []Role{Service}}
}

// IsService reports whether the caller is the named suite service.
func (id Identity) IsService(service string) bool {
	return id.Has(Service) && id.Subject == "service:"+service
}

// ReadsAll reports whether the caller may read every object: staff and suite services.
func (id Identity) ReadsAll() bool { return id.IsStaff() || id.Has(Service) }
