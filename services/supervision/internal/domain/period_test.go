package domain

import (
	"testing"
	"time"
)

func TestParsePeriod(t *testing.T) {
	tests := []struct {
		in   string
		want Period
		ok   bool
	}{
		{"2026-03", Period{2026, time.March}, true},
		{"2026-12", Period{2026, time.December}, true},
		{"2027-01", Period{2027, time.January}, true},
		{"2026-3", Period{}, false},
		{"2026-13", Period{}, false},
		{"2026-00", Period{}, false},
		{"26-03", Period{}, false},
		{"2026/03", Period{}, false},
		{"2026-03-01", Period{}, false},
		{" 2026-03", Period{}, false},
		{"2026-03 ", Period{}, false},
		{"0000-01", Period{}, false},
		{"", Period{}, false},
		{"２０２６-03", Period{}, false}, // full-width digits
	}
	for _, tt := range tests {
		got, err := ParsePeriod(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParsePeriod(%q) = %v, %v; want %v ok=%t", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && !ErrInvalidPeriod.Is(err) {
			t.Errorf("ParsePeriod(%q): error %v is not INVALID_PERIOD", tt.in, err)
		}
		if tt.ok && got.String() != tt.in {
			t.Errorf("%v.String() = %q, want %q", got, got.String(), tt.in)
		}
	}
}

func TestPeriodArithmetic(t *testing.T) {
	if got := (Period{2026, time.December}).Next(); got != (Period{2027, time.January}) {
		t.Errorf("December.Next() = %v", got)
	}
	if got := (Period{2026, time.March}).Next(); got != (Period{2026, time.April}) {
		t.Errorf("March.Next() = %v", got)
	}
	a, b := Period{2026, time.December}, Period{2027, time.January}
	if !a.Before(b) || b.Before(a) || a.Before(a) {
		t.Error("Before is wrong across a year")
	}
	if PeriodOfKey(a.Key()) != a {
		t.Error("Key does not round-trip")
	}
	// 31 March 16:30 UTC is already 1 April in Shanghai.
	sh := mustLoad(t, "Asia/Shanghai")
	if got := PeriodOf(time.Date(2026, 3, 31, 16, 30, 0, 0, time.UTC), sh); got != (Period{2026, time.April}) {
		t.Errorf("PeriodOf in Shanghai = %v, want 2026-04", got)
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"2026-03-15", true},
		{"2028-02-29", true}, // leap year
		{"2026-02-29", false},
		{"2026-02-30", false},
		{"2026-04-31", false},
		{"2026-3-15", false},
		{"2026-03-15T00:00:00Z", false},
		{"", false},
	}
	for _, tt := range tests {
		d, err := ParseDate("visited_on", tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("ParseDate(%q) = %v, %v; want ok=%t", tt.in, d, err, tt.ok)
			continue
		}
		if err != nil {
			if e := reasonAndField(err); e != "INVALID_DATE visited_on" {
				t.Errorf("ParseDate(%q): %s", tt.in, e)
			}
			continue
		}
		if d.String() != tt.in || DateOfKey(d.Key()) != d {
			t.Errorf("ParseDate(%q) = %v does not round-trip", tt.in, d)
		}
	}
}
