// Package sealed encrypts short personal values (ID numbers, phone numbers)
// at rest with AES-256-GCM and derives blind indexes for equality look-ups.
//
// A Box holds one or more keys, each with an ID, newest first: Seal uses the
// newest, Open picks the key by the ID the value carries, so keys can be
// rotated (configure the new key first, run `<service> reseal`, then drop the
// old one).
//
// Sealed format 2: version byte (2) || key-ID length (1 byte) || key ID ||
// 12-byte random nonce || GCM ciphertext and 16-byte tag. The GCM additional
// data is the value's binding (see Binding: "schema.table.column/rowid"), so a
// value copied to another row or column does not open.
//
// Format 1 (legacy, read only): version byte (1) || 12-byte nonce || GCM
// ciphertext and tag, no key ID and no binding; Open tries each key. Reseal
// rewrites such values in format 2.
//
// The blind index is HMAC-SHA256(HMAC-SHA256(key, "blind-index"), plaintext)
// with the oldest configured key, so indexes stay valid while keys rotate;
// that key stays configured as long as blind indexes derived from it are kept.
package sealed

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// KeySize is the required key length in bytes (AES-256).
const KeySize = 32

// DefaultKeyID is the ID of a key given without one (New, NewFromBase64, the single-key DATA_ENCRYPTION_KEY):
// list it as "1:<base64>" when moving to several keys.
const DefaultKeyID = "1"

const (
	version1  = 1
	version2  = 2
	nonceSize = 12
	tagSize   = 16
	maxIDLen  = 32
)

var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

var (
	// ErrKey reports a key that is not exactly KeySize bytes or not valid base64, or a bad key list.
	ErrKey = errors.New("sealed: invalid key")
	// ErrOpen reports a ciphertext that is malformed, tampered with, bound to another row or column, or sealed under another key.
	ErrOpen = errors.New("sealed: cannot open ciphertext")
	// ErrUnknownKey reports a value sealed under a key ID that is not configured (it also matches ErrOpen).
	ErrUnknownKey = fmt.Errorf("%w: unknown key ID", ErrOpen)
	// errNoBox reports use of a nil or zero Box.
	errNoBox = errors.New("sealed: Box not initialised; use New, NewFromBase64 or NewKeyring")
)

// Key is one data-encryption key and its ID (1-32 letters, digits, '-' or '_').
type Key struct {
	ID  string
	Key []byte
}

// Box seals and opens values; it is safe for concurrent use.
type Box struct {
	newest   string
	aeads    map[string]cipher.AEAD
	order    []string // newest first, for legacy values
	indexKey []byte
}

// New returns a Box for one 32-byte key with ID DefaultKeyID; the key slice is not retained.
func New(key []byte) (*Box, error) {
	return NewKeyring([]Key{{ID: DefaultKeyID, Key: key}})
}

// NewKeyring returns a Box for keys, newest first: Seal uses keys[0], Open any of them by ID, BlindIndex the
// last (oldest). Key slices are not retained.
func NewKeyring(keys []Key) (*Box, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: no key", ErrKey)
	}
	b := &Box{newest: keys[0].ID, aeads: map[string]cipher.AEAD{}}
	for _, k := range keys {
		if !keyIDPattern.MatchString(k.ID) {
			return nil, fmt.Errorf("%w: key ID %q: 1-%d letters, digits, '-' or '_'", ErrKey, k.ID, maxIDLen)
		}
		if _, dup := b.aeads[k.ID]; dup {
			return nil, fmt.Errorf("%w: key ID %q given twice", ErrKey, k.ID)
		}
		if len(k.Key) != KeySize {
			return nil, fmt.Errorf("%w: key %q: got %d bytes, want %d", ErrKey, k.ID, len(k.Key), KeySize)
		}
		block, err := aes.NewCipher(k.Key)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrKey, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrKey, err)
		}
		b.aeads[k.ID] = aead
		b.order = append(b.order, k.ID)
	}
	m := hmac.New(sha256.New, keys[len(keys)-1].Key)
	m.Write([]byte("blind-index"))
	b.indexKey = m.Sum(nil)
	return b, nil
}

// NewFromBase64 returns a Box for a base64-encoded 32-byte key (standard or URL alphabet, padded or not; surrounding white space is ignored).
func NewFromBase64(s string) (*Box, error) {
	key, err := decodeKey(s)
	if err != nil {
		return nil, err
	}
	return New(key)
}

// ParseKeys returns a Box for a key list "id:base64key,id:base64key", newest first (DATA_ENCRYPTION_KEYS);
// a single entry without "id:" is the key with ID DefaultKeyID.
func ParseKeys(s string) (*Box, error) {
	var keys []Key
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id, enc, ok := strings.Cut(part, ":")
		if !ok {
			id, enc = DefaultKeyID, part
		}
		key, err := decodeKey(enc)
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", id, err)
		}
		keys = append(keys, Key{ID: strings.TrimSpace(id), Key: key})
	}
	return NewKeyring(keys)
}

func decodeKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if key, err := enc.Strict().DecodeString(s); err == nil {
			return key, nil
		}
	}
	return nil, fmt.Errorf("%w: not valid base64", ErrKey)
}

// Binding names where a sealed value lives, "schema.table.column/rowid"; it is the value's GCM additional
// data, so the value opens only with the same binding.
func Binding(schema, table, column, rowID string) string {
	return schema + "." + table + "." + column + "/" + rowID
}

// NewestKeyID is the ID of the key Seal uses.
func (b *Box) NewestKeyID() string {
	if b == nil {
		return ""
	}
	return b.newest
}

// Seal encrypts plaintext under the newest key with a fresh random nonce, bound to binding (see Binding); an
// empty plaintext yields nil, nil.
func (b *Box) Seal(plaintext, binding string) ([]byte, error) {
	if b == nil || b.aeads == nil {
		return nil, errNoBox
	}
	if plaintext == "" {
		return nil, nil
	}
	id := b.newest
	head := 2 + len(id)
	out := make([]byte, head+nonceSize, head+nonceSize+len(plaintext)+tagSize)
	out[0] = version2
	out[1] = byte(len(id))
	copy(out[2:], id)
	nonce := out[head : head+nonceSize]
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("sealed: reading random nonce: %w", err)
	}
	return b.aeads[id].Seal(out, nonce, []byte(plaintext), []byte(binding)), nil
}

// KeyID returns the ID of the key ct was sealed under ("" with legacy true for format 1).
func KeyID(ct []byte) (id string, legacy bool, err error) {
	if len(ct) == 0 {
		return "", false, nil
	}
	switch ct[0] {
	case version1:
		return "", true, nil
	case version2:
		if len(ct) < 2 || int(ct[1]) == 0 || len(ct) < 2+int(ct[1]) {
			return "", false, fmt.Errorf("%w: too short", ErrOpen)
		}
		return string(ct[2 : 2+int(ct[1])]), false, nil
	default:
		return "", false, fmt.Errorf("%w: unknown version %d", ErrOpen, ct[0])
	}
}

// Open decrypts a value produced by Seal with the same binding (format 1 values carry none and open with any
// binding); nil or empty input yields "", nil, an unconfigured key ID ErrUnknownKey and any other failure ErrOpen.
func (b *Box) Open(ct []byte, binding string) (string, error) {
	if b == nil || b.aeads == nil {
		return "", errNoBox
	}
	if len(ct) == 0 {
		return "", nil
	}
	id, legacy, err := KeyID(ct)
	if err != nil {
		return "", err
	}
	if legacy {
		if len(ct) < 1+nonceSize+tagSize {
			return "", fmt.Errorf("%w: too short", ErrOpen)
		}
		for _, kid := range b.order {
			if pt, err := b.aeads[kid].Open(nil, ct[1:1+nonceSize], ct[1+nonceSize:], nil); err == nil {
				return string(pt), nil
			}
		}
		return "", fmt.Errorf("%w: authentication failed", ErrOpen)
	}
	aead, ok := b.aeads[id]
	if !ok {
		return "", fmt.Errorf("%w %q (configured: %s)", ErrUnknownKey, id, strings.Join(b.order, ", "))
	}
	head := 2 + len(id)
	if len(ct) < head+nonceSize+tagSize {
		return "", fmt.Errorf("%w: too short", ErrOpen)
	}
	pt, err := aead.Open(nil, ct[head:head+nonceSize], ct[head+nonceSize:], []byte(binding))
	if err != nil {
		return "", fmt.Errorf("%w: authentication failed (tampered, another key, or bound to another row or column)", ErrOpen)
	}
	return string(pt), nil
}

// Current reports whether ct is empty or already sealed under the newest key in format 2.
func (b *Box) Current(ct []byte) bool {
	if len(ct) == 0 {
		return true
	}
	id, legacy, err := KeyID(ct)
	return err == nil && !legacy && id == b.NewestKeyID()
}

// Reseal opens ct (bound to binding) and seals it again under the newest key; changed is false, and ct is
// returned as is, when it already is Current.
func (b *Box) Reseal(ct []byte, binding string) (out []byte, changed bool, err error) {
	if b.Current(ct) {
		return ct, false, nil
	}
	pt, err := b.Open(ct, binding)
	if err != nil {
		return nil, false, err
	}
	out, err = b.Seal(pt, binding)
	if err != nil {
		return nil, false, err
	}
	return out, !bytes.Equal(out, ct), nil
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
