package app

import (
	"context"
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

// Summaries reads what an application received.
type Summaries interface {
	// PledgesOfApplication returns every pledge to an application or redirected to it.
	PledgesOfApplication(ctx context.Context, applicationID string) ([]domain.Pledge, error)
	// DonorsOfApplication lists the IDs of the donors with any pledge to an application or redirected to it.
	DonorsOfApplication(ctx context.Context, applicationID string) ([]string, error)
}

// DonationSummary returns an application's confirmed donations at asOf (zero: now), cash and in kind, counting
// those redirected to it before its round's donation cutoff, and the naming right.
func (s *Service) DonationSummary(ctx context.Context, applicationID string, asOf time.Time) (domain.Summary, error) {
	if err := ids.Parse("application_id", applicationID); err != nil {
		return domain.Summary{}, err
	}
	if asOf.IsZero() {
		asOf = s.now()
	}
	a, err := s.apps.GetApplication(ctx, applicationID)
	if err != nil {
		if domain.ErrApplicationNotFound.Is(err) {
			return domain.Summary{}, errs.ErrNotFound.With("application %s not found", applicationID)
		}
		return domain.Summary{}, err
	}
	r, err := s.apps.GetRound(ctx, a.RoundID)
	if err != nil {
		return domain.Summary{}, err
	}
	pledges, err := s.summaries.PledgesOfApplication(ctx, applicationID)
	if err != nil {
		return domain.Summary{}, err
	}
	return domain.Summarize(applicationID, pledges, asOf, r.DonationCutoff, a.BudgetTotalFen, r.NamingRightShareBps), nil
}

// ListApplicationDonors lists the donors with any pledge to an application or a donation redirected to it (a
// donor representative's conflicts): for staff and, among suite services, the reviews service.
func (s *Service) ListApplicationDonors(ctx context.Context, applicationID string) ([]string, error) {
	who := identity.From(ctx)
	if !who.IsService("reviews") && !who.IsStaff() {
		return nil, errs.ErrPermissionDenied.With("only the reviews service and staff list an application's donors")
	}
	if err := ids.Parse("application_id", applicationID); err != nil {
		return nil, err
	}
	return s.summaries.DonorsOfApplication(ctx, applicationID)
}
