package domain

import (
	"fmt"
	"time"
)

// Period is a calendar month a monthly report covers.
type Period struct {
	Year  int
	Month time.Month
}

// ParsePeriod reads "YYYY-MM" (e.g. "2026-03"): four digits, a hyphen, a month 01 to 12, nothing else.
func ParsePeriod(s string) (Period, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil || t.Year() < 1 || t.Format("2006-01") != s {
		return Period{}, ErrInvalidPeriod.Field("period", fmt.Sprintf("%q is not a month written YYYY-MM", s))
	}
	return Period{t.Year(), t.Month()}, nil
}

// PeriodOf is the month an instant falls in, in loc.
func PeriodOf(t time.Time, loc *time.Location) Period {
	l := t.In(loc)
	return Period{l.Year(), l.Month()}
}

// String writes the period as "YYYY-MM".
func (p Period) String() string { return fmt.Sprintf("%04d-%02d", p.Year, int(p.Month)) }

// Next is the following month.
func (p Period) Next() Period {
	if p.Month == time.December {
		return Period{p.Year + 1, time.January}
	}
	return Period{p.Year, p.Month + 1}
}

// Before reports whether p is an earlier month than q.
func (p Period) Before(q Period) bool {
	return p.Year < q.Year || p.Year == q.Year && p.Month < q.Month
}

// Key is the period as an instant (its first day, 00:00 UTC): its sort key, which keyset pages carry.
func (p Period) Key() time.Time { return time.Date(p.Year, p.Month, 1, 0, 0, 0, 0, time.UTC) }

// PeriodOfKey is the period whose Key is t.
func PeriodOfKey(t time.Time) Period { return PeriodOf(t, time.UTC) }

// Date is a calendar day, in the time zone of the round it belongs to.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate reads "YYYY-MM-DD", refusing days that do not exist (2026-02-30); field names the request field.
func ParseDate(field, s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || t.Year() < 1 || t.Format(time.DateOnly) != s {
		return Date{}, ErrInvalidDate.Field(field, fmt.Sprintf("%q is not a day written YYYY-MM-DD", s))
	}
	return DateOfKey(t), nil
}

// DateOf is the day an instant falls on, in loc.
func DateOf(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	return Date{y, m, d}
}

// String writes the day as "YYYY-MM-DD".
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// Before reports whether d is an earlier day than e.
func (d Date) Before(e Date) bool { return d.Key().Before(e.Key()) }

// Key is the day as 00:00 UTC: how it is stored.
func (d Date) Key() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// DateOfKey is the day whose Key is t.
func DateOfKey(t time.Time) Date { return DateOf(t, time.UTC) }
