package domain

import (
	"testing"
	"time"
)

const day = 24 * time.Hour

// everyTarget is a target a day apart for every scheduled phase, DRAFT's at t0.
func everyTarget() []PhaseTarget {
	var out []PhaseTarget
	for i, p := range ScheduledPhases {
		out = append(out, PhaseTarget{p, t0.Add(time.Duration(i) * day)})
	}
	return out
}

func TestSchedule(t *testing.T) {
	targets := []PhaseTarget{{PhaseDraft, t0.Add(day)}, {PhaseSolicitation, t0.Add(10 * day)}, {PhaseShortlisting, t0.Add(20 * day)}}
	// The round was created at t0, published at t0+2d (a day late) and closed its solicitation at t0+9d.
	history := map[Phase]time.Time{PhaseDraft: t0, PhaseSolicitation: t0.Add(2 * day), PhaseShortlisting: t0.Add(9 * day)}
	draftOnly := map[Phase]time.Time{PhaseDraft: t0}

	// entry is one expected schedule entry; the phases not listed expect nothing at all.
	type entry struct {
		entered, left   time.Time
		overdue, late   bool
		target          time.Time
		checkTargetOnly bool
	}
	tests := []struct {
		name    string
		targets []PhaseTarget
		entered map[Phase]time.Time
		current Phase
		now     time.Time
		want    map[Phase]entry
	}{
		{"no targets: history only, nothing overdue", nil, history, PhaseShortlisting, t0.Add(100 * day), map[Phase]entry{
			PhaseDraft:        {entered: t0, left: t0.Add(2 * day)},
			PhaseSolicitation: {entered: t0.Add(2 * day), left: t0.Add(9 * day)},
			PhaseShortlisting: {entered: t0.Add(9 * day)},
		}},
		{"draft before its target", targets, draftOnly, PhaseDraft, t0.Add(day), map[Phase]entry{
			PhaseDraft:        {entered: t0, target: t0.Add(day)},
			PhaseSolicitation: {target: t0.Add(10 * day)},
			PhaseShortlisting: {target: t0.Add(20 * day)},
		}},
		{"draft 1ns past its target: overdue", targets, draftOnly, PhaseDraft, t0.Add(day + 1), map[Phase]entry{
			PhaseDraft:        {entered: t0, target: t0.Add(day), overdue: true},
			PhaseSolicitation: {target: t0.Add(10 * day)},
			PhaseShortlisting: {target: t0.Add(20 * day)},
		}},
		{"a phase ahead past its target is overdue too", targets, draftOnly, PhaseDraft, t0.Add(11 * day), map[Phase]entry{
			PhaseDraft:        {entered: t0, target: t0.Add(day), overdue: true},
			PhaseSolicitation: {target: t0.Add(10 * day), overdue: true},
			PhaseShortlisting: {target: t0.Add(20 * day)},
		}},
		{"published late, solicitation on time", targets, history, PhaseShortlisting, t0.Add(15 * day), map[Phase]entry{
			PhaseDraft:        {entered: t0, left: t0.Add(2 * day), target: t0.Add(day), late: true},
			PhaseSolicitation: {entered: t0.Add(2 * day), left: t0.Add(9 * day), target: t0.Add(10 * day)},
			PhaseShortlisting: {entered: t0.Add(9 * day), target: t0.Add(20 * day)},
		}},
		{"current phase past its target", targets, history, PhaseShortlisting, t0.Add(21 * day), map[Phase]entry{
			PhaseDraft:        {entered: t0, left: t0.Add(2 * day), target: t0.Add(day), late: true},
			PhaseSolicitation: {entered: t0.Add(2 * day), left: t0.Add(9 * day), target: t0.Add(10 * day)},
			PhaseShortlisting: {entered: t0.Add(9 * day), target: t0.Add(20 * day), overdue: true},
		}},
		{"left exactly at the target: not late", []PhaseTarget{{PhaseSolicitation, t0.Add(9 * day)}}, history, PhaseShortlisting, t0.Add(30 * day), map[Phase]entry{
			PhaseDraft:        {entered: t0, left: t0.Add(2 * day)},
			PhaseSolicitation: {entered: t0.Add(2 * day), left: t0.Add(9 * day), target: t0.Add(9 * day)},
			PhaseShortlisting: {entered: t0.Add(9 * day)},
		}},
		{"exactly at the target: not overdue", []PhaseTarget{{PhaseShortlisting, t0.Add(20 * day)}}, history, PhaseShortlisting, t0.Add(20 * day), map[Phase]entry{
			PhaseDraft:        {entered: t0, left: t0.Add(2 * day)},
			PhaseSolicitation: {entered: t0.Add(2 * day), left: t0.Add(9 * day)},
			PhaseShortlisting: {entered: t0.Add(9 * day), target: t0.Add(20 * day)},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Schedule(tc.targets, tc.entered, tc.current, tc.now)
			if len(got) != len(ScheduledPhases) {
				t.Fatalf("%d entries, want one per phase DRAFT to CLOSING (%d)", len(got), len(ScheduledPhases))
			}
			anyOverdue := false
			for i, e := range got {
				if e.Phase != ScheduledPhases[i] {
					t.Fatalf("entry %d is %s, want %s", i, e.Phase, ScheduledPhases[i])
				}
				w := tc.want[e.Phase]
				if !e.Entered.Equal(w.entered) || !e.Left.Equal(w.left) || !e.Target.Equal(w.target) || e.Overdue != w.overdue || e.Late != w.late {
					t.Errorf("%s = %+v, want %+v", e.Phase, e, w)
				}
				anyOverdue = anyOverdue || w.overdue
			}
			if AnyOverdue(got) != anyOverdue {
				t.Errorf("AnyOverdue = %v, want %v", AnyOverdue(got), anyOverdue)
			}
		})
	}
}

