package domain

import (
	"slices"
	"sort"

	"github.com/commonweal/commonweal/pkg/errs"
)

// ReviewStage is the stage a review panel scores (the reviews service's ReviewStage without its prefix).
type ReviewStage string

// The review stages.
const (
	ReviewShortlist ReviewStage = "SHORTLIST"
	ReviewFinal     ReviewStage = "FINAL"
)

// ReviewerPanel is a panel a reviewer sits on, as the reviews service reports it.
type ReviewerPanel struct {
	PanelID string
	RoundID string
	Stage   ReviewStage
}

// FinalistStages are the stages of the applications the final panel scores: shortlisted and not disqualified,
// with whatever outcome the final review gave them.
var FinalistStages = []string{"SHORTLISTED", "SELECTED", "IDEA_PRIZE", "NOT_SELECTED"}

// ReviewerScope is what a reviewer's panels of one round score, and so what the reviewer reads: every
// ACCEPTED application for the shortlist panel, every finalist for the final panel.
type ReviewerScope struct {
	RoundID   string
	Shortlist bool
	Final     bool
}

// ScopesOf groups a reviewer's panels by round, in round order; a panel of an unknown stage reads nothing.
func ScopesOf(panels []ReviewerPanel) []ReviewerScope {
	byRound := map[string]*ReviewerScope{}
	for _, p := range panels {
		sc := byRound[p.RoundID]
		if sc == nil {
			sc = &ReviewerScope{RoundID: p.RoundID}
			byRound[p.RoundID] = sc
		}
		switch p.Stage {
		case ReviewShortlist:
			sc.Shortlist = true
		case ReviewFinal:
			sc.Final = true
		}
	}
	out := make([]ReviewerScope, 0, len(byRound))
	for _, sc := range byRound {
		if !sc.Empty() {
			out = append(out, *sc)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].RoundID < out[j].RoundID })
	return out
}

// ScopeIn is the reviewer's scope in one round: empty when it sits on no panel of the round.
func ScopeIn(panels []ReviewerPanel, roundID string) ReviewerScope {
	for _, sc := range ScopesOf(panels) {
		if sc.RoundID == roundID {
			return sc
		}
	}
	return ReviewerScope{RoundID: roundID}
}

// Empty reports whether the scope reads nothing.
func (s ReviewerScope) Empty() bool { return !s.Shortlist && !s.Final }

// Reads reports whether a panel of the scope scores the application.
func (s ReviewerScope) Reads(a Application) bool {
	if a.RoundID != s.RoundID {
		return false
	}
	return s.Shortlist && a.Status == StatusAccepted || s.Final && slices.Contains(FinalistStages, a.Stage)
}

// ErrReviewsMissing refuses a panel member's read while this service has no client of the reviews service to
// say which panels it sits on.
var ErrReviewsMissing = errs.New(errs.FailedPrecondition, "REVIEWS_SERVICE_UNAVAILABLE", "the reviews service is not available to say which panels the reviewer sits on")
