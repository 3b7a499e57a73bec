package app

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
)

// QuarterlyReports stores quarterly reports; a stored report never changes.
type QuarterlyReports interface {
	// InsertQuarterlyReport stores a report; a second of the round's quarter is domain.ErrQuarterlyReportExists.
	InsertQuarterlyReport(ctx context.Context, q domain.QuarterlyReport) error
	// QuarterlyReportExists reports whether the round has its report of the quarter.
	QuarterlyReportExists(ctx context.Context, roundID string, year, quarter int) (bool, error)
	// QuarterlyReports returns a round's reports, earliest quarter first.
	QuarterlyReports(ctx context.Context, roundID string) ([]domain.QuarterlyReport, error)
	// QuarterlyReport reads one report; an unknown one is domain.ErrQuarterlyReportNotFound.
	QuarterlyReport(ctx context.Context, id string) (domain.QuarterlyReport, error)
	// ReportTotals sums, per project, its monthly reports (their latest revisions).
	ReportTotals(ctx context.Context, projectIDs []string) (map[string]domain.ReportTotals, error)
}

// CreateQuarterlyReport is the operator's quarterly report of a round.
type CreateQuarterlyReport struct {
	Key       idempotency.Key
	RoundID   string
	Year      int64
	Quarter   int64
	Narrative string
}

// CreateQuarterlyReport files a round's quarterly report with the figures drawn now from the services that own
// them: the selected projects (applications), their plans (funding), their donations (donations) and this
// service's monthly reports and evaluations. Every remote read happens before the unit of work, which only
// stores the snapshot; one report per round and quarter.
func (s *Service) CreateQuarterlyReport(ctx context.Context, cmd CreateQuarterlyReport) (domain.QuarterlyReport, error) {
	if out, done, err := idempotency.Replay[domain.QuarterlyReport](ctx, s.requests, cmd.Key); done || err != nil {
		return out, err
	}
	if err := ids.Parse("round_id", cmd.RoundID); err != nil {
		return domain.QuarterlyReport{}, err
	}
	if err := domain.CheckQuarter(cmd.Year, cmd.Quarter, cmd.Narrative); err != nil {
		return domain.QuarterlyReport{}, err
	}
	r, err := s.apps.GetRound(ctx, cmd.RoundID)
	if err != nil {
		return domain.QuarterlyReport{}, err
	}
	if r.Phase != domain.PhaseImplementation {
		return domain.QuarterlyReport{}, domain.ErrRoundNotImplementing.With("the round is in %s", r.Phase)
	}
	cal, err := r.Calendar(0)
	if err != nil {
		return domain.QuarterlyReport{}, err
	}
	now := s.now()
	if _, err := domain.NewQuarterlyReport(r.ID, cmd.Year, cmd.Quarter, cmd.Narrative, cal, now, nil); err != nil {
		return domain.QuarterlyReport{}, err
	}
	if exists, err := s.quarterly.QuarterlyReportExists(ctx, r.ID, int(cmd.Year), int(cmd.Quarter)); err != nil || exists {
		if err == nil {
			err = domain.ErrQuarterlyReportExists.With("the round already has its report of %d Q%d", cmd.Year, cmd.Quarter)
		}
		return domain.QuarterlyReport{}, err
	}
	projects, err := s.progress(ctx, r, now)
	if err != nil {
		return domain.QuarterlyReport{}, err
	}
	q, err := domain.NewQuarterlyReport(r.ID, cmd.Year, cmd.Quarter, cmd.Narrative, cal, now, projects)
	if err != nil {
		return domain.QuarterlyReport{}, err
	}
	q.ID, q.CreatedBy = ids.New(), identity.From(ctx).Subject
	return idempotency.Run(ctx, s.requests, cmd.Key, func(ctx context.Context) (domain.QuarterlyReport, error) {
		// The figures are a snapshot at q.AsOf: nothing read is re-checked; a concurrent report of the same
		// quarter loses on the unique index.
		return q, s.quarterly.InsertQuarterlyReport(ctx, q)
	})
}

// progress draws every selected project's line of round r (in IMPLEMENTATION) at now, by project ID.
func (s *Service) progress(ctx context.Context, r domain.Round, now time.Time) ([]domain.ProjectProgress, error) {
	projects, err := s.apps.SelectedProjects(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(projects, func(a, b domain.Project) int { return strings.Compare(a.ID, b.ID) })
	plans, err := s.funding.Plans(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	planOf := map[string]domain.Plan{}
	for _, p := range plans {
		planOf[p.ProjectID] = p
	}
	projectIDs := make([]string, len(projects))
	for i, p := range projects {
		projectIDs[i] = p.ID
	}
	filed, err := s.reports.FiledPeriods(ctx, projectIDs)
	if err != nil {
		return nil, err
	}
	totals, err := s.quarterly.ReportTotals(ctx, projectIDs)
	if err != nil {
		return nil, err
	}
	out := make([]domain.ProjectProgress, 0, len(projects))
	for _, p := range projects {
		d, err := s.donations.Donations(ctx, p.ID, now)
		if err != nil {
			return nil, err
		}
		evals, err := s.evaluations.EvaluationsOf(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		_, overdue, err := overduePeriods(r, p, filed[p.ID], now)
		if err != nil {
			return nil, err
		}
		plan, hasPlan := planOf[p.ID]
		out = append(out, domain.Progress(p, plan, hasPlan, d, totals[p.ID], len(overdue), evals))
	}
	return out, nil
}

// ListQuarterlyReports lists a round's quarterly reports, earliest quarter first.
func (s *Service) ListQuarterlyReports(ctx context.Context, roundID string) ([]domain.QuarterlyReport, error) {
	if err := ids.Parse("round_id", roundID); err != nil {
		return nil, err
	}
	return s.quarterly.QuarterlyReports(ctx, roundID)
}

// GetQuarterlyReport reads one quarterly report.
func (s *Service) GetQuarterlyReport(ctx context.Context, id string) (domain.QuarterlyReport, error) {
	if err := ids.Parse("quarterly_report_id", id); err != nil {
		return domain.QuarterlyReport{}, err
	}
	return s.quarterly.QuarterlyReport(ctx, id)
}
