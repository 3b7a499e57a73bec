package app

import (
	"context"

	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

// ReviewerPanels is what the applications service asks the reviews service about panel members.
type ReviewerPanels interface {
	// PanelsOf lists the panels a reviewer sits on, of one round or (roundID empty) of every round.
	PanelsOf(ctx context.Context, reviewerID, roundID string) ([]domain.ReviewerPanel, error)
}

// asReviewer reports whether the caller reads as a panel member: a REVIEWER that does not read everything
// anyway (staff, suite services).
func asReviewer(who identity.Identity) bool {
	return who.Has(identity.Reviewer) && !who.ReadsAll() && who.Subject != ""
}

// reviewerScope asks the reviews service what the caller's panels of a round score (empty when it sits on
// none). Use cases call it before any unit of work.
func (s *Service) reviewerScope(ctx context.Context, who identity.Identity, roundID string) (domain.ReviewerScope, error) {
	if s.panels == nil {
		return domain.ReviewerScope{}, domain.ErrReviewsMissing
	}
	panels, err := s.panels.PanelsOf(ctx, who.Subject, roundID)
	if err != nil {
		return domain.ReviewerScope{}, err
	}
	return domain.ScopeIn(panels, roundID), nil
}

// reviewerReads reports whether the caller is a panel member whose panel scores the application: every
// ACCEPTED application of the round for the shortlist panel, every finalist for the final panel.
func (s *Service) reviewerReads(ctx context.Context, who identity.Identity, a domain.Application) (bool, error) {
	if !asReviewer(who) {
		return false, nil
	}
	sc, err := s.reviewerScope(ctx, who, a.RoundID)
	if err != nil {
		return false, err
	}
	return sc.Reads(a), nil
}

// reviewerReadsOrganization reports whether the caller is a panel member and the organisation applies to, or
// partners, an application one of its panels scores.
func (s *Service) reviewerReadsOrganization(ctx context.Context, who identity.Identity, orgID string) (bool, error) {
	if !asReviewer(who) {
		return false, nil
	}
	if s.panels == nil {
		return false, domain.ErrReviewsMissing
	}
	panels, err := s.panels.PanelsOf(ctx, who.Subject, "")
	if err != nil {
		return false, err
	}
	scopes := domain.ScopesOf(panels)
	if len(scopes) == 0 {
		return false, nil
	}
	return s.queries.OrganizationReviewed(ctx, orgID, scopes)
}
