// Package auth verifies callers' bearer tokens (JWT) at the gateway and, in dev mode only, issues them.
//
// Production tokens are signed by an identity provider with an asymmetric key (RSA, ECDSA or Ed25519) that
// the token names by `kid` in a JWKS (JWT_JWKS_FILE or JWT_JWKS_URL, refreshed without a restart), and must
// name the configured issuer and audience, an expiry and an issue time no further apart than the maximum
// lifetime. Dev tokens are HS256 with the dev key.
package auth

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/commonweal/commonweal/pkg/identity"
)

// Claims are the token's claims: the caller's subject, roles and the organisation or donor it acts for.
type Claims struct {
	jwt.RegisteredClaims
	Roles   []string `json:"roles"`
	OrgID   string   `json:"org_id,omitempty"`
	DonorID string   `json:"donor_id,omitempty"`
}

// Issuer is the issuer of dev tokens.
const Issuer = "commonweal"

// Leeway is the clock skew allowed between the token's issuer and the gateway for exp, nbf and iat.
const Leeway = 30 * time.Second

// Policy is what a token's registered claims must say besides a valid signature.
type Policy struct {
	Issuer      string        // iss must equal it
	Audience    string        // aud must contain it; empty: not checked (dev tokens only)
	MaxLifetime time.Duration // exp − iat may not exceed it and iat is required; 0: not checked (dev tokens only)
	Leeway      time.Duration // clock skew allowed for exp, nbf and iat
}

// Verifier checks bearer tokens.
type Verifier struct {
	hmacKey []byte
	keys    keySource
	policy  Policy
	now     func() time.Time
}

// keySource finds the verification key a token names by kid.
type keySource interface {
	key(kid string) (Key, bool)
	close()
}

// NewDevVerifier verifies HS256 tokens signed with key (dev mode).
func NewDevVerifier(key []byte) *Verifier {
	return &Verifier{hmacKey: key, policy: Policy{Issuer: Issuer, Leeway: Leeway}, now: time.Now}
}

// NewProductionVerifier verifies tokens signed with the JWKS keys that s names, under the issuer, audience
// and lifetime that s sets; an error names the setting at fault. Close stops its background refresh.
func NewProductionVerifier(s Settings) (*Verifier, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	var src keySource
	var err error
	if s.JWKSFile != "" {
		src, err = loadFileKeys(s.JWKSFile)
	} else {
		src, err = loadURLKeys(s.JWKSURL, s.client(), s.JWKSRefresh)
	}
	if err != nil {
		return nil, err
	}
	return &Verifier{keys: src, policy: Policy{Issuer: s.Issuer, Audience: s.Audience, MaxLifetime: s.MaxLifetime, Leeway: Leeway}, now: time.Now}, nil
}

// Close stops the refresh of the key set, if any.
func (v *Verifier) Close() {
	if v.keys != nil {
		v.keys.close()
	}
}

// ErrInvalidToken is matched (errors.Is) by every refusal of a token.
var ErrInvalidToken = errors.New("invalid bearer token")

// Refusal says why a token was refused: a stable reason (e.g. TOKEN_WRONG_AUDIENCE) and a sentence.
type Refusal struct {
	Reason string
	Detail string
}

func (r *Refusal) Error() string { return ErrInvalidToken.Error() + ": " + r.Detail }

// Is makes every refusal match ErrInvalidToken.
func (r *Refusal) Is(target error) bool { return target == ErrInvalidToken }

