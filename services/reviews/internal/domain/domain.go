// Package domain holds the rules of reviews: panels and conflicts of interest, scores and panel scores, the
// shortlist, complaints, voting days and the final results with selection and idea prizes. It is pure: no
// proto, no SQL. Scores are int64 hundredths (8125 = 81.25); money is int64 fen.
package domain

import (
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
)

// Stage is the stage a panel scores.
type Stage string

// The stages.
const (
	StageShortlist Stage = "SHORTLIST"
	StageFinal     Stage = "FINAL"
)

// Valid reports whether s is a known stage.
func (s Stage) Valid() bool { return s == StageShortlist || s == StageFinal }

// Phase is a round's phase as the applications service reports it.
type Phase string

// The phases reviews cares about.
const (
	PhaseShortlisting Phase = "SHORTLISTING"
	PhasePublicity    Phase = "PUBLICITY"
	PhasePromotion    Phase = "PROMOTION"
	PhaseFinalReview  Phase = "FINAL_REVIEW"
	PhaseApproval     Phase = "APPROVAL"
)

// phaseOrder lists every phase in order, to compare them.
var phaseOrder = []Phase{"DRAFT", "SOLICITATION", PhaseShortlisting, PhasePublicity, PhasePromotion, PhaseFinalReview, PhaseApproval, "IMPLEMENTATION", "CLOSING", "CLOSED"}

// After reports whether p comes after q.
func (p Phase) After(q Phase) bool { return phaseIndex(p) > phaseIndex(q) }

func phaseIndex(p Phase) int {
	for i, x := range phaseOrder {
		if x == p {
			return i
		}
	}
	return -1
}

// Criterion is one rubric criterion and its maximum points.
type Criterion struct {
	Name      string
	MaxPoints int
}

// IdeaPrizeTier is one tier of idea prizes.
type IdeaPrizeTier struct {
	Tier      int
	AmountFen int64
	Count     int
}

// Policy is what reviews reads of a round's policy.
type Policy struct {
	ShortlistQuota      int
	SelectionQuota      int
	ShortlistPanelMin   int
	FinalPanelMin       int
	Rubric              []Criterion
	TrimExtremes        bool
	Weights             Weights
	IdeaPrizeTiers      []IdeaPrizeTier
	VotesPerVoterPerDay int
	TimeZone            string
	PublicityPeriod     time.Duration
	// ShortlistPanelMix and FinalPanelMix are the smallest number of each stage's panel members per kind.
	ShortlistPanelMix []PanelMixRule
	FinalPanelMix     []PanelMixRule
}

// Round is what reviews reads of a round.
type Round struct {
	ID             string
	Phase          Phase
	PhaseEnteredAt time.Time
	DonationCutoff time.Time
	Policy         Policy
}

// Application is what reviews reads of an application.
type Application struct {
	ID            string
	RoundID       string
	OrgID         string
	PartnerOrgID  string
	Accepted      bool
	IdeaOnly      bool
	BudgetFen     int64
	FirstSubmitAt time.Time
}

