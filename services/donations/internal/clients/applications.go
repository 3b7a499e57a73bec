// Package clients holds the gRPC clients of the other services, behind the interfaces the use cases declare.
package clients

import (
	"context"
	"strings"

	"google.golang.org/grpc"

	applicationsv1 "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/peer"
	"github.com/commonweal/commonweal/services/donations/internal/app"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

// Applications asks the applications service about applications and rounds, as this service (the
// connection must come from grpcserver.DialAs, which also bounds each call). Its failures come back as this
// service's own errors: APPLICATIONS_UNAVAILABLE, APPLICATIONS_CALL_FAILED, … (see pkg/peer).
type Applications struct {
	c applicationsv1.ApplicationsServiceClient
}

// NewApplications returns the client over conn.
func NewApplications(conn grpc.ClientConnInterface) *Applications {
	return &Applications{c: applicationsv1.NewApplicationsServiceClient(conn)}
}

var _ app.Applications = (*Applications)(nil)

// GetApplication reads an application's round, stage and budget; an unknown one is APPLICATION_NOT_FOUND.
func (a *Applications) GetApplication(ctx context.Context, id string) (app.ApplicationInfo, error) {
	r, err := a.c.GetApplication(ctx, &applicationsv1.GetApplicationRequest{ApplicationId: id})
	if err != nil {
		return app.ApplicationInfo{}, peer.Error(ctx, "applications", err, domain.ErrApplicationNotFound.Field("application_id", "no application has this ID"))
	}
	stage := ""
	if r.GetStage() != applicationsv1.Stage_STAGE_UNSPECIFIED {
		stage = strings.TrimPrefix(r.GetStage().String(), "STAGE_")
	}
	return app.ApplicationInfo{ID: r.GetId(), RoundID: r.GetRoundId(), Stage: stage, BudgetTotalFen: r.GetBudgetTotalFen()}, nil
}

// GetRound reads a round's phase, donation cutoff and naming-right share; an unknown one is NOT_FOUND.
func (a *Applications) GetRound(ctx context.Context, id string) (app.RoundInfo, error) {
	r, err := a.c.GetRound(ctx, &applicationsv1.GetRoundRequest{RoundId: id})
	if err != nil {
		return app.RoundInfo{}, peer.Error(ctx, "applications", err, errs.ErrNotFound.With("round %s not found", id))
	}
	info := app.RoundInfo{ID: r.GetId(), Phase: strings.TrimPrefix(r.GetPhase().String(), "PHASE_"),
		NamingRightShareBps: int(r.GetPolicy().GetNamingRightShareBps())}
	if r.GetDonationCutoff() != nil {
		info.DonationCutoff = r.GetDonationCutoff().AsTime()
	}
	return info, nil
}
