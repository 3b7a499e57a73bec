package clients

import (
	"context"

	"google.golang.org/grpc"

	applicationsv1 "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/pbconv"
	"github.com/commonweal/commonweal/pkg/peer"
	"github.com/commonweal/commonweal/services/supervision/internal/app"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
)

var _ app.RoundApplications = (*Applications)(nil)

// applicationsPage is the page size the statistics ask for: the largest the applications service grants suite
// services. A page of 1,000 applications with their content may pass gRPC's default 4 MiB (4 KiB each), so
// the client accepts up to maxApplicationsPageBytes.
const (
	applicationsPage         = 1000
	maxApplicationsPageBytes = 64 << 20
)

// RoundApplications pages through every application of a round (any status) and reads the organisation's name
// of each SELECTED one (once per organisation).
func (a *Applications) RoundApplications(ctx context.Context, roundID string) ([]domain.RoundApplication, error) {
	var out []domain.RoundApplication
	names := map[string]string{}
	token := ""
	for {
		page, err := a.c.ListApplications(ctx, &applicationsv1.ListApplicationsRequest{RoundId: roundID, PageSize: applicationsPage, PageToken: token},
			grpc.MaxCallRecvMsgSize(maxApplicationsPageBytes))
		if err != nil {
			return nil, peer.Error(ctx, "applications", err, errs.ErrNotFound.With("round %s not found", roundID))
		}
		for _, r := range page.GetApplications() {
			ra := domain.RoundApplication{Project: projectOf(r), Category: pbconv.EnumName(r.GetCategory(), "CATEGORY_"),
				ServiceArea: r.GetServiceArea(), Status: pbconv.EnumName(r.GetStatus(), "APPLICATION_STATUS_"), BudgetFen: r.GetBudgetTotalFen()}
			if ra.Stage == domain.StageSelected && ra.OrgID != "" {
				name, ok := names[ra.OrgID]
				if !ok {
					o, err := a.c.GetOrganization(ctx, &applicationsv1.GetOrganizationRequest{OrgId: ra.OrgID})
					if err != nil {
						return nil, peer.Error(ctx, "applications", err, nil)
					}
					name, names[ra.OrgID] = o.GetName(), o.GetName()
				}
				ra.OrgName = name
			}
			out = append(out, ra)
		}
		if token = page.GetNextPageToken(); token == "" {
			return out, nil
		}
	}
}
