// Package clients holds the reviews service's gRPC clients of the other services, behind the interfaces the
// use cases declare. Every call is made with the reviews service's certificate (which names it to the callee)
// and is bounded by PEER_CALL_TIMEOUT (grpcserver.DialAs); every failure becomes an error of this service (pkg/peer).
package clients

import (
	"context"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/timestamppb"

	applicationsv1 "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/peer"
	"github.com/commonweal/commonweal/services/reviews/internal/app"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// Applications is the client of the applications service.
type Applications struct {
	c applicationsv1.ApplicationsServiceClient
}

var _ app.Applications = (*Applications)(nil)

// NewApplications returns the applications client over conn.
func NewApplications(conn grpc.ClientConnInterface) *Applications {
	return &Applications{c: applicationsv1.NewApplicationsServiceClient(conn)}
}

func appsError(ctx context.Context, err error, what, id string) error {
	return peer.Error(ctx, "applications", err, errs.ErrNotFound.With("%s %s not found", what, id))
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
	out.ShortlistPanelMix = mixOf(p.GetShortlistPanelMix(), domain.StageShortlist)
	out.FinalPanelMix = mixOf(p.GetFinalPanelMix(), domain.StageFinal)
	return out
}

// mixOf converts a stage's panel mix; an empty one is the default, as the contract says.
func mixOf(rules []*applicationsv1.PanelMixRule, stage domain.Stage) []domain.PanelMixRule {
	if len(rules) == 0 {
		return domain.DefaultPanelMix(stage)
	}
	out := make([]domain.PanelMixRule, 0, len(rules))
	for _, r := range rules {
		out = append(out, domain.PanelMixRule{Kind: domain.MemberKind(strings.TrimPrefix(r.GetKind(), "MEMBER_KIND_")), Min: int(r.GetMin())})
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
	r, err := a.c.GetRound(ctx, &applicationsv1.GetRoundRequest{RoundId: id})
	if err != nil {
		return domain.Round{}, appsError(ctx, err, "round", id)
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
	resp, err := a.c.GetApplication(ctx, &applicationsv1.GetApplicationRequest{ApplicationId: id})
	if err != nil {
		return domain.Application{}, appsError(ctx, err, "application", id)
	}
	return applicationOf(resp), nil
}

// ListAccepted lists every accepted application of a round, following the pages.
func (a *Applications) ListAccepted(ctx context.Context, roundID string) ([]domain.Application, error) {
	var out []domain.Application
	token := ""
	for {
		resp, err := a.c.ListApplications(ctx, &applicationsv1.ListApplicationsRequest{RoundId: roundID,
			Status: applicationsv1.ApplicationStatus_APPLICATION_STATUS_ACCEPTED, PageSize: 100, PageToken: token})
		if err != nil {
			return nil, appsError(ctx, err, "round", roundID)
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
	_, err := a.c.SetApplicationStage(ctx, &applicationsv1.SetApplicationStageRequest{ApplicationId: applicationID,
		Stage: applicationsv1.Stage(applicationsv1.Stage_value["STAGE_"+stage])})
	return appsError(ctx, err, "application", applicationID)
}
