package sealed

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func ring(t *testing.T, keys ...Key) *Box {
	t.Helper()
	b, err := NewKeyring(keys)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// legacySeal produces the format-1 value the previous version of Seal wrote.
func legacySeal(t *testing.T, key []byte, pt string) []byte {
	t.Helper()
	block, _ := aes.NewCipher(key)
	aead, _ := cipher.NewGCM(block)
	out := make([]byte, 1+nonceSize)
	out[0] = version1
	copy(out[1:], "fixed-nonce!")
	return aead.Seal(out, out[1:1+nonceSize], []byte(pt), nil)
}

func TestBindingRefusesAnotherRowOrColumn(t *testing.T) {
	box := newBox(t, 1)
	row := Binding("applications", "organizations", "id_number_sealed", "a")
	ct, err := box.Seal("990101199003071237", row)
	if err != nil {
		t.Fatal(err)
	}
	for _, other := range []string{
		Binding("applications", "organizations", "id_number_sealed", "b"),
		Binding("applications", "organizations", "phone_sealed", "a"),
		Binding("donations", "donors", "id_number_sealed", "a"),
		"",
	} {
		if s, err := box.Open(ct, other); !errors.Is(err, ErrOpen) || s != "" {
			t.Errorf("Open bound to %q = %q, %v; want ErrOpen", other, s, err)
		}
	}
	if s, err := box.Open(ct, row); err != nil || s != "990101199003071237" {
		t.Fatalf("Open = %q, %v", s, err)
	}
}

func TestRotation(t *testing.T) {
	old := ring(t, Key{ID: "k1", Key: testKey(1)})
	ct1, _ := old.Seal("13812345678", bind)
	rotated := ring(t, Key{ID: "k2", Key: testKey(2)}, Key{ID: "k1", Key: testKey(1)})
	if rotated.NewestKeyID() != "k2" {
		t.Fatalf("newest = %q", rotated.NewestKeyID())
	}
	if s, err := rotated.Open(ct1, bind); err != nil || s != "13812345678" {
		t.Fatalf("old value under rotated keys: %q, %v", s, err)
	}
	if rotated.Current(ct1) {
		t.Fatal("value under k1 reported current")
	}
	ct2, changed, err := rotated.Reseal(ct1, bind)
	if err != nil || !changed {
		t.Fatalf("Reseal = %v, %v", changed, err)
	}
	if id, legacy, _ := KeyID(ct2); id != "k2" || legacy {
		t.Fatalf("resealed under %q (legacy %v)", id, legacy)
	}
	if again, changed, err := rotated.Reseal(ct2, bind); err != nil || changed || !bytes.Equal(again, ct2) {
		t.Fatalf("second Reseal = %v, %v; want unchanged", changed, err)
	}
	// Once every value is resealed, the old key can go.
	onlyNew := ring(t, Key{ID: "k2", Key: testKey(2)})
	if s, err := onlyNew.Open(ct2, bind); err != nil || s != "13812345678" {
		t.Fatalf("resealed value under the new key alone: %q, %v", s, err)
	}
	// Blind indexes follow the oldest key, so they survive adding a newer one.
	if !bytes.Equal(old.BlindIndex("x"), rotated.BlindIndex("x")) {
		t.Fatal("blind index changed when a newer key was added")
	}
}

func TestUnknownKeyID(t *testing.T) {
	ct, _ := ring(t, Key{ID: "k9", Key: testKey(9)}).Seal("13812345678", bind)
	_, err := ring(t, Key{ID: "k2", Key: testKey(2)}, Key{ID: "k1", Key: testKey(1)}).Open(ct, bind)
	if !errors.Is(err, ErrUnknownKey) || !errors.Is(err, ErrOpen) || !strings.Contains(err.Error(), `"k9"`) {
		t.Fatalf("err = %v; want ErrUnknownKey naming k9", err)
	}
}

func TestLegacyValuesOpen(t *testing.T) {
	ct := legacySeal(t, testKey(1), "990101199003071237")
	for _, box := range []*Box{newBox(t, 1), ring(t, Key{ID: "k2", Key: testKey(2)}, Key{ID: "1", Key: testKey(1)})} {
		if s, err := box.Open(ct, bind); err != nil || s != "990101199003071237" {
			t.Fatalf("legacy Open = %q, %v", s, err)
		}
		if box.Current(ct) {
			t.Fatal("legacy value reported current")
		}
		out, changed, err := box.Reseal(ct, bind)
		if err != nil || !changed || out[0] != version2 {
			t.Fatalf("Reseal legacy = %v, %v", changed, err)
		}
		if s, err := box.Open(out, bind); err != nil || s != "990101199003071237" {
			t.Fatalf("resealed legacy Open = %q, %v", s, err)
		}
	}
	if _, err := newBox(t, 2).Open(ct, bind); !errors.Is(err, ErrOpen) {
		t.Fatalf("legacy value under another key: err = %v", err)
	}
}

func TestParseKeys(t *testing.T) {
	k1 := base64.StdEncoding.EncodeToString(testKey(1))
	k2 := base64.RawURLEncoding.EncodeToString(testKey(2))
	b, err := ParseKeys(" k2:" + k2 + " , k1:" + k1)
	if err != nil || b.NewestKeyID() != "k2" {
		t.Fatalf("ParseKeys = %v, %v", b, err)
	}
	ct, _ := ring(t, Key{ID: "k1", Key: testKey(1)}).Seal("x", bind)
	if s, err := b.Open(ct, bind); err != nil || s != "x" {
		t.Fatalf("Open = %q, %v", s, err)
	}
	single, err := ParseKeys(k1)
	if err != nil || single.NewestKeyID() != DefaultKeyID {
		t.Fatalf("single key: %v, %v", single, err)
	}
	for _, bad := range []string{"", ",", "k1:" + k1 + ",k1:" + k2, "bad id:" + k1, "k1:notbase64!", "k1:" + base64.StdEncoding.EncodeToString(testKey(1)[:16]),
		strings.Repeat("a", 33) + ":" + k1} {
		if _, err := ParseKeys(bad); !errors.Is(err, ErrKey) {
			t.Errorf("ParseKeys(%q) err = %v; want ErrKey", bad, err)
		}
	}
}
