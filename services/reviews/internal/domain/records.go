package domain

import "time"

// Score is one member's score of one application at one stage.
type Score struct {
	PanelID       string
	RoundID       string
	Stage         Stage
	ApplicationID string
	ReviewerID    string
	Criteria      map[string]int
	Total         int
	IdeaPoints    int
	UpdatedAt     time.Time
	UpdatedBy     string
}

// ShortlistState is where a shortlist stands.
type ShortlistState string

// The shortlist states.
const (
	ShortlistComputed  ShortlistState = "COMPUTED"
	ShortlistPublished ShortlistState = "PUBLISHED"
)

// Shortlist is a round's shortlist ranking.
type Shortlist struct {
	RoundID     string
	State       ShortlistState
	Entries     []ShortlistEntry
	ComputedAt  time.Time
	ComputedBy  string
	PublishedAt time.Time
	PublishedBy string
}

// Entry returns the shortlist's entry for an application.
func (s Shortlist) Entry(applicationID string) (ShortlistEntry, bool) {
	for _, e := range s.Entries {
		if e.ApplicationID == applicationID {
			return e, true
		}
	}
	return ShortlistEntry{}, false
}

// Publish publishes a computed shortlist and returns the stage it gives every ranked application; a shortlist
// already published stays as it is and gives none.
func (s *Shortlist) Publish(at time.Time, by string) []StagePush {
	if s.State == ShortlistPublished {
		return nil
	}
	s.State, s.PublishedAt, s.PublishedBy = ShortlistPublished, at, by
	out := make([]StagePush, 0, len(s.Entries))
	for _, e := range s.Entries {
		stage := OutcomeNotShortlisted
		if e.Shortlisted {
			stage = OutcomeShortlisted
		}
		out = append(out, StagePush{ApplicationID: e.ApplicationID, Stage: stage})
	}
	return out
}

// Disqualify takes an application off the shortlist after an upheld complaint and returns its new stage.
func (s *Shortlist) Disqualify(applicationID string) StagePush {
	for i := range s.Entries {
		if s.Entries[i].ApplicationID == applicationID {
			s.Entries[i].Shortlisted, s.Entries[i].Disqualified = false, true
		}
	}
	return StagePush{ApplicationID: applicationID, Stage: OutcomeDisqualified}
}

// StagePush is a stage an outcome gives an application, which the applications service must be told.
type StagePush struct {
	ApplicationID string `json:"application_id"`
	Stage         string `json:"stage"`
}

// Stages the reviews service publishes to the applications service (DOMAIN.md §3 "Stage").
const (
	OutcomeShortlisted    = "SHORTLISTED"
	OutcomeNotShortlisted = "NOT_SHORTLISTED"
	OutcomeDisqualified   = "DISQUALIFIED"
	OutcomeSelected       = "SELECTED"
	OutcomeIdeaPrize      = "IDEA_PRIZE"
	OutcomeNotSelected    = "NOT_SELECTED"
)

// ComplaintState is where a complaint stands.
type ComplaintState string

// The complaint states and outcomes.
const (
	ComplaintOpen     ComplaintState = "OPEN"
	ComplaintResolved ComplaintState = "RESOLVED"
	// ComplaintMerged is a duplicate merged into another complaint (MergedInto); it takes that complaint's
	// outcome when it is resolved (see complaints.go).
	ComplaintMerged  ComplaintState = "MERGED"
	OutcomeUpheld                   = "UPHELD"
	OutcomeDismissed                = "DISMISSED"
)

// Complaint is a complaint against a shortlisted application.
type Complaint struct {
	ID            string
	RoundID       string
	ApplicationID string
	Content       string
	// Contact may be a phone number: it is stored only sealed, so it is left out of the answers kept for
	// retried requests.
	Contact          string `json:"-"`
	State            ComplaintState
	Outcome          string
	ResolutionReason string
	CreatedAt        time.Time
	CreatedBy        string
	ResolvedAt       time.Time
	ResolvedBy       string
	// The complainant (complaints.go): a verified phone (VoterID, left out of the answers kept for retried
	// requests and unlinked when the voter's data is erased) or an organisation's account (OrgID).
	ComplainantKind ComplainantKind
	VoterID         string `json:"-"`
	OrgID           string
	// MergedInto is the complaint this one duplicates (state MERGED), merged for MergeReason.
	MergedInto  string
	MergeReason string
	MergedAt    time.Time
	MergedBy    string
}

