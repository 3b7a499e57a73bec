package clients

import (
	"context"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/timestamppb"

	donationsv1 "github.com/commonweal/commonweal/gen/go/commonweal/donations/v1"
	fundingv1 "github.com/commonweal/commonweal/gen/go/commonweal/funding/v1"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/pbconv"
	"github.com/commonweal/commonweal/pkg/peer"
	"github.com/commonweal/commonweal/services/supervision/internal/app"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
)

// Funding asks the funding service about plans, as this service. Its failures come back as this service's own
// errors: FUNDING_UNAVAILABLE, FUNDING_CALL_FAILED, … (see pkg/peer).
type Funding struct {
	c fundingv1.FundingServiceClient
}

var _ app.Funding = (*Funding)(nil)

// NewFunding returns the client over conn.
func NewFunding(conn grpc.ClientConnInterface) *Funding {
	return &Funding{c: fundingv1.NewFundingServiceClient(conn)}
}

func planOf(p *fundingv1.Plan) domain.Plan {
	return domain.Plan{ProjectID: p.GetApplicationId(), State: domain.PlanState(pbconv.EnumName(p.GetState(), "PLAN_STATE_")),
		MatchFen: p.GetMatchFen(), TopupFen: p.GetTopupFen(), DisbursedFen: p.GetDisbursedFen(), ClawbackFen: p.GetClawbackFen(),
		ClawbackReturnedFen: p.GetClawbackReturnedFen()}
}

// Plans lists a round's plans (none for a round funding does not know).
func (f *Funding) Plans(ctx context.Context, roundID string) ([]domain.Plan, error) {
	r, err := f.c.ListPlans(ctx, &fundingv1.ListPlansRequest{RoundId: roundID})
	if err != nil {
		return nil, peer.Error(ctx, "funding", err, errs.ErrNotFound.With("round %s not found", roundID))
	}
	out := make([]domain.Plan, 0, len(r.GetPlans()))
	for _, p := range r.GetPlans() {
		out = append(out, planOf(p))
	}
	return out, nil
}

// Plan reads a project's plan; ok is false when funding has none for it.
func (f *Funding) Plan(ctx context.Context, projectID string) (domain.Plan, bool, error) {
	p, err := f.c.GetPlan(ctx, &fundingv1.GetPlanRequest{ApplicationId: projectID})
	if err != nil {
		none := errs.New(errs.NotFound, "PLAN_NOT_FOUND", "no plan")
		if err = peer.Error(ctx, "funding", err, none); err == none {
			return domain.Plan{}, false, nil
		}
		return domain.Plan{}, false, err
	}
	return planOf(p), true, nil
}

// Donations asks the donations service about a project's pledges and confirmed donations, as this service
// (failures: DONATIONS_UNAVAILABLE, DONATIONS_CALL_FAILED, …).
type Donations struct {
	c donationsv1.DonationsServiceClient
}

var _ app.Donations = (*Donations)(nil)

// NewDonations returns the client over conn.
func NewDonations(conn grpc.ClientConnInterface) *Donations {
	return &Donations{c: donationsv1.NewDonationsServiceClient(conn)}
}

var _ app.RoundDonations = (*Donations)(nil)

// donationsBatch is how many projects one BatchGetDonationTotals call asks about (the service takes 1,000).
const donationsBatch = 500

// RoundDonations asks BatchGetDonationTotals for the figures of projects of a round at asOf, 500 at a time:
// the same figures Donations reads project by project.
func (d *Donations) RoundDonations(ctx context.Context, roundID string, projectIDs []string, asOf time.Time) (map[string]domain.Donations, error) {
	out := make(map[string]domain.Donations, len(projectIDs))
	for start := 0; start < len(projectIDs); start += donationsBatch {
		chunk := projectIDs[start:min(start+donationsBatch, len(projectIDs))]
		resp, err := d.c.BatchGetDonationTotals(ctx, &donationsv1.BatchGetDonationTotalsRequest{RoundId: roundID, ApplicationIds: chunk,
			AsOf: timestamppb.New(asOf)})
		if err != nil {
			return nil, peer.Error(ctx, "donations", err, nil)
		}
		for _, t := range resp.GetTotals() {
			out[t.GetApplicationId()] = domain.Donations{PledgedFen: t.GetPledgedFen(), DepositedFen: t.GetConfirmedCashFen(),
				InKindFen: t.GetConfirmedInKindFen()}
		}
	}
	return out, nil
}

// Donations reads the project's donation summary at asOf (cash and in kind confirmed) and pages through its
// pledges for the amount pledged: every pledge neither refunded nor redirected away.
func (d *Donations) Donations(ctx context.Context, projectID string, asOf time.Time) (domain.Donations, error) {
	sum, err := d.c.GetDonationSummary(ctx, &donationsv1.GetDonationSummaryRequest{ApplicationId: projectID, AsOf: timestamppb.New(asOf)})
	if err != nil {
		return domain.Donations{}, peer.Error(ctx, "donations", err, domain.ErrProjectNotFound.With("project %s not found", projectID))
	}
	out := domain.Donations{DepositedFen: sum.GetConfirmedCashFen(), InKindFen: sum.GetConfirmedInKindFen()}
	token := ""
	for {
		page, err := d.c.ListPledges(ctx, &donationsv1.ListPledgesRequest{ApplicationId: projectID, PageSize: 100, PageToken: token})
		if err != nil {
			return domain.Donations{}, peer.Error(ctx, "donations", err, nil)
		}
		for _, p := range page.GetPledges() {
			if s := p.GetState(); s != donationsv1.PledgeState_PLEDGE_STATE_REFUNDED && s != donationsv1.PledgeState_PLEDGE_STATE_REDIRECTED {
				out.PledgedFen += p.GetAmountFen()
			}
		}
		if token = page.GetNextPageToken(); token == "" {
			return out, nil
		}
	}
}
