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

	ErrQuarterNotStarted             = errs.New(errs.InvalidArgument, "QUARTER_NOT_STARTED", "the quarter has not begun in the round's time zone")
	ErrQuarterlyReportExists         = errs.New(errs.AlreadyExists, "QUARTERLY_REPORT_EXISTS", "the round already has its report of this quarter; reports are never changed")
	ErrQuarterlyReportNotFound       = errs.New(errs.NotFound, "QUARTERLY_REPORT_NOT_FOUND", "no quarterly report has this ID")
	ErrPlanNotFinished               = errs.New(errs.FailedPrecondition, "PLAN_NOT_FINISHED", "the project's funding plan is not COMPLETED, SUSPENDED or TERMINATED")
	ErrRoundClosed                   = errs.New(errs.FailedPrecondition, "ROUND_CLOSED", "the round is closed: read only")
	ErrRoundNotClosing               = errs.New(errs.FailedPrecondition, "ROUND_NOT_CLOSING", "the round summary is filed while the round is in CLOSING")
	ErrFinalSummaryExists            = errs.New(errs.AlreadyExists, "FINAL_SUMMARY_EXISTS", "the project already has its final summary; it is never changed")
	ErrFinalSummaryNotFound          = errs.New(errs.NotFound, "FINAL_SUMMARY_NOT_FOUND", "the project has no final summary")
	ErrPerformanceEvaluationExists   = errs.New(errs.AlreadyExists, "PERFORMANCE_EVALUATION_EXISTS", "the project already has its performance evaluation; it is never changed")
	ErrPerformanceEvaluationNotFound = errs.New(errs.NotFound, "PERFORMANCE_EVALUATION_NOT_FOUND", "the project has no performance evaluation")
	ErrRoundSummaryExists            = errs.New(errs.AlreadyExists, "ROUND_SUMMARY_EXISTS", "the round already has its summary; it is never changed")
	ErrRoundSummaryNotFound          = errs.New(errs.NotFound, "ROUND_SUMMARY_NOT_FOUND", "the round has no summary")
	ErrFinalSummariesMissing         = errs.New(errs.FailedPrecondition, "FINAL_SUMMARIES_MISSING", "every funded project's final summary must be filed first")
	ErrPerformanceEvaluationsMissing = errs.New(errs.FailedPrecondition, "PERFORMANCE_EVALUATIONS_MISSING", "every funded project's performance evaluation must be recorded first")
)

// invalid is an INVALID_ARGUMENT error on one request field.
func invalid(reason, field, description string) error {
	return errs.Invalid(reason, field, description)
}
