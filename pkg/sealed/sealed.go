// Package sealed encrypts short personal values (ID numbers, phone numbers)
// at rest with AES-256-GCM and derives blind indexes for equality look-ups.
//
// Sealed format: version byte (1) || 12-byte random nonce || GCM ciphertext
// and 16-byte tag. The blind index is HMAC-SHA256(HMAC-SHA256(key,
// "blind-index"), plaintext).
package sealed

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the required key length in bytes (AES-256).
const KeySize = 32

const (
	version1  = 1
	nonceSize = 12
	tagSize   = 16
)

var (
	// ErrKey reports a key that is not exactly KeySize bytes or not valid base64.
	ErrKey = errors.New("sealed: invalid key")
	// ErrOpen reports a ciphertext that is malformed, tampered with, or sealed under another key.
	ErrOpen = errors.New("sealed: cannot open ciphertext")
	// errNoBox reports use of a nil or zero Box.
	errNoBox = errors.New("sealed: Box not initialised; use New or NewFromBase64")
)

// Box seals and opens values under one key; it is safe for concurrent use.
type Box struct {
	aead     cipher.AEAD
	indexKey []byte
}

// New returns a Box for a 32-byte key; the key slice is not retained.
func New(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("%w: got %d bytes, want %d", ErrKey, len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKey, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKey, err)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("blind-index"))
	return &Box{aead: aead, indexKey: m.Sum(nil)}, nil
}

// NewFromBase64 returns a Box for a base64-encoded 32-byte key (standard or URL alphabet, padded or not; surrounding white space is ignored).
func NewFromBase64(s string) (*Box, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if key, err := enc.Strict().DecodeString(s); err == nil {
			return New(key)
		}
	}
	return nil, fmt.Errorf("%w: not valid base64", ErrKey)
}

// Seal encrypts plaintext with a fresh random nonce; an empty plaintext yields nil, nil.
func (b *Box) Seal(plaintext string) ([]byte, error) {
	if b == nil || b.aead == nil {
		return nil, errNoBox
	}
	if plaintext == "" {
		return nil, nil
	}
	out := make([]byte, 1+nonceSize, 1+nonceSize+len(plaintext)+tagSize)
	out[0] = version1
	if _, err := rand.Read(out[1 : 1+nonceSize]); err != nil {
		return nil, fmt.Errorf("sealed: reading random nonce: %w", err)
	}
	return b.aead.Seal(out, out[1:1+nonceSize], []byte(plaintext), nil), nil
}

// Open decrypts a value produced by Seal; nil or empty input yields "", nil and any other failure wraps ErrOpen.
func (b *Box) Open(ct []byte) (string, error) {
	if b == nil || b.aead == nil {
		return "", errNoBox
	}
	if len(ct) == 0 {
		return "", nil
	}
	if ct[0] != version1 {
		return "", fmt.Errorf("%w: unknown version %d", ErrOpen, ct[0])
	}
	if len(ct) < 1+nonceSize+tagSize {
		return "", fmt.Errorf("%w: too short", ErrOpen)
	}
	pt, err := b.aead.Open(nil, ct[1:1+nonceSize], ct[1+nonceSize:], nil)
	if err != nil {
		return "", fmt.Errorf("%w: authentication failed", ErrOpen)
	}
	return string(pt), nil
}

// BlindIndex returns a deterministic, key-dependent 32-byte HMAC of plaintext for equality look-ups (nil for an empty plaintext, matching Seal); normalise the value first.
func (b *Box) BlindIndex(plaintext string) []byte {
	if b == nil || b.indexKey == nil {
		panic(errNoBox)
	}
	if plaintext == "" {
		return nil
	}
	m := hmac.New(sha256.New, b.indexKey)
	m.Write([]byte(plaintext))
	return m.Sum(nil)
}