// Resolve closes an open complaint with an outcome (UPHELD or DISMISSED) and its reason.
func (c *Complaint) Resolve(outcome, reason string, at time.Time, by string) error {
	if c.State != ComplaintOpen {
		return ErrComplaintClosed.With("complaint %s was resolved %s", c.ID, c.Outcome)
	}
	c.State, c.Outcome, c.ResolutionReason, c.ResolvedAt, c.ResolvedBy = ComplaintResolved, outcome, reason, at, by
	return nil
}

// VoterCode is a one-time code sent to a phone, known only by its HMAC.
type VoterCode struct {
	ID        int64
	CodeHMAC  []byte
	ExpiresAt time.Time
	Attempts  int
	Used      bool
}

// Usable refuses a code that expired, was used, or was guessed at maxAttempts times already.
func (c VoterCode) Usable(now time.Time, maxAttempts int) error {
	switch {
	case c.Used || !now.Before(c.ExpiresAt):
		return ErrCodeInvalid.With("the code has expired or was used; ask for a new one")
	case c.Attempts >= maxAttempts:
		return ErrCodeAttempts
	}
	return nil
}

// Vote is one cast vote.
type Vote struct {
	ID            string
	RoundID       string
	ApplicationID string
	VoterID       string
	Day           string
	CastAt        time.Time
	// ClientNetwork is the network the vote came from as the gateway saw it (/24 or /64, never the whole
	// address); "" when unknown.
	ClientNetwork string
}

// Tally is an application's vote count.
type Tally struct {
	ApplicationID string
	Votes         int64
}

// ResultsState is where a round's results stand.
type ResultsState string

// The results states.
const (
	ResultsComputed  ResultsState = "COMPUTED"
	ResultsApproved  ResultsState = "APPROVED"
	ResultsSignedOff ResultsState = "SIGNED_OFF"
)

// ResultInputs are what a result entry's scores were computed from.
type ResultInputs struct {
	Panel            PanelInputs `json:"panel"`
	DonationsFen     int64       `json:"donations_fen"`
	BudgetFen        int64       `json:"budget_fen"`
	Votes            int64       `json:"votes"`
	MaxVotes         int64       `json:"max_votes"`
	GovernmentFen    int64       `json:"government_fen"`
	PoolRemainingFen int64       `json:"pool_remaining_fen"`
	IdeaScore        int64       `json:"idea_score"`
}

// ResultEntry is one application's final result.
type ResultEntry struct {
	ApplicationID string
	Finalist      bool
	PanelScore    int64
	DonationScore int64
	VoteScore     int64
	TotalScore    int64
	Rank          int
	Selected      bool
	SkipReason    string
	IdeaPrizeTier int
	Inputs        ResultInputs
}

// FinalStage is the stage sign-off gives the application, or "" when it keeps its current one.
func (e ResultEntry) FinalStage() string {
	switch {
	case e.Selected:
		return OutcomeSelected
	case e.IdeaPrizeTier > 0:
		return OutcomeIdeaPrize
	case e.Finalist:
		return OutcomeNotSelected
	}
	return ""
}

// Results are a round's final results.
type Results struct {
	RoundID        string
	State          ResultsState
	Entries        []ResultEntry
	DonationCutoff time.Time
	PoolFen        int64
	ComputedAt     time.Time
	ComputedBy     string
	ApprovedAt     time.Time
	ApprovedBy     string
	SignedOffAt    time.Time
	SignedOffBy    string
}

// Advance moves the results from one state to the next (approval, then sign-off, both while the round is in
// APPROVAL) and returns the stages the move gives applications (at sign-off). Results already in the target
// state stay as they are.
func (r *Results) Advance(phase Phase, from, to ResultsState, at time.Time, by string) ([]StagePush, error) {
	if r.State == to {
		return nil, nil
	}
	if r.State != from {
		return nil, ErrResultsState.With("the results are %s; %s needs %s", r.State, to, from)
	}
	if phase != PhaseApproval {
		return nil, ErrWrongPhase.With("the round is in %s; this needs %s", phase, PhaseApproval)
	}
	r.State = to
	if to == ResultsApproved {
		r.ApprovedAt, r.ApprovedBy = at, by
		return nil, nil
	}
	r.SignedOffAt, r.SignedOffBy = at, by
	var out []StagePush
	for _, e := range r.Entries {
		if st := e.FinalStage(); st != "" {
			out = append(out, StagePush{ApplicationID: e.ApplicationID, Stage: st})
		}
	}
	return out, nil
}
