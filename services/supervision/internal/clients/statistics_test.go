package clients_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	applicationsv1 "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/peer/peertest"
	"github.com/commonweal/commonweal/services/supervision/internal/clients"
)

// withCatalogue is the fake applications service also answering the lists the statistics read: communities
// and needs over pages of two, organisations in batches (an ID starting "gone" is unknown). It records what it
// was asked.
type withCatalogue struct {
	*fakeApplications
	communities []*applicationsv1.Community
	needs       []*applicationsv1.Need
	catalogErr  error

	communityAsks []*applicationsv1.ListCommunitiesRequest
	needAsks      []*applicationsv1.ListNeedsRequest
	batches       [][]string
}

// page is items[from:from+2] of the page named by token ("from-N"), and the next page's token.
func page[T any](items []T, token string) ([]T, string) {
	start := 0
	if token != "" {
		fmt.Sscanf(token, "from-%d", &start)
	}
	end := min(start+2, len(items))
	next := ""
	if end < len(items) {
		next = fmt.Sprintf("from-%d", end)
	}
	return items[start:end], next
}

func (f *withCatalogue) ListCommunities(ctx context.Context, req *applicationsv1.ListCommunitiesRequest) (*applicationsv1.ListCommunitiesResponse, error) {
	f.seen(ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.communityAsks = append(f.communityAsks, req)
	if f.catalogErr != nil {
		return nil, f.catalogErr
	}
	items, next := page(f.communities, req.GetPageToken())
	return &applicationsv1.ListCommunitiesResponse{Communities: items, NextPageToken: next}, nil
}

func (f *withCatalogue) ListNeeds(ctx context.Context, req *applicationsv1.ListNeedsRequest) (*applicationsv1.ListNeedsResponse, error) {
	f.seen(ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.needAsks = append(f.needAsks, req)
	if f.catalogErr != nil {
		return nil, f.catalogErr
	}
	items, next := page(f.needs, req.GetPageToken())
	return &applicationsv1.ListNeedsResponse{Needs: items, NextPageToken: next}, nil
}

func (f *withCatalogue) BatchGetOrganizations(ctx context.Context, req *applicationsv1.BatchGetOrganizationsRequest) (*applicationsv1.BatchGetOrganizationsResponse, error) {
	f.seen(ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.batches = append(f.batches, req.GetOrgIds())
	if f.catalogErr != nil {
		return nil, f.catalogErr
	}
	if len(req.GetOrgIds()) > 1000 {
		return nil, status.Error(codes.InvalidArgument, "at most 1,000")
	}
	out := &applicationsv1.BatchGetOrganizationsResponse{}
	for _, id := range req.GetOrgIds() {
		if len(id) >= 4 && id[:4] == "gone" {
			continue
		}
		out.Organizations = append(out.Organizations, &applicationsv1.Organization{Id: id, Name: "Org " + id, FoundingDate: "2024-05-01",
			StaffSize: 7, Kind: applicationsv1.OrganizationKind_ORGANIZATION_KIND_SOCIAL_ORGANIZATION})
	}
	return out, nil
}

func statsClient(t *testing.T, fake *withCatalogue) *clients.Applications {
	t.Helper()
	conn := peertest.Dial(t, "supervision", 0, func(s *grpc.Server) { applicationsv1.RegisterApplicationsServiceServer(s, fake) })
	return clients.NewApplications(conn)
}

// TestRoundApplications: every application of every category over every page, any status (no status
// filter asked), with its category, communities (free text and codes), needs, status and budget, category by
// category, each oldest first; each category is listed on its own; no organisation is read per application.
func TestRoundApplications(t *testing.T) {
	fake := &withCatalogue{fakeApplications: &fakeApplications{}}
	categories := []applicationsv1.Category{applicationsv1.Category_CATEGORY_YOUTH, applicationsv1.Category_CATEGORY_ELDERLY,
		applicationsv1.Category_CATEGORY_YOUTH, applicationsv1.Category_CATEGORY_OTHER, applicationsv1.Category_CATEGORY_YOUTH}
	for i, stage := range []applicationsv1.Stage{applicationsv1.Stage_STAGE_SELECTED, applicationsv1.Stage_STAGE_UNSPECIFIED,
		applicationsv1.Stage_STAGE_SELECTED, applicationsv1.Stage_STAGE_NOT_SHORTLISTED, applicationsv1.Stage_STAGE_UNSPECIFIED} {
		fake.accepted = append(fake.accepted, &applicationsv1.Application{Id: fmt.Sprintf("app-%d", i), RoundId: "R", OrgId: "O", Stage: stage,
			Category: categories[i], ServiceArea: []string{"向阳街道"}, BudgetTotalFen: int64(100 + i),
			Status: applicationsv1.ApplicationStatus_APPLICATION_STATUS_REJECTED, CommunityCodes: []string{"DQ", "HZ"}, NeedIds: []string{"N1"}})
	}
	apps, err := statsClient(t, fake).RoundApplications(context.Background(), "R")
	if err != nil || len(apps) != 5 {
		t.Fatalf("%v %+v", err, apps)
	}
	var ids []string
	for _, a := range apps {
		ids = append(ids, a.ID)
	}
	// ELDERLY, YOUTH (three: two pages), OTHER: the Category values' order.
	if want := []string{"app-1", "app-0", "app-2", "app-4", "app-3"}; !slices.Equal(ids, want) {
		t.Errorf("applications %v, want %v", ids, want)
	}
	a := apps[2]
	if a.ID != "app-2" || a.Category != "YOUTH" || a.Status != "REJECTED" || a.BudgetFen != 102 || a.ServiceArea[0] != "向阳街道" || a.OrgID != "O" ||
		!slices.Equal(a.CommunityCodes, []string{"DQ", "HZ"}) || !slices.Equal(a.NeedIDs, []string{"N1"}) || apps[0].Stage != "" || apps[0].Category != "ELDERLY" {
		t.Fatalf("applications: %+v", apps)
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	asked := map[applicationsv1.Category]int{}
	for _, c := range fake.categories {
		asked[c]++
	}
	// One list call per category (YOUTH: two pages), never unfiltered.
	if want := map[applicationsv1.Category]int{applicationsv1.Category_CATEGORY_ELDERLY: 1, applicationsv1.Category_CATEGORY_DISABILITY: 1,
		applicationsv1.Category_CATEGORY_YOUTH: 2, applicationsv1.Category_CATEGORY_RELIEF: 1, applicationsv1.Category_CATEGORY_OTHER: 1}; !maps.Equal(asked, want) {
		t.Errorf("list calls by category %v, want %v", asked, want)
	}
	for _, s := range fake.statuses {
		if s != applicationsv1.ApplicationStatus_APPLICATION_STATUS_UNSPECIFIED {
			t.Errorf("a list call asked for status %v", s)
		}
	}
	if len(fake.batches) != 0 {
		t.Fatalf("organisation batches %d", len(fake.batches))
	}
}

// TestCatalogue: the communities list is read whole, retired ones included; the round's needs are asked by
// round and PUBLISHED state over every page, in order; organisations go in batches of at most 1,000 (2,501 IDs:
// three calls), the unknown ones left out.
func TestCatalogue(t *testing.T) {
	fake := &withCatalogue{fakeApplications: &fakeApplications{}}
	for i := range 5 {
		fake.communities = append(fake.communities, &applicationsv1.Community{Code: fmt.Sprint("C", i), Name: fmt.Sprint("社区", i), SubDistrict: "杜桥街道",
			District: "临渭区", Retired: i == 4})
	}
	for i := range 3 {
		fake.needs = append(fake.needs, &applicationsv1.Need{Id: fmt.Sprint("N", i), Title: fmt.Sprint("需求", i), Category: applicationsv1.Category_CATEGORY_ELDERLY,
			CommunityCode: "C1", State: applicationsv1.NeedState_NEED_STATE_PUBLISHED, RoundId: "R"})
	}
	c := statsClient(t, fake)
	ctx := context.Background()

	communities, err := c.Communities(ctx)
	if err != nil || len(communities) != 5 || communities["C4"].Name != "社区4" || !communities["C4"].Retired || communities["C2"].District != "临渭区" ||
		communities["C2"].SubDistrict != "杜桥街道" {
		t.Fatalf("communities: %v %+v", err, communities)
	}
	needs, err := c.RoundNeeds(ctx, "R")
	if err != nil || len(needs) != 3 || needs[0].ID != "N0" || needs[2].ID != "N2" || needs[1].Category != "ELDERLY" || needs[1].State != "PUBLISHED" ||
		needs[1].CommunityCode != "C1" || needs[1].Title != "需求1" {
		t.Fatalf("needs: %v %+v", err, needs)
	}
	ids := []string{"gone-0"}
	for i := range 2500 {
		ids = append(ids, fmt.Sprint("org-", i))
	}
	orgs, err := c.Organizations(ctx, ids)
	if err != nil || len(orgs) != 2500 || orgs["org-7"].FoundingDate != "2024-05-01" || orgs["org-7"].StaffSize != 7 ||
		orgs["org-7"].Kind != "SOCIAL_ORGANIZATION" || orgs["org-7"].Name != "Org org-7" {
		t.Fatalf("organisations: %v %d", err, len(orgs))
	}
	if _, ok := orgs["gone-0"]; ok {
		t.Fatal("an unknown organisation is in the answer")
	}
	if none, err := c.Organizations(ctx, nil); err != nil || len(none) != 0 {
		t.Fatalf("no IDs: %v %v", none, err)
	}

	fake.mu.Lock()
	defer fake.mu.Unlock()
	if len(fake.communityAsks) != 3 {
		t.Errorf("%d community pages, want 3", len(fake.communityAsks))
	}
	for _, ask := range fake.communityAsks {
		if !ask.GetIncludeRetired() || ask.GetPageSize() != 1000 {
			t.Errorf("communities asked %v, want retired ones included, 1,000 a page", ask)
		}
	}
	if len(fake.needAsks) != 2 {
		t.Errorf("%d need pages, want 2", len(fake.needAsks))
	}
	for _, ask := range fake.needAsks {
		if ask.GetRoundId() != "R" || ask.GetState() != applicationsv1.NeedState_NEED_STATE_PUBLISHED || ask.GetPageSize() != 1000 {
			t.Errorf("needs asked %v", ask)
		}
	}
	var sizes []int
	for _, b := range fake.batches {
		sizes = append(sizes, len(b))
	}
	if !slices.Equal(sizes, []int{1000, 1000, 501}) {
		t.Errorf("batches of %v, want 1000 1000 501", sizes)
	}
	for _, who := range fake.callers {
		if who != "service:supervision" {
			t.Fatalf("asked by %q, want the supervision service's own identity", who)
		}
	}
}

// TestCatalogueFailuresAreOurs: the peer's failures, whichever list, are this service's own errors.
func TestCatalogueFailuresAreOurs(t *testing.T) {
	for name, tc := range map[string]struct {
		peer error
		want string
		kind errs.Kind
	}{
		"down":    {status.Error(codes.Unavailable, "down"), "APPLICATIONS_UNAVAILABLE", errs.Unavailable},
		"refused": {status.Error(codes.PermissionDenied, "no"), "APPLICATIONS_CALL_FAILED", errs.Internal},
	} {
		down := tc.peer
		fake := &withCatalogue{fakeApplications: &fakeApplications{err: down}, catalogErr: down}
		c := statsClient(t, fake)
		ctx := context.Background()
		_, e1 := c.RoundApplications(ctx, "R")
		_, e2 := c.Communities(ctx)
		_, e3 := c.RoundNeeds(ctx, "R")
		_, e4 := c.Organizations(ctx, []string{"O"})
		for i, err := range []error{e1, e2, e3, e4} {
			if e, ok := errs.As(err); !ok || e.Reason != tc.want || e.Kind != tc.kind {
				t.Errorf("%s, call %d: %v, want %s", name, i, err, tc.want)
			}
		}
	}
}
