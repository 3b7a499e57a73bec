package app_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/services/applications/internal/app"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

var (
	// dept is a sub-district office recording needs (DEPARTMENT).
	dept = as("dept-duqiao", identity.Department)
	// statsService is a suite service reading organisations in batches.
	statsService = as("service:supervision", identity.Service)
	// nobody is an anonymous caller.
	nobody = context.Background()
)

// refused fails the test unless err is an *errs.Error of kind and reason.
func refused(t *testing.T, what string, err error, kind errs.Kind, reason string) *errs.Error {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Kind != kind || e.Reason != reason {
		t.Fatalf("%s: %v, want kind %v reason %s", what, err, kind, reason)
	}
	return e
}

// community adds a community to the list, as the operator.
func (f *fixture) community(t *testing.T, code, name, sub, district string) domain.Community {
	t.Helper()
	c, err := f.svc.CreateCommunity(operator, app.CreateCommunity{Code: code, Name: name, SubDistrict: sub, District: district})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// retire retires a listed community.
func (f *fixture) retire(t *testing.T, c domain.Community) domain.Community {
	t.Helper()
	yes := true
	c, err := f.svc.UpdateCommunity(organizer, app.UpdateCommunity{Code: c.Code, Etag: domain.Etag(c.Code, c.Version), Change: domain.CommunityChange{Retired: &yes}})
	if err != nil || !c.Retired {
		t.Fatalf("retire %s: %+v %v", c.Code, c, err)
	}
	return c
}

// need records a need of community code, as the department.
func (f *fixture) need(t *testing.T, code, title string) domain.Need {
	t.Helper()
	n, err := f.svc.CreateNeed(dept, app.CreateNeed{Draft: domain.NeedDraft{Category: domain.CategoryElderly, CommunityCode: code, Title: title,
		Description: "社区内独居老人较多，午餐无人照料。", BeneficiaryGroup: "独居老人", RecordedByUnit: "杜桥街道社会事务办"}})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// publishNeed publishes n with round r, as the organizer.
func (f *fixture) publishNeed(t *testing.T, n domain.Need, r domain.Round) domain.Need {
	t.Helper()
	n, err := f.svc.PublishNeed(organizer, app.PublishNeed{NeedID: n.ID, RoundID: r.ID})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// codesOf lists communities page by page (size at a time) and returns their codes in order.
func (f *fixture) codesOf(t *testing.T, filter app.CommunityFilter, size int) []string {
	t.Helper()
	var out []string
	filter.Limit = size
	for {
		page, err := f.svc.ListCommunities(nobody, filter)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page {
			out = append(out, c.Code)
		}
		if len(page) < size {
			return out
		}
		last := page[len(page)-1]
		filter.After = &app.CommunityPosition{District: last.District, SubDistrict: last.SubDistrict, Code: last.Code}
	}
}

// TestCommunitiesList: staff add communities (codes unique, fields checked), edit them with their etag,
// retire and reinstate them; anyone lists them, the home district first, in pages.
func TestCommunitiesList(t *testing.T) {
	f := setup(t)
	key := idempotency.Key{RequestID: "community-1", Fingerprint: []byte("c1")}
	first, err := f.svc.CreateCommunity(operator, app.CreateCommunity{Key: key, Code: "610502001001", Name: " 杜桥社区 ", SubDistrict: "杜桥街道", District: "临渭区"})
	if err != nil || first.Name != "杜桥社区" || first.Retired || first.Version != 1 {
		t.Fatalf("create: %+v %v", first, err)
	}
	again, err := f.svc.CreateCommunity(operator, app.CreateCommunity{Key: key, Code: "610502001001", Name: " 杜桥社区 ", SubDistrict: "杜桥街道", District: "临渭区"})
	if err != nil || !sameJSON(t, again, first) {
		t.Fatalf("retry: %+v %v", again, err)
	}
	_, err = f.svc.CreateCommunity(organizer, app.CreateCommunity{Code: "610502001001", Name: "别的", SubDistrict: "街道", District: "临渭区"})
	refused(t, "the same code again", err, errs.AlreadyExists, "COMMUNITY_ALREADY_EXISTS")
	_, err = f.svc.CreateCommunity(operator, app.CreateCommunity{Code: "杜桥", Name: "n", SubDistrict: "s", District: "d"})
	refused(t, "a code that is not letters, digits or hyphens", err, errs.InvalidArgument, "INVALID_COMMUNITY_CODE")
	_, err = f.svc.CreateCommunity(operator, app.CreateCommunity{Code: "x1", Name: "n", SubDistrict: "s"})
	refused(t, "no district", err, errs.InvalidArgument, "COMMUNITY_FIELD_REQUIRED")

	// Others, inserted out of order: two of the home district, three elsewhere.
	f.community(t, "610502002001", "向阳社区", "向阳街道", "临渭区")
	f.community(t, "610503001001", "华州社区", "华州街道", "华州区")
	f.community(t, "610502001002", "东风社区", "杜桥街道", "临渭区")
	f.community(t, "610581001001", "城关社区", "城关街道", "华阴市")
	hz := f.community(t, "610503001002", "莲花寺社区", "莲花寺镇", "华州区")

	all := f.codesOf(t, app.CommunityFilter{}, 100)
	placeOrder(t, f, all, "临渭区")
	if len(all) != 6 || !slices.Contains(all[:2], "610502001001") || !slices.Contains(all[:3], "610502002001") {
		t.Fatalf("list: %v", all)
	}
	// Pages of two walk the same list, each community once.
	for _, size := range []int{1, 2, 4} {
		if paged := f.codesOf(t, app.CommunityFilter{}, size); !slices.Equal(paged, all) {
			t.Fatalf("pages of %d: %v, one page: %v", size, paged, all)
		}
	}
	// Another home district first; one district only.
	hzFirst := f.codesOf(t, app.CommunityFilter{HomeDistrict: "华州区"}, 4)
	placeOrder(t, f, hzFirst, "华州区")
	if first := slices.Sorted(slices.Values(hzFirst[:2])); !slices.Equal(first, []string{"610503001001", hz.Code}) {
		t.Fatalf("华州区 first: %v", hzFirst)
	}
	if only := f.codesOf(t, app.CommunityFilter{District: "华阴市"}, 10); !slices.Equal(only, []string{"610581001001"}) {
		t.Fatalf("district filter: %v", only)
	}

	// Edits carry the etag; retired communities leave the list unless asked for.
	_, err = f.svc.UpdateCommunity(operator, app.UpdateCommunity{Code: hz.Code, Change: domain.CommunityChange{Name: "x"}})
	refused(t, "no etag", err, errs.InvalidArgument, "ETAG_REQUIRED")
	_, err = f.svc.UpdateCommunity(operator, app.UpdateCommunity{Code: hz.Code, Etag: domain.Etag(hz.Code, hz.Version+1), Change: domain.CommunityChange{Name: "x"}})
	refused(t, "stale etag", err, errs.Aborted, "ETAG_MISMATCH")
	_, err = f.svc.UpdateCommunity(operator, app.UpdateCommunity{Code: "nope", Etag: "x", Change: domain.CommunityChange{Name: "x"}})
	refused(t, "unknown community", err, errs.NotFound, "NOT_FOUND")
	moved, err := f.svc.UpdateCommunity(operator, app.UpdateCommunity{Code: hz.Code, Etag: domain.Etag(hz.Code, hz.Version),
		Change: domain.CommunityChange{Name: "莲花社区", District: "临渭区"}})
	if err != nil || moved.Name != "莲花社区" || moved.District != "临渭区" || moved.SubDistrict != "莲花寺镇" || moved.Version != 2 {
		t.Fatalf("moved: %+v %v", moved, err)
	}
	retired := f.retire(t, moved)
	if list := f.codesOf(t, app.CommunityFilter{}, 100); slices.Contains(list, hz.Code) || len(list) != 5 {
		t.Fatalf("retired community listed: %v", list)
	}
	if list := f.codesOf(t, app.CommunityFilter{IncludeRetired: true}, 100); !slices.Contains(list[:4], hz.Code) || len(list) != 6 {
		t.Fatalf("retired community (now in 临渭区) not listed with the home district: %v", list)
	}
	no := false
	back, err := f.svc.UpdateCommunity(operator, app.UpdateCommunity{Code: hz.Code, Etag: domain.Etag(retired.Code, retired.Version), Change: domain.CommunityChange{Retired: &no}})
	if err != nil || back.Retired {
		t.Fatalf("reinstate: %+v %v", back, err)
	}
}

// placeOrder checks codes are in the list's order whatever the database's collation: the home district's
// first; each district's, and within it each sub-district's, together; codes (digits) ascending within a
// sub-district.
func placeOrder(t *testing.T, f *fixture, codes []string, home string) {
	t.Helper()
	listed, err := f.svc.ListCommunities(nobody, app.CommunityFilter{Limit: 1000, IncludeRetired: true})
	if err != nil {
		t.Fatal(err)
	}
	byCode := map[string]domain.Community{}
	for _, c := range listed {
		byCode[c.Code] = c
	}
	seenDistricts, seenPlaces := map[string]bool{}, map[string]bool{}
	for i, code := range codes {
		c := byCode[code]
		place := c.District + "/" + c.SubDistrict
		if i > 0 {
			prev := byCode[codes[i-1]]
			if prev.District != home && c.District == home {
				t.Fatalf("%v: %s of the home district after %s", codes, code, prev.Code)
			}
			if prev.District != c.District && seenDistricts[c.District] || prev.District+"/"+prev.SubDistrict != place && seenPlaces[place] {
				t.Fatalf("%v: %s not with the others of %s", codes, code, place)
			}
			if prev.District+"/"+prev.SubDistrict == place && prev.Code > code {
				t.Fatalf("%v: %s after %s", codes, code, prev.Code)
			}
		}
		seenDistricts[c.District], seenPlaces[place] = true, true
	}
}

// TestNeedsCatalogue: a department records needs of listed communities; the organizer publishes them with a
// round; the public sees them once the round is published, departments and staff before.
func TestNeedsCatalogue(t *testing.T) {
	f := setup(t)
	duqiao := f.community(t, "610502001001", "杜桥社区", "杜桥街道", "临渭区")
	old := f.community(t, "610502009009", "旧社区", "杜桥街道", "临渭区")
	f.retire(t, old)

	draft := func(code string) domain.NeedDraft {
		return domain.NeedDraft{Category: domain.CategoryElderly, CommunityCode: code, Title: "独居老人助餐", Description: "午餐无人照料",
			BeneficiaryGroup: "独居老人", RecordedByUnit: "杜桥街道社会事务办"}
	}
	_, err := f.svc.CreateNeed(dept, app.CreateNeed{Draft: draft("610502000000")})
	refused(t, "an unlisted community", err, errs.InvalidArgument, "UNKNOWN_COMMUNITY")
	_, err = f.svc.CreateNeed(dept, app.CreateNeed{Draft: draft(old.Code)})
	refused(t, "a retired community", err, errs.InvalidArgument, "UNKNOWN_COMMUNITY")
	bad := draft(duqiao.Code)
	bad.Description = ""
	_, err = f.svc.CreateNeed(dept, app.CreateNeed{Draft: bad})
	refused(t, "no description", err, errs.InvalidArgument, "NEED_FIELD_REQUIRED")

	key := idempotency.Key{RequestID: "need-1", Fingerprint: []byte("n1")}
	n, err := f.svc.CreateNeed(dept, app.CreateNeed{Key: key, Draft: draft(duqiao.Code)})
	if err != nil || n.State != domain.NeedRecorded || n.RecordedBy != "dept-duqiao" || n.RoundID != "" {
		t.Fatalf("recorded: %+v %v", n, err)
	}
	if again, err := f.svc.CreateNeed(dept, app.CreateNeed{Key: key, Draft: draft(duqiao.Code)}); err != nil || again.ID != n.ID {
		t.Fatalf("retry: %+v %v", again, err)
	}
	f.clock.Add(time.Second) // the list is oldest first
	other := f.need(t, duqiao.Code, "留守儿童课后辅导")

	// Recorded needs are not public.
	if _, err := f.svc.GetNeed(nobody, n.ID); !errors.Is(err, errs.ErrNotFound) {
		t.Fatalf("the public reads a recorded need: %v", err)
	}
	for _, who := range []context.Context{dept, operator, as("auditor", identity.Auditor), statsService} {
		if got, err := f.svc.GetNeed(who, n.ID); err != nil || got.ID != n.ID {
			t.Fatalf("staff or department reads a recorded need: %+v %v", got, err)
		}
	}

	// Published with a draft round: still not public; the round's publication makes it public.
	r := f.catRound(t, "2026", f.clock.Now().Add(2*time.Hour))
	f.clock.Add(time.Minute)
	pub, err := f.svc.PublishNeed(organizer, app.PublishNeed{NeedID: n.ID, RoundID: r.ID})
	if err != nil || pub.State != domain.NeedPublished || pub.RoundID != r.ID || pub.Public() {
		t.Fatalf("published with a draft round: %+v %v", pub, err)
	}
	publishedAt := f.clock.Now()
	if _, err := f.svc.GetNeed(nobody, n.ID); !errors.Is(err, errs.ErrNotFound) {
		t.Fatalf("the public reads a need of a draft round: %v", err)
	}
	if list := f.needIDs(t, nobody, app.NeedFilter{}); len(list) != 0 {
		t.Fatalf("the public lists needs of a draft round: %v", list)
	}
	f.clock.Add(time.Minute)
	r = f.advance(t, r, domain.PhaseSolicitation)
	got, err := f.svc.GetNeed(nobody, n.ID)
	if err != nil || !got.Public() || !got.PublishTime().Equal(r.PublishedAt) || got.RecordedBy != "" || got.RecordedByUnit != "杜桥街道社会事务办" {
		t.Fatalf("public need: %+v %v (round published %v, need %v)", got, err, r.PublishedAt, publishedAt)
	}

	// Publishing again with the same round changes nothing; with another round it is refused.
	if again, err := f.svc.PublishNeed(organizer, app.PublishNeed{NeedID: n.ID, RoundID: r.ID}); err != nil || !again.PublishedAt.Equal(pub.PublishedAt) {
		t.Fatalf("again with the same round: %+v %v", again, err)
	}
	r2 := f.catRound(t, "2027", f.clock.Now().Add(2*time.Hour))
	_, err = f.svc.PublishNeed(organizer, app.PublishNeed{NeedID: n.ID, RoundID: r2.ID})
	refused(t, "with another round", err, errs.FailedPrecondition, "NEED_PUBLISHED_WITH_ANOTHER_ROUND")
	_, err = f.svc.PublishNeed(organizer, app.PublishNeed{NeedID: n.ID, RoundID: "00000000-0000-4000-8000-000000000001"})
	refused(t, "with an unknown round", err, errs.NotFound, "NOT_FOUND")

	// After the publication, a need published with a soliciting round is public at once (its own time).
	f.clock.Add(time.Minute)
	third := f.publishNeed(t, f.need(t, duqiao.Code, "助浴服务"), r)
	if !third.Public() || !third.PublishTime().Equal(f.clock.Now()) {
		t.Fatalf("published with a published round: %+v", third)
	}
	// Past the round's deadline no need is published with it.
	f.clock.Add(2 * time.Hour)
	_, err = f.svc.PublishNeed(organizer, app.PublishNeed{NeedID: other.ID, RoundID: r.ID})
	refused(t, "after the deadline", err, errs.FailedPrecondition, "ROUND_NOT_OPEN_FOR_NEEDS")

	// Lists: the public sees the public needs; staff and departments every need, filtered.
	if list := f.needIDs(t, nobody, app.NeedFilter{}); !slices.Equal(list, []string{n.ID, third.ID}) {
		t.Fatalf("public list: %v", list)
	}
	if list := f.needIDs(t, nobody, app.NeedFilter{State: domain.NeedRecorded}); len(list) != 0 {
		t.Fatalf("the public lists recorded needs: %v", list)
	}
	if list := f.needIDs(t, dept, app.NeedFilter{}); !slices.Equal(list, []string{n.ID, other.ID, third.ID}) {
		t.Fatalf("department list: %v", list)
	}
	if list := f.needIDs(t, operator, app.NeedFilter{State: domain.NeedRecorded}); !slices.Equal(list, []string{other.ID}) {
		t.Fatalf("recorded: %v", list)
	}
	if list := f.needIDs(t, operator, app.NeedFilter{RoundID: r.ID, CommunityCode: duqiao.Code, Category: domain.CategoryElderly}); !slices.Equal(list, []string{n.ID, third.ID}) {
		t.Fatalf("of the round: %v", list)
	}
	if list := f.needIDs(t, operator, app.NeedFilter{Category: domain.CategoryYouth}); len(list) != 0 {
		t.Fatalf("youth: %v", list)
	}
	_, err = f.svc.ListNeeds(nobody, app.NeedFilter{RoundID: "r1", Limit: 10})
	refused(t, "a malformed round ID", err, errs.InvalidArgument, "INVALID_ID")
}

// catRound creates a draft round with the given deadline.
func (f *fixture) catRound(t *testing.T, name string, deadline time.Time) domain.Round {
	t.Helper()
	r, err := f.svc.CreateRound(organizer, app.CreateRound{Name: name, Year: 2026, Notice: notice,
		Policy: domain.Policy{SubmissionDeadline: deadline, ShortlistQuota: 2, SelectionQuota: 1, PublicityPeriod: publicity}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// needIDs lists every need who sees for filter, two at a time.
func (f *fixture) needIDs(t *testing.T, who context.Context, filter app.NeedFilter) []string {
	t.Helper()
	var out []string
	filter.Limit = 2
	for {
		page, err := f.svc.ListNeeds(who, filter)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range page {
			out = append(out, n.ID)
		}
		if len(page) < filter.Limit {
			return out
		}
		filter.AfterTime, filter.AfterID = page[len(page)-1].CreatedAt, page[len(page)-1].ID
	}
}

// TestApplicationCatalogue: an application chooses communities from the list and declares needs of its round
// it answers and its eligibility; what it chose is checked when saved, kept in its revisions, and shown to the
// operator in the automatic checks.
func TestApplicationCatalogue(t *testing.T) {
	f := setup(t)
	r, org := f.published(t)
	duqiao := f.community(t, "610502001001", "杜桥社区", "杜桥街道", "临渭区")
	xiangyang := f.community(t, "610502002001", "向阳社区", "向阳街道", "临渭区")
	huazhou := f.community(t, "610503001001", "华州社区", "华州街道", "华州区")
	old := f.retire(t, f.community(t, "610502009009", "旧社区", "杜桥街道", "临渭区"))
	meals := f.publishNeed(t, f.need(t, duqiao.Code, "独居老人助餐"), r)
	tutoring := f.publishNeed(t, f.need(t, xiangyang.Code, "留守儿童课后辅导"), r)
	recorded := f.need(t, duqiao.Code, "未发布的需求")
	elsewhere := f.publishNeed(t, f.need(t, duqiao.Code, "其它届的需求"), f.catRound(t, "2027", f.clock.Now().Add(time.Hour)))

	create := func(change func(c *domain.Content)) (domain.Application, error) {
		c := content(fmt.Sprint("Catalogue ", f.clock.Now().UnixNano()))
		f.clock.Add(time.Millisecond)
		change(&c)
		return f.svc.CreateApplication(applicant, app.CreateApplication{RoundID: r.ID, OrgID: org.ID, Content: c})
	}
	_, err := create(func(c *domain.Content) { c.CommunityCodes = []string{duqiao.Code, "610502000000"} })
	if e := refused(t, "an unlisted community", err, errs.InvalidArgument, "UNKNOWN_COMMUNITY"); !strings.Contains(e.Message, "610502000000") {
		t.Fatalf("the refusal does not name the code: %v", e)
	}
	_, err = create(func(c *domain.Content) { c.CommunityCodes = []string{old.Code} })
	if e := refused(t, "a retired community", err, errs.InvalidArgument, "UNKNOWN_COMMUNITY"); !strings.Contains(e.Message, old.Code) {
		t.Fatalf("the refusal does not name the code: %v", e)
	}
	_, err = create(func(c *domain.Content) { c.NeedIDs = []string{meals.ID, elsewhere.ID} })
	refused(t, "a need of another round", err, errs.InvalidArgument, "NEED_NOT_IN_ROUND")
	_, err = create(func(c *domain.Content) { c.NeedIDs = []string{recorded.ID} })
	refused(t, "a need not published", err, errs.InvalidArgument, "NEED_NOT_IN_ROUND")
	_, err = create(func(c *domain.Content) { c.NeedIDs = []string{"not-an-id"} })
	refused(t, "a malformed need ID", err, errs.InvalidArgument, "NEED_NOT_IN_ROUND")
	_, err = create(func(c *domain.Content) { c.CommunityCodes = []string{duqiao.Code, duqiao.Code} })
	refused(t, "a community twice", err, errs.InvalidArgument, "DUPLICATE_COMMUNITY")
	if n := f.countApplications(t); n != 0 {
		t.Fatalf("refused applications stored: %d", n)
	}

	// A draft without declarations and with communities instead of a free-text service area.
	a, err := create(func(c *domain.Content) {
		c.ServiceArea, c.CommunityCodes, c.NeedIDs = nil, []string{duqiao.Code, huazhou.Code, xiangyang.Code}, []string{tutoring.ID, meals.ID}
		c.Declarations = domain.Declarations{OtherFunding: []domain.OtherFunding{{Source: "陕西省慈善基金会", AmountFen: 5_000_000, Note: "已获得"}}}
	})
	if err != nil || len(a.Catalogue.Communities) != 3 || a.Catalogue.Needs[0].Title != "留守儿童课后辅导" {
		t.Fatalf("draft: %+v %v", a, err)
	}
	_, err = f.svc.SubmitApplication(applicant, app.SubmitApplication{ApplicationID: a.ID, Etag: domain.Etag(a.ID, a.Version)})
	e := refused(t, "submission without declarations", err, errs.FailedPrecondition, "APPLICATION_INCOMPLETE")
	if e.Message != "missing: declarations" {
		t.Fatalf("missing: %q", e.Message)
	}
	v, err := f.svc.GetApplication(operator, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c := checkNamed(v.Checks, "ELIGIBILITY_DECLARED"); c.Passed || !strings.Contains(c.Detail, "陕西省慈善基金会 50000.00 CNY") {
		t.Fatalf("ELIGIBILITY_DECLARED before the declarations: %+v", c)
	}

	// The community retired after it was chosen stays chosen; a newly chosen retired one is refused.
	f.retire(t, huazhou)
	a, err = f.svc.UpdateApplication(applicant, app.UpdateApplication{ApplicationID: a.ID, Etag: domain.Etag(a.ID, a.Version),
		Change: func(c *domain.Content) {
			c.Declarations.NoGovernmentProvision, c.Declarations.NotFundedElsewhere = true, true
		}})
	if err != nil {
		t.Fatalf("update keeping a community retired since: %v", err)
	}
	_, err = f.svc.UpdateApplication(applicant, app.UpdateApplication{ApplicationID: a.ID, Etag: domain.Etag(a.ID, a.Version),
		Change: func(c *domain.Content) { c.CommunityCodes = append(c.CommunityCodes, old.Code) }})
	refused(t, "choosing a retired community", err, errs.InvalidArgument, "UNKNOWN_COMMUNITY")

	sub, err := f.svc.SubmitApplication(applicant, app.SubmitApplication{ApplicationID: a.ID, Etag: domain.Etag(a.ID, a.Version)})
	if err != nil || sub.Status != domain.StatusSubmitted {
		t.Fatalf("submit: %+v %v", sub, err)
	}
	v, err = f.svc.GetApplication(operator, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]struct {
		passed bool
		detail string
	}{
		"ELIGIBILITY_DECLARED":          {true, "both declared; other funding 50000.00 CNY: 陕西省慈善基金会 50000.00 CNY (已获得)"},
		"SERVICE_AREA_IN_HOME_DISTRICT": {true, "2 of 3 communities (66%) in 临渭区; at least 50% required"},
		"NEEDS_ANSWERED":                {true, "2 of the catalogue: 留守儿童课后辅导; 独居老人助餐"},
		"REQUIRED_FIELDS_PRESENT":       {true, "all required fields present"},
	} {
		if c := checkNamed(v.Checks, name); c.Passed != want.passed || c.Detail != want.detail {
			t.Errorf("%s = %+v, want %v %q", name, c, want.passed, want.detail)
		}
	}
	revs, err := f.svc.ListRevisions(applicant, a.ID)
	if err != nil || len(revs.Revisions) != 1 {
		t.Fatalf("revisions: %+v %v", revs, err)
	}
	kept := revs.Revisions[0].Content
	if !slices.Equal(kept.CommunityCodes, []string{duqiao.Code, huazhou.Code, xiangyang.Code}) || !slices.Equal(kept.NeedIDs, []string{tutoring.ID, meals.ID}) ||
		!kept.Declarations.Made() || len(kept.Declarations.OtherFunding) != 1 {
		t.Fatalf("revision keeps %+v", kept)
	}
	var codes, needs []string
	if err := f.pool.QueryRow(context.Background(), `SELECT community_codes, need_ids::text[] FROM applications WHERE id = $1`, a.ID).Scan(&codes, &needs); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(codes, kept.CommunityCodes) || !slices.Equal(needs, kept.NeedIDs) {
		t.Fatalf("columns %v %v", codes, needs)
	}

	// An application outside the home district fails the share, one with no list community fails it too.
	b, err := create(func(c *domain.Content) { c.CommunityCodes = []string{duqiao.Code} })
	if err != nil {
		t.Fatal(err)
	}
	b, err = f.svc.UpdateApplication(applicant, app.UpdateApplication{ApplicationID: b.ID, Etag: domain.Etag(b.ID, b.Version),
		Change: func(c *domain.Content) { c.CommunityCodes = nil }})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := f.svc.GetApplication(operator, b.ID); err != nil || checkNamed(v.Checks, "SERVICE_AREA_IN_HOME_DISTRICT").Passed ||
		checkNamed(v.Checks, "NEEDS_ANSWERED").Detail != "none" || !checkNamed(v.Checks, "REQUIRED_FIELDS_PRESENT").Passed {
		t.Fatalf("free-text service area only: %+v %v", v.Checks, err)
	}
}

// checkNamed is the automatic check called name.
func checkNamed(checks []domain.Check, name string) domain.Check {
	for _, c := range checks {
		if c.Name == name {
			return c
		}
	}
	return domain.Check{Name: name + " (missing)"}
}

func (f *fixture) countApplications(t *testing.T) int {
	t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), `SELECT count(*) FROM applications`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestOrganizationProfileAndBatch: founding date and staff size at registration; verification needs evidence
// and records who verified against what; suite services read organisations in batches, masked.
func TestOrganizationProfileAndBatch(t *testing.T) {
	f := setup(t)
	o, err := f.svc.CreateOrganization(applicant, app.CreateOrganization{Name: "Care Centre", Kind: domain.OrgSocialOrganization, USCC: usccCareCentre,
		ContactPhone: phone, FoundingDate: "2019-05-20", StaffSize: 8})
	if err != nil || o.FoundingDate != "2019-05-20" || o.StaffSize != 8 {
		t.Fatalf("create: %+v %v", o, err)
	}
	_, err = f.svc.CreateOrganization(applicant, app.CreateOrganization{Name: "Future", Kind: domain.OrgOtherUnit, USCC: usccStreetUnit,
		FoundingDate: f.clock.Now().Add(48 * time.Hour).Format("2006-01-02")})
	refused(t, "founded in the future", err, errs.InvalidArgument, "FOUNDING_DATE_IN_FUTURE")
	_, err = f.svc.CreateOrganization(applicant, app.CreateOrganization{Name: "Huge", Kind: domain.OrgOtherUnit, USCC: usccStreetUnit, StaffSize: 100_001})
	refused(t, "staff size", err, errs.InvalidArgument, "INVALID_STAFF_SIZE")

	_, err = f.svc.VerifyOrganization(operator, app.VerifyOrganization{OrgID: o.ID, Evidence: "  "})
	refused(t, "no evidence", err, errs.InvalidArgument, "VERIFICATION_EVIDENCE_REQUIRED")
	if got, _ := f.svc.GetOrganization(operator, o.ID); got.Registered {
		t.Fatal("verified without evidence")
	}
	v, err := f.svc.VerifyOrganization(operator, app.VerifyOrganization{OrgID: o.ID, Evidence: evidence})
	if err != nil || v.VerifiedBy != "operator" || v.VerificationEvidence != evidence {
		t.Fatalf("verify: %+v %v", v, err)
	}
	got, err := f.svc.GetOrganization(applicant, o.ID)
	if err != nil || got.FoundingDate != "2019-05-20" || got.StaffSize != 8 || got.VerifiedBy != "operator" || got.VerificationEvidence != evidence {
		t.Fatalf("read back: %+v %v", got, err)
	}

	person, err := f.svc.CreateOrganization(as("person", identity.Applicant), app.CreateOrganization{Name: "Zhang San", Kind: domain.OrgIndividual,
		IDNumber: residentID, ContactPhone: phone})
	if err != nil {
		t.Fatal(err)
	}
	unknown := "00000000-0000-4000-8000-0000000000ff"
	batch, err := f.svc.BatchGetOrganizations(statsService, []string{person.ID, unknown, strings.ToUpper(o.ID), person.ID})
	if err != nil || len(batch) != 2 || batch[0].ID != person.ID || batch[1].ID != o.ID {
		t.Fatalf("batch: %+v %v", batch, err)
	}
	if batch[0].IDNumber != residentIDMasked || batch[0].ContactPhone != phoneMasked || batch[1].StaffSize != 8 {
		t.Fatalf("batch not masked: %+v", batch)
	}
	if _, err := f.svc.BatchGetOrganizations(operator, []string{o.ID}); !errors.Is(err, errs.ErrPermissionDenied) {
		t.Fatalf("batch by an operator: %v", err)
	}
	many := make([]string, 1001)
	for i := range many {
		many[i] = unknown
	}
	_, err = f.svc.BatchGetOrganizations(statsService, many)
	refused(t, "1,001 IDs", err, errs.InvalidArgument, "TOO_MANY_ORGANIZATIONS")
	if got, err := f.svc.BatchGetOrganizations(statsService, many[:1000]); err != nil || len(got) != 0 {
		t.Fatalf("1,000 unknown IDs: %v %v", got, err)
	}
	_, err = f.svc.BatchGetOrganizations(statsService, []string{"x"})
	refused(t, "a malformed ID", err, errs.InvalidArgument, "INVALID_ID")
}