// Errors of the reviews domain; handlers turn them into gRPC statuses with the reason.
var (
	ErrInvalidStage         = errs.New(errs.InvalidArgument, "INVALID_STAGE", "stage must be SHORTLIST or FINAL")
	ErrPanelBelowMinimum    = errs.New(errs.InvalidArgument, "PANEL_BELOW_MINIMUM", "the panel has fewer members than the policy minimum")
	ErrPanelMixIncomplete   = errs.New(errs.InvalidArgument, "PANEL_MIX_INCOMPLETE", "the panel has fewer members of some kind than the policy's mix")
	ErrReviewerRequired     = errs.New(errs.InvalidArgument, "REVIEWER_ID_REQUIRED", "reviewer_id is required")
	ErrInvalidMember        = errs.New(errs.InvalidArgument, "INVALID_PANEL_MEMBER", "a panel member is invalid")
	ErrPanelExists          = errs.New(errs.AlreadyExists, "PANEL_EXISTS", "the round already has a panel for this stage")
	ErrStagePassed          = errs.New(errs.FailedPrecondition, "STAGE_PASSED", "the round is past this stage")
	ErrNotMember            = errs.New(errs.FailedPrecondition, "NOT_A_PANEL_MEMBER", "the reviewer does not sit on this panel")
	ErrNotSelf              = errs.New(errs.PermissionDenied, "REVIEWER_NOT_SELF", "a reviewer acts only for itself")
	ErrRecused              = errs.New(errs.FailedPrecondition, "REVIEWER_RECUSED", "the reviewer is recused from this application")
	ErrInvalidCriteria      = errs.New(errs.InvalidArgument, "INVALID_CRITERIA", "the criteria do not match the rubric")
	ErrScoringClosed        = errs.New(errs.FailedPrecondition, "SCORING_CLOSED", "the round is not in the phase this panel scores in")
	ErrStageComputed        = errs.New(errs.FailedPrecondition, "STAGE_COMPUTED", "the stage is computed; scores can no longer change")
	ErrNotAccepted          = errs.New(errs.FailedPrecondition, "APPLICATION_NOT_ACCEPTED", "only an application that passed initial review is scored")
	ErrNotFinalist          = errs.New(errs.FailedPrecondition, "APPLICATION_NOT_FINALIST", "only a shortlisted, not disqualified application is scored in the final review")
	ErrOtherRound           = errs.New(errs.InvalidArgument, "APPLICATION_NOT_IN_ROUND", "the application belongs to another round")
	ErrScoresMissing        = errs.New(errs.FailedPrecondition, "SCORES_MISSING", "every application to rank needs at least one score")
	ErrNoPanel              = errs.New(errs.FailedPrecondition, "PANEL_MISSING", "the round has no panel for this stage")
	ErrShortlistNotFound    = errs.New(errs.FailedPrecondition, "SHORTLIST_NOT_COMPUTED", "the shortlist has not been computed")
	ErrShortlistPublished   = errs.New(errs.FailedPrecondition, "SHORTLIST_PUBLISHED", "the shortlist is published and can no longer be recomputed")
	ErrWrongPhase           = errs.New(errs.FailedPrecondition, "WRONG_PHASE", "the round is not in the phase this needs")
	ErrPublicityPeriodOver  = errs.New(errs.FailedPrecondition, "PUBLICITY_PERIOD_OVER", "complaints are lodged during the publicity period")
	ErrNotOnShortlist       = errs.New(errs.FailedPrecondition, "APPLICATION_NOT_ON_SHORTLIST", "the application is not on the published shortlist")
	ErrComplaintClosed      = errs.New(errs.FailedPrecondition, "COMPLAINT_NOT_OPEN", "the complaint is already resolved")
	ErrInvalidOutcome       = errs.New(errs.InvalidArgument, "INVALID_OUTCOME", "outcome must be UPHELD or DISMISSED")
	ErrReasonRequired       = errs.New(errs.InvalidArgument, "REASON_REQUIRED", "a reason is required")
	ErrContentRequired      = errs.New(errs.InvalidArgument, "CONTENT_REQUIRED", "the complaint needs content")
	ErrVotingClosed         = errs.New(errs.FailedPrecondition, "VOTING_CLOSED", "votes are cast only while the round is in PROMOTION")
	ErrAlreadyVoted         = errs.New(errs.AlreadyExists, "VOTE_ALREADY_CAST", "this voter already voted for this application today")
	ErrVoterTokenInvalid    = errs.New(errs.Unauthenticated, "VOTER_TOKEN_INVALID", "a valid voter token is required in the X-Voter-Token header")
	ErrCodeInvalid          = errs.New(errs.InvalidArgument, "VOTER_CODE_INVALID", "the code is wrong or expired")
	ErrCodeAttempts         = errs.New(errs.FailedPrecondition, "VOTER_CODE_ATTEMPTS_EXCEEDED", "too many wrong codes; ask for a new one")
	ErrCodeRateLimited      = errs.New(errs.ResourceExhausted, "VOTER_CODE_RATE_LIMITED", "too many codes were sent to this phone; try again later")
	ErrCodeSenderMissing    = errs.New(errs.FailedPrecondition, "VOTER_CODE_SENDER_UNAVAILABLE", "no code sender is configured")
	ErrCodeSendFailed       = errs.New(errs.Unavailable, "VOTER_CODE_SEND_FAILED", "the code could not be sent; ask for a new one later")
	ErrDonationsMissing     = errs.New(errs.FailedPrecondition, "DONATIONS_SERVICE_UNAVAILABLE", "the donations service is not available to this service")
	ErrFundingMissing       = errs.New(errs.FailedPrecondition, "FUNDING_SERVICE_UNAVAILABLE", "the funding service is not available to quote government shares and the pool")
	ErrResultsNotComputed   = errs.New(errs.FailedPrecondition, "RESULTS_NOT_COMPUTED", "the results have not been computed")
	ErrResultsState         = errs.New(errs.FailedPrecondition, "RESULTS_WRONG_STATE", "the results are not in the state this needs")
	ErrResultsInputsChanged = errs.New(errs.Aborted, "RESULTS_INPUTS_CHANGED", "the finalists changed while the results were computed; compute them again")
	ErrResultsNotPublic     = errs.New(errs.NotFound, "NOT_FOUND", "the results are not public yet")
	ErrShortlistNotPublic   = errs.New(errs.NotFound, "NOT_FOUND", "the shortlist is not public yet")
	ErrStagePushFailed      = errs.New(errs.Unavailable, "STAGE_PUSH_FAILED", "the outcome is recorded but the applications service has not confirmed every stage yet; they are pushed again in the background, or at once by repeating the request")
	ErrDonationCutoffUnset  = errs.New(errs.FailedPrecondition, "DONATION_CUTOFF_MISSING", "the round has no donation cutoff yet")
)
