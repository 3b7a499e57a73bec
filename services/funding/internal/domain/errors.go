// Package domain holds the funding service's rules: funding plans with their contract, payee and gated
// tranches, suspension, clawback, termination and transfer, idea prizes, and the chart of the service's
// ledger (pkg/ledger). Amounts are int64 fen; the money rules themselves (quote, tranche split, pro-rata
// split) are pkg/money's, shared with the other services.
package domain

import "github.com/commonweal/commonweal/pkg/errs"

// Errors of the funding domain; the api layer turns them into statuses with the reason.
var (
	ErrSourceReferenceConflict = errs.New(errs.AlreadyExists, "SOURCE_REFERENCE_CONFLICT", "this source reference was already allocated with another amount or round")
	ErrPoolInsufficient        = errs.New(errs.FailedPrecondition, "POOL_INSUFFICIENT", "the round's pool cannot cover this")
	ErrResultsNotSignedOff     = errs.New(errs.FailedPrecondition, "RESULTS_NOT_SIGNED_OFF", "the round's results are not signed off")
	ErrPlanState               = errs.New(errs.FailedPrecondition, "PLAN_STATE_INVALID", "the plan is not in a state that allows this")
	ErrPlanSuspended           = errs.New(errs.FailedPrecondition, "PLAN_SUSPENDED", "the plan is suspended: no further tranche")
	ErrPlanTerminated          = errs.New(errs.FailedPrecondition, "PLAN_TERMINATED", "the plan is terminated: no further tranche")
	ErrContractNotSigned       = errs.New(errs.FailedPrecondition, "CONTRACT_NOT_SIGNED", "the contract is not signed by all three parties")
	ErrPayeeNotSet             = errs.New(errs.FailedPrecondition, "PAYEE_NOT_SET", "no payee account is recorded")
	ErrPayeeNotConfirmed       = errs.New(errs.FailedPrecondition, "PAYEE_NOT_CONFIRMED", "the payee account is not confirmed by the operator")
	ErrTrancheNotFound         = errs.New(errs.NotFound, "TRANCHE_NOT_FOUND", "the plan has no such tranche")
	ErrTrancheState            = errs.New(errs.FailedPrecondition, "TRANCHE_STATE_INVALID", "the tranche is not in a state that allows this")
	ErrPreviousTrancheNotPaid  = errs.New(errs.FailedPrecondition, "PREVIOUS_TRANCHE_NOT_PAID", "the previous tranche is not paid")
	ErrGateUnverifiable        = errs.New(errs.FailedPrecondition, "GATE_UNVERIFIABLE", "the supervision service cannot say whether the gate is met: refused rather than assumed")
	ErrMidtermNotPassed        = errs.New(errs.FailedPrecondition, "MIDTERM_NOT_PASSED", "the mid-term evaluation has not passed")
	ErrFinalNotPassed          = errs.New(errs.FailedPrecondition, "FINAL_ACCEPTANCE_NOT_PASSED", "the final acceptance has not passed")
	ErrTrancheNotApproved      = errs.New(errs.FailedPrecondition, "TRANCHE_NOT_APPROVED", "the tranche is not approved")
	ErrTrancheCancelled        = errs.New(errs.FailedPrecondition, "TRANCHE_CANCELLED", "the tranche was cancelled and will never be paid")
	ErrShareAlreadyPaid        = errs.New(errs.AlreadyExists, "SHARE_ALREADY_PAID", "this share was paid under another payment reference")
	ErrPaymentInProgress       = errs.New(errs.FailedPrecondition, "PAYMENT_IN_PROGRESS", "this share is being paid under another payment reference; retry that one")
	ErrNoShareToPay            = errs.New(errs.FailedPrecondition, "NO_SHARE_TO_PAY", "this share of the tranche is zero")
	ErrPaymentReferenceUsed    = errs.New(errs.AlreadyExists, "PAYMENT_REFERENCE_CONFLICT", "this payment reference was already used for another payment")
	ErrWrongPayer              = errs.New(errs.PermissionDenied, "SHARE_NOT_CALLERS", "FINANCE pays the government share, CHARITY_FEDERATION the donation share")
	ErrWrongParty              = errs.New(errs.PermissionDenied, "PARTY_NOT_CALLER", "a caller signs only for its own party")
	ErrTrancheInProgress       = errs.New(errs.FailedPrecondition, "TRANCHE_IN_PROGRESS", "a tranche is requested or being paid")
	ErrPaymentsInProgress      = errs.New(errs.FailedPrecondition, "PAYMENTS_IN_PROGRESS", "a tranche is approved and not fully paid: finish or wait for it first")
	ErrClawbackNotAllowed      = errs.New(errs.FailedPrecondition, "CLAWBACK_NOT_ALLOWED", "only a suspended or terminated plan is clawed back")
	ErrClawbackNotComputed     = errs.New(errs.FailedPrecondition, "CLAWBACK_NOT_COMPUTED", "no clawback was computed for this plan")
	ErrClawbackExceeded        = errs.New(errs.FailedPrecondition, "CLAWBACK_RETURN_TOO_LARGE", "more than is still owed to this source")
	ErrSpendingUnverifiable    = errs.New(errs.FailedPrecondition, "SPENDING_UNVERIFIABLE", "the supervision service cannot say what spending it verified: the clawback is refused rather than guessed")
	ErrTerminationNotRequested = errs.New(errs.FailedPrecondition, "TERMINATION_NOT_REQUESTED", "no termination was requested")
	ErrTransferNotRequested    = errs.New(errs.FailedPrecondition, "TRANSFER_NOT_REQUESTED", "no transfer was requested")
	ErrTransferSameOrg         = errs.Invalid("TRANSFER_TO_SAME_ORG", "to_org_id", "the project already belongs to this organisation")
	ErrOrgNotRegistered        = errs.New(errs.FailedPrecondition, "ORGANIZATION_NOT_REGISTERED", "the organisation taking the project over is not a registered social organisation")
	ErrPrizeTierUnknown        = errs.New(errs.FailedPrecondition, "PRIZE_TIER_UNKNOWN", "the round's policy has no amount for this idea-prize tier")
	ErrInvalidPayee            = errs.New(errs.InvalidArgument, "INVALID_PAYEE", "bank, account name and an account number of 8 to 30 digits are required")
	ErrReasonRequired          = errs.Invalid("REASON_REQUIRED", "reason", "a reason is required")
	ErrReferenceRequired       = errs.Invalid("PAYMENT_REFERENCE_REQUIRED", "payment_reference", "a payment reference of 1 to 128 bytes is required")
	ErrSourceReferenceInvalid  = errs.Invalid("SOURCE_REFERENCE_REQUIRED", "source_reference", "a source reference of 1 to 128 bytes is required")
	ErrInvalidAmount           = errs.Invalid("INVALID_AMOUNT", "amount_fen", "the amount must be 1 to 10^13 fen")
	ErrInvalidShare            = errs.Invalid("INVALID_SHARE", "share", "share must be GOVERNMENT or DONATION")
	ErrInvalidParty            = errs.Invalid("INVALID_PARTY", "party", "party must be ORGANIZER, OPERATOR or TEAM")
)
