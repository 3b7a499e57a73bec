// Package domain holds the rules of the call for proposals: round policies and phases, organisations and
// applications. It is pure: no proto, no SQL.
package domain

// Phase is where a round stands; phases only move forward, one at a time.
type Phase string

// The phases in order (DOMAIN.md §2).
const (
	PhaseDraft          Phase = "DRAFT"
	PhaseSolicitation   Phase = "SOLICITATION"
	PhaseShortlisting   Phase = "SHORTLISTING"
	PhasePublicity      Phase = "PUBLICITY"
	PhasePromotion      Phase = "PROMOTION"
	PhaseFinalReview    Phase = "FINAL_REVIEW"
	PhaseApproval       Phase = "APPROVAL"
	PhaseImplementation Phase = "IMPLEMENTATION"
	PhaseClosing        Phase = "CLOSING"
	PhaseClosed         Phase = "CLOSED"
)

// Phases lists every phase in order.
var Phases = []Phase{PhaseDraft, PhaseSolicitation, PhaseShortlisting, PhasePublicity, PhasePromotion,
	PhaseFinalReview, PhaseApproval, PhaseImplementation, PhaseClosing, PhaseClosed}

func (p Phase) index() int {
	for i, q := range Phases {
		if q == p {
			return i
		}
	}
	return -1
}

// Valid reports whether p is a known phase.
func (p Phase) Valid() bool { return p.index() >= 0 }

// Next returns the phase after p, and false for CLOSED or an unknown phase.
func (p Phase) Next() (Phase, bool) {
	i := p.index()
	if i < 0 || i == len(Phases)-1 {
		return "", false
	}
	return Phases[i+1], true
}

// CheckAdvance says whether a round in phase from may be asked to enter to: only the next phase.
func CheckAdvance(from, to Phase) error {
	if !to.Valid() {
		return ErrInvalidPhase.With("unknown phase %q", to)
	}
	next, ok := from.Next()
	if !ok || next != to {
		return ErrPhaseNotNext.With("a round in %s can only move to %s, not %s", from, nextName(from), to)
	}
	return nil
}

func nextName(p Phase) string {
	if n, ok := p.Next(); ok {
		return string(n)
	}
	return "no other phase"
}

// Precondition is a condition a phase change needs, owned by one service.
type Precondition struct {
	// Reason is the stable reason given when the condition does not hold.
	Reason string
	// Owner is the service that can tell whether it holds.
	Owner string
	// Description says what must hold.
	Description string
}

// RemotePreconditions lists, per target phase, the conditions owned by other services; the round
// coordinator asks each owner and refuses the change while an owner cannot answer.
var RemotePreconditions = map[Phase][]Precondition{
	PhasePublicity:      {{Reason: "SHORTLIST_NOT_PUBLISHED", Owner: "reviews", Description: "the shortlist is computed and published"}},
	PhasePromotion:      {{Reason: "COMPLAINTS_OPEN", Owner: "reviews", Description: "no complaint is open"}},
	PhaseApproval:       {{Reason: "RESULTS_NOT_COMPUTED", Owner: "reviews", Description: "the final results are computed"}},
	PhaseImplementation: {{Reason: "RESULTS_NOT_SIGNED_OFF", Owner: "reviews", Description: "the results are signed off"}},
	PhaseClosing:        {{Reason: "PROJECTS_NOT_FINISHED", Owner: "supervision", Description: "every funded project is completed, suspended or terminated"}},
	PhaseClosed:         {{Reason: "ROUND_SUMMARY_MISSING", Owner: "supervision", Description: "the organizer's round summary is filed"}},
}
