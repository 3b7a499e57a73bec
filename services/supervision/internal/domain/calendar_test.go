package domain

import (
	"slices"
	"testing"
	"time"
)

// TestOverdueBoundary: with due day 10, a month's report is on time through the 10th of the following month
// and overdue from the 11th at 00:00 in the round's time zone, not in UTC or the machine's zone.
func TestOverdueBoundary(t *testing.T) {
	sh := mustLoad(t, "Asia/Shanghai")
	start := time.Date(2026, 3, 15, 10, 0, 0, 0, sh) // the round entered IMPLEMENTATION
	march := Period{2026, time.March}
	tests := []struct {
		name    string
		tz      string
		dueDay  int
		period  Period
		now     time.Time
		overdue bool
	}{
		{"on the 10th at 00:00", "Asia/Shanghai", 10, march, time.Date(2026, 4, 10, 0, 0, 0, 0, sh), false},
		{"on the 10th at 23:59:59.999999999", "Asia/Shanghai", 10, march, time.Date(2026, 4, 10, 23, 59, 59, 999_999_999, sh), false},
		{"on the 11th at 00:00 local", "Asia/Shanghai", 10, march, time.Date(2026, 4, 11, 0, 0, 0, 0, sh), true},
		{"still the 10th in UTC but the 11th in Shanghai", "Asia/Shanghai", 10, march, time.Date(2026, 4, 10, 16, 0, 0, 0, time.UTC), true},
		{"one nanosecond before, seen in UTC", "Asia/Shanghai", 10, march, time.Date(2026, 4, 10, 15, 59, 59, 999_999_999, time.UTC), false},
		{"a UTC round at that instant is not overdue", "UTC", 10, march, time.Date(2026, 4, 10, 16, 0, 0, 0, time.UTC), false},
		{"a UTC round on its 11th", "UTC", 10, march, time.Date(2026, 4, 11, 0, 0, 0, 0, time.UTC), true},
		{"the same month, long before", "Asia/Shanghai", 10, march, time.Date(2026, 3, 31, 12, 0, 0, 0, sh), false},
		{"December is due in January", "Asia/Shanghai", 10, Period{2026, time.December}, time.Date(2027, 1, 11, 0, 0, 0, 0, sh), true},
		{"December on 10 January", "Asia/Shanghai", 10, Period{2026, time.December}, time.Date(2027, 1, 10, 12, 0, 0, 0, sh), false},
		{"due day 1: on the 1st", "Asia/Shanghai", 1, march, time.Date(2026, 4, 1, 23, 0, 0, 0, sh), false},
		{"due day 1: on the 2nd", "Asia/Shanghai", 1, march, time.Date(2026, 4, 2, 0, 0, 0, 0, sh), true},
		{"due day 28, February of a common year: on 1 March", "Asia/Shanghai", 28, Period{2027, time.January}, time.Date(2027, 3, 1, 0, 0, 0, 0, sh), true},
		{"due day 28, February of a common year: on 28 February", "Asia/Shanghai", 28, Period{2027, time.January}, time.Date(2027, 2, 28, 23, 0, 0, 0, sh), false},
		{"due day 28, February of a leap year: on the 29th", "Asia/Shanghai", 28, Period{2028, time.January}, time.Date(2028, 2, 29, 0, 0, 0, 0, sh), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cal, err := NewCalendar(tt.tz, tt.dueDay, start, 0)
			if err != nil {
				t.Fatal(err)
			}
			if got := cal.Overdue(tt.period, tt.now); got != tt.overdue {
				t.Errorf("Overdue(%s) at %s = %t, want %t (overdue from %s)", tt.period, tt.now, got, tt.overdue, cal.OverdueFrom(tt.period))
			}
			filed := func(Period) bool { return false }
			if got := slices.Contains(cal.OverduePeriods(tt.now, filed), tt.period); got != tt.overdue && !tt.period.Before(cal.FirstPeriod()) {
				t.Errorf("OverduePeriods at %s contains %s = %t, want %t", tt.now, tt.period, got, tt.overdue)
			}
		})
	}
	cal, _ := NewCalendar("Asia/Shanghai", 10, start, 0)
	if got := cal.DueDate(march).String(); got != "2026-04-10" {
		t.Errorf("due date of March = %s", got)
	}
	if got := cal.OverdueFrom(march); !got.Equal(time.Date(2026, 4, 10, 16, 0, 0, 0, time.UTC)) {
		t.Errorf("March overdue from %s, want 2026-04-10T16:00:00Z", got)
	}
}

