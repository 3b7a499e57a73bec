// Package auth verifies callers' bearer tokens (JWT) at the gateway and, in dev mode only, issues them.
package auth

import (
	"crypto/rsa"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
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

// Issuer is the issuer of dev tokens and the one production tokens must name too.
const Issuer = "commonweal"

// Verifier checks bearer tokens.
type Verifier struct {
	hmacKey []byte
	rsaKeys []*rsa.PublicKey
}

// NewDevVerifier verifies HS256 tokens signed with key (dev mode).
func NewDevVerifier(key []byte) *Verifier { return &Verifier{hmacKey: key} }

// NewProductionVerifier verifies RS256 tokens against the PEM public keys in file.
func NewProductionVerifier(file string) (*Verifier, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("auth: public keys: %w", err)
	}
	v := &Verifier{}
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		key, err := jwt.ParseRSAPublicKeyFromPEM(pem.EncodeToMemory(block))
		if err != nil {
			return nil, fmt.Errorf("auth: public key in %s: %w", file, err)
		}
		v.rsaKeys = append(v.rsaKeys, key)
	}
	if len(v.rsaKeys) == 0 {
		return nil, fmt.Errorf("auth: no RSA public key in %s", file)
	}
	return v, nil
}

// ErrInvalidToken is returned for any token that does not verify.
var ErrInvalidToken = errors.New("invalid bearer token")

// Verify checks a token and returns the identity it proves.
func (v *Verifier) Verify(token string) (identity.Identity, error) {
	var claims Claims
	var err error
	opts := []jwt.ParserOption{jwt.WithIssuer(Issuer), jwt.WithExpirationRequired(), jwt.WithLeeway(30 * time.Second)}
	if v.hmacKey != nil {
		_, err = jwt.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return v.hmacKey, nil },
			append(opts, jwt.WithValidMethods([]string{"HS256"}))...)
	} else {
		err = ErrInvalidToken
		for _, k := range v.rsaKeys {
			claims = Claims{}
			if _, err = jwt.ParseWithClaims(token, &claims, func(*jwt.Token) (any, error) { return k, nil },
				append(opts, jwt.WithValidMethods([]string{"RS256"}))...); err == nil {
				break
			}
		}
	}
	if err != nil {
		return identity.Identity{}, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	return claims.identity()
}

func (c Claims) identity() (identity.Identity, error) {
	if c.Subject == "" {
		return identity.Identity{}, fmt.Errorf("%w: no subject", ErrInvalidToken)
	}
	id := identity.Identity{Subject: c.Subject, OrgID: c.OrgID, DonorID: c.DonorID}
	for _, r := range c.Roles {
		role := identity.Role(strings.ToUpper(r))
		if !role.Valid() || role == identity.Service {
			return identity.Identity{}, fmt.Errorf("%w: unknown role %q", ErrInvalidToken, r)
		}
		if !slices.Contains(id.Roles, role) {
			id.Roles = append(id.Roles, role)
		}
	}
	if len(id.Roles) == 0 {
		return identity.Identity{}, fmt.Errorf("%w: no role", ErrInvalidToken)
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
