package app

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
)

// OverdueReport is one project's missing report of a period, past its due day.
type OverdueReport struct {
	Project     domain.Project
	Period      domain.Period
	DueDate     domain.Date
	OverdueFrom time.Time
}

// Overdue is a round's overdue monthly reports at an instant.
type Overdue struct {
	Reports             []OverdueReport
	AsOf                time.Time
	TimeZone            string
	ImplementationStart time.Time
}

// ListOverdueMonthlyReports lists, for every SELECTED project of a round in IMPLEMENTATION, each month of its
// implementation whose report is missing after the due day, by project ID then period. A round before
// IMPLEMENTATION has none; one past it is refused (IMPLEMENTATION_START_UNKNOWN).
func (s *Service) ListOverdueMonthlyReports(ctx context.Context, roundID string) (Overdue, error) {
	if err := ids.Parse("round_id", roundID); err != nil {
		return Overdue{}, err
	}
	r, err := s.apps.GetRound(ctx, roundID)
	if err != nil {
		return Overdue{}, err
	}
	out := Overdue{AsOf: s.now(), TimeZone: r.TimeZone}
	if r.BeforeImplementation() {
		return out, nil
	}
	if _, err := r.Calendar(0); err != nil {
		return Overdue{}, err
	}
	out.ImplementationStart = r.PhaseEnteredAt
	projects, err := s.apps.SelectedProjects(ctx, roundID)
	if err != nil {
		return Overdue{}, err
	}
	slices.SortFunc(projects, func(a, b domain.Project) int { return strings.Compare(a.ID, b.ID) })
	projectIDs := make([]string, len(projects))
	for i, p := range projects {
		projectIDs[i] = p.ID
	}
	filed, err := s.reports.FiledPeriods(ctx, projectIDs)
	if err != nil {
		return Overdue{}, err
	}
	for _, p := range projects {
		cal, missing, err := overduePeriods(r, p, filed[p.ID], out.AsOf)
		if err != nil {
			return Overdue{}, err
		}
		for _, per := range missing {
			out.Reports = append(out.Reports, OverdueReport{Project: p, Period: per, DueDate: cal.DueDate(per), OverdueFrom: cal.OverdueFrom(per)})
		}
	}
	return out, nil
}

// overduePeriods returns project p's calendar in round r and the months whose report is missing (not in filed)
// past its due day at now.
func overduePeriods(r domain.Round, p domain.Project, filed []domain.Period, now time.Time) (domain.Calendar, []domain.Period, error) {
	cal, err := r.Calendar(p.DurationMonths)
	if err != nil {
		return domain.Calendar{}, nil, err
	}
	return cal, cal.OverduePeriods(now, func(per domain.Period) bool { return slices.Contains(filed, per) }), nil
}
