package domain

import "time"

// Round is one edition of the programme.
type Round struct {
	ID             string
	Name           string
	Year           int
	Phase          Phase
	Policy         Policy
	Version        int
	CreatedAt      time.Time
	PhaseEnteredAt time.Time
	PublishedAt    time.Time
	DonationCutoff time.Time
	// CreatedBy is the subject of the organizer who created the round.
	CreatedBy string
}

// PhaseChange is one entry of a round's audit trail: who moved it from which phase to which, and when.
type PhaseChange struct {
	RoundID string
	From    Phase
	To      Phase
	At      time.Time
	By      string
}

// NewRound validates a new round's name, year and policy (with defaults applied).
func NewRound(name string, year int, p Policy, now time.Time) (Round, error) {
	r := Round{Name: name, Year: year, Phase: PhaseDraft, Policy: p.WithDefaults(), CreatedAt: now, PhaseEnteredAt: now}
	if err := r.check(); err != nil {
		return Round{}, err
	}
	return r, nil
}

func (r Round) check() error {
	if r.Name == "" {
		return errInvalid("NAME_REQUIRED", "name", "a round needs a name")
	}
	if r.Year < 2000 || r.Year > 2100 {
		return errInvalid("INVALID_YEAR", "year", "year must be between 2000 and 2100")
	}
	return r.Policy.Validate()
}

// Edit replaces the name and policy of a draft round.
func (r *Round) Edit(name string, p Policy) error {
	if r.Phase != PhaseDraft {
		return ErrRoundNotDraft.With("the round is in phase %s", r.Phase)
	}
	next := *r
	if name != "" {
		next.Name = name
	}
	next.Policy = p.WithDefaults()
	if err := next.check(); err != nil {
		return err
	}
	*r = next
	return nil
}

// LocalPreconditions checks the preconditions of entering phase to that this service owns. openReviews is
// the number of submitted applications still waiting for initial review.
func (r Round) LocalPreconditions(to Phase, now time.Time, awaitingReview int) error {
	switch to {
	case PhaseSolicitation:
		return r.Policy.CheckPublishable(now)
	case PhaseShortlisting:
		if now.Before(r.Policy.SubmissionDeadline) {
			return ErrDeadlineNotPassed.With("the deadline is %s", r.Policy.SubmissionDeadline.Format(time.RFC3339))
		}
		if awaitingReview > 0 {
			return ErrAwaitingReview.With("%d submitted applications wait for initial review", awaitingReview)
		}
	case PhasePromotion:
		if end := r.PhaseEnteredAt.Add(r.Policy.PublicityPeriod); now.Before(end) {
			return ErrPublicityNotElapsed.With("the publicity period ends at %s", end.Format(time.RFC3339))
		}
	}
	return nil
}

// Enter moves the round into phase to at now; the caller has checked every precondition.
func (r *Round) Enter(to Phase, now time.Time) {
	r.Phase = to
	r.PhaseEnteredAt = now
	switch to {
	case PhaseSolicitation:
		r.PublishedAt = now
	case PhaseFinalReview:
		// Closing the vote fixes the donation cutoff (DOMAIN.md §2).
		r.DonationCutoff = now
	}
}
