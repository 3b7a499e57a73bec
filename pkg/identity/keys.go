package identity

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// The settings of the gateway's identity key pair: the gateway holds the private key, every service the
// public key.
const (
	PrivateKeyVar = "GATEWAY_IDENTITY_KEY"
	PublicKeyVar  = "GATEWAY_IDENTITY_PUBLIC_KEY"
)

// The dev key pair (base64 of the Ed25519 seed and of the public key), used in dev mode only: printed in the
// repository, so production refuses both.
const (
	DevPrivateKey = "Y29tbW9ud2VhbC1kZXYtZ2F0ZXdheS1pZGVudGl0eSE="
	DevPublicKey  = "VyvdrhVtgaiDfVBCYnJ7JONtIUOGVwcRAMwa3Gmzgek="
)

// ErrKey is why a key setting cannot be used.
var ErrKey = errors.New("not an Ed25519 key")

// ParsePrivateKey reads the gateway's private key: PEM PKCS#8 (`openssl genpkey -algorithm ed25519`) or
// base64 of the 32-byte seed.
func ParsePrivateKey(s string) (ed25519.PrivateKey, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "-----BEGIN") {
		block, _ := pem.Decode([]byte(s))
		if block == nil || block.Type != "PRIVATE KEY" {
			return nil, fmt.Errorf("%w: want a PEM \"PRIVATE KEY\" block (PKCS#8)", ErrKey)
		}
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrKey, err)
		}
		key, ok := k.(ed25519.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("%w: a %T", ErrKey, k)
		}
		return key, nil
	}
	seed, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("%w: want PEM PKCS#8 or base64 of a %d-byte seed", ErrKey, ed25519.SeedSize)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// ParsePublicKeys reads the gateway's public keys: PEM "PUBLIC KEY" blocks (`openssl pkey -pubout`) or base64
// of 32-byte keys separated by commas or spaces. Usually one; two while the gateway's key is rotated (a
// service accepts identities signed by either).
func ParsePublicKeys(s string) ([]ed25519.PublicKey, error) {
	s = strings.TrimSpace(s)
	var keys []ed25519.PublicKey
	if strings.HasPrefix(s, "-----BEGIN") {
		for rest := []byte(s); len(strings.TrimSpace(string(rest))) > 0; {
			var block *pem.Block
			block, rest = pem.Decode(rest)
			if block == nil || block.Type != "PUBLIC KEY" {
				return nil, fmt.Errorf("%w: want PEM \"PUBLIC KEY\" blocks only", ErrKey)
			}
			k, err := x509.ParsePKIXPublicKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%w: %w", ErrKey, err)
			}
			key, ok := k.(ed25519.PublicKey)
			if !ok {
				return nil, fmt.Errorf("%w: a %T", ErrKey, k)
			}
			keys = append(keys, key)
		}
		return keys, nil
	}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' || r == '\r' }) {
		b, err := base64.StdEncoding.DecodeString(f)
		if err != nil || len(b) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("%w: want PEM or base64 of %d-byte public keys", ErrKey, ed25519.PublicKeySize)
		}
		keys = append(keys, ed25519.PublicKey(b))
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: no key", ErrKey)
	}
	return keys, nil
}

// EncodePublicKey is the base64 form of pub that ParsePublicKey reads (for tests and `make run`).
func EncodePublicKey(pub ed25519.PublicKey) string { return base64.StdEncoding.EncodeToString(pub) }

// EncodePrivateKey is the base64 form of key's seed that ParsePrivateKey reads (for tests and `make run`).
func EncodePrivateKey(key ed25519.PrivateKey) string {
	return base64.StdEncoding.EncodeToString(key.Seed())
}
