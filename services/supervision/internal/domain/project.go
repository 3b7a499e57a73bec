package domain

import (
	"slices"
	"time"
)

// Project is what supervision knows of a selected application (the applications service owns it).
type Project struct {
	ID             string
	RoundID        string
	OrgID          string
	Title          string
	Stage          string   // SELECTED, SHORTLISTED, … or "" before any outcome
	BudgetLines    []string // names of the budget items
	DurationMonths int
}

// Round is what supervision knows of a round.
type Round struct {
	ID    string
	Phase string // IMPLEMENTATION, CLOSING, …
	// PhaseEnteredAt is when the round entered its current phase: the implementation start while the phase
	// is IMPLEMENTATION.
	PhaseEnteredAt      time.Time
	MonthlyReportDueDay int
	TimeZone            string
	// PublishedAt is when the round was published (entered SOLICITATION); zero before.
	PublishedAt time.Time
	// HomeDistrict is the district most communities served must lie in, HomeDistrictMinPercent how many of
	// them in percent, as the policy says (zero values: not said; see HomeDistrictRule).
	HomeDistrict           string
	HomeDistrictMinPercent int
}

// Phases and the stage supervision cares about.
const (
	PhaseImplementation = "IMPLEMENTATION"
	StageSelected       = "SELECTED"
)

// beforeImplementation are the phases a round passes through before IMPLEMENTATION.
var beforeImplementation = []string{"DRAFT", "SOLICITATION", "SHORTLISTING", "PUBLICITY", "PROMOTION", "FINAL_REVIEW", "APPROVAL"}

// BeforeImplementation reports whether the round has not reached IMPLEMENTATION yet.
func (r Round) BeforeImplementation() bool { return slices.Contains(beforeImplementation, r.Phase) }

// Calendar is the implementation calendar of a project of this round (duration 0: open end). Before
// IMPLEMENTATION it is ErrRoundNotImplementing; after it, ErrImplementationUnknown.
func (r Round) Calendar(durationMonths int) (Calendar, error) {
	switch {
	case r.BeforeImplementation():
		return Calendar{}, ErrRoundNotImplementing.With("the round is in %s", r.Phase)
	case r.Phase != PhaseImplementation:
		return Calendar{}, ErrImplementationUnknown.With("the round is in %s", r.Phase)
	}
	return NewCalendar(r.TimeZone, r.MonthlyReportDueDay, r.PhaseEnteredAt, durationMonths)
}

// Supervised returns the calendar of a project that may be reported on, inspected and evaluated now: it is
// SELECTED and its round in IMPLEMENTATION.
func (p Project) Supervised(r Round) (Calendar, error) {
	if p.Stage != StageSelected {
		return Calendar{}, ErrProjectNotSelected.With("the application's stage is %q", p.Stage)
	}
	if r.Phase != PhaseImplementation {
		return Calendar{}, ErrRoundNotImplementing.With("the round is in %s", r.Phase)
	}
	return r.Calendar(p.DurationMonths)
}
