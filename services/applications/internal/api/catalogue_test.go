package api

import (
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1"
	"github.com/commonweal/commonweal/services/applications/internal/app"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

// The catalogue's fields of an application travel proto → content → proto: codes trimmed, need IDs in their
// canonical lower case, the declarations with their other funding.
func TestApplicationCatalogueConversion(t *testing.T) {
	req := &pb.CreateApplicationRequest{
		CommunityCodes: []string{" 610502001001 ", "DQ-01"},
		NeedIds:        []string{" 0D0E0A11-0000-4000-8000-00000000D0E5 "},
		Declarations: &pb.EligibilityDeclarations{NoGovernmentProvision: true, NotFundedElsewhere: true,
			OtherFunding: []*pb.OtherFunding{{Source: " 陕西省慈善基金会 ", AmountFen: 5_000_000, Note: " 已获得 "}}},
	}
	c := contentFromPB(req)
	if !slices.Equal(c.CommunityCodes, []string{"610502001001", "DQ-01"}) || !slices.Equal(c.NeedIDs, []string{"0d0e0a11-0000-4000-8000-00000000d0e5"}) {
		t.Fatalf("content %+v", c)
	}
	want := domain.Declarations{NoGovernmentProvision: true, NotFundedElsewhere: true,
		OtherFunding: []domain.OtherFunding{{Source: "陕西省慈善基金会", AmountFen: 5_000_000, Note: "已获得"}}}
	if !slices.Equal(c.Declarations.OtherFunding, want.OtherFunding) || !c.Declarations.Made() {
		t.Fatalf("declarations %+v", c.Declarations)
	}
	out := applicationToPB(app.ApplicationView{Application: domain.Application{Content: c}})
	if !slices.Equal(out.GetCommunityCodes(), c.CommunityCodes) || !slices.Equal(out.GetNeedIds(), c.NeedIDs) ||
		!proto.Equal(out.GetDeclarations(), &pb.EligibilityDeclarations{NoGovernmentProvision: true, NotFundedElsewhere: true,
			OtherFunding: []*pb.OtherFunding{{Source: "陕西省慈善基金会", AmountFen: 5_000_000, Note: "已获得"}}}) {
		t.Fatalf("out %v", out)
	}
	// The public fields of a shortlisted application name its communities and needs, not its declarations.
	public := applicationToPB(app.ApplicationView{Application: domain.Application{Content: c}, PublicOnly: true})
	if len(public.GetCommunityCodes()) != 2 || len(public.GetNeedIds()) != 1 || public.GetDeclarations() != nil {
		t.Fatalf("public %v", public)
	}
	// Without declarations the content has none made.
	if d := contentFromPB(&pb.CreateApplicationRequest{}).Declarations; d.Made() || d.OtherFunding != nil {
		t.Fatalf("no declarations: %+v", d)
	}
}

// An update without a mask replaces the catalogue's fields given; with a mask, those named.
func TestUpdatePathsOfTheCatalogue(t *testing.T) {
	req := &pb.UpdateApplicationRequest{CommunityCodes: []string{"c1"}, NeedIds: []string{"n1"}, Declarations: &pb.EligibilityDeclarations{}}
	if got := givenPaths(req); !slices.Equal(got, []string{"community_codes", "need_ids", "declarations"}) {
		t.Fatalf("given paths %v", got)
	}
	src := contentFromPB(req)
	dst := domain.Content{CommunityCodes: []string{"old"}, NeedIDs: []string{"old"}, Declarations: domain.Declarations{NoGovernmentProvision: true}}
	for _, p := range []string{"community_codes", "need_ids", "declarations"} {
		apply, ok := updatable[p]
		if !ok {
			t.Fatalf("%s is not updatable", p)
		}
		apply(&dst, src)
	}
	if !slices.Equal(dst.CommunityCodes, []string{"c1"}) || !slices.Equal(dst.NeedIDs, []string{"n1"}) || dst.Declarations.NoGovernmentProvision {
		t.Fatalf("updated %+v", dst)
	}
	if got := givenPaths(&pb.UpdateApplicationRequest{}); len(got) != 0 {
		t.Fatalf("nothing given: %v", got)
	}
}

// A community's page-token position is its district, sub-district and code.
func TestCommunityPosition(t *testing.T) {
	id, at := communityPosition(domain.Community{Code: "610502001001", SubDistrict: "杜桥街道", District: "临渭区"})
	if id != `["临渭区","杜桥街道","610502001001"]` || !at.IsZero() {
		t.Fatalf("position %q %v", id, at)
	}
	if size := (communitiesPage{&pb.ListCommunitiesRequest{}}).GetPageSize(); size != 100 {
		t.Fatalf("default page %d", size)
	}
	if size := (communitiesPage{&pb.ListCommunitiesRequest{PageSize: 7}}).GetPageSize(); size != 7 {
		t.Fatalf("page %d", size)
	}
}

// Organisations show their profile and verification; needs their public time.
func TestOrganizationAndNeedConversion(t *testing.T) {
	o := orgToPB(domain.Organization{ID: "o", FoundingDate: "2021-06-01", StaffSize: 6, VerifiedBy: "operator-1", VerificationEvidence: "档案"})
	if o.GetFoundingDate() != "2021-06-01" || o.GetStaffSize() != 6 || o.GetVerifiedBy() != "operator-1" || o.GetVerificationEvidence() != "档案" {
		t.Fatalf("organisation %v", o)
	}
	n := domain.Need{ID: "n", Category: domain.CategoryYouth, State: domain.NeedPublished, RoundID: "r", PublishedAt: t0, RoundPhase: domain.PhaseDraft}
	if p := needToPB(n); p.GetState() != pb.NeedState_NEED_STATE_PUBLISHED || p.GetCategory() != pb.Category_CATEGORY_YOUTH || p.GetPublishTime() != nil {
		t.Fatalf("need of a draft round %v", p)
	}
	n.RoundPhase, n.RoundPublishedAt = domain.PhaseSolicitation, t0.Add(-1)
	if p := needToPB(n); !p.GetPublishTime().AsTime().Equal(t0) {
		t.Fatalf("need of a published round %v", p)
	}
	if needStateFromPB(pb.NeedState_NEED_STATE_RECORDED) != domain.NeedRecorded || needStateFromPB(pb.NeedState_NEED_STATE_UNSPECIFIED) != "" {
		t.Fatal("need states")
	}
}
