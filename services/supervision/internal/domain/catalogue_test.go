package domain

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

// linwei is a communities list: two communities of the home district (one retired), one of another district.
var linwei = map[string]Community{
	"DQ": {Code: "DQ", Name: "杜桥社区", SubDistrict: "杜桥街道", District: "临渭区"},
	"RM": {Code: "RM", Name: "人民社区", SubDistrict: "人民街道", District: "临渭区", Retired: true},
	"HZ": {Code: "HZ", Name: "华州社区", SubDistrict: "华州街道", District: "华州区"},
}

// TestMainlyInHomeDistrict: the share in ÷ chosen passes at minPercent exactly (in·100 ≥ minPercent·chosen,
// no rounding), never with nothing chosen; duplicates count once, a code no longer listed counts as chosen
// outside the district, a retired community still lies where it lies.
func TestMainlyInHomeDistrict(t *testing.T) {
	tests := []struct {
		name       string
		codes      []string
		district   string
		minPercent int
		in, chosen int
		want       bool
	}{
		{"none chosen", nil, "临渭区", 50, 0, 0, false},
		{"none chosen, 1 percent", nil, "临渭区", 1, 0, 0, false},
		{"all in", []string{"DQ"}, "临渭区", 100, 1, 1, true},
		{"half at 50: exactly the minimum", []string{"DQ", "HZ"}, "临渭区", 50, 1, 2, true},
		{"half at 51", []string{"DQ", "HZ"}, "临渭区", 51, 1, 2, false},
		{"a third at 33", []string{"DQ", "HZ", "X"}, "临渭区", 33, 1, 3, true},
		{"a third at 34: 100 < 102", []string{"DQ", "HZ", "X"}, "临渭区", 34, 1, 3, false},
		{"two thirds at 66", []string{"DQ", "RM", "HZ"}, "临渭区", 66, 2, 3, true},
		{"two thirds at 67: 200 < 201", []string{"DQ", "RM", "HZ"}, "临渭区", 67, 2, 3, false},
		{"duplicates count once", []string{"DQ", "DQ", "DQ", "HZ"}, "临渭区", 51, 1, 2, false},
		{"an unlisted code is outside", []string{"DQ", "GONE"}, "临渭区", 100, 1, 2, false},
		{"retired stays in its district", []string{"RM"}, "临渭区", 50, 1, 1, true},
		{"none in", []string{"HZ"}, "临渭区", 1, 0, 1, false},
		{"another home district", []string{"DQ", "HZ"}, "华州区", 50, 1, 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, chosen := HomeDistrictShare(tt.codes, linwei, tt.district)
			if in != tt.in || chosen != tt.chosen {
				t.Fatalf("share %d/%d, want %d/%d", in, chosen, tt.in, tt.chosen)
			}
			if got := MainlyInHomeDistrict(in, chosen, tt.minPercent); got != tt.want {
				t.Errorf("MainlyInHomeDistrict(%d, %d, %d) = %t, want %t", in, chosen, tt.minPercent, got, tt.want)
			}
		})
	}
}

// TestAgeBand: whole years completed at the publication day, the anniversary counting on its day.
func TestAgeBand(t *testing.T) {
	on := Date{2026, time.March, 15}
	tests := []struct {
		founding string
		want     string
	}{
		{"", BandUnknown},
		{"2026-02-30", BandUnknown}, // no such day
		{"2026/03/01", BandUnknown},
		{"2026-3-1", BandUnknown},
		{"2026-03-15", AgeUnder1Year},
		{"2027-01-01", AgeUnder1Year}, // founded after the publication
		{"2025-03-16", AgeUnder1Year}, // one day short of a year
		{"2025-03-15", Age1To3Years},  // exactly one year
		{"2023-03-16", Age1To3Years},  // 2 years and 364 days
		{"2023-03-15", Age3To5Years},
		{"2021-03-16", Age3To5Years},
		{"2021-03-15", Age5YearsOrMore},
		{"1990-07-01", Age5YearsOrMore},
	}
	for _, tt := range tests {
		if got := AgeBand(tt.founding, on); got != tt.want {
			t.Errorf("AgeBand(%q) at %s = %s, want %s", tt.founding, on, got, tt.want)
		}
	}
}

