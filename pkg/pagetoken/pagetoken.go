// Package pagetoken issues opaque, HMAC-signed keyset pagination tokens
// (AIP-158 page_token / next_page_token).
//
// A token is base64url(payload) + "." + base64url(HMAC-SHA256(key, payload)),
// both without padding, where payload is compact JSON. Tokens are signed, not
// encrypted: clients can read the cursor but cannot alter it. Each token is
// bound to a filter fingerprint so it cannot be replayed against a query with
// different filters. Authorisation must never depend on a page token.
package pagetoken

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
)

var (
	// ErrMalformed reports a token that is not well-formed (bad shape, base64 or JSON).
	ErrMalformed = errors.New("pagetoken: malformed token")
	// ErrSignature reports a token whose signature does not verify under this Signer's key.
	ErrSignature = errors.New("pagetoken: invalid signature")
	// ErrFilterMismatch reports a valid token presented with a different filter than it was issued for.
	ErrFilterMismatch = errors.New("pagetoken: token was issued for a different filter")
)

// MinKeySize is the shortest key NewSigner accepts.
const MinKeySize = 16

var b64 = base64.RawURLEncoding.Strict()

// Cursor is the keyset position carried by a page token.
type Cursor struct {
	// After is the ID of the last item returned.
	After string
	// AfterTime is the sort time of the last item returned; Decode returns it in UTC.
	AfterTime time.Time
	// Filter is the Fingerprint of the query's filters and ordering.
	Filter string
}

// payload is the JSON form of a Cursor; the time is Unix seconds plus
// nanoseconds so that every time.Time round-trips without error.
type payload struct {
	After string `json:"a,omitempty"`
	Sec   *int64 `json:"t,omitempty"` // nil iff AfterTime.IsZero()
	Nsec  int64  `json:"n,omitempty"`
	Filt  string `json:"f,omitempty"`
}

func toPayload(c Cursor) payload {
	p := payload{After: c.After, Filt: c.Filter}
	if !c.AfterTime.IsZero() {
		sec := c.AfterTime.Unix()
		p.Sec = &sec
		p.Nsec = int64(c.AfterTime.Nanosecond())
	}
	return p
}

func fromPayload(p payload) Cursor {
	c := Cursor{After: p.After, Filter: p.Filt}
	if p.Sec != nil {
		c.AfterTime = time.Unix(*p.Sec, p.Nsec).UTC()
	}
	return c
}

func marshal(p payload) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(p); err != nil {
		// Unreachable: payload holds only strings and integers.
		panic("pagetoken: " + err.Error())
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// Signer encodes and verifies page tokens with one HMAC key; it is safe for concurrent use.
type Signer struct {
	key []byte
}

// NewSigner returns a Signer using a copy of key, which should be 32 random bytes; it panics if key is shorter than MinKeySize.
func NewSigner(key []byte) *Signer {
	if len(key) < MinKeySize {
		panic("pagetoken: key shorter than MinKeySize")
	}
	return &Signer{key: bytes.Clone(key)}
}

func (s *Signer) mac(msg []byte) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write(msg)
	return m.Sum(nil)
}

// Encode returns the signed token for c; After and Filter should be valid UTF-8 (invalid bytes become U+FFFD).
func (s *Signer) Encode(c Cursor) string {
	p := marshal(toPayload(c))
	return b64.EncodeToString(p) + "." + b64.EncodeToString(s.mac(p))
}

// Decode verifies token and returns its cursor, checking that it was issued for filter; an empty token yields a zero Cursor and nil.
func (s *Signer) Decode(token string, filter string) (Cursor, error) {
	if token == "" {
		return Cursor{}, nil
	}
	ps, ss, ok := strings.Cut(token, ".")
	if !ok || ps == "" || strings.Contains(ss, ".") {
		return Cursor{}, ErrMalformed
	}
	// The decoder ignores '\r' and '\n'; reject them so tokens are canonical.
	if strings.ContainsAny(token, "\r\n") {
		return Cursor{}, ErrMalformed
	}
	raw, err := b64.DecodeString(ps)
	if err != nil {
		return Cursor{}, ErrMalformed
	}
	sig, err := b64.DecodeString(ss)
	if err != nil || len(sig) != sha256.Size {
		return Cursor{}, ErrMalformed
	}
	if !hmac.Equal(sig, s.mac(raw)) {
		return Cursor{}, ErrSignature
	}
	var p payload
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil || dec.More() {
		return Cursor{}, ErrMalformed
	}
	c := fromPayload(p)
	// Only the canonical encoding of a cursor is accepted.
	if !bytes.Equal(marshal(toPayload(c)), raw) {
		return Cursor{}, ErrMalformed
	}
	if c.Filter != filter {
		return Cursor{}, ErrFilterMismatch
	}
	return c, nil
}

// Fingerprint returns a 16-hex-digit SHA-256 fingerprint of parts joined with "\x00", for Cursor.Filter.
func Fingerprint(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:8])
}

// Page sizes of list requests (AIP-158). MaxPageSize is what people (and every caller of Page) may ask for;
// MaxServicePageSize is the larger bound a list may grant suite services (identity role SERVICE) through
// PageUpTo, for their whole-round reads.
const (
	DefaultPageSize    = 20
	MaxPageSize        = 100
	MaxServicePageSize = 1000
)

// Page validates a list request's page_size and page_token: the size to fetch (0 means the default) and the
// position to continue from. Errors carry the stable reasons INVALID_PAGE_SIZE and INVALID_PAGE_TOKEN.
func (s *Signer) Page(pageSize int32, token, filter string) (int, Cursor, error) {
	return s.PageUpTo(pageSize, token, filter, MaxPageSize)
}

// PageUpTo is Page with another largest page size, maxSize (e.g. MaxServicePageSize for suite services).
func (s *Signer) PageUpTo(pageSize int32, token, filter string, maxSize int) (int, Cursor, error) {
	if pageSize < 0 || int(pageSize) > maxSize {
		return 0, Cursor{}, errs.ErrInvalidPageSize.Field("page_size", fmt.Sprintf("must be between 0 and %d", maxSize))
	}
	size := int(pageSize)
	if size == 0 {
		size = DefaultPageSize
	}
	cur, err := s.Decode(token, filter)
	if err != nil {
		return 0, Cursor{}, errs.ErrInvalidPageToken.Field("page_token", err.Error())
	}
	return size, cur, nil
}