func refuse(reason, format string, args ...any) error {
	return &Refusal{Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

// The reasons of refusals.
const (
	ReasonMalformed       = "TOKEN_MALFORMED"
	ReasonAlgorithm       = "TOKEN_ALGORITHM_NOT_ALLOWED"
	ReasonKeyIDMissing    = "TOKEN_KEY_ID_MISSING"
	ReasonKeyUnknown      = "TOKEN_KEY_UNKNOWN"
	ReasonSignature       = "TOKEN_SIGNATURE_INVALID"
	ReasonExpiryMissing   = "TOKEN_EXPIRY_MISSING"
	ReasonExpired         = "TOKEN_EXPIRED"
	ReasonNotYetValid     = "TOKEN_NOT_YET_VALID"
	ReasonWrongIssuer     = "TOKEN_WRONG_ISSUER"
	ReasonWrongAudience   = "TOKEN_WRONG_AUDIENCE"
	ReasonIssuedAtMissing = "TOKEN_ISSUED_AT_MISSING"
	ReasonLifetimeTooLong = "TOKEN_LIFETIME_TOO_LONG"
	ReasonIdentityInvalid = "TOKEN_IDENTITY_INVALID"
	ReasonInvalidFallback = "INVALID_TOKEN"
)

// maxTokenBytes bounds the work spent on a token before its signature is checked.
const maxTokenBytes = 16 << 10

// Reason is the stable reason of a refusal returned by Verify (INVALID_TOKEN for any other error).
func Reason(err error) string {
	if r, ok := errors.AsType[*Refusal](err); ok {
		return r.Reason
	}
	return ReasonInvalidFallback
}

// asymmetricAlgs are the algorithms production tokens may use; each key narrows them to its own type.
var asymmetricAlgs = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// Verify checks a token and returns the identity it proves; a refusal is a *Refusal.
func (v *Verifier) Verify(token string) (identity.Identity, error) {
	if len(token) > maxTokenBytes {
		return identity.Identity{}, refuse(ReasonMalformed, "token over %d bytes", maxTokenBytes)
	}
	var claims Claims
	keyfunc := v.productionKey
	if v.hmacKey != nil {
		keyfunc = v.devKey
	}
	// Claims are checked by checkClaims below, so that each refusal has its own reason.
	parser := jwt.NewParser(jwt.WithoutClaimsValidation(), jwt.WithStrictDecoding())
	if _, err := parser.ParseWithClaims(token, &claims, keyfunc); err != nil {
		return identity.Identity{}, parseRefusal(err)
	}
	if err := checkClaims(claims.RegisteredClaims, v.policy, v.now()); err != nil {
		return identity.Identity{}, err
	}
	return claims.identity()
}

// devKey is the HS256 dev key, for HS256 tokens only.
func (v *Verifier) devKey(t *jwt.Token) (any, error) {
	if alg := t.Method.Alg(); alg != "HS256" {
		return nil, refuse(ReasonAlgorithm, "algorithm %s not accepted", alg)
	}
	return v.hmacKey, nil
}

// productionKey finds the JWKS key the token names and checks that the token's algorithm fits it.
func (v *Verifier) productionKey(t *jwt.Token) (any, error) {
	if _, ok := t.Header["crit"]; ok {
		return nil, refuse(ReasonMalformed, "critical header parameters are not supported")
	}
	alg := t.Method.Alg()
	if !slices.Contains(asymmetricAlgs, alg) {
		return nil, refuse(ReasonAlgorithm, "algorithm %s not accepted", alg)
	}
	kid, _ := t.Header["kid"].(string)
	if kid == "" {
		return nil, refuse(ReasonKeyIDMissing, "token names no key (kid)")
	}
	k, ok := v.keys.key(kid)
	if !ok {
		return nil, refuse(ReasonKeyUnknown, "no key %q in the key set", kid)
	}
	if !slices.Contains(k.Algs, alg) {
		return nil, refuse(ReasonAlgorithm, "algorithm %s does not fit key %q", alg, kid)
	}
	return k.Public, nil
}

// parseRefusal turns the JWT library's error into a refusal.
func parseRefusal(err error) error {
	if r, ok := errors.AsType[*Refusal](err); ok {
		return r
	}
	switch {
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return refuse(ReasonSignature, "signature does not verify")
	default:
		return refuse(ReasonMalformed, "%v", err)
	}
}

// checkClaims checks the registered claims against p at time now.
func checkClaims(c jwt.RegisteredClaims, p Policy, now time.Time) error {
	if c.ExpiresAt == nil {
		return refuse(ReasonExpiryMissing, "token has no expiry (exp)")
	}
	if !now.Before(c.ExpiresAt.Add(p.Leeway)) {
		return refuse(ReasonExpired, "token expired at %s", c.ExpiresAt.UTC().Format(time.RFC3339))
	}
	if c.NotBefore != nil && now.Add(p.Leeway).Before(c.NotBefore.Time) {
		return refuse(ReasonNotYetValid, "token not valid before %s", c.NotBefore.UTC().Format(time.RFC3339))
	}
	if c.IssuedAt != nil && now.Add(p.Leeway).Before(c.IssuedAt.Time) {
		return refuse(ReasonNotYetValid, "token issued in the future (%s)", c.IssuedAt.UTC().Format(time.RFC3339))
	}
	if c.Issuer != p.Issuer {
		return refuse(ReasonWrongIssuer, "token issuer %q is not %q", c.Issuer, p.Issuer)
	}
	if p.Audience != "" && !slices.Contains(c.Audience, p.Audience) {
		return refuse(ReasonWrongAudience, "token audience %q does not include %q", []string(c.Audience), p.Audience)
	}
	if p.MaxLifetime > 0 {
		if c.IssuedAt == nil {
			return refuse(ReasonIssuedAtMissing, "token has no issue time (iat)")
		}
		if life := c.ExpiresAt.Sub(c.IssuedAt.Time); life > p.MaxLifetime {
			return refuse(ReasonLifetimeTooLong, "token lifetime %s is over the maximum %s", life, p.MaxLifetime)
		}
	}
	return nil
}

func (c Claims) identity() (identity.Identity, error) {
	if c.Subject == "" {
		return identity.Identity{}, refuse(ReasonIdentityInvalid, "no subject")
	}
	id := identity.Identity{Subject: c.Subject, OrgID: c.OrgID, DonorID: c.DonorID}
	for _, r := range c.Roles {
		role := identity.Role(strings.ToUpper(r))
		if !role.Valid() || role == identity.Service {
			return identity.Identity{}, refuse(ReasonIdentityInvalid, "unknown role %q", r)
		}
		if !slices.Contains(id.Roles, role) {
			id.Roles = append(id.Roles, role)
		}
	}
	if len(id.Roles) == 0 {
		return identity.Identity{}, refuse(ReasonIdentityInvalid, "no role")
	}
	return id, nil
}

// DevTokenTTL is how long a dev token lasts.
const DevTokenTTL = 12 * time.Hour

// IssueDev signs a dev token for id (dev mode only).
func (v *Verifier) IssueDev(id identity.Identity, now time.Time) (string, error) {
	if v.hmacKey == nil {
		return "", errors.New("auth: dev tokens exist only in dev mode")
	}
	c := Claims{
		RegisteredClaims: jwt.RegisteredClaims{Subject: id.Subject, Issuer: Issuer, IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(DevTokenTTL))},
		OrgID:            id.OrgID,
		DonorID:          id.DonorID,
	}
	for _, r := range id.Roles {
		c.Roles = append(c.Roles, string(r))
	}
	if _, err := c.identity(); err != nil {
		return "", err
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(v.hmacKey)
}
