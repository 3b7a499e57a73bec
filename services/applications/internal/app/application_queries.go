package app

import (
	"context"
	"slices"
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

// ApplicationQueries reads applications beyond one at a time.
type ApplicationQueries interface {
	// ListApplications returns up to f.Limit applications after the keyset position, oldest first.
	ListApplications(ctx context.Context, f ApplicationFilter) ([]domain.Application, error)
	// ListRevisions returns every submitted version of an application, first first.
	ListRevisions(ctx context.Context, applicationID string) ([]domain.Revision, error)
	// DuplicateTitle reports whether another application of the round has the title (case-insensitive).
	DuplicateTitle(ctx context.Context, roundID, title, exceptID string) (bool, error)
	// CountAwaitingReview counts a round's submitted applications without a decision.
	CountAwaitingReview(ctx context.Context, roundID string) (int, error)
	// ListReviewedApplications is ListApplications keeping the applications of f.OrgIDs and those a panel
	// member's scope reads, so that pages stay whole.
	ListReviewedApplications(ctx context.Context, f ApplicationFilter, scope domain.ReviewerScope) ([]domain.Application, error)
	// OrganizationReviewed reports whether an organisation applies to, or partners, an application one of the
	// scopes reads.
	OrganizationReviewed(ctx context.Context, orgID string, scopes []domain.ReviewerScope) (bool, error)
}

// ApplicationFilter selects a page of a round's applications.
type ApplicationFilter struct {
	RoundID string
	// OrgIDs, when not nil, keeps only these organisations' applications.
	OrgIDs   []string
	Status   domain.Status
	Category domain.Category
	// AfterTime and AfterID are the keyset position: the creation time and ID of the last one seen.
	AfterTime time.Time
	AfterID   string
	Limit     int
}

// ApplicationView is an application as the caller may see it.
type ApplicationView struct {
	domain.Application
	Checks []domain.Check
	// PublicOnly is set when the caller sees only the public fields of a shortlisted application.
	PublicOnly bool
}

// publicStages are the stages whose applications anyone may read (public fields only): the finalists.
var publicStages = domain.FinalistStages

// GetApplication returns an application with its automatic checks to its owner, staff, suite services and
// the panel members whose panel scores it (asked of the reviews service), and the public fields of a
// shortlisted one to anyone.
func (s *Service) GetApplication(ctx context.Context, id string) (ApplicationView, error) {
	who := identity.From(ctx)
	if err := ids.Parse("application_id", id); err != nil {
		return ApplicationView{}, err
	}
	a, err := s.apps.GetApplication(ctx, id)
	if err != nil {
		return ApplicationView{}, err
	}
	org, err := s.orgs.GetOrganization(ctx, a.OrgID)
	if err != nil {
		return ApplicationView{}, err
	}
	if !canSee(who, org) {
		reads, err := s.reviewerReads(ctx, who, a)
		if err != nil {
			return ApplicationView{}, err
		}
		if reads {
			return s.fullView(ctx, a, org)
		}
		if slices.Contains(publicStages, a.Stage) {
			return ApplicationView{Application: a, PublicOnly: true}, nil
		}
		return ApplicationView{}, errs.ErrNotFound.With("application %s not found", id)
	}
	return s.fullView(ctx, a, org)
}

// fullView is the whole application with its automatic checks, as its owner and staff see it.
func (s *Service) fullView(ctx context.Context, a domain.Application, org domain.Organization) (ApplicationView, error) {
	r, err := s.rounds.GetRound(ctx, a.RoundID)
	if err != nil {
		return ApplicationView{}, err
	}
	partner, err := s.partner(ctx, a.Content.PartnerOrgID)
	if err != nil {
		return ApplicationView{}, err
	}
	dup, err := s.queries.DuplicateTitle(ctx, a.RoundID, a.Content.Title, a.ID)
	if err != nil {
		return ApplicationView{}, err
	}
	return ApplicationView{Application: a, Checks: domain.AutomaticChecks(a, r.Policy, org, partner, dup)}, nil
}

// ListApplications lists a round's applications: all of them to staff and suite services, its own to an
// applicant, to a panel member those its panels of the round score (asked of the reviews service).
func (s *Service) ListApplications(ctx context.Context, f ApplicationFilter) ([]domain.Application, error) {
	who := identity.From(ctx)
	if err := ids.Parse("round_id", f.RoundID); err != nil {
		return nil, err
	}
	f.OrgIDs = nil
	if who.ReadsAll() {
		// An application belongs to an existing round: only an empty page asks whether the round exists.
		list, err := s.queries.ListApplications(ctx, f)
		if err != nil || len(list) > 0 {
			return list, err
		}
		if _, err := s.rounds.GetRound(ctx, f.RoundID); err != nil {
			return nil, err
		}
		return list, nil
	}
	if _, err := s.rounds.GetRound(ctx, f.RoundID); err != nil {
		return nil, err
	}
	owned, err := s.orgs.OrganizationsOwnedBy(ctx, who.Subject)
	if err != nil {
		return nil, err
	}
	if who.OrgID != "" && ids.Parse("org_id", who.OrgID) == nil {
		owned = append(owned, who.OrgID)
	}
	f.OrgIDs = append([]string{}, owned...)
	if asReviewer(who) {
		sc, err := s.reviewerScope(ctx, who, f.RoundID)
		if err != nil {
			return nil, err
		}
		return s.queries.ListReviewedApplications(ctx, f, sc)
	}
	return s.queries.ListApplications(ctx, f)
}

// Revisions are an application and every version of it that was submitted.
type Revisions struct {
	Application domain.Application
	Revisions   []domain.Revision
}

// ListRevisions returns every submitted version of an application to its owner, staff and suite services.
func (s *Service) ListRevisions(ctx context.Context, id string) (Revisions, error) {
	who := identity.From(ctx)
	if err := ids.Parse("application_id", id); err != nil {
		return Revisions{}, err
	}
	a, err := s.apps.GetApplication(ctx, id)
	if err != nil {
		return Revisions{}, err
	}
	if _, err := s.organizationOf(ctx, who, a); err != nil {
		return Revisions{}, err
	}
	revs, err := s.queries.ListRevisions(ctx, id)
	return Revisions{Application: a, Revisions: revs}, err
}