// TestWholeYears: a 29 February founding completes its years on 1 March of a common year, on 29 February of a
// leap one.
func TestWholeYears(t *testing.T) {
	leap := Date{2024, time.February, 29}
	for _, c := range []struct {
		on   Date
		want int
	}{
		{Date{2025, time.February, 28}, 0}, {Date{2025, time.March, 1}, 1}, {Date{2028, time.February, 28}, 3}, {Date{2028, time.February, 29}, 4},
		{Date{2024, time.February, 29}, 0}, {Date{2024, time.February, 28}, -1}, {Date{2023, time.March, 1}, -1},
	} {
		if got := WholeYears(leap, c.on); got != c.want {
			t.Errorf("WholeYears(%s, %s) = %d, want %d", leap, c.on, got, c.want)
		}
	}
}

// TestStaffBand: 0 is "not given" (the contract cannot tell them apart), an individual has no staff band.
func TestStaffBand(t *testing.T) {
	tests := []struct {
		kind  string
		staff int
		want  string
	}{
		{"SOCIAL_ORGANIZATION", 0, BandUnknown},
		{"SOCIAL_ORGANIZATION", -1, BandUnknown},
		{"SOCIAL_ORGANIZATION", 1, Staff0To5},
		{"SOCIAL_ORGANIZATION", 5, Staff0To5},
		{"SOCIAL_ORGANIZATION", 6, Staff6To10},
		{"OTHER_UNIT", 10, Staff6To10},
		{"OTHER_UNIT", 11, Staff11To30},
		{"SOCIAL_ORGANIZATION", 30, Staff11To30},
		{"SOCIAL_ORGANIZATION", 31, StaffOver30},
		{"SOCIAL_ORGANIZATION", 100_000, StaffOver30},
		{"", 3, Staff0To5},
		{OrgIndividual, 0, BandUnknown},
		{OrgIndividual, 3, BandUnknown},
	}
	for _, tt := range tests {
		if got := StaffBand(Organization{Kind: tt.kind, StaffSize: tt.staff}); got != tt.want {
			t.Errorf("StaffBand(%s, %d) = %s, want %s", tt.kind, tt.staff, got, tt.want)
		}
	}
}

// TestProfile: organisations count once however many applications they made; every band is present; an
// organisation the catalogue does not know is UNKNOWN in both.
func TestProfile(t *testing.T) {
	orgs := map[string]Organization{
		"young": {ID: "young", FoundingDate: "2025-09-01", StaffSize: 3},
		"old":   {ID: "old", FoundingDate: "2010-01-01", StaffSize: 45},
		"mid":   {ID: "mid", FoundingDate: "2022-01-01", StaffSize: 8},
		"alone": {ID: "alone", Kind: OrgIndividual},
	}
	p := Profile([]string{"young", "old", "young", "mid", "alone", "ghost", "old"}, orgs, Date{2026, time.March, 15})
	wantAge := map[string]int{AgeUnder1Year: 1, Age1To3Years: 0, Age3To5Years: 1, Age5YearsOrMore: 1, BandUnknown: 2}
	wantStaff := map[string]int{Staff0To5: 1, Staff6To10: 1, Staff11To30: 0, StaffOver30: 1, BandUnknown: 2}
	if p.Organizations != 5 || !maps.Equal(p.ByAge, wantAge) || !maps.Equal(p.ByStaffSize, wantStaff) {
		t.Fatalf("profile %+v, want 5 organisations, %v, %v", p, wantAge, wantStaff)
	}
	if empty := Profile(nil, nil, Date{2026, 1, 1}); empty.Organizations != 0 || len(empty.ByAge) != len(AgeBands) || len(empty.ByStaffSize) != len(StaffBands) {
		t.Fatalf("empty profile %+v", empty)
	}
}

