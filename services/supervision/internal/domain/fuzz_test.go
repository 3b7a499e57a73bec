package domain

import (
	"testing"
	"time"
)

// FuzzParsePeriod: whatever the input, a period is accepted only in its one canonical spelling, and an
// accepted one round-trips through its sort key.
func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"2026-03", "2026-13", "2026-3", "0000-01", "9999-12", "2026-03-01", "", "２０２６-03"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePeriod(s)
		if err != nil {
			return
		}
		if p.String() != s || p.Month < time.January || p.Month > time.December || PeriodOfKey(p.Key()) != p {
			t.Fatalf("ParsePeriod(%q) = %+v", s, p)
		}
	})
}

// FuzzParseDate: an accepted day exists in the calendar, is spelled canonically and round-trips.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-03-15", "2026-02-29", "2028-02-29", "2026-04-31", "2026-3-1", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate("d", s)
		if err != nil {
			return
		}
		if d.String() != s || DateOfKey(d.Key()) != d {
			t.Fatalf("ParseDate(%q) = %+v", s, d)
		}
	})
}
