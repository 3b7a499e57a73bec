package pagetoken

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
)

var (
	key1 = bytes.Repeat([]byte{1}, 32)
	key2 = bytes.Repeat([]byte{2}, 32)
)

func sampleCursors() []Cursor {
	shanghai := time.FixedZone("CST", 8*3600)
	return []Cursor{
		{},
		{After: "acct_01HZX3"},
		{After: "acct_01HZX3", AfterTime: time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC), Filter: Fingerprint("status=open", "order=created_at desc")},
		{AfterTime: time.Unix(0, 0)}, // the Unix epoch is not the zero time
		{AfterTime: time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC)},
		{AfterTime: time.Date(-5000, 1, 1, 0, 0, 0, 0, time.UTC)},
		{AfterTime: time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC)},
		{AfterTime: time.Date(2024, 1, 1, 8, 0, 0, 500, shanghai), After: "中文<&>\"\\\x00", Filter: "f"},
		{After: strings.Repeat("x", 1000), AfterTime: time.Now()},
	}
}

func TestRoundTrip(t *testing.T) {
	s := NewSigner(key1)
	for _, c := range sampleCursors() {
		tok := s.Encode(c)
		if strings.ContainsAny(tok, "=+/ ") || strings.Count(tok, ".") != 1 {
			t.Fatalf("token %q is not unpadded base64url.base64url", tok)
		}
		got, err := s.Decode(tok, c.Filter)
		if err != nil {
			t.Fatalf("Decode(Encode(%+v)): %v", c, err)
		}
		if got.After != c.After || got.Filter != c.Filter || !got.AfterTime.Equal(c.AfterTime) || got.AfterTime.IsZero() != c.AfterTime.IsZero() {
			t.Fatalf("round trip: got %+v, want %+v", got, c)
		}
		if !got.AfterTime.IsZero() && got.AfterTime.Location() != time.UTC {
			t.Fatalf("AfterTime location = %v, want UTC", got.AfterTime.Location())
		}
		if s.Encode(got) != tok {
			t.Fatalf("re-encoding changed the token")
		}
	}
}

func TestDeterministicAndCompact(t *testing.T) {
	s := NewSigner(key1)
	c := Cursor{After: "a1", AfterTime: time.Unix(1700000000, 5), Filter: "ff"}
	if s.Encode(c) != s.Encode(c) {
		t.Fatal("Encode is not deterministic")
	}
	p, _, _ := strings.Cut(s.Encode(c), ".")
	raw, _ := base64.RawURLEncoding.DecodeString(p)
	if want := `{"a":"a1","t":1700000000,"n":5,"f":"ff"}`; string(raw) != want {
		t.Fatalf("payload = %s, want %s", raw, want)
	}
}

func TestEmptyToken(t *testing.T) {
	c, err := NewSigner(key1).Decode("", "anything")
	if err != nil || c != (Cursor{}) {
		t.Fatalf("Decode(\"\") = %+v, %v", c, err)
	}
}

// resign builds a token from an arbitrary payload with a correct signature.
func resign(s *Signer, payload string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(payload)) + "." + base64.RawURLEncoding.EncodeToString(s.mac([]byte(payload)))
}

func TestTamperedPayload(t *testing.T) {
	s := NewSigner(key1)
	tok := s.Encode(Cursor{After: "id_100", Filter: "f"})
	_, sig, _ := strings.Cut(tok, ".")
	forged := base64.RawURLEncoding.EncodeToString([]byte(`{"a":"id_999","f":"f"}`)) + "." + sig
	if _, err := s.Decode(forged, "f"); !errors.Is(err, ErrSignature) {
		t.Fatalf("forged payload: err = %v, want ErrSignature", err)
	}
	// Flip one character in every position: never accepted.
	for i := range tok {
		if tok[i] == '.' {
			continue
		}
		b := []byte(tok)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		_, err := s.Decode(string(b), "f")
		if !errors.Is(err, ErrSignature) && !errors.Is(err, ErrMalformed) {
			t.Fatalf("modified position %d: err = %v", i, err)
		}
	}
}

func TestOtherKey(t *testing.T) {
	tok := NewSigner(key1).Encode(Cursor{After: "x", Filter: "f"})
	if _, err := NewSigner(key2).Decode(tok, "f"); !errors.Is(err, ErrSignature) {
		t.Fatalf("err = %v, want ErrSignature", err)
	}
}

func TestFilterMismatch(t *testing.T) {
	s := NewSigner(key1)
	fa, fb := Fingerprint("status=open"), Fingerprint("status=closed")
	tok := s.Encode(Cursor{After: "x", Filter: fa})
	if _, err := s.Decode(tok, fb); !errors.Is(err, ErrFilterMismatch) {
		t.Fatalf("err = %v, want ErrFilterMismatch", err)
	}
	if _, err := s.Decode(tok, ""); !errors.Is(err, ErrFilterMismatch) {
		t.Fatalf("empty filter: err = %v, want ErrFilterMismatch", err)
	}
	if c, err := s.Decode(tok, fa); err != nil || c.After != "x" {
		t.Fatalf("matching filter: %+v, %v", c, err)
	}
}

