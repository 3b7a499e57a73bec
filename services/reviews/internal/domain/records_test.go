package domain

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestShortlistPublish(t *testing.T) {
	sl := Shortlist{RoundID: "r", State: ShortlistComputed, Entries: []ShortlistEntry{
		{ShortlistCandidate: ShortlistCandidate{ApplicationID: "a"}, Shortlisted: true},
		{ShortlistCandidate: ShortlistCandidate{ApplicationID: "i", IdeaOnly: true}},
	}}
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	stages := sl.Publish(at, "organizer")
	if fmt.Sprint(stages) != "[{a SHORTLISTED} {i NOT_SHORTLISTED}]" || sl.State != ShortlistPublished || !sl.PublishedAt.Equal(at) || sl.PublishedBy != "organizer" {
		t.Fatalf("published %+v with stages %v", sl, stages)
	}
	if again := sl.Publish(at.Add(time.Hour), "other"); again != nil || !sl.PublishedAt.Equal(at) || sl.PublishedBy != "organizer" {
		t.Fatalf("publishing again changed the shortlist: %+v %v", sl, again)
	}
	if p := sl.Disqualify("a"); p != (StagePush{ApplicationID: "a", Stage: OutcomeDisqualified}) || sl.Entries[0].Shortlisted || !sl.Entries[0].Disqualified {
		t.Fatalf("disqualified: %+v %v", sl.Entries[0], p)
	}
}

func TestComplaintResolve(t *testing.T) {
	c := Complaint{ID: "c", State: ComplaintOpen}
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	if err := c.Resolve(OutcomeUpheld, "confirmed", at, "operator"); err != nil || c.State != ComplaintResolved || c.Outcome != OutcomeUpheld ||
		c.ResolutionReason != "confirmed" || !c.ResolvedAt.Equal(at) || c.ResolvedBy != "operator" {
		t.Fatalf("resolve: %+v %v", c, err)
	}
	if err := c.Resolve(OutcomeDismissed, "again", at, "operator"); !errors.Is(err, ErrComplaintClosed) || c.Outcome != OutcomeUpheld {
		t.Fatalf("resolve twice: %+v %v", c, err)
	}
}

func TestResultsAdvance(t *testing.T) {
	entries := []ResultEntry{{ApplicationID: "sel", Finalist: true, Selected: true}, {ApplicationID: "idea", IdeaPrizeTier: 1},
		{ApplicationID: "fin", Finalist: true}, {ApplicationID: "none"}}
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name     string
		state    ResultsState
		phase    Phase
		from, to ResultsState
		err      error
		stages   string
	}{
		{"approve", ResultsComputed, PhaseApproval, ResultsComputed, ResultsApproved, nil, "[]"},
		{"approve in final review", ResultsComputed, PhaseFinalReview, ResultsComputed, ResultsApproved, ErrWrongPhase, "[]"},
		{"sign off before approval", ResultsComputed, PhaseApproval, ResultsApproved, ResultsSignedOff, ErrResultsState, "[]"},
		{"sign off", ResultsApproved, PhaseApproval, ResultsApproved, ResultsSignedOff, nil, "[{sel SELECTED} {idea IDEA_PRIZE} {fin NOT_SELECTED}]"},
		{"sign off again, in any phase", ResultsSignedOff, Phase("IMPLEMENTATION"), ResultsApproved, ResultsSignedOff, nil, "[]"},
	} {
		r := Results{State: c.state, Entries: entries}
		stages, err := r.Advance(c.phase, c.from, c.to, at, "who")
		if !errors.Is(err, c.err) && (err != nil || c.err != nil) || fmt.Sprint(stages) != c.stages {
			t.Errorf("%s: stages %v err %v, want %s %v", c.name, stages, err, c.stages, c.err)
		}
		if err == nil && c.state != c.to && r.State != c.to {
			t.Errorf("%s: state %s", c.name, r.State)
		}
	}
}

func TestVoterCodeUsable(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		code VoterCode
		want error
	}{
		{"fresh", VoterCode{ExpiresAt: now.Add(time.Minute)}, nil},
		{"expired", VoterCode{ExpiresAt: now}, ErrCodeInvalid},
		{"used", VoterCode{ExpiresAt: now.Add(time.Minute), Used: true}, ErrCodeInvalid},
		{"guessed too often", VoterCode{ExpiresAt: now.Add(time.Minute), Attempts: 5}, ErrCodeAttempts},
		{"one guess left", VoterCode{ExpiresAt: now.Add(time.Minute), Attempts: 4}, nil},
	} {
		if err := c.code.Usable(now, 5); !errors.Is(err, c.want) && (err != nil || c.want != nil) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}
