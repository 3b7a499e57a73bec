package sealed

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"
)

const bind = "applications.organizations.id_number_sealed/0b0e6c9e-0000-4000-8000-000000000001"

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func newBox(t *testing.T, b byte) *Box {
	t.Helper()
	box, err := New(testKey(b))
	if err != nil {
		t.Fatal(err)
	}
	return box
}

func TestNewKeyLength(t *testing.T) {
	for _, n := range []int{0, 16, 24, 31, 33, 64} {
		if _, err := New(make([]byte, n)); !errors.Is(err, ErrKey) {
			t.Errorf("New(%d bytes) err = %v, want ErrKey", n, err)
		}
	}
}

func TestNewFromBase64(t *testing.T) {
	key := make([]byte, KeySize)
	for i := range key {
		key[i] = byte(i * 7)
	}
	ref, _ := New(key)
	want := ref.BlindIndex("x")
	for _, s := range []string{
		base64.StdEncoding.EncodeToString(key),
		base64.RawStdEncoding.EncodeToString(key),
		base64.URLEncoding.EncodeToString(key),
		base64.RawURLEncoding.EncodeToString(key),
		" " + base64.StdEncoding.EncodeToString(key) + "\n",
	} {
		b, err := NewFromBase64(s)
		if err != nil {
			t.Fatalf("NewFromBase64(%q): %v", s, err)
		}
		if !bytes.Equal(b.BlindIndex("x"), want) {
			t.Errorf("NewFromBase64(%q) produced a different key", s)
		}
	}
	for _, s := range []string{"", "not base64!", base64.StdEncoding.EncodeToString(key[:31]), base64.StdEncoding.EncodeToString(append(key, 0))} {
		if _, err := NewFromBase64(s); !errors.Is(err, ErrKey) {
			t.Errorf("NewFromBase64(%q) err = %v, want ErrKey", s, err)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	box := newBox(t, 1)
	for _, pt := range []string{"990101199003071237", "13812345678", "x", "中文姓名", strings.Repeat("a", 10000), "\x00\xff"} {
		ct, err := box.Seal(pt, bind)
		if err != nil {
			t.Fatal(err)
		}
		if len(ct) != 2+1+12+len(pt)+16 || ct[0] != 2 || ct[1] != 1 || ct[2] != '1' {
			t.Fatalf("unexpected layout: len %d, version %d", len(ct), ct[0])
		}
		// Short plaintexts occur in random bytes by chance; only long ones say something.
		if len(pt) >= 8 && bytes.Contains(ct, []byte(pt)) {
			t.Fatalf("ciphertext contains plaintext")
		}
		got, err := box.Open(ct, bind)
		if err != nil || got != pt {
			t.Fatalf("Open = %q, %v; want %q", got, err, pt)
		}
	}
}

func TestEmpty(t *testing.T) {
	box := newBox(t, 1)
	ct, err := box.Seal("", bind)
	if ct != nil || err != nil {
		t.Fatalf("Seal(\"\") = %v, %v; want nil, nil", ct, err)
	}
	for _, in := range [][]byte{nil, {}} {
		if s, err := box.Open(in, bind); s != "" || err != nil {
			t.Fatalf("Open(%v) = %q, %v; want \"\", nil", in, s, err)
		}
	}
}

func TestSealsDiffer(t *testing.T) {
	box := newBox(t, 1)
	a, _ := box.Seal("990101199003071237", bind)
	b, _ := box.Seal("990101199003071237", bind)
	if bytes.Equal(a, b) {
		t.Fatal("two seals of the same plaintext are identical")
	}
	if bytes.Equal(a[3:15], b[3:15]) {
		t.Fatal("nonce reused")
	}
}

func TestTamper(t *testing.T) {
	box := newBox(t, 1)
	ct, err := box.Seal("13812345678", bind)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ct {
		for _, bit := range []byte{0x01, 0x80} {
			mod := bytes.Clone(ct)
			mod[i] ^= bit
			if s, err := box.Open(mod, bind); !errors.Is(err, ErrOpen) || s != "" {
				t.Fatalf("flip byte %d bit %#x: Open = %q, %v; want ErrOpen", i, bit, s, err)
			}
		}
	}
	for n := 1; n < len(ct); n++ {
		if _, err := box.Open(ct[:n], bind); !errors.Is(err, ErrOpen) {
			t.Fatalf("truncated to %d: err = %v, want ErrOpen", n, err)
		}
	}
	if _, err := box.Open(append(bytes.Clone(ct), 0), bind); !errors.Is(err, ErrOpen) {
		t.Fatalf("extended: err = %v, want ErrOpen", err)
	}
}

func TestWrongKey(t *testing.T) {
	ct, _ := newBox(t, 1).Seal("990101199003071237", bind)
	if s, err := newBox(t, 2).Open(ct, bind); !errors.Is(err, ErrOpen) || s != "" {
		t.Fatalf("Open with wrong key = %q, %v; want ErrOpen", s, err)
	}
}

func TestBlindIndex(t *testing.T) {
	a, b := newBox(t, 1), newBox(t, 2)
	a2 := newBox(t, 1)
	x1 := a.BlindIndex("990101199003071237")
	if len(x1) != 32 {
		t.Fatalf("len = %d", len(x1))
	}
	if !bytes.Equal(x1, a.BlindIndex("990101199003071237")) || !bytes.Equal(x1, a2.BlindIndex("990101199003071237")) {
		t.Fatal("blind index not deterministic")
	}
	if bytes.Equal(x1, a.BlindIndex("990101199003071238")) {
		t.Fatal("different plaintexts share an index")
	}
	if bytes.Equal(x1, b.BlindIndex("990101199003071237")) {
		t.Fatal("blind index does not depend on key")
	}
	if a.BlindIndex("") != nil {
		t.Fatal("empty plaintext should give nil index")
	}
}

func TestZeroBox(t *testing.T) {
	var nilBox *Box
	if _, err := nilBox.Seal("x", bind); err == nil {
		t.Error("nil Box Seal: want error")
	}
	if _, err := (&Box{}).Open([]byte{1, 2, 3}, bind); err == nil {
		t.Error("zero Box Open: want error")
	}
}

func TestConcurrent(t *testing.T) {
	box := newBox(t, 3)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				ct, err := box.Seal("13812345678", bind)
				if err != nil {
					t.Error(err)
					return
				}
				if s, err := box.Open(ct, bind); err != nil || s != "13812345678" {
					t.Error(s, err)
					return
				}
				box.BlindIndex("13812345678")
			}
		}()
	}
	wg.Wait()
}
