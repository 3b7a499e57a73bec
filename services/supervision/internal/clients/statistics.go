package clients

import (
	"context"
	"sync"

	"google.golang.org/grpc"

	applicationsv1 "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/pbconv"
	"github.com/commonweal/commonweal/pkg/peer"
	"github.com/commonweal/commonweal/services/supervision/internal/app"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
)

var (
	_ app.RoundApplications = (*Applications)(nil)
	_ app.RoundCatalogue    = (*Applications)(nil)
)

// applicationsPage is the page size the statistics ask for: the largest the applications service grants suite
// services (applications, communities and needs alike). A page of 1,000 applications with their content (or of
// needs with their descriptions) may pass gRPC's default 4 MiB (4 KiB each), so the client accepts up to
// maxApplicationsPageBytes.
const (
	applicationsPage         = 1000
	maxApplicationsPageBytes = 64 << 20
)

// organizationsBatch is how many organisations one BatchGetOrganizations call asks for: the most it takes.
const organizationsBatch = 1000

// RoundApplications reads every application of a round (any status) with the communities and needs it chose:
// one page chain per category (every application has one of the categories, which the applications service
// checks against the round's policy, itself a subset of the Category values), the chains read at the same
// time, so that the applications service builds a page while this one decodes another. The applications
// come category by category (in the Category values' order), each category oldest first.
func (a *Applications) RoundApplications(ctx context.Context, roundID string) ([]domain.RoundApplication, error) {
	values := applicationsv1.Category(0).Descriptor().Values()
	var categories []applicationsv1.Category
	for i := range values.Len() {
		if c := applicationsv1.Category(values.Get(i).Number()); c != applicationsv1.Category_CATEGORY_UNSPECIFIED {
			categories = append(categories, c)
		}
	}
	lists := make([][]domain.RoundApplication, len(categories))
	failed := make([]error, len(categories))
	var wg sync.WaitGroup
	for i, c := range categories {
		wg.Go(func() { lists[i], failed[i] = a.roundApplications(ctx, roundID, c) })
	}
	wg.Wait()
	n := 0
	for i := range categories {
		if failed[i] != nil {
			return nil, failed[i]
		}
		n += len(lists[i])
	}
	out := make([]domain.RoundApplication, 0, n)
	for _, l := range lists {
		out = append(out, l...)
	}
	return out, nil
}

// roundApplications pages through a round's applications of one category.
func (a *Applications) roundApplications(ctx context.Context, roundID string, category applicationsv1.Category) ([]domain.RoundApplication, error) {
	var out []domain.RoundApplication
	token := ""
	for {
		page, err := a.c.ListApplications(ctx, &applicationsv1.ListApplicationsRequest{RoundId: roundID, Category: category, PageSize: applicationsPage,
			PageToken: token}, grpc.MaxCallRecvMsgSize(maxApplicationsPageBytes))
		if err != nil {
			return nil, peer.Error(ctx, "applications", err, errs.ErrNotFound.With("round %s not found", roundID))
		}
		for _, r := range page.GetApplications() {
			out = append(out, domain.RoundApplication{Project: projectOf(r), Category: pbconv.EnumName(r.GetCategory(), "CATEGORY_"),
				ServiceArea: r.GetServiceArea(), CommunityCodes: r.GetCommunityCodes(), NeedIDs: r.GetNeedIds(),
				Status: pbconv.EnumName(r.GetStatus(), "APPLICATION_STATUS_"), BudgetFen: r.GetBudgetTotalFen()})
		}
		if token = page.GetNextPageToken(); token == "" {
			return out, nil
		}
	}
}

// Communities pages through the whole communities list, retired communities included, by code.
func (a *Applications) Communities(ctx context.Context) (map[string]domain.Community, error) {
	out := map[string]domain.Community{}
	token := ""
	for {
		page, err := a.c.ListCommunities(ctx, &applicationsv1.ListCommunitiesRequest{IncludeRetired: true, PageSize: applicationsPage, PageToken: token},
			grpc.MaxCallRecvMsgSize(maxApplicationsPageBytes))
		if err != nil {
			return nil, peer.Error(ctx, "applications", err, nil)
		}
		for _, c := range page.GetCommunities() {
			out[c.GetCode()] = domain.Community{Code: c.GetCode(), Name: c.GetName(), SubDistrict: c.GetSubDistrict(), District: c.GetDistrict(),
				Retired: c.GetRetired()}
		}
		if token = page.GetNextPageToken(); token == "" {
			return out, nil
		}
	}
}

// RoundNeeds pages through the needs published with a round, oldest first.
func (a *Applications) RoundNeeds(ctx context.Context, roundID string) ([]domain.Need, error) {
	out := []domain.Need{}
	token := ""
	for {
		page, err := a.c.ListNeeds(ctx, &applicationsv1.ListNeedsRequest{RoundId: roundID, State: applicationsv1.NeedState_NEED_STATE_PUBLISHED,
			PageSize: applicationsPage, PageToken: token}, grpc.MaxCallRecvMsgSize(maxApplicationsPageBytes))
		if err != nil {
			return nil, peer.Error(ctx, "applications", err, errs.ErrNotFound.With("round %s not found", roundID))
		}
		for _, n := range page.GetNeeds() {
			out = append(out, domain.Need{ID: n.GetId(), Title: n.GetTitle(), Category: pbconv.EnumName(n.GetCategory(), "CATEGORY_"),
				CommunityCode: n.GetCommunityCode(), State: pbconv.EnumName(n.GetState(), "NEED_STATE_")})
		}
		if token = page.GetNextPageToken(); token == "" {
			return out, nil
		}
	}
}

// Organizations reads organisations by ID with BatchGetOrganizations, 1,000 a call, so that a round of
// 100,000 applications costs at most 100 calls (one per 1,000 distinct organisations); an unknown ID is left out.
func (a *Applications) Organizations(ctx context.Context, ids []string) (map[string]domain.Organization, error) {
	out := make(map[string]domain.Organization, len(ids))
	for start := 0; start < len(ids); start += organizationsBatch {
		chunk := ids[start:min(start+organizationsBatch, len(ids))]
		resp, err := a.c.BatchGetOrganizations(ctx, &applicationsv1.BatchGetOrganizationsRequest{OrgIds: chunk},
			grpc.MaxCallRecvMsgSize(maxApplicationsPageBytes))
		if err != nil {
			return nil, peer.Error(ctx, "applications", err, nil)
		}
		for _, o := range resp.GetOrganizations() {
			out[o.GetId()] = domain.Organization{ID: o.GetId(), Name: o.GetName(), Kind: pbconv.EnumName(o.GetKind(), "ORGANIZATION_KIND_"),
				FoundingDate: o.GetFoundingDate(), StaffSize: int(o.GetStaffSize())}
		}
	}
	return out, nil
}
