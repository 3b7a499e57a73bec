package domain

import "github.com/commonweal/commonweal/pkg/errs"

// Errors of the donations domain; handlers turn them into gRPC statuses with the reason. The ledger's own
// (INSUFFICIENT_FUNDS, TRANSFER_ID_REUSED, …) are pkg/ledger's.
var (
	ErrApplicationNotShortlisted = errs.New(errs.FailedPrecondition, "APPLICATION_NOT_SHORTLISTED", "pledges are accepted only for shortlisted applications")
	ErrRoundNotAcceptingPledges  = errs.New(errs.FailedPrecondition, "ROUND_NOT_ACCEPTING_PLEDGES", "pledges are accepted only during PUBLICITY and PROMOTION")
	ErrApplicationNotFound       = errs.New(errs.InvalidArgument, "APPLICATION_NOT_FOUND", "no application has this ID")
	ErrDonorNotOwned             = errs.New(errs.PermissionDenied, "DONOR_NOT_OWNED", "a donor user pledges only for its own donor")
	ErrWrongPledgeKind           = errs.New(errs.FailedPrecondition, "WRONG_PLEDGE_KIND", "this operation is for the other kind of pledge")
	ErrPledgeState               = errs.New(errs.FailedPrecondition, "PLEDGE_STATE_INVALID", "the pledge is not in a state that allows this")
	ErrBankReferenceConflict     = errs.New(errs.AlreadyExists, "BANK_REFERENCE_CONFLICT", "this bank reference was already confirmed for another pledge or amount")
	ErrDepositInFuture           = errs.New(errs.InvalidArgument, "DEPOSIT_TIME_IN_FUTURE", "deposited_at is in the future")
	ErrProjectStillEligible      = errs.New(errs.FailedPrecondition, "PROJECT_NOT_DECLINED", "only a late donation or one to a project that was not selected is refunded or redirected")
	ErrRedirectTargetRequired    = errs.Invalid("TARGET_APPLICATION_REQUIRED", "target_application_id", "a redirection names the application the donation moves to")
	ErrRedirectToSelf            = errs.Invalid("REDIRECT_TO_SAME_APPLICATION", "target_application_id", "a donation is redirected to another application than its own")
	ErrRedirectTargetNotEligible = errs.New(errs.FailedPrecondition, "REDIRECT_TARGET_NOT_ELIGIBLE", "a donation is redirected only to a SHORTLISTED or SELECTED application")
	ErrPaymentReferenceConflict  = errs.New(errs.AlreadyExists, "PAYMENT_REFERENCE_CONFLICT", "this payment reference already booked another return")
	ErrReturnExceedsPaidOut      = errs.New(errs.FailedPrecondition, "RETURN_EXCEEDS_PAID_OUT", "more would come back from the project than was paid out to it")
)

func errInvalid(reason, field, description string) error {
	return errs.Invalid(reason, field, description)
}