// TestTallyNeeds: published are the round's PUBLISHED needs (in the catalogue's order), answered those a
// submitted application declares, met those a selected project declares; drafts, repeats and needs of no
// line count nothing.
func TestTallyNeeds(t *testing.T) {
	needs := []Need{{ID: "n1", Title: "助餐", State: NeedPublished}, {ID: "n2", Title: "陪诊", State: NeedPublished},
		{ID: "n3", Title: "recorded only", State: "RECORDED"}, {ID: "n4", Title: "无人应答", State: NeedPublished}}
	app := func(status, stage string, needs ...string) RoundApplication {
		return RoundApplication{Project: Project{Stage: stage}, Status: status, NeedIDs: needs}
	}
	apps := []RoundApplication{
		app("DRAFT", "", "n4"),
		app("SUBMITTED", "", "n1", "n1", "n3", "elsewhere"),
		app("ACCEPTED", StageSelected, "n1", "n2"),
		app("RETURNED", "", "n2"),
		app("ACCEPTED", "NOT_SELECTED", "n2"),
	}
	got := TallyNeeds(needs, apps)
	if got.Published != 3 || got.Answered != 2 || got.Met != 2 {
		t.Fatalf("published %d, answered %d, met %d, want 3 2 2", got.Published, got.Answered, got.Met)
	}
	var lines []string
	for _, l := range got.Lines {
		lines = append(lines, fmt.Sprintf("%s:%d/%d", l.ID, l.Applications, l.Projects))
	}
	if want := []string{"n1:2/1", "n2:3/1", "n4:0/0"}; !slices.Equal(lines, want) {
		t.Fatalf("lines %v, want %v", lines, want)
	}
	if none := TallyNeeds(nil, apps); none.Published != 0 || none.Lines == nil {
		t.Fatalf("no needs: %+v", none)
	}
}

