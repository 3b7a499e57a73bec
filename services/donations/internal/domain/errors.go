package domain

import "github.com/commonweal/commonweal/pkg/errs"

// Errors of the donations domain; handlers turn them into gRPC statuses with the reason.
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
	ErrInsufficientFunds         = errs.New(errs.FailedPrecondition, "INSUFFICIENT_FUNDS", "the account may not go negative")
	ErrTransferIDReused          = errs.New(errs.InvalidArgument, "TRANSFER_ID_REUSED", "transfer_id was already used for a different transfer")
	ErrPendingResolved           = errs.New(errs.FailedPrecondition, "PENDING_TRANSFER_ALREADY_RESOLVED", "the pending transfer was already posted or voided")
	ErrPendingNotFound           = errs.New(errs.NotFound, "PENDING_TRANSFER_NOT_FOUND", "no pending transfer has this ID")
	ErrNotPending                = errs.New(errs.FailedPrecondition, "NOT_A_PENDING_TRANSFER", "the transfer named is not a pending donation-share reservation")
)

func errInvalid(reason, field, description string) error {
	return errs.Invalid(reason, field, description)
}