// A round's due time is the earliest target of a phase it has not finished, so "due before now" is exactly
// "some schedule entry is overdue": the store lists overdue rounds by that one comparison.
func TestDueTimeAgreesWithTheSchedule(t *testing.T) {
	targetSets := map[string][]PhaseTarget{
		"none":  nil,
		"every": everyTarget(),
		"some":  {{PhaseSolicitation, t0.Add(3 * day)}, {PhasePromotion, t0.Add(5 * day)}, {PhaseClosing, t0.Add(9 * day)}},
		"equal": {{PhaseShortlisting, t0.Add(2 * day)}, {PhasePublicity, t0.Add(2 * day)}},
	}
	for name, targets := range targetSets {
		for i, current := range Phases {
			entered := map[Phase]time.Time{}
			for j := 0; j <= i; j++ {
				entered[Phases[j]] = t0.Add(time.Duration(j) * time.Hour)
			}
			due := DueTime(targets, current)
			for now := t0.Add(-day); now.Before(t0.Add(12 * day)); now = now.Add(12 * time.Hour) {
				overdue := AnyOverdue(Schedule(targets, entered, current, now))
				if got := !due.IsZero() && due.Before(now); got != overdue {
					t.Errorf("%s targets, %s at %v: due %v gives overdue=%v, the schedule says %v", name, current, now, due, got, overdue)
				}
			}
		}
	}
}

func TestDueTime(t *testing.T) {
	some := []PhaseTarget{{PhaseSolicitation, t0.Add(3 * day)}, {PhasePromotion, t0.Add(5 * day)}}
	tests := []struct {
		name    string
		targets []PhaseTarget
		current Phase
		want    time.Time
	}{
		{"no targets", nil, PhaseDraft, time.Time{}},
		{"draft: the first target ahead", some, PhaseDraft, t0.Add(3 * day)},
		{"in the phase with the target", some, PhaseSolicitation, t0.Add(3 * day)},
		{"past it: the next target", some, PhaseShortlisting, t0.Add(5 * day)},
		{"in the last phase with a target", some, PhasePromotion, t0.Add(5 * day)},
		{"past every target", some, PhaseFinalReview, time.Time{}},
		{"closed", everyTarget(), PhaseClosed, time.Time{}},
		{"closing", everyTarget(), PhaseClosing, t0.Add(8 * day)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := DueTime(tc.targets, tc.current); !got.Equal(tc.want) {
				t.Errorf("DueTime = %v, want %v", got, tc.want)
			}
		})
	}
}

// A round's own schedule starts with its creation and follows its phase changes.
func TestRoundSchedule(t *testing.T) {
	r, err := NewRound("r", 2026, Policy{PhaseTargets: []PhaseTarget{{PhaseDraft, t0.Add(day)}, {PhaseSolicitation, t0.Add(10 * day)}}}, notice, Document{}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Schedule(t0)[0]; !got.Entered.Equal(t0) || got.Overdue {
		t.Errorf("new round's DRAFT entry = %+v", got)
	}
	if !r.DueTime().Equal(t0.Add(day)) {
		t.Errorf("new round due %v", r.DueTime())
	}
	before := r
	r.Enter(PhaseSolicitation, t0.Add(2*day))
	if len(before.Entered) != 0 {
		t.Errorf("Enter changed a copy's history: %v", before.Entered)
	}
	s := r.Schedule(t0.Add(11 * day))
	if !s[0].Left.Equal(t0.Add(2*day)) || !s[0].Late || !s[1].Entered.Equal(t0.Add(2*day)) || !s[1].Overdue || !AnyOverdue(s) {
		t.Errorf("schedule after publication: %+v", s[:2])
	}
	if !r.DueTime().Equal(t0.Add(10 * day)) {
		t.Errorf("published round due %v", r.DueTime())
	}
}
