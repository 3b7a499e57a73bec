// Package app holds the supervision service's use cases, one file per aggregate. A mutating use case owns its
// unit of work: it answers a retried request from its stored answer, asks the applications service about the
// project and its round with no transaction open, then checks and writes in one transaction that also records
// its request_id. Which roles may call which use case is the api's authorisation table; the use cases check
// the object: a team (APPLICANT) reaches only its own organisation's projects, anything else is NOT_FOUND.
package app

import (
	"context"
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
)

// Applications is the applications service as supervision uses it, asked with the service's own identity.
// Failures are already this service's errors (APPLICATIONS_UNAVAILABLE, …).
type Applications interface {
	// GetProject reads an application as a project; an unknown one is domain.ErrProjectNotFound.
	GetProject(ctx context.Context, id string) (domain.Project, error)
	// GetRound reads a round's phase, when it entered it, and its calendar policy; unknown: NOT_FOUND.
	GetRound(ctx context.Context, id string) (domain.Round, error)
	// SelectedProjects lists every SELECTED application of a round.
	SelectedProjects(ctx context.Context, roundID string) ([]domain.Project, error)
}

// Funding is the funding service as supervision uses it, asked with the service's own identity. Failures are
// already this service's errors (FUNDING_UNAVAILABLE, …).
type Funding interface {
	// Plans lists a round's funding plans.
	Plans(ctx context.Context, roundID string) ([]domain.Plan, error)
	// Plan reads a project's funding plan; ok is false when it has none.
	Plan(ctx context.Context, projectID string) (plan domain.Plan, ok bool, err error)
}

// Donations is the donations service as supervision uses it (failures: DONATIONS_UNAVAILABLE, …).
type Donations interface {
	// Donations reads a project's pledges and its donations confirmed before asOf.
	Donations(ctx context.Context, projectID string, asOf time.Time) (domain.Donations, error)
}

// Peers are the other services the use cases ask.
type Peers struct {
	Applications Applications
	Funding      Funding
	Donations    Donations
}

// Repositories is all the storage the use cases need; each use case file declares its own part.
type Repositories interface {
	Reports
	Inspections
	Evaluations
	CapacityRecords
	QuarterlyReports
	Closure
}

// Service is the use cases.
type Service struct {
	reports     Reports
	inspections Inspections
	evaluations Evaluations
	capacity    CapacityRecords
	quarterly   QuarterlyReports
	closure     Closure
	requests    idempotency.Store
	apps        Applications
	funding     Funding
	donations   Donations
	now         func() time.Time
}

// New returns the use cases over repo, keeping request records in requests and asking peers about projects,
// rounds, plans and donations.
func New(repo Repositories, requests idempotency.Store, peers Peers, now func() time.Time) *Service {
	return &Service{reports: repo, inspections: repo, evaluations: repo, capacity: repo, quarterly: repo, closure: repo, requests: requests,
		apps: peers.Applications, funding: peers.Funding, donations: peers.Donations,
		// PostgreSQL keeps microseconds: an answer built in memory then equals the same object read back.
		now: func() time.Time { return now().Truncate(time.Microsecond) }}
}

// Page selects a page of one project's records, after a keyset position (AfterTime is the sort key of the
// last item returned: its period for monthly reports, its creation time otherwise).
type Page struct {
	ProjectID string
	AfterTime time.Time
	AfterID   string
	Limit     int
}

// ownProject reports whether the caller is the project's own team: an APPLICANT acting for its organisation.
func ownProject(who identity.Identity, p domain.Project) bool {
	return who.Has(identity.Applicant) && who.OrgID != "" && who.OrgID == p.OrgID
}

// project reads a project the caller may see: staff and suite services see every one, a team only its own
// organisation's; any other answers NOT_FOUND, exactly as an unknown project does.
func (s *Service) project(ctx context.Context, projectID string) (domain.Project, error) {
	if err := ids.Parse("project_id", projectID); err != nil {
		return domain.Project{}, err
	}
	p, err := s.apps.GetProject(ctx, projectID)
	if err != nil {
		return domain.Project{}, err
	}
	if who := identity.From(ctx); !who.ReadsAll() && !ownProject(who, p) {
		return domain.Project{}, domain.ErrProjectNotFound.With("project %s not found", projectID)
	}
	return p, nil
}

// supervised reads a project the caller may see that is under supervision now (SELECTED, its round in
// IMPLEMENTATION) and returns its calendar.
func (s *Service) supervised(ctx context.Context, projectID string) (domain.Project, domain.Calendar, error) {
	p, err := s.project(ctx, projectID)
	if err != nil {
		return domain.Project{}, domain.Calendar{}, err
	}
	r, err := s.apps.GetRound(ctx, p.RoundID)
	if err != nil {
		return domain.Project{}, domain.Calendar{}, err
	}
	cal, err := p.Supervised(r)
	return p, cal, err
}

// readable checks that the caller may read a project's records. Staff and suite services read every project's
// without asking the applications service (an unknown project simply has none); a team is asked about.
func (s *Service) readable(ctx context.Context, projectID string) error {
	if err := ids.Parse("project_id", projectID); err != nil {
		return err
	}
	if identity.From(ctx).ReadsAll() {
		return nil
	}
	_, err := s.project(ctx, projectID)
	return err
}

// notFound is the answer for a record the caller asked for by a key that has none.
func notFound(format string, args ...any) error { return errs.ErrNotFound.With(format, args...) }
