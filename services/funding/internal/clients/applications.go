// Package clients holds the funding service's gRPC clients of the other services, behind the interfaces the
// use cases declare (app/peers.go). Every call is made with the funding service's certificate (which names
// it to the callee) and is bounded by PEER_CALL_TIMEOUT (grpcserver.DialAs); every failure becomes an error of this service
// (pkg/peer: APPLICATIONS_UNAVAILABLE, REVIEWS_CALL_FAILED, …).
package clients

import (
	"context"

	"google.golang.org/grpc"

	applicationsv1 "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/money"
	"github.com/commonweal/commonweal/pkg/pbconv"
	"github.com/commonweal/commonweal/pkg/peer"
	"github.com/commonweal/commonweal/services/funding/internal/app"
	"github.com/commonweal/commonweal/services/funding/internal/domain"
)

// Applications is the client of the applications service: rounds (policy, phase, cutoff), applications
// and organisations.
type Applications struct {
	c applicationsv1.ApplicationsServiceClient
}

var _ app.Applications = (*Applications)(nil)

// NewApplications returns the applications client over conn.
func NewApplications(conn grpc.ClientConnInterface) *Applications {
	return &Applications{c: applicationsv1.NewApplicationsServiceClient(conn)}
}

func notFound(ctx context.Context, err error, what, id string) error {
	return peer.Error(ctx, "applications", err, errs.ErrNotFound.With("%s %s not found", what, id))
}

// GetRound reads a round: its year, phase and donation cutoff, and from its policy (every default filled in
// by the applications service) the matching terms, the tranche rules and the idea-prize amounts per tier.
func (a *Applications) GetRound(ctx context.Context, id string) (app.RoundInfo, error) {
	r, err := a.c.GetRound(ctx, &applicationsv1.GetRoundRequest{RoundId: id})
	if err != nil {
		return app.RoundInfo{}, notFound(ctx, err, "round", id)
	}
	p := r.GetPolicy()
	info := app.RoundInfo{ID: r.GetId(), Year: int(r.GetYear()), Phase: pbconv.EnumName(r.GetPhase(), "PHASE_"),
		Terms: money.Terms{RatioDonation: int64(p.GetMatchRatio().GetDonation()), RatioMatch: int64(p.GetMatchRatio().GetMatch()),
			MatchCapFen: p.GetMatchCapFen(), TopupCapFen: p.GetTopupCapFen()}}
	if c := r.GetDonationCutoff(); c != nil {
		info.DonationCutoff = c.AsTime()
	}
	for _, t := range p.GetTranches() {
		info.Tranches = append(info.Tranches, domain.TrancheRule{Number: int(t.GetNumber()), Percent: int(t.GetPercent()),
			Gate: pbconv.EnumName(t.GetGate(), "TRANCHE_GATE_")})
	}
	for _, t := range p.GetIdeaPrizeTiers() {
		for int(t.GetTier()) > len(info.IdeaPrizeFen) {
			info.IdeaPrizeFen = append(info.IdeaPrizeFen, 0)
		}
		if t.GetTier() > 0 {
			info.IdeaPrizeFen[t.GetTier()-1] = t.GetAmountFen()
		}
	}
	return info, nil
}

// GetApplication reads an application's round, organisation, budget and stage.
func (a *Applications) GetApplication(ctx context.Context, id string) (app.ApplicationInfo, error) {
	r, err := a.c.GetApplication(ctx, &applicationsv1.GetApplicationRequest{ApplicationId: id})
	if err != nil {
		return app.ApplicationInfo{}, notFound(ctx, err, "application", id)
	}
	return app.ApplicationInfo{ID: r.GetId(), RoundID: r.GetRoundId(), OrgID: r.GetOrgId(), BudgetFen: r.GetBudgetTotalFen(),
		Stage: pbconv.EnumName(r.GetStage(), "STAGE_")}, nil
}

// GetOrganization reads whether an organisation is registered.
func (a *Applications) GetOrganization(ctx context.Context, id string) (app.OrganizationInfo, error) {
	r, err := a.c.GetOrganization(ctx, &applicationsv1.GetOrganizationRequest{OrgId: id})
	if err != nil {
		return app.OrganizationInfo{}, notFound(ctx, err, "organization", id)
	}
	return app.OrganizationInfo{ID: r.GetId(), Registered: r.GetRegistered()}, nil
}