func TestGarbage(t *testing.T) {
	s := NewSigner(key1)
	good := s.Encode(Cursor{After: "x"})
	p, sig, _ := strings.Cut(good, ".")
	cases := []string{
		".", "a", "a.", ".a", "a.b.c", "!!!.!!!", p, p + ".", "." + sig,
		p + "." + sig + ".", p + "." + sig + "=", p + "=." + sig,
		p + "." + sig[:len(sig)-1], // 31.x-byte signature
		p + "." + base64.RawURLEncoding.EncodeToString([]byte("short")),
		p + ".\n" + sig, p[:2] + "\r\n" + p[2:] + "." + sig,
		strings.ReplaceAll(good, "-", "+"),
		base64.StdEncoding.EncodeToString([]byte(`{"a":"x"}`)) + "." + sig,
		" " + good, good + " ",
	}
	for _, tok := range cases {
		if tok == good {
			continue
		}
		if _, err := s.Decode(tok, ""); !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrSignature) {
			t.Errorf("Decode(%q) err = %v, want ErrMalformed or ErrSignature", tok, err)
		}
	}
	// Correctly signed but non-canonical or invalid payloads are malformed.
	for _, payload := range []string{
		``, `null`, `[]`, `"x"`, `{`, `{"a":1}`, `{"z":"x"}`, `{"a":"x"} `, ` {"a":"x"}`,
		`{"a":"x"}{}`, `{"A":"x"}`, `{"a":"x","a":"y"}`, `{"f":"","a":"x"}`, `{"a":""}`,
		`{"t":0,"n":1000000000}`, `{"t":0,"n":-1}`, `{"n":5}`, `{"t":1.5}`, `{"a":"\u0041"}`,
		`{"a":"\u003c"}`, `{"t":-62135596800}`,
	} {
		if _, err := s.Decode(resign(s, payload), ""); !errors.Is(err, ErrMalformed) {
			t.Errorf("payload %s: err = %v, want ErrMalformed", payload, err)
		}
	}
	// The canonical forms of the same cursors are accepted.
	for _, payload := range []string{`{}`, `{"a":"x"}`, `{"a":"<"}`, `{"t":0,"n":999999999}`, `{"t":0}`} {
		if _, err := s.Decode(resign(s, payload), ""); err != nil {
			t.Errorf("canonical payload %s: %v", payload, err)
		}
	}
}

func TestFingerprint(t *testing.T) {
	a := Fingerprint("status=open", "order=id")
	if len(a) != 16 || strings.Trim(a, "0123456789abcdef") != "" {
		t.Fatalf("Fingerprint = %q, want 16 lower-case hex digits", a)
	}
	if a != Fingerprint("status=open", "order=id") {
		t.Fatal("not deterministic")
	}
	if a == Fingerprint("order=id", "status=open") || a == Fingerprint("status=openorder=id") || a == Fingerprint("status=open", "order=id", "") {
		t.Fatal("different parts share a fingerprint")
	}
	// sha256("a\x00b") = 59b271ae1bbcb1d3... (checked with sha256sum); must stay stable.
	if got := Fingerprint("a", "b"); got != "59b271ae1bbcb1d3" {
		t.Fatalf("Fingerprint(a, b) = %s", got)
	}
}

func TestNewSignerShortKey(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("NewSigner with a short key did not panic")
		}
	}()
	NewSigner(make([]byte, 15))
}

func TestSignerCopiesKey(t *testing.T) {
	k := bytes.Clone(key1)
	s := NewSigner(k)
	tok := s.Encode(Cursor{After: "x"})
	k[0] ^= 0xff
	if _, err := s.Decode(tok, ""); err != nil {
		t.Fatalf("mutating the caller's key affected the Signer: %v", err)
	}
}

func TestPage(t *testing.T) {
	s := NewSigner([]byte("0123456789abcdef0123"))
	token := s.Encode(Cursor{After: "id-9", Filter: "f"})
	for _, c := range []struct {
		size   int32
		token  string
		want   int
		reason string
	}{
		{0, "", DefaultPageSize, ""},
		{1, "", 1, ""},
		{MaxPageSize, token, MaxPageSize, ""},
		{MaxPageSize + 1, "", 0, "INVALID_PAGE_SIZE"},
		{-1, "", 0, "INVALID_PAGE_SIZE"},
		{5, token + "x", 0, "INVALID_PAGE_TOKEN"},
	} {
		size, cur, err := s.Page(c.size, c.token, "f")
		reason := ""
		if e, ok := errs.As(err); ok {
			reason = e.Reason
		}
		if reason != c.reason || size != c.want {
			t.Errorf("Page(%d, %q) = %d, %v; want %d, reason %q", c.size, c.token, size, err, c.want, c.reason)
		}
		if err == nil && c.token != "" && cur.After != "id-9" {
			t.Errorf("cursor = %+v", cur)
		}
	}
	if _, _, err := s.Page(5, token, "other filter"); err == nil {
		t.Error("a token reused with other filters was accepted")
	}
}

// TestPageUpTo: a list that grants suite services larger pages accepts up to its bound, no more.
func TestPageUpTo(t *testing.T) {
	s := NewSigner([]byte("0123456789abcdef0123"))
	if size, _, err := s.PageUpTo(MaxServicePageSize, "", "f", MaxServicePageSize); err != nil || size != MaxServicePageSize {
		t.Fatalf("PageUpTo(%d) = %d, %v", MaxServicePageSize, size, err)
	}
	if size, _, err := s.PageUpTo(0, "", "f", MaxServicePageSize); err != nil || size != DefaultPageSize {
		t.Fatalf("PageUpTo(0) = %d, %v", size, err)
	}
	if _, _, err := s.PageUpTo(MaxServicePageSize+1, "", "f", MaxServicePageSize); err == nil {
		t.Fatal("a page larger than the bound was accepted")
	}
}
