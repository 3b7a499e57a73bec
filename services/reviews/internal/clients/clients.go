// Package clients holds the reviews service's gRPC clients of the other services, behind the interfaces the
// use cases declare. Every call carries the reviews service's own signed identity (grpcserver.DialAs).
package clients

import (
	"context"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/timestamppb"

	applicationsv1 "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1"
	donationsv1 "github.com/commonweal/commonweal/gen/go/commonweal/donations/v1"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// callTimeout bounds each call to another service.
const callTimeout = 10 * time.Second

// Applications is the client of the applications service.
type Applications struct {
	c applicationsv1.ApplicationsServiceClient
}

// NewApplications returns the applications client over conn.
func NewApplications(conn grpc.ClientConnInterface) *Applications {
	return &Applications{c: applicationsv1.NewApplicationsServiceClient(conn)}
}

func policyOf(p *applicationsv1.Policy) domain.Policy {
	out := domain.Policy{
		ShortlistQuota:      int(p.GetShortlistQuota()),
		SelectionQuota:      int(p.GetSelectionQuota()),
		ShortlistPanelMin:   int(p.GetShortlistPanelMin()),
		FinalPanelMin:       int(p.GetFinalPanelMin()),
		TrimExtremes:        p.GetTrimExtremes(),
		Weights:             domain.Weights{Panel: int(p.GetWeights().GetPanelPercent()), Donation: int(p.GetWeights().GetDonationPercent()), Vote: int(p.GetWeights().GetVotePercent())},
		VotesPerVoterPerDay: int(p.GetVotesPerVoterPerDay()),
		TimeZone:            p.GetTimeZone(),
		PublicityPeriod:     p.GetPublicityPeriod().AsDuration(),
	}
	for _, c := range p.GetRubric() {
		out.Rubric = append(out.Rubric, domain.Criterion{Name: c.GetName(), MaxPoints: int(c.GetMaxPoints())})
	}
	for _, t := range p.GetIdeaPrizeTiers() {
		out.IdeaPrizeTiers = append(out.IdeaPrizeTiers, domain.IdeaPrizeTier{Tier: int(t.GetTier()), AmountFen: t.GetAmountFen(), Count: int(t.GetCount())})
	}
	return out
}

func timeOf(t *timestamppb.Timestamp) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.AsTime()
}

// GetRound reads a round's phase, times and policy.
func (a *Applications) GetRound(ctx context.Context, id string) (domain.Round, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	r, err := a.c.GetRound(ctx, &applicationsv1.GetRoundRequest{RoundId: id})
	if err != nil {
		return domain.Round{}, err
	}
	return domain.Round{ID: r.GetId(), Phase: domain.Phase(strings.TrimPrefix(r.GetPhase().String(), "PHASE_")), PhaseEnteredAt: timeOf(r.GetPhaseEnterTime()),
		DonationCutoff: timeOf(r.GetDonationCutoff()), Policy: policyOf(r.GetPolicy())}, nil
}

func applicationOf(a *applicationsv1.Application) domain.Application {
	return domain.Application{ID: a.GetId(), RoundID: a.GetRoundId(), OrgID: a.GetOrgId(), PartnerOrgID: a.GetPartnerOrgId(),
		Accepted: a.GetStatus() == applicationsv1.ApplicationStatus_APPLICATION_STATUS_ACCEPTED, IdeaOnly: a.GetIdeaOnly(),
		BudgetFen: a.GetBudgetTotalFen(), FirstSubmitAt: timeOf(a.GetFirstSubmitTime())}
}

// GetApplication reads an application.
func (a *Applications) GetApplication(ctx context.Context, id string) (domain.Application, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	app, err := a.c.GetApplication(ctx, &applicationsv1.GetApplicationRequest{ApplicationId: id})
	if err != nil {
		return domain.Application{}, err
	}
	return applicationOf(app), nil
}

// ListAccepted lists every accepted application of a round, following the pages.
func (a *Applications) ListAccepted(ctx context.Context, roundID string) ([]domain.Application, error) {
	var out []domain.Application
	token := ""
	for {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		resp, err := a.c.ListApplications(cctx, &applicationsv1.ListApplicationsRequest{RoundId: roundID,
			Status: applicationsv1.ApplicationStatus_APPLICATION_STATUS_ACCEPTED, PageSize: 100, PageToken: token})
		cancel()
		if err != nil {
			return nil, err
		}
		for _, app := range resp.GetApplications() {
			out = append(out, applicationOf(app))
		}
		if token = resp.GetNextPageToken(); token == "" {
			return out, nil
		}
	}
}

// SetStage sets an application's stage (idempotent on the applications side).
func (a *Applications) SetStage(ctx context.Context, applicationID, stage string) error {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	_, err := a.c.SetApplicationStage(ctx, &applicationsv1.SetApplicationStageRequest{ApplicationId: applicationID,
		Stage: applicationsv1.Stage(applicationsv1.Stage_value["STAGE_"+stage])})
	return err
}

// Donations is the client of the donations service.
type Donations struct {
	c donationsv1.DonationsServiceClient
}

// NewDonations returns the donations client over conn.
func NewDonations(conn grpc.ClientConnInterface) *Donations {
	return &Donations{c: donationsv1.NewDonationsServiceClient(conn)}
}

// ConfirmedAt is an application's confirmed donations at an instant (the donation cutoff), in fen.
func (d *Donations) ConfirmedAt(ctx context.Context, applicationID string, at time.Time) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	s, err := d.c.GetDonationSummary(ctx, &donationsv1.GetDonationSummaryRequest{ApplicationId: applicationID, AsOf: timestamppb.New(at)})
	if err != nil {
		return 0, err
	}
	return s.GetConfirmedTotalFen(), nil
}

// Donors lists the donors with a pledge to an application.
func (d *Donations) Donors(ctx context.Context, applicationID string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	resp, err := d.c.ListApplicationDonors(ctx, &donationsv1.ListApplicationDonorsRequest{ApplicationId: applicationID})
	if err != nil {
		return nil, err
	}
	return resp.GetDonorIds(), nil
}
