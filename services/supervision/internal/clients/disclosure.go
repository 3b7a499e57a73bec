package clients

import (
	"context"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/timestamppb"

	donationsv1 "github.com/commonweal/commonweal/gen/go/commonweal/donations/v1"
	fundingv1 "github.com/commonweal/commonweal/gen/go/commonweal/funding/v1"
	reviewsv1 "github.com/commonweal/commonweal/gen/go/commonweal/reviews/v1"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/pbconv"
	"github.com/commonweal/commonweal/pkg/peer"
	"github.com/commonweal/commonweal/services/supervision/internal/app"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
)

// DisclosureSources asks reviews (shortlist, results), funding (plans with their tranches) and donations
// (pledges) what the feeds disclose, as this service. Failures come back as this service's own errors
// (REVIEWS_UNAVAILABLE, FUNDING_CALL_FAILED, …; see pkg/peer).
type DisclosureSources struct {
	reviews   reviewsv1.ReviewsServiceClient
	funding   fundingv1.FundingServiceClient
	donations donationsv1.DonationsServiceClient
}

var _ app.DisclosureSources = (*DisclosureSources)(nil)

// NewDisclosureSources returns the clients over the connections to reviews, funding and donations.
func NewDisclosureSources(reviews, funding, donations grpc.ClientConnInterface) *DisclosureSources {
	return &DisclosureSources{reviews: reviewsv1.NewReviewsServiceClient(reviews), funding: fundingv1.NewFundingServiceClient(funding),
		donations: donationsv1.NewDonationsServiceClient(donations)}
}

// none marks a peer's NOT_FOUND as "nothing yet".
var none = errs.New(errs.NotFound, "NONE", "nothing yet")

func timeOf(t *timestamppb.Timestamp) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.AsTime()
}

// Shortlist reads a round's shortlist; none computed yet is unpublished.
func (d *DisclosureSources) Shortlist(ctx context.Context, roundID string) (domain.Shortlist, error) {
	s, err := d.reviews.GetShortlist(ctx, &reviewsv1.GetShortlistRequest{RoundId: roundID})
	if err = peer.Error(ctx, "reviews", err, none); err != nil || s.GetState() != reviewsv1.ShortlistState_SHORTLIST_STATE_PUBLISHED {
		return domain.Shortlist{}, noneIsNil(err)
	}
	out := domain.Shortlist{Published: true, PublishedAt: timeOf(s.GetPublishTime())}
	for _, e := range s.GetEntries() {
		out.Entries = append(out.Entries, domain.ShortlistEntry{ProjectID: e.GetApplicationId(), Rank: int(e.GetRank()),
			PanelScore: int(e.GetPanelScore()), Shortlisted: e.GetShortlisted() && !e.GetDisqualified()})
	}
	return out, nil
}

// Results reads a round's results; none computed yet, or not signed off, is unsigned.
func (d *DisclosureSources) Results(ctx context.Context, roundID string) (domain.Results, error) {
	r, err := d.reviews.GetResults(ctx, &reviewsv1.GetResultsRequest{RoundId: roundID})
	if err = peer.Error(ctx, "reviews", err, none); err != nil || r.GetState() != reviewsv1.ResultsState_RESULTS_STATE_SIGNED_OFF {
		return domain.Results{}, noneIsNil(err)
	}
	out := domain.Results{SignedOff: true, SignedOffAt: timeOf(r.GetSignOffTime())}
	for _, e := range r.GetEntries() {
		out.Entries = append(out.Entries, domain.ResultEntry{ProjectID: e.GetApplicationId(), Rank: int(e.GetRank()), TotalScore: int(e.GetTotalScore()),
			Selected: e.GetSelected(), IdeaPrizeTier: int(e.GetIdeaPrizeTier())})
	}
	return out, nil
}

func noneIsNil(err error) error {
	if err == none {
		return nil
	}
	return err
}

