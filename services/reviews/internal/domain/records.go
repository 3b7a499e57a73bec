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
	PublishedAt time.Time
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
	OutcomeUpheld                    = "UPHELD"
	OutcomeDismissed                 = "DISMISSED"
)

// Complaint is a complaint against a shortlisted application.
type Complaint struct {
	ID               string
	RoundID          string
	ApplicationID    string
	Content          string
	Contact          string
	State            ComplaintState
	Outcome          string
	ResolutionReason string
	CreatedAt        time.Time
	ResolvedAt       time.Time
}

// Vote is one cast vote.
type Vote struct {
	ID            string
	RoundID       string
	ApplicationID string
	VoterID       string
	Day           string
	CastAt        time.Time
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
	ApprovedAt     time.Time
	SignedOffAt    time.Time
}
