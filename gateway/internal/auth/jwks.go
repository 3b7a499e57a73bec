package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
)

// Key is one verification key of a JWKS: its kid, its public key and the token algorithms it may verify.
type Key struct {
	ID     string
	Public crypto.PublicKey
	Algs   []string
}

// minRSABits is the smallest RSA modulus accepted.
const minRSABits = 2048

// jwk is one JSON Web Key (RFC 7517, 7518, 8037), with the members a public signature key uses.
type jwk struct {
	Kty    string   `json:"kty"`
	Kid    string   `json:"kid"`
	Use    string   `json:"use"`
	KeyOps []string `json:"key_ops"`
	Alg    string   `json:"alg"`
	N      string   `json:"n"`
	E      string   `json:"e"`
	Crv    string   `json:"crv"`
	X      string   `json:"x"`
	Y      string   `json:"y"`
	D      string   `json:"d"`
}

// ParseJWKS reads a JSON Web Key Set {"keys": [...]} into its signature keys by kid. Keys meant for
// encryption, of a type or curve not supported, or without a kid are skipped (a token must name its key);
// a malformed supported key, a private key, two keys with one kid or a set without a usable key is an error.
func ParseJWKS(data []byte) (map[string]Key, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("JWKS: %w", err)
	}
	keys := map[string]Key{}
	for i, raw := range set.Keys {
		var j jwk
		if err := json.Unmarshal(raw, &j); err != nil {
			return nil, fmt.Errorf("JWKS key %d: %w", i, err)
		}
		if j.Kid == "" || (j.Use != "" && j.Use != "sig") || (len(j.KeyOps) > 0 && !slices.Contains(j.KeyOps, "verify")) {
			continue
		}
		if j.D != "" {
			return nil, fmt.Errorf("JWKS key %q: a private key; publish only public keys", j.Kid)
		}
		k, ok, err := j.key()
		if err != nil {
			return nil, fmt.Errorf("JWKS key %q: %w", j.Kid, err)
		}
		if !ok {
			continue
		}
		if _, dup := keys[k.ID]; dup {
			return nil, fmt.Errorf("JWKS: two keys with kid %q", k.ID)
		}
		keys[k.ID] = k
	}
	if len(keys) == 0 {
		return nil, errors.New("JWKS: no signature key with a kid of type RSA, EC (P-256, P-384, P-521) or OKP (Ed25519)")
	}
	return keys, nil
}

var rsaAlgs = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}

// key decodes a supported key; ok is false for a key type or curve this package does not use.
func (j jwk) key() (Key, bool, error) {
	var algs []string
	var pub crypto.PublicKey
	switch j.Kty {
	case "RSA":
		n, err := b64(j.N, "n")
		if err != nil {
			return Key{}, false, err
		}
		e, err := b64(j.E, "e")
		if err != nil {
			return Key{}, false, err
		}
		if len(e) > 4 || new(big.Int).SetBytes(e).Int64() < 3 || e[len(e)-1]&1 == 0 {
			return Key{}, false, errors.New("bad RSA exponent")
		}
		key := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		if key.N.BitLen() < minRSABits {
			return Key{}, false, fmt.Errorf("RSA key of %d bits; at least %d", key.N.BitLen(), minRSABits)
		}
		pub, algs = key, rsaAlgs
	case "EC":
		var curve elliptic.Curve
		var alg string
		switch j.Crv {
		case "P-256":
			curve, alg = elliptic.P256(), "ES256"
		case "P-384":
			curve, alg = elliptic.P384(), "ES384"
		case "P-521":
			curve, alg = elliptic.P521(), "ES512"
		default:
			return Key{}, false, nil
		}
		x, err := b64(j.X, "x")
		if err != nil {
			return Key{}, false, err
		}
		y, err := b64(j.Y, "y")
		if err != nil {
			return Key{}, false, err
		}
		size := (curve.Params().BitSize + 7) / 8
		if len(x) != size || len(y) != size {
			return Key{}, false, fmt.Errorf("%s coordinates must be %d bytes", j.Crv, size)
		}
		key, err := ecdsa.ParseUncompressedPublicKey(curve, append(append([]byte{4}, x...), y...))
		if err != nil {
			return Key{}, false, err
		}
		pub, algs = key, []string{alg}
	case "OKP":
		if j.Crv != "Ed25519" {
			return Key{}, false, nil
		}
		x, err := b64(j.X, "x")
		if err != nil {
			return Key{}, false, err
		}
		if len(x) != ed25519.PublicKeySize {
			return Key{}, false, fmt.Errorf("Ed25519 key must be %d bytes", ed25519.PublicKeySize)
		}
		pub, algs = ed25519.PublicKey(x), []string{"EdDSA"}
	default:
		return Key{}, false, nil
	}
	// A key that names its algorithm verifies that algorithm only; it must fit the key's type.
	if j.Alg != "" {
		alg := j.Alg
		if alg == "Ed25519" { // RFC 9864's name for EdDSA with Ed25519
			alg = "EdDSA"
		}
		if !slices.Contains(algs, alg) {
			return Key{}, false, fmt.Errorf("alg %s does not fit a %s key", j.Alg, j.Kty)
		}
		algs = []string{alg}
	}
	return Key{ID: j.Kid, Public: pub, Algs: algs}, true, nil
}

// b64 decodes a base64url member without padding (RFC 7515 section 2).
func b64(s, member string) ([]byte, error) {
	if s == "" {
		return nil, fmt.Errorf("member %q missing", member)
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("member %q: %w", member, err)
	}
	return b, nil
}
