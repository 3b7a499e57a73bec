package identity

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"
)

// MetadataKey is the gRPC metadata key of the end user's identity the gateway forwards (a token of Issuer).
const MetadataKey = "x-commonweal-identity"

// Gateway is the name the gateway's certificate gives it: the only caller whose forwarded user identity a
// service accepts.
const Gateway = "gateway"

// Lifetime is how long a forwarded identity is valid: long enough for one call, short enough that a captured
// header is soon useless (and, bound to one service, useless elsewhere at once).
const Lifetime = 30 * time.Second

// ClockSkew is how far the gateway's and a service's clocks may disagree.
const ClockSkew = 5 * time.Second

// Why Verify refuses a token.
var (
	ErrMalformed   = errors.New("identity: malformed token")
	ErrSignature   = errors.New("identity: bad signature")
	ErrExpired     = errors.New("identity: expired")
	ErrNotYetValid = errors.New("identity: issued in the future")
	ErrAudience    = errors.New("identity: issued for another service")
	// ErrServiceRole: only a client certificate makes a caller a suite service, never a forwarded identity.
	ErrServiceRole = errors.New("identity: a forwarded identity may not hold the SERVICE role")
)

// claims are what a token says: who, for which service, when.
type claims struct {
	Identity
	Aud string `json:"aud"`
	Iat int64  `json:"iat"`
	Exp int64  `json:"exp"`
}

// signedPrefix is prepended to the payload before signing, so a signature made for anything else (another
// protocol using the same key by mistake) never verifies as an identity.
const signedPrefix = "commonweal-identity-v1."

// Issuer signs end-user identities for the services; only the gateway holds its private key.
type Issuer struct {
	key ed25519.PrivateKey
	now func() time.Time
	// signed maps a payload to its token: the same payload signs to the same token (Ed25519 is deterministic).
	signed tokenCache[string]
}

// NewIssuer returns an issuer signing with key.
func NewIssuer(key ed25519.PrivateKey) *Issuer {
	return &Issuer{key: key, now: time.Now}
}

// Sign returns the token proving id to the service aud for Lifetime: payload.signature, both base64url.
func (is *Issuer) Sign(id Identity, aud string) string {
	now := is.now()
	body, _ := json.Marshal(claims{Identity: id, Aud: aud, Iat: now.Unix(), Exp: now.Add(Lifetime).Unix()})
	p := base64.RawURLEncoding.EncodeToString(body)
	if token, ok := is.signed.get(p); ok {
		return token
	}
	token := p + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(is.key, []byte(signedPrefix+p)))
	is.signed.put(p, token)
	return token
}

// Verifier checks the tokens the gateway signs for one service.
type Verifier struct {
	keys []ed25519.PublicKey
	aud  string
	now  func() time.Time
	// verified maps a token whose signature and claims were found sound to its claims; the audience and the
	// validity period are checked again at every call.
	verified tokenCache[claims]
}

// NewVerifier returns a verifier of tokens signed for the service self by the gateway's key, whose public half
// is one of keys (two while the gateway's key is rotated).
func NewVerifier(self string, keys ...ed25519.PublicKey) *Verifier {
	return &Verifier{keys: keys, aud: self, now: time.Now}
}

// signedBy reports whether sig is a signature of msg by one of the verifier's keys.
func (v *Verifier) signedBy(msg, sig []byte) bool {
	for _, k := range v.keys {
		if len(k) == ed25519.PublicKeySize && ed25519.Verify(k, msg, sig) {
			return true
		}
	}
	return false
}

// Verify checks a token's signature, audience and validity period and returns its identity.
func (v *Verifier) Verify(token string) (Identity, error) {
	c, ok := v.verified.get(token)
	if !ok {
		var err error
		if c, err = v.claimsOf(token); err != nil {
			return Identity{}, err
		}
		v.verified.put(token, c)
	}
	if c.Aud != v.aud {
		return Identity{}, ErrAudience
	}
	now := v.now()
	if now.Add(-ClockSkew).Unix() > c.Exp {
		return Identity{}, ErrExpired
	}
	if now.Add(ClockSkew).Unix() < c.Iat {
		return Identity{}, ErrNotYetValid
	}
	id := c.Identity
	id.Roles = slices.Clone(id.Roles) // the cached claims stay as they were, whatever the caller does
	return id, nil
}

// claimsOf checks a token's signature and the shape of its claims, and returns them.
func (v *Verifier) claimsOf(token string) (claims, error) {
	p, sig, ok := strings.Cut(token, ".")
	if !ok {
		return claims{}, ErrMalformed
	}
	s, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return claims{}, ErrMalformed
	}
	if !v.signedBy([]byte(signedPrefix+p), s) {
		return claims{}, ErrSignature
	}
	body, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return claims{}, ErrMalformed
	}
	var c claims
	if err := json.Unmarshal(body, &c); err != nil || c.Subject == "" || c.Exp <= c.Iat || c.Exp-c.Iat > int64(Lifetime/time.Second) {
		return claims{}, ErrMalformed
	}
	for _, r := range c.Roles {
		if !r.Valid() {
			return claims{}, ErrMalformed
		}
		if r == Service {
			return claims{}, ErrServiceRole
		}
	}
	return c, nil
}