// TestCommunityGroups: an application that chose communities counts under each code (once) with the
// community's label, and not under its free text; one that chose none counts under its free-text entries;
// an unlisted code is its own label. The home-district count and the profiles leave drafts out; the export's
// last column names the chosen communities.
func TestCommunityGroups(t *testing.T) {
	app := func(id, org, status, stage string, codes []string, area ...string) RoundApplication {
		return RoundApplication{Project: Project{ID: id, OrgID: org, Stage: stage}, Category: "ELDERLY", Status: status, CommunityCodes: codes,
			ServiceArea: area}
	}
	apps := []RoundApplication{
		app("a", "o1", "ACCEPTED", StageSelected, []string{"DQ", "HZ", "DQ"}, "free text ignored"),
		app("b", "o2", "SUBMITTED", "", []string{"RM"}),
		app("c", "o2", "ACCEPTED", "", nil, "向阳街道", "向阳街道"),
		app("d", "o3", "DRAFT", "", []string{"DQ"}),
		app("e", "o4", "REJECTED", "", []string{"GONE", "HZ"}),
	}
	cat := Catalogue{Communities: linwei, Organizations: map[string]Organization{"o1": {ID: "o1", FoundingDate: "2025-06-01", StaffSize: 4}}}
	r := Round{ID: "r", Phase: "IMPLEMENTATION", HomeDistrict: "临渭区", HomeDistrictMinPercent: 50,
		PublishedAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), TimeZone: "Asia/Shanghai"}
	lines := []ProjectLine{{Application: apps[0]}}
	st := Tabulate(r, r.PublishedAt.Add(time.Hour), true, apps, nil, lines, cat)
	var got []string
	for _, g := range st.Communities {
		got = append(got, fmt.Sprintf("%s=%s×%d", g.Key, g.Label, g.Applications))
	}
	want := []string{"DQ=杜桥社区, 杜桥街道, 临渭区×2", "GONE=GONE×1", "HZ=华州社区, 华州街道, 华州区×2", "RM=人民社区, 人民街道, 临渭区×1", "向阳街道=向阳街道×1"}
	if !slices.Equal(got, want) {
		t.Fatalf("communities\n%q\nwant\n%q", got, want)
	}
	// a: 1 of 2 in 临渭区 (50%: passes), b: 1 of 1, c: none chosen, d: a draft, e: 0 of 2.
	if st.HomeDistrict != "临渭区" || st.MainlyInHomeDistrict != 2 {
		t.Fatalf("home district %q: %d", st.HomeDistrict, st.MainlyInHomeDistrict)
	}
	if st.Applicants.Organizations != 3 || st.Selected.Organizations != 1 || st.Selected.ByAge[AgeUnder1Year] != 1 || st.Selected.ByStaffSize[Staff0To5] != 1 ||
		st.Applicants.ByAge[BandUnknown] != 2 {
		t.Fatalf("profiles: applicants %+v, selected %+v", st.Applicants, st.Selected)
	}
	if len(st.Projects) != 1 || !slices.Equal(st.Projects[0].Communities, []string{"杜桥社区", "华州社区", "杜桥社区"}) {
		t.Fatalf("project communities: %+v", st.Projects)
	}
	rows := ExportRows(st)
	if len(rows) != 1 || len(rows[0]) != len(ExportHeaders) || ExportHeaders[len(ExportHeaders)-1] != "社区" || rows[0][len(rows[0])-1] != "杜桥社区、华州社区、杜桥社区" {
		t.Fatalf("export row %q", rows)
	}
	if ExportHeaders[4] != "服务社区" || ExportHeaders[18] != "资金计划状态" || !strings.HasPrefix(rows[0][0].(string), "a") {
		t.Fatalf("existing columns moved: %q", ExportHeaders)
	}
}

// TestPublishDay: the publication day is the round's calendar day (a UTC evening is the next morning in
// Shanghai); an unpublished round counts at asOf; an empty or unknown zone is Asia/Shanghai.
func TestPublishDay(t *testing.T) {
	evening := time.Date(2026, 3, 14, 17, 0, 0, 0, time.UTC) // 15 March 01:00 in Shanghai
	for _, c := range []struct {
		r    Round
		asOf time.Time
		want string
	}{
		{Round{PublishedAt: evening, TimeZone: "Asia/Shanghai"}, time.Time{}, "2026-03-15"},
		{Round{PublishedAt: evening, TimeZone: "UTC"}, time.Time{}, "2026-03-14"},
		{Round{PublishedAt: evening}, time.Time{}, "2026-03-15"},
		{Round{PublishedAt: evening, TimeZone: "Nowhere/Else"}, time.Time{}, "2026-03-15"},
		{Round{TimeZone: "UTC"}, evening, "2026-03-14"},
	} {
		if got := c.r.PublishDay(c.asOf).String(); got != c.want {
			t.Errorf("%+v: %s, want %s", c.r, got, c.want)
		}
	}
}

// TestHomeDistrictRule: the policy's district and percentage, or the defaults (临渭区, 50) where it has none.
func TestHomeDistrictRule(t *testing.T) {
	for _, c := range []struct {
		r        Round
		district string
		percent  int
	}{
		{Round{}, "临渭区", 50},
		{Round{HomeDistrict: "华州区"}, "华州区", 50},
		{Round{HomeDistrictMinPercent: 75}, "临渭区", 75},
		{Round{HomeDistrict: "华州区", HomeDistrictMinPercent: 100}, "华州区", 100},
	} {
		if d, p := c.r.HomeDistrictRule(); d != c.district || p != c.percent {
			t.Errorf("%+v: %s %d, want %s %d", c.r, d, p, c.district, c.percent)
		}
	}
}
