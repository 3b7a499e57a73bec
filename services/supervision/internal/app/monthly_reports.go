package app

import (
	"context"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
)

// Reports stores monthly reports and every revision of them.
type Reports interface {
	// ChangeReport is the one way a report is written: inside the caller's unit of work it loads and locks the
	// project's report of the period (exists false: none yet, r zero), lets change fill or modify it, then
	// inserts or saves it and appends it as a revision. A report inserted concurrently for the same period is
	// domain.ErrReportExists.
	ChangeReport(ctx context.Context, projectID string, period domain.Period, change func(r *domain.MonthlyReport, exists bool) error) (domain.MonthlyReport, error)
	// ListReports returns up to f.Limit of a project's reports after the keyset position, earliest period first.
	ListReports(ctx context.Context, f Page) ([]domain.MonthlyReport, error)
	// ReportRevisions returns every revision of a project's report of a period, first first.
	ReportRevisions(ctx context.Context, projectID string, period domain.Period) ([]domain.MonthlyReport, error)
	// FiledPeriods returns, per project, the periods it has a report for.
	FiledPeriods(ctx context.Context, projectIDs []string) (map[string][]domain.Period, error)
}

// SubmitMonthlyReport files or replaces a period's monthly report.
type SubmitMonthlyReport struct {
	Key                 idempotency.Key
	ProjectID           string
	Period              string
	Activities          string
	BeneficiariesServed int64
	SpentFen            int64
	Spending            []domain.LineAmount
	Issues              string
	// Etag is the report's etag as last read: required to replace a report, refused on the first one.
	Etag string
}

// SubmitMonthlyReport files the report of a period for the project's own team while the project is under
// supervision: the first of a period creates it, a later one replaces it if it names the current revision's
// etag; every revision is kept.
func (s *Service) SubmitMonthlyReport(ctx context.Context, cmd SubmitMonthlyReport) (domain.MonthlyReport, error) {
	if out, done, err := idempotency.Replay[domain.MonthlyReport](ctx, s.requests, cmd.Key); done || err != nil {
		return out, err
	}
	who := identity.From(ctx)
	period, err := domain.ParsePeriod(cmd.Period)
	if err != nil {
		return domain.MonthlyReport{}, err
	}
	p, cal, err := s.supervised(ctx, cmd.ProjectID)
	if err != nil {
		return domain.MonthlyReport{}, err
	}
	if !ownProject(who, p) { // the role table lets only teams in; a team of another organisation got NOT_FOUND
		return domain.MonthlyReport{}, errs.ErrPermissionDenied.With("only the project's own team files its monthly reports")
	}
	now := s.now()
	if err := cal.CheckReportPeriod(period, now); err != nil {
		return domain.MonthlyReport{}, err
	}
	content, err := domain.NewReportContent(cmd.Activities, cmd.BeneficiariesServed, cmd.SpentFen, cmd.Spending, cmd.Issues, p.BudgetLines)
	if err != nil {
		return domain.MonthlyReport{}, err
	}
	return idempotency.Run(ctx, s.requests, cmd.Key, func(ctx context.Context) (domain.MonthlyReport, error) {
		return s.reports.ChangeReport(ctx, p.ID, period, func(r *domain.MonthlyReport, exists bool) error {
			switch {
			case !exists && cmd.Etag != "":
				return errs.ErrEtagMismatch.With("there is no report of %s to replace yet: file it without an etag", period)
			case !exists:
				*r = domain.NewMonthlyReport(ids.New(), p, period, content, cal, now, who.Subject)
				return nil
			case cmd.Etag == "":
				return domain.ErrReportExists.With("the report of %s exists (revision %d): send its etag to replace it", period, r.Revision)
			}
			return r.Replace(cmd.Etag, content, now, who.Subject)
		})
	})
}

// ListMonthlyReports lists a project's reports, earliest period first, to staff, suite services and the
// project's own team.
func (s *Service) ListMonthlyReports(ctx context.Context, f Page) ([]domain.MonthlyReport, error) {
	if err := s.readable(ctx, f.ProjectID); err != nil {
		return nil, err
	}
	return s.reports.ListReports(ctx, f)
}

// ListMonthlyReportRevisions lists every revision of a period's report, first first; NOT_FOUND when the
// period has no report.
func (s *Service) ListMonthlyReportRevisions(ctx context.Context, projectID, period string) ([]domain.MonthlyReport, error) {
	p, err := domain.ParsePeriod(period)
	if err != nil {
		return nil, err
	}
	if err := s.readable(ctx, projectID); err != nil {
		return nil, err
	}
	revs, err := s.reports.ReportRevisions(ctx, projectID, p)
	if err == nil && len(revs) == 0 {
		return nil, notFound("project %s has no report of %s", projectID, p)
	}
	return revs, err
}
