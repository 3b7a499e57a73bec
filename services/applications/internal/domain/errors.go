package domain

import "github.com/commonweal/commonweal/pkg/errs"

// Errors of the applications domain; handlers turn them into gRPC statuses with the reason.
var (
	ErrRoundNotDraft          = errs.New(errs.FailedPrecondition, "ROUND_NOT_DRAFT", "the policy is frozen once the round is published")
	ErrPhaseNotNext           = errs.New(errs.FailedPrecondition, "PHASE_NOT_NEXT", "a round only moves to the phase right after its current one")
	ErrInvalidPhase           = errs.New(errs.InvalidArgument, "INVALID_PHASE", "unknown phase")
	ErrPolicyIncomplete       = errs.New(errs.FailedPrecondition, "POLICY_INCOMPLETE", "the policy is missing a value needed to publish")
	ErrDeadlineNotPassed      = errs.New(errs.FailedPrecondition, "SUBMISSION_DEADLINE_NOT_PASSED", "the submission deadline has not passed yet")
	ErrAwaitingReview         = errs.New(errs.FailedPrecondition, "APPLICATIONS_AWAITING_REVIEW", "submitted applications still wait for initial review")
	ErrPublicityNotElapsed    = errs.New(errs.FailedPrecondition, "PUBLICITY_PERIOD_NOT_ELAPSED", "the publicity period has not elapsed")
	ErrRoundChanged           = errs.New(errs.Aborted, "ROUND_CHANGED", "the round changed while the preconditions of its next phase were checked; read it and try again")
	ErrPreconditionUnverified = errs.New(errs.FailedPrecondition, "PRECONDITION_UNVERIFIABLE", "the service that owns this precondition is not available to confirm it")
	ErrRoundNotSoliciting     = errs.New(errs.FailedPrecondition, "ROUND_NOT_SOLICITING", "the round is not accepting applications")
	ErrDeadlinePassed         = errs.New(errs.FailedPrecondition, "SUBMISSION_DEADLINE_PASSED", "the submission deadline has passed")
	ErrNotEditable            = errs.New(errs.FailedPrecondition, "APPLICATION_NOT_EDITABLE", "only a draft or returned application can be changed")
	ErrNotSubmittable         = errs.New(errs.FailedPrecondition, "APPLICATION_NOT_SUBMITTABLE", "only a draft or returned application can be submitted")
	ErrIncomplete             = errs.New(errs.FailedPrecondition, "APPLICATION_INCOMPLETE", "the application misses required fields")
	ErrNotReviewable          = errs.New(errs.FailedPrecondition, "APPLICATION_NOT_SUBMITTED", "only a submitted application can be reviewed")
	ErrReasonsRequired        = errs.New(errs.InvalidArgument, "REVIEW_REASONS_REQUIRED", "returning or rejecting an application needs reasons")
	ErrInvalidDecision        = errs.New(errs.InvalidArgument, "INVALID_DECISION", "decision must be ACCEPT, RETURN or REJECT")
	ErrOrganizationNotOwned   = errs.New(errs.PermissionDenied, "ORGANIZATION_NOT_OWNED", "an applicant applies only for its own organisation")
	ErrNotSocialOrganization  = errs.New(errs.FailedPrecondition, "NOT_A_SOCIAL_ORGANIZATION", "only a social organisation is verified as registered")
	ErrNotAccepted            = errs.New(errs.FailedPrecondition, "APPLICATION_NOT_ACCEPTED", "only an application that passed initial review gets a stage")
	ErrPartnerNotRegistered   = errs.New(errs.InvalidArgument, "PARTNER_NOT_REGISTERED", "the partner must be a registered social organisation")
)

func errInvalid(reason, field, description string) error {
	return errs.Invalid(reason, field, description)
}
