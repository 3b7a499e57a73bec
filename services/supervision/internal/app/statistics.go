package app

import (
	"context"
	"sync"
	"time"

	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
)

// RoundApplications is the applications service as the statistics use it (failures: APPLICATIONS_UNAVAILABLE,
// …).
type RoundApplications interface {
	// GetRound reads a round's phase, when it entered it, and its calendar policy; unknown: NOT_FOUND.
	GetRound(ctx context.Context, id string) (domain.Round, error)
	// RoundApplications lists every application of a round, any status, with the communities and needs it
	// chose (organisation names come from RoundCatalogue.Organizations).
	RoundApplications(ctx context.Context, roundID string) ([]domain.RoundApplication, error)
}

// RoundCatalogue is the applications service's lists as the statistics use them (failures:
// APPLICATIONS_UNAVAILABLE, …). Each is read whole, in pages or batches, before anything is computed.
type RoundCatalogue interface {
	// Communities lists every community of the list by code, retired ones included (an application may have
	// chosen one before it was retired).
	Communities(ctx context.Context) (map[string]domain.Community, error)
	// RoundNeeds lists the needs published with round roundID, oldest first.
	RoundNeeds(ctx context.Context, roundID string) ([]domain.Need, error)
	// Organizations reads organisations by ID, many per call; an unknown ID is left out.
	Organizations(ctx context.Context, ids []string) (map[string]domain.Organization, error)
}

// PanelScores is the reviews service as the statistics use it (failures: REVIEWS_UNAVAILABLE, …).
type PanelScores interface {
	// RoundPanelScores returns, by application ID, the panel scores of a round's applications in one call.
	RoundPanelScores(ctx context.Context, roundID string) (map[string]domain.PanelScores, error)
}

// RoundDonations is the donations service as the statistics use it (failures: DONATIONS_UNAVAILABLE, …).
type RoundDonations interface {
	// RoundDonations reads, in a few batched calls, the figures of projects of round roundID at asOf (as
	// Donations.Donations reads one), by project ID; a project without any has zero figures.
	RoundDonations(ctx context.Context, roundID string, projectIDs []string, asOf time.Time) (map[string]domain.Donations, error)
}

// StatisticsRecords is what the statistics read of this service's own tables.
type StatisticsRecords interface {
	// FiledPeriods returns, per project, the periods it has a report for.
	FiledPeriods(ctx context.Context, projectIDs []string) (map[string][]domain.Period, error)
	// ReportTotals sums, per project, its monthly reports (their latest revisions).
	ReportTotals(ctx context.Context, projectIDs []string) (map[string]domain.ReportTotals, error)
	// EvaluationsOfProjects returns, per project, its evaluations in the order recorded (EvaluationsOf's), in
	// one read.
	EvaluationsOfProjects(ctx context.Context, projectIDs []string) (map[string][]domain.Evaluation, error)
}

// StatisticsPeers are the services the statistics ask, each with this service's identity.
type StatisticsPeers struct {
	Applications RoundApplications
	Catalogue    RoundCatalogue
	Funding      Funding
	Donations    RoundDonations
	Reviews      PanelScores
}

// Statistics are the read-only use cases of the StatisticsService: a round's statistics and its project
// exports. They write nothing and open no transaction; every figure is read from the service that owns it.
type Statistics struct {
	records   StatisticsRecords
	apps      RoundApplications
	catalogue RoundCatalogue
	funding   Funding
	donations RoundDonations
	reviews   PanelScores
	now       func() time.Time
}

// NewStatistics returns the statistics use cases over records, asking peers.
func NewStatistics(records StatisticsRecords, peers StatisticsPeers, now func() time.Time) *Statistics {
	return &Statistics{records: records, apps: peers.Applications, catalogue: peers.Catalogue, funding: peers.Funding, donations: peers.Donations, reviews: peers.Reviews,
		now: func() time.Time { return now().Truncate(time.Microsecond) }}
}