func TestOverduePeriods(t *testing.T) {
	sh := mustLoad(t, "Asia/Shanghai")
	midMarch := time.Date(2026, 3, 15, 10, 0, 0, 0, sh)
	firstOfMarch := time.Date(2026, 3, 1, 0, 0, 0, 0, sh)
	april := Period{2026, time.April}
	tests := []struct {
		name   string
		start  time.Time
		months int
		now    time.Time
		filed  []Period
		want   []string
	}{
		{"nothing due yet", midMarch, 12, time.Date(2026, 4, 10, 20, 0, 0, 0, sh), nil, nil},
		{"the start month counts", midMarch, 12, time.Date(2026, 4, 11, 0, 0, 0, 0, sh), nil, []string{"2026-03"}},
		{"a filed month is not overdue", midMarch, 12, time.Date(2026, 6, 11, 0, 0, 0, 0, sh), []Period{april}, []string{"2026-03", "2026-05"}},
		{"the last month is not due before its due day", midMarch, 12, time.Date(2026, 6, 10, 23, 59, 0, 0, sh), []Period{april}, []string{"2026-03"}},
		{"filed late still counts as filed", midMarch, 12, time.Date(2026, 6, 11, 0, 0, 0, 0, sh), []Period{{2026, time.March}, april, {2026, time.May}}, nil},
		{"started mid-month: two months run into May", midMarch, 2, time.Date(2027, 1, 1, 0, 0, 0, 0, sh), nil, []string{"2026-03", "2026-04", "2026-05"}},
		{"started on the 1st: two months end with April", firstOfMarch, 2, time.Date(2027, 1, 1, 0, 0, 0, 0, sh), nil, []string{"2026-03", "2026-04"}},
		{"open duration", midMarch, 0, time.Date(2026, 8, 11, 0, 0, 0, 0, sh), nil, []string{"2026-03", "2026-04", "2026-05", "2026-06", "2026-07"}},
		{"across the year end", time.Date(2026, 11, 20, 0, 0, 0, 0, sh), 12, time.Date(2027, 2, 11, 0, 0, 0, 0, sh), nil, []string{"2026-11", "2026-12", "2027-01"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cal, err := NewCalendar("Asia/Shanghai", 10, tt.start, tt.months)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range cal.OverduePeriods(tt.now, func(p Period) bool { return slices.Contains(tt.filed, p) }) {
				got = append(got, p.String())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("overdue = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCalendarBounds(t *testing.T) {
	sh := mustLoad(t, "Asia/Shanghai")
	start := time.Date(2026, 3, 15, 10, 0, 0, 0, sh)
	open, _ := NewCalendar("Asia/Shanghai", 10, start, 0)
	twoMonths, _ := NewCalendar("Asia/Shanghai", 10, start, 2)
	may20 := time.Date(2026, 5, 20, 12, 0, 0, 0, sh)
	periods := []struct {
		cal    Calendar
		period string
		now    time.Time
		want   string
	}{
		{open, "2026-02", may20, "PERIOD_OUTSIDE_IMPLEMENTATION period"},
		{open, "2026-03", may20, ""},
		{open, "2026-05", may20, ""}, // the current month may be reported at its end
		{open, "2026-06", may20, "PERIOD_OUTSIDE_IMPLEMENTATION period"},
		{twoMonths, "2026-05", may20, ""},
		{twoMonths, "2026-06", time.Date(2026, 7, 1, 0, 0, 0, 0, sh), "PERIOD_OUTSIDE_IMPLEMENTATION period"},
		// 31 May 16:30 UTC is 1 June in Shanghai: June is the current month there.
		{open, "2026-06", time.Date(2026, 5, 31, 16, 30, 0, 0, time.UTC), ""},
	}
	for _, tt := range periods {
		p, err := ParsePeriod(tt.period)
		if err != nil {
			t.Fatal(err)
		}
		if got := reasonAndField(tt.cal.CheckReportPeriod(p, tt.now)); got != tt.want {
			t.Errorf("CheckReportPeriod(%s) at %s = %q, want %q", tt.period, tt.now, got, tt.want)
		}
	}
	days := []struct {
		day  string
		now  time.Time
		want string
	}{
		{"2026-03-14", may20, "DATE_OUTSIDE_IMPLEMENTATION held_on"},
		{"2026-03-15", may20, ""}, // the start day itself
		{"2026-05-20", may20, ""},
		{"2026-05-21", may20, "DATE_OUTSIDE_IMPLEMENTATION held_on"},
		{"2026-05-21", time.Date(2026, 5, 20, 17, 0, 0, 0, time.UTC), ""}, // already the 21st in Shanghai
	}
	for _, tt := range days {
		d, err := ParseDate("held_on", tt.day)
		if err != nil {
			t.Fatal(err)
		}
		if got := reasonAndField(open.CheckDay("held_on", d, tt.now)); got != tt.want {
			t.Errorf("CheckDay(%s) at %s = %q, want %q", tt.day, tt.now, got, tt.want)
		}
	}
}

func TestCalendarRefusals(t *testing.T) {
	start := time.Date(2026, 3, 15, 2, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name   string
		tz     string
		dueDay int
		start  time.Time
		want   string
	}{
		{"unknown time zone", "Mars/Olympus_Mons", 10, start, "INVALID_ROUND_CALENDAR"},
		{"no time zone", "", 10, start, "INVALID_ROUND_CALENDAR"},
		{"due day 0", "UTC", 0, start, "INVALID_ROUND_CALENDAR"},
		{"due day 29", "UTC", 29, start, "INVALID_ROUND_CALENDAR"},
		{"no start", "UTC", 10, time.Time{}, "IMPLEMENTATION_START_UNKNOWN"},
	} {
		if _, err := NewCalendar(tt.tz, tt.dueDay, tt.start, 12); reasonAndField(err) != tt.want {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.want)
		}
	}
}

func TestSupervised(t *testing.T) {
	start := time.Date(2026, 3, 15, 2, 0, 0, 0, time.UTC)
	round := Round{ID: "r", Phase: "IMPLEMENTATION", PhaseEnteredAt: start, MonthlyReportDueDay: 10, TimeZone: "Asia/Shanghai"}
	selected := Project{ID: "p", RoundID: "r", Stage: "SELECTED", DurationMonths: 12}
	with := func(phase string) Round { r := round; r.Phase = phase; return r }
	shortlisted := selected
	shortlisted.Stage = "SHORTLISTED"
	for _, tt := range []struct {
		name string
		p    Project
		r    Round
		want string
	}{
		{"selected, implementing", selected, round, ""},
		{"not selected", shortlisted, round, "PROJECT_NOT_SELECTED"},
		{"round in approval", selected, with("APPROVAL"), "ROUND_NOT_IN_IMPLEMENTATION"},
		{"round closing", selected, with("CLOSING"), "ROUND_NOT_IN_IMPLEMENTATION"},
	} {
		cal, err := tt.p.Supervised(tt.r)
		if got := reasonAndField(err); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
		if err == nil && (!cal.Start().Equal(start) || cal.Location().String() != "Asia/Shanghai") {
			t.Errorf("%s: calendar %+v", tt.name, cal)
		}
	}
	// The overdue list of a round: nothing before IMPLEMENTATION, unknown after it.
	if _, err := with("APPROVAL").Calendar(12); reasonAndField(err) != "ROUND_NOT_IN_IMPLEMENTATION" || !with("APPROVAL").BeforeImplementation() {
		t.Errorf("calendar before implementation: %v", err)
	}
	if _, err := with("CLOSED").Calendar(12); reasonAndField(err) != "IMPLEMENTATION_START_UNKNOWN" || with("CLOSED").BeforeImplementation() {
		t.Errorf("calendar after implementation: %v", err)
	}
}
