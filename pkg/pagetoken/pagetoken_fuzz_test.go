package pagetoken

import (
	"testing"
	"time"
	"unicode/utf8"
)

func FuzzDecode(f *testing.F) {
	s := NewSigner(key1)
	for _, c := range sampleCursors() {
		f.Add(s.Encode(c), c.Filter)
	}
	for _, g := range []string{"", ".", "a.b", "e30.AAAA", "e30", "\n", "!!.!!"} {
		f.Add(g, "")
	}
	f.Fuzz(func(t *testing.T, token, filter string) {
		c, err := s.Decode(token, filter) // must not panic
		if err != nil || token == "" {
			return
		}
		if c.Filter != filter {
			t.Fatalf("accepted token for filter %q with cursor filter %q", filter, c.Filter)
		}
		if re := s.Encode(c); re != token {
			t.Fatalf("re-encoding %q gave %q", token, re)
		}
	})
}

func FuzzRoundTrip(f *testing.F) {
	f.Add("acct_1", int64(1700000000), int64(5), "ff")
	f.Add("", int64(0), int64(0), "")
	f.Add("中文", int64(-62135596800), int64(0), "x")
	s := NewSigner(key1)
	f.Fuzz(func(t *testing.T, after string, sec, nsec int64, filter string) {
		if !utf8.ValidString(after) || !utf8.ValidString(filter) {
			return // documented: invalid UTF-8 is replaced by U+FFFD
		}
		c := Cursor{After: after, AfterTime: time.Unix(sec, nsec), Filter: filter}
		tok := s.Encode(c)
		got, err := s.Decode(tok, filter)
		if err != nil {
			// Only times whose Unix() overflows int64 can fail to round-trip.
			if sec > -1<<62 && sec < 1<<62 {
				t.Fatalf("Decode(Encode(%+v)): %v", c, err)
			}
			return
		}
		if got.After != after || got.Filter != filter {
			t.Fatalf("got %+v, want %+v", got, c)
		}
		if !got.AfterTime.Equal(c.AfterTime) || got.AfterTime.IsZero() != c.AfterTime.IsZero() {
			t.Fatalf("time %v round-tripped to %v", c.AfterTime, got.AfterTime)
		}
		if s.Encode(got) != tok {
			t.Fatal("re-encoding changed the token")
		}
	})
}
