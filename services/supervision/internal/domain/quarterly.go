package domain

import (
	"time"
)

// Donations is what the donations service says of a project's money at an instant.
type Donations struct {
	PledgedFen   int64 // pledges neither refunded nor redirected away
	DepositedFen int64 // cash confirmed (GetDonationSummary.confirmed_cash_fen)
	InKindFen    int64 // in kind approved (GetDonationSummary.confirmed_in_kind_fen)
}

// ReportTotals sums a project's monthly reports (their latest revisions).
type ReportTotals struct {
	Filed               int
	BeneficiariesServed int64
	SpentFen            int64
}

// Figures are a project's (or, summed, a round's) progress and money in a quarterly report.
type Figures struct {
	MonthlyReportsFiled   int   `json:"monthly_reports_filed"`
	MonthlyReportsOverdue int   `json:"monthly_reports_overdue"`
	BeneficiariesServed   int64 `json:"beneficiaries_served"`
	ReportedSpentFen      int64 `json:"reported_spent_fen"`
	EvaluationsPassed     int   `json:"evaluations_passed"`
	EvaluationsFailed     int   `json:"evaluations_failed"`
	VerifiedSpendingFen   int64 `json:"verified_spending_fen"`
	PledgedFen            int64 `json:"pledged_fen"`
	DepositedFen          int64 `json:"deposited_fen"`
	InKindFen             int64 `json:"in_kind_fen"`
	MatchedFen            int64 `json:"matched_fen"`
	ToppedUpFen           int64 `json:"topped_up_fen"`
	DisbursedFen          int64 `json:"disbursed_fen"`
	ClawedBackFen         int64 `json:"clawed_back_fen"`
	ClawbackReturnedFen   int64 `json:"clawback_returned_fen"`
}

// Add returns f and g summed field by field.
func (f Figures) Add(g Figures) Figures {
	return Figures{MonthlyReportsFiled: f.MonthlyReportsFiled + g.MonthlyReportsFiled, MonthlyReportsOverdue: f.MonthlyReportsOverdue + g.MonthlyReportsOverdue,
		BeneficiariesServed: f.BeneficiariesServed + g.BeneficiariesServed, ReportedSpentFen: f.ReportedSpentFen + g.ReportedSpentFen,
		EvaluationsPassed: f.EvaluationsPassed + g.EvaluationsPassed, EvaluationsFailed: f.EvaluationsFailed + g.EvaluationsFailed,
		VerifiedSpendingFen: f.VerifiedSpendingFen + g.VerifiedSpendingFen, PledgedFen: f.PledgedFen + g.PledgedFen,
		DepositedFen: f.DepositedFen + g.DepositedFen, InKindFen: f.InKindFen + g.InKindFen, MatchedFen: f.MatchedFen + g.MatchedFen,
		ToppedUpFen: f.ToppedUpFen + g.ToppedUpFen, DisbursedFen: f.DisbursedFen + g.DisbursedFen, ClawedBackFen: f.ClawedBackFen + g.ClawedBackFen,
		ClawbackReturnedFen: f.ClawbackReturnedFen + g.ClawbackReturnedFen}
}

// ProjectProgress is one selected project's line of a quarterly report.
type ProjectProgress struct {
	ProjectID       string           `json:"project_id"`
	OrgID           string           `json:"org_id"`
	Title           string           `json:"title"`
	PlanState       PlanState        `json:"plan_state,omitempty"` // "" without a plan
	Midterm         EvaluationResult `json:"midterm,omitempty"`
	FinalAcceptance EvaluationResult `json:"final_acceptance,omitempty"`
	Figures         Figures          `json:"figures"`
}

// Progress is project p's line from what each service says of it: its plan (if any), its donations, its
// monthly reports (filed, and overdue at the report's instant) and its evaluations.
func Progress(p Project, plan Plan, hasPlan bool, d Donations, reports ReportTotals, overdue int, evals []Evaluation) ProjectProgress {
	out := ProjectProgress{ProjectID: p.ID, OrgID: p.OrgID, Title: p.Title, Figures: Figures{
		MonthlyReportsFiled: reports.Filed, MonthlyReportsOverdue: overdue, BeneficiariesServed: reports.BeneficiariesServed,
		ReportedSpentFen: reports.SpentFen, PledgedFen: d.PledgedFen, DepositedFen: d.DepositedFen, InKindFen: d.InKindFen}}
	if hasPlan {
		out.PlanState = plan.State
		out.Figures.MatchedFen, out.Figures.ToppedUpFen, out.Figures.DisbursedFen = plan.MatchFen, plan.TopupFen, plan.DisbursedFen
		out.Figures.ClawedBackFen, out.Figures.ClawbackReturnedFen = plan.ClawbackFen, plan.ClawbackReturnedFen
	}
	for _, e := range evals {
		if e.Result == Passed {
			out.Figures.EvaluationsPassed++
		} else {
			out.Figures.EvaluationsFailed++
		}
	}
	if e, ok := Find(evals, Midterm); ok {
		out.Midterm = e.Result
	}
	if e, ok := Find(evals, FinalAcceptance); ok {
		out.FinalAcceptance = e.Result
	}
	if e, ok := LatestVerified(evals); ok {
		out.Figures.VerifiedSpendingFen = e.VerifiedSpendingFen
	}
	return out
}

// QuarterlyReport is the operator's quarterly report of a round: the figures at AsOf and a narrative.
type QuarterlyReport struct {
	ID        string
	RoundID   string
	Year      int
	Quarter   int
	Narrative string
	Projects  []ProjectProgress
	Totals    Figures
	AsOf      time.Time
	CreatedBy string
}

// CheckQuarter validates a quarter's year, number and narrative.
func CheckQuarter(year, quarter int64, narrative string) error {
	if year < 2000 || year > 2100 {
		return invalid("INVALID_YEAR", "year", "between 2000 and 2100")
	}
	if quarter < 1 || quarter > 4 {
		return invalid("INVALID_QUARTER", "quarter", "1 to 4")
	}
	return checkText("narrative", narrative, LongText, true)
}

// QuarterStart is the first instant of a quarter in loc.
func QuarterStart(year, quarter int, loc *time.Location) time.Time {
	return time.Date(year, time.Month(3*(quarter-1)+1), 1, 0, 0, 0, 0, loc)
}

// NewQuarterlyReport is round r's report of a quarter at now with the projects' lines (their totals summed);
// the quarter must have begun in the round's time zone (cal's).
func NewQuarterlyReport(roundID string, year, quarter int64, narrative string, cal Calendar, now time.Time, projects []ProjectProgress) (QuarterlyReport, error) {
	if err := CheckQuarter(year, quarter, narrative); err != nil {
		return QuarterlyReport{}, err
	}
	if now.Before(QuarterStart(int(year), int(quarter), cal.Location())) {
		return QuarterlyReport{}, ErrQuarterNotStarted.With("%d Q%d has not begun in %s", year, quarter, cal.Location())
	}
	q := QuarterlyReport{RoundID: roundID, Year: int(year), Quarter: int(quarter), Narrative: narrative, Projects: projects, AsOf: now}
	for _, p := range projects {
		q.Totals = q.Totals.Add(p.Figures)
	}
	return q, nil
}
