package app

import (
	"context"
	"fmt"
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
	// PledgesOfApplications returns, in one query, every pledge to one of the applications or redirected to one.
	PledgesOfApplications(ctx context.Context, applicationIDs []string) ([]domain.Pledge, error)
}

// MaxTotalsBatch is the most applications one DonationTotals call reads.
const MaxTotalsBatch = 1000

// Totals are an application's donation figures at an instant: its confirmed donations (as DonationSummary
// counts them) and what is pledged to it, neither refunded nor redirected away (now, whatever the instant).
type Totals struct {
	ApplicationID      string
	ConfirmedTotalFen  int64
	ConfirmedCashFen   int64
	ConfirmedInKindFen int64
	PledgedFen         int64
}

// DonationTotals returns the totals of applications of round roundID at asOf (zero: now), in their order, from
// one read of their pledges: for suite services' whole-round statistics. The round's donation cutoff applies to
// donations redirected to them (the caller vouches they are the round's; one whose own pledges are of another
// round is refused). No naming right is worked out. Unknown applications have zero totals.
func (s *Service) DonationTotals(ctx context.Context, roundID string, applicationIDs []string, asOf time.Time) ([]Totals, time.Time, error) {
	if !identity.From(ctx).Has(identity.Service) {
		return nil, time.Time{}, errs.ErrPermissionDenied.With("only suite services read donation totals in batches")
	}
	if err := ids.Parse("round_id", roundID); err != nil {
		return nil, time.Time{}, err
	}
	if len(applicationIDs) == 0 || len(applicationIDs) > MaxTotalsBatch {
		return nil, time.Time{}, errs.Invalid("INVALID_BATCH_SIZE", "application_ids", fmt.Sprintf("must name 1 to %d applications", MaxTotalsBatch))
	}
	index := make(map[string]int, len(applicationIDs))
	for i, id := range applicationIDs {
		if err := ids.Parse("application_ids", id); err != nil {
			return nil, time.Time{}, err
		}
		if _, dup := index[id]; dup {
			return nil, time.Time{}, errs.Invalid("DUPLICATE_APPLICATION_ID", "application_ids", "application "+id+" is named twice")
		}
		index[id] = i
	}
	if asOf.IsZero() {
		asOf = s.now()
	}
	r, err := s.apps.GetRound(ctx, roundID)
	if err != nil {
		return nil, time.Time{}, err
	}
	pledges, err := s.summaries.PledgesOfApplications(ctx, applicationIDs)
	if err != nil {
		return nil, time.Time{}, err
	}
	of := make([][]domain.Pledge, len(applicationIDs))
	out := make([]Totals, len(applicationIDs))
	for _, p := range pledges {
		if i, ok := index[p.ApplicationID]; ok {
			if p.RoundID != roundID {
				return nil, time.Time{}, errs.Invalid("APPLICATION_OF_ANOTHER_ROUND", "application_ids",
					fmt.Sprintf("application %s is not of round %s", p.ApplicationID, roundID))
			}
			of[i] = append(of[i], p)
			if p.State != domain.StateRefunded && p.State != domain.StateRedirected {
				out[i].PledgedFen += p.AmountFen
			}
		}
		if i, ok := index[p.RedirectApplicationID]; ok && p.RedirectApplicationID != p.ApplicationID {
			of[i] = append(of[i], p)
		}
	}
	for i, id := range applicationIDs {
		sum := domain.Summarize(id, of[i], asOf, r.DonationCutoff, 0, 0)
		out[i].ApplicationID, out[i].ConfirmedTotalFen, out[i].ConfirmedCashFen, out[i].ConfirmedInKindFen =
			id, sum.ConfirmedTotalFen, sum.ConfirmedCashFen, sum.ConfirmedInKindFen
	}
	return out, asOf, nil
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