func fundedPlanOf(p *fundingv1.Plan) domain.FundedPlan {
	out := domain.FundedPlan{Plan: planOf(p), ID: p.GetId(), DonationFen: p.GetDonationFen(),
		ClawbackGovernmentFen: p.GetClawbackGovernmentFen(), ClawbackDonationFen: p.GetClawbackDonationFen()}
	for _, t := range p.GetTranches() {
		out.Tranches = append(out.Tranches, domain.Tranche{Number: int(t.GetNumber()), GovernmentFen: t.GetGovernmentFen(), DonationFen: t.GetDonationFen(),
			AmountFen: t.GetAmountFen(), Paid: t.GetState() == fundingv1.TrancheState_TRANCHE_STATE_PAID, DonationPaid: t.GetDonationPaid(),
			PaidAt: timeOf(t.GetPaidTime())})
	}
	return out
}

// FundedPlans lists a round's plans (none for a round funding does not know).
func (d *DisclosureSources) FundedPlans(ctx context.Context, roundID string) ([]domain.FundedPlan, error) {
	r, err := d.funding.ListPlans(ctx, &fundingv1.ListPlansRequest{RoundId: roundID})
	if err = peer.Error(ctx, "funding", err, none); err != nil {
		return nil, noneIsNil(err)
	}
	out := make([]domain.FundedPlan, 0, len(r.GetPlans()))
	for _, p := range r.GetPlans() {
		out = append(out, fundedPlanOf(p))
	}
	return out, nil
}

// FundedPlan reads a project's plan; ok is false when funding has none for it.
func (d *DisclosureSources) FundedPlan(ctx context.Context, projectID string) (domain.FundedPlan, bool, error) {
	p, err := d.funding.GetPlan(ctx, &fundingv1.GetPlanRequest{ApplicationId: projectID})
	if err = peer.Error(ctx, "funding", err, none); err != nil {
		return domain.FundedPlan{}, false, noneIsNil(err)
	}
	return fundedPlanOf(p), true, nil
}

// DonorPledges pages through a donor's pledges, oldest first.
func (d *DisclosureSources) DonorPledges(ctx context.Context, donorID string) ([]domain.Pledge, error) {
	return d.pledges(ctx, &donationsv1.ListPledgesRequest{DonorId: donorID})
}

// ProjectPledges pages through a project's pledges.
func (d *DisclosureSources) ProjectPledges(ctx context.Context, projectID string) ([]domain.Pledge, error) {
	return d.pledges(ctx, &donationsv1.ListPledgesRequest{ApplicationId: projectID})
}

func (d *DisclosureSources) pledges(ctx context.Context, req *donationsv1.ListPledgesRequest) ([]domain.Pledge, error) {
	var out []domain.Pledge
	req.PageSize = 100
	for {
		page, err := d.donations.ListPledges(ctx, req)
		if err != nil {
			return nil, peer.Error(ctx, "donations", err, nil)
		}
		for _, p := range page.GetPledges() {
			out = append(out, domain.Pledge{ID: p.GetId(), DonorID: p.GetDonorId(), ProjectID: p.GetApplicationId(), RoundID: p.GetRoundId(),
				Kind: pbconv.EnumName(p.GetKind(), "PLEDGE_KIND_"), State: pbconv.EnumName(p.GetState(), "PLEDGE_STATE_"), AmountFen: p.GetAmountFen(),
				DepositedFen: p.GetDepositedAmountFen(), Late: p.GetLate(), CreatedAt: timeOf(p.GetCreateTime()), DepositedAt: timeOf(p.GetDepositTime()),
				RefundedAt: timeOf(p.GetRefundTime()), RedirectedAt: timeOf(p.GetRedirectTime()), RedirectProjectID: p.GetRedirectApplicationId()})
		}
		if req.PageToken = page.GetNextPageToken(); req.PageToken == "" {
			return out, nil
		}
	}
}
