package domain

import (
	"fmt"
	"slices"
	"time"
)

// ScheduledPhases are the phases of a round's timetable: DRAFT to CLOSING (CLOSED is never left, so it has no
// target).
var ScheduledPhases = Phases[:len(Phases)-1]

// PhaseSchedule is one phase of a round's timetable: the policy's target and what happened.
type PhaseSchedule struct {
	Phase Phase
	// Target is by when the phase should be finished; zero without one.
	Target time.Time
	// Entered and Left are when the round entered and left the phase; zero if it has not (yet).
	Entered, Left time.Time
	// Overdue: the phase is not finished (the round is in it or before it) and its target has passed.
	Overdue bool
	// Late: the phase was finished after its target.
	Late bool
}

// Schedule computes a round's timetable at now: one entry per scheduled phase, from the policy's targets,
// the instants the round entered each phase it reached (DRAFT: its creation) and its current phase.
func Schedule(targets []PhaseTarget, entered map[Phase]time.Time, current Phase, now time.Time) []PhaseSchedule {
	at := current.index()
	out := make([]PhaseSchedule, 0, len(ScheduledPhases))
	for i, p := range ScheduledPhases {
		e := PhaseSchedule{Phase: p, Target: targetOf(targets, p), Entered: entered[p]}
		finished := at > i
		if finished {
			e.Left = entered[Phases[i+1]]
		}
		if !e.Target.IsZero() {
			e.Overdue = !finished && now.After(e.Target)
			e.Late = finished && e.Left.After(e.Target)
		}
		out = append(out, e)
	}
	return out
}

// AnyOverdue reports whether some phase of a timetable is overdue.
func AnyOverdue(schedule []PhaseSchedule) bool {
	for _, e := range schedule {
		if e.Overdue {
			return true
		}
	}
	return false
}

// DueTime is the earliest target among the phases a round in phase current has not finished (the current
// one and those after it); zero when none has a target. The round is overdue exactly when its due time is
// before now, which lets a store select overdue rounds with one indexed comparison.
func DueTime(targets []PhaseTarget, current Phase) time.Time {
	at := current.index()
	var due time.Time
	for _, t := range targets {
		if i := t.Phase.index(); i >= at && !t.Target.IsZero() && (due.IsZero() || t.Target.Before(due)) {
			due = t.Target
		}
	}
	return due
}

func targetOf(targets []PhaseTarget, p Phase) time.Time {
	for _, t := range targets {
		if t.Phase == p {
			return t.Target
		}
	}
	return time.Time{}
}

// checkTargets checks a policy's timetable: phases DRAFT to CLOSING, each at most once, with a target that
// does not come before the target of an earlier phase. It returns the policy field at fault and what is
// wrong, or an empty description.
func checkTargets(targets []PhaseTarget) (field, description string) {
	const f = "phase_targets"
	byPhase := map[Phase]time.Time{}
	for _, t := range targets {
		if !slices.Contains(ScheduledPhases, t.Phase) {
			return f, fmt.Sprintf("phase %q has no target: targets are for DRAFT to CLOSING", t.Phase)
		}
		if t.Target.IsZero() {
			return f, fmt.Sprintf("the target of %s needs a target_time", t.Phase)
		}
		if _, dup := byPhase[t.Phase]; dup {
			return f, fmt.Sprintf("%s has more than one target", t.Phase)
		}
		byPhase[t.Phase] = t.Target
	}
	var last time.Time
	var lastPhase Phase
	for _, p := range ScheduledPhases {
		t, ok := byPhase[p]
		if !ok {
			continue
		}
		if t.Before(last) {
			return f, fmt.Sprintf("the target of %s (%s) is before the target of %s (%s)", p, t.Format(time.RFC3339), lastPhase, last.Format(time.RFC3339))
		}
		last, lastPhase = t, p
	}
	return "", ""
}
