package domain

import (
	"fmt"
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
)

// ReportContent is what a team writes in a monthly report.
type ReportContent struct {
	Activities          string       `json:"activities"`
	BeneficiariesServed int          `json:"beneficiaries_served"`
	SpentFen            int64        `json:"spent_fen"`
	Spending            []LineAmount `json:"spending,omitempty"`
	Issues              string       `json:"issues,omitempty"`
}

// NewReportContent validates a report's content against the project's budget lines; the total spent is
// derived from the lines when they are given without one.
func NewReportContent(activities string, beneficiaries int64, spentFen int64, lines []LineAmount, issues string, budgetLines []string) (ReportContent, error) {
	if err := checkText("activities", activities, LongText, true); err != nil {
		return ReportContent{}, err
	}
	if err := checkText("issues", issues, LongText, false); err != nil {
		return ReportContent{}, err
	}
	if beneficiaries < 0 || beneficiaries > maxBeneficiaries {
		return ReportContent{}, invalid("INVALID_COUNT", "beneficiaries_served", fmt.Sprintf("between 0 and %d", maxBeneficiaries))
	}
	total, err := Spending{TotalField: "spent_fen", TotalFen: spentFen, Lines: lines}.Check(budgetLines)
	if err != nil {
		return ReportContent{}, err
	}
	return ReportContent{Activities: activities, BeneficiariesServed: int(beneficiaries), SpentFen: total,
		Spending: append([]LineAmount(nil), lines...), Issues: issues}, nil
}

// maxBeneficiaries bounds the people one project serves in a month.
const maxBeneficiaries = 10_000_000

// MonthlyReport is a project's report on one period, at its latest revision.
type MonthlyReport struct {
	ID        string
	ProjectID string
	RoundID   string
	OrgID     string
	Period    Period
	ReportContent
	Revision int
	// Late is true when the first revision was filed once the report was overdue.
	Late        bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
	SubmittedBy string
}

// NewMonthlyReport is the first revision of a period's report, filed at now by who; cal says whether it is
// late.
func NewMonthlyReport(id string, p Project, period Period, c ReportContent, cal Calendar, now time.Time, who string) MonthlyReport {
	return MonthlyReport{ID: id, ProjectID: p.ID, RoundID: p.RoundID, OrgID: p.OrgID, Period: period, ReportContent: c, Revision: 1,
		Late: cal.Overdue(period, now), CreatedAt: now, UpdatedAt: now, SubmittedBy: who}
}

// Etag is the report's opaque version tag (AIP-154): it changes with every revision.
func (r MonthlyReport) Etag() string {
	return fmt.Sprintf(`W/"mr.%d.%s"`, r.Revision, r.ID)
}

// Replace makes c the report's next revision, filed at now by who, if etag is the current revision's.
func (r *MonthlyReport) Replace(etag string, c ReportContent, now time.Time, who string) error {
	if etag != r.Etag() {
		return errs.ErrEtagMismatch.With("the report of %s is at revision %d: read it again", r.Period, r.Revision)
	}
	r.ReportContent, r.Revision, r.UpdatedAt, r.SubmittedBy = c, r.Revision+1, now, who
	return nil
}