// RoundStatistics draws round roundID's statistics now: its applications, the communities list, the round's
// needs and the applicants' organisations (applications, in pages and batches), the donations of every one
// that may have some (donations, at now, in batches), the plans (funding) and the selected projects' monthly
// reports, overdue months (while the round is in IMPLEMENTATION) and evaluations (this service), and every
// application's panel scores (reviews, one call). Every remote read comes first; nothing is written.
//
// After the round, the reads that need nothing but the round (applications, communities, needs, panel scores,
// plans) run at the same time, then those that need the applications (organisations, donations, reports,
// evaluations); a failure is reported as the reads would have reported it one after the other: the first
// failed in that order (applications, communities, needs, panel scores, plans; then organisations, donations,
// filed periods, report totals, evaluations).
func (s *Statistics) RoundStatistics(ctx context.Context, roundID string) (domain.Statistics, error) {
	if err := ids.Parse("round_id", roundID); err != nil {
		return domain.Statistics{}, err
	}
	r, err := s.apps.GetRound(ctx, roundID)
	if err != nil {
		return domain.Statistics{}, err
	}
	now := s.now()
	var (
		apps   []domain.RoundApplication
		cat    domain.Catalogue
		scores map[string]domain.PanelScores
		plans  []domain.Plan
	)
	if err := together(
		func() (err error) { apps, err = s.apps.RoundApplications(ctx, roundID); return err },
		func() (err error) { cat.Communities, err = s.catalogue.Communities(ctx); return err },
		func() (err error) { cat.Needs, err = s.catalogue.RoundNeeds(ctx, roundID); return err },
		func() (err error) { scores, err = s.reviews.RoundPanelScores(ctx, roundID); return err },
		func() (err error) { plans, err = s.funding.Plans(ctx, roundID); return err },
	); err != nil {
		return domain.Statistics{}, err
	}
	var selected, gifted []string
	for _, a := range apps {
		if a.Stage == domain.StageSelected {
			selected = append(selected, a.ID)
		}
		if a.MayHaveDonations() {
			gifted = append(gifted, a.ID)
		}
	}
	donations := map[string]domain.Donations{}
	var (
		filed  map[string][]domain.Period
		totals map[string]domain.ReportTotals
		evals  map[string][]domain.Evaluation
	)
	if err := together(
		func() (err error) { cat.Organizations, err = s.organizations(ctx, apps); return err },
		func() (err error) {
			if len(gifted) > 0 {
				donations, err = s.donations.RoundDonations(ctx, roundID, gifted, now)
			}
			return err
		},
		func() (err error) { filed, err = s.records.FiledPeriods(ctx, selected); return err },
		func() (err error) { totals, err = s.records.ReportTotals(ctx, selected); return err },
		func() (err error) { evals, err = s.records.EvaluationsOfProjects(ctx, selected); return err },
	); err != nil {
		return domain.Statistics{}, err
	}
	for i := range apps {
		if o, ok := cat.Organizations[apps[i].OrgID]; ok {
			apps[i].OrgName = o.Name
		}
		apps[i].Scores = scores[apps[i].ID]
	}
	planOf := map[string]domain.Plan{}
	for _, p := range plans {
		planOf[p.ProjectID] = p
	}
	// Overdue months are known before IMPLEMENTATION (none) and during it; after it the start is unknown.
	overdueKnown := r.BeforeImplementation() || r.Phase == domain.PhaseImplementation
	figures := make(map[string]domain.Figures, len(apps))
	var lines []domain.ProjectLine
	for _, a := range apps {
		d := donations[a.ID] // zero unless a.MayHaveDonations()
		if a.Stage != domain.StageSelected {
			figures[a.ID] = domain.Figures{PledgedFen: d.PledgedFen, DepositedFen: d.DepositedFen, InKindFen: d.InKindFen}
			continue
		}
		overdue := 0
		if r.Phase == domain.PhaseImplementation {
			_, missing, err := overduePeriods(r, a.Project, filed[a.ID], now)
			if err != nil {
				return domain.Statistics{}, err
			}
			overdue = len(missing)
		}
		plan, hasPlan := planOf[a.ID]
		p := domain.Progress(a.Project, plan, hasPlan, d, totals[a.ID], overdue, evals[a.ID])
		figures[a.ID] = p.Figures
		lines = append(lines, domain.ProjectLine{Application: a, Progress: p})
	}
	return domain.Tabulate(r, now, overdueKnown, apps, figures, lines, cat), nil
}

// together runs reads at the same time and returns the first failure in their order, once all are done.
func together(reads ...func() error) error {
	failed := make([]error, len(reads))
	var wg sync.WaitGroup
	for i, read := range reads {
		wg.Go(func() { failed[i] = read() })
	}
	wg.Wait()
	for _, err := range failed {
		if err != nil {
			return err
		}
	}
	return nil
}

// organizations reads the organisations of the submitted applications (the only ones the statistics profile
// or name), each distinct organisation once.
func (s *Statistics) organizations(ctx context.Context, apps []domain.RoundApplication) (map[string]domain.Organization, error) {
	seen := map[string]bool{}
	var orgIDs []string
	for _, a := range apps {
		if a.Submitted() && a.OrgID != "" && !seen[a.OrgID] {
			seen[a.OrgID] = true
			orgIDs = append(orgIDs, a.OrgID)
		}
	}
	if len(orgIDs) == 0 {
		return map[string]domain.Organization{}, nil
	}
	return s.catalogue.Organizations(ctx, orgIDs)
}
