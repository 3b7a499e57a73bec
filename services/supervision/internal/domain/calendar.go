package domain

import (
	"fmt"
	"time"
)

// Calendar is a project's implementation in its round's calendar: the months it reports on and the day
// each report is due, counted in the round's time zone.
type Calendar struct {
	loc    *time.Location
	dueDay int
	start  time.Time // when the round entered IMPLEMENTATION
	months int       // the project's duration; 0 leaves the end open
}

// NewCalendar returns the calendar of a project that started (its round entered IMPLEMENTATION) at start and
// runs for durationMonths (0: no end), under a policy naming its time zone and its monthly report due day
// (1 to 28, as the applications service's policy validation allows).
func NewCalendar(timeZone string, dueDay int, start time.Time, durationMonths int) (Calendar, error) {
	loc, err := time.LoadLocation(timeZone)
	if err != nil || timeZone == "" {
		return Calendar{}, ErrInvalidCalendar.With("time zone %q: %v", timeZone, err)
	}
	if dueDay < 1 || dueDay > 28 {
		return Calendar{}, ErrInvalidCalendar.With("monthly report due day %d is not between 1 and 28", dueDay)
	}
	if start.IsZero() {
		return Calendar{}, ErrImplementationUnknown
	}
	return Calendar{loc: loc, dueDay: dueDay, start: start, months: max(durationMonths, 0)}, nil
}

// Location is the round's time zone.
func (c Calendar) Location() *time.Location { return c.loc }

// Start is when the implementation began.
func (c Calendar) Start() time.Time { return c.start }

// FirstPeriod is the month the implementation began in.
func (c Calendar) FirstPeriod() Period { return PeriodOf(c.start, c.loc) }

// LastPeriod is the last month the project runs in: the month holding the last instant before start plus its
// duration (a project started on 15 March for 12 months reports on March to the next March). ok is false
// when the duration is open.
func (c Calendar) LastPeriod() (p Period, ok bool) {
	if c.months == 0 {
		return Period{}, false
	}
	end := c.start.In(c.loc).AddDate(0, c.months, 0)
	return PeriodOf(end.Add(-time.Nanosecond), c.loc), true
}

// DueDate is the last day a period's report is on time: the due day of the following month.
func (c Calendar) DueDate(p Period) Date {
	n := p.Next()
	return Date{n.Year, n.Month, c.dueDay}
}

// OverdueFrom is the instant a period's missing report becomes overdue: 00:00 local time of the day after
// its due date.
func (c Calendar) OverdueFrom(p Period) time.Time {
	d := c.DueDate(p)
	return time.Date(d.Year, d.Month, d.Day+1, 0, 0, 0, 0, c.loc)
}

// Overdue reports whether a period's report is overdue at now (when it is missing).
func (c Calendar) Overdue(p Period, now time.Time) bool { return !now.Before(c.OverdueFrom(p)) }

// inRange reports whether p is a month of the implementation, up to the month of now.
func (c Calendar) inRange(p Period, now time.Time) bool {
	if p.Before(c.FirstPeriod()) || PeriodOf(now, c.loc).Before(p) {
		return false
	}
	last, bounded := c.LastPeriod()
	return !bounded || !last.Before(p)
}

// CheckReportPeriod refuses a report on a month outside the implementation or after the current month.
func (c Calendar) CheckReportPeriod(p Period, now time.Time) error {
	if !c.inRange(p, now) {
		last, bounded := c.LastPeriod()
		span := fmt.Sprintf("from %s", c.FirstPeriod())
		if bounded {
			span += fmt.Sprintf(" to %s", last)
		}
		return ErrPeriodOutside.Field("period", fmt.Sprintf("%s is not a month of the implementation (%s) up to the current month %s",
			p, span, PeriodOf(now, c.loc)))
	}
	return nil
}

// CheckDay refuses a day before the implementation began or after today (in the round's time zone).
func (c Calendar) CheckDay(field string, d Date, now time.Time) error {
	first, today := DateOf(c.start, c.loc), DateOf(now, c.loc)
	if d.Before(first) || today.Before(d) {
		return ErrDateOutside.Field(field, fmt.Sprintf("%s is not between %s (implementation start) and %s (today)", d, first, today))
	}
	return nil
}

// OverduePeriods lists, earliest first, the implementation's months whose report is overdue at now and not
// filed.
func (c Calendar) OverduePeriods(now time.Time, filed func(Period) bool) []Period {
	var out []Period
	last, bounded := c.LastPeriod()
	for p := c.FirstPeriod(); c.Overdue(p, now) && (!bounded || !last.Before(p)); p = p.Next() {
		if !filed(p) {
			out = append(out, p)
		}
	}
	return out
}
