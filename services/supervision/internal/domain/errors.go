// Package domain holds the supervision service's rules: report periods and dates in a round's time zone,
// when a monthly report is overdue, what a report, inspection, evaluation or capacity-building record must
// contain, and which evaluation's verified spending counts. It knows no storage and no wire format.
package domain

import "github.com/commonweal/commonweal/pkg/errs"

// Errors of the supervision domain; the api turns them into gRPC statuses carrying the reason.
var (
	ErrProjectNotFound       = errs.New(errs.NotFound, "PROJECT_NOT_FOUND", "no project has this ID")
	ErrProjectNotSelected    = errs.New(errs.FailedPrecondition, "PROJECT_NOT_SELECTED", "only a SELECTED application is a project under supervision")
	ErrRoundNotImplementing  = errs.New(errs.FailedPrecondition, "ROUND_NOT_IN_IMPLEMENTATION", "the project's round is not in IMPLEMENTATION")
	ErrImplementationUnknown = errs.New(errs.FailedPrecondition, "IMPLEMENTATION_START_UNKNOWN", "the round has left IMPLEMENTATION and the applications service does not say when it began")
	ErrInvalidPeriod         = errs.New(errs.InvalidArgument, "INVALID_PERIOD", "period is a calendar month written YYYY-MM")
	ErrPeriodOutside         = errs.New(errs.InvalidArgument, "PERIOD_OUTSIDE_IMPLEMENTATION", "the period is not a month of the project's implementation up to the current month")
	ErrInvalidDate           = errs.New(errs.InvalidArgument, "INVALID_DATE", "a day is written YYYY-MM-DD")
	ErrDateOutside           = errs.New(errs.InvalidArgument, "DATE_OUTSIDE_IMPLEMENTATION", "the day is before the round entered IMPLEMENTATION or after today")
	ErrReportExists          = errs.New(errs.AlreadyExists, "MONTHLY_REPORT_EXISTS", "a report for this period exists: send its etag to replace it")
	ErrSpendingTotalMismatch = errs.New(errs.InvalidArgument, "SPENDING_TOTAL_MISMATCH", "the total is not the sum of the spending lines")
	ErrUnknownBudgetLine     = errs.New(errs.InvalidArgument, "UNKNOWN_BUDGET_LINE", "not a budget line of the project")
	ErrEvaluationExists      = errs.New(errs.AlreadyExists, "EVALUATION_EXISTS", "the project already has an evaluation of this kind; evaluations are never changed")
	ErrMidtermMissing        = errs.New(errs.FailedPrecondition, "MIDTERM_EVALUATION_MISSING", "the final acceptance needs the mid-term evaluation first")
	ErrInvalidCalendar       = errs.New(errs.Internal, "INVALID_ROUND_CALENDAR", "the round's time zone or due day cannot be used")
)

// invalid is an INVALID_ARGUMENT error on one request field.
func invalid(reason, field, description string) error {
	return errs.Invalid(reason, field, description)
}
