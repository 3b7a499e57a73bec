package app_test

import (
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/supervision/internal/app"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
	"github.com/commonweal/commonweal/services/supervision/internal/store"
)

// roundApps is the applications service as the statistics see it: the fixture's rounds, these applications
// and the catalogue (communities, the round's needs, organisations: an ID not in orgs is unknown). It counts
// the organisations asked.
type roundApps struct {
	*fakeApplications
	apps        []domain.RoundApplication
	communities map[string]domain.Community
	needs       []domain.Need
	orgs        map[string]domain.Organization
	orgsAsked   []string
	down        error
	catalogDown error
}

func (r *roundApps) Communities(context.Context) (map[string]domain.Community, error) {
	return r.communities, r.catalogDown
}

func (r *roundApps) RoundNeeds(context.Context, string) ([]domain.Need, error) {
	return r.needs, r.catalogDown
}

func (r *roundApps) Organizations(_ context.Context, ids []string) (map[string]domain.Organization, error) {
	if r.catalogDown != nil {
		return nil, r.catalogDown
	}
	r.orgsAsked = append(r.orgsAsked, ids...)
	out := map[string]domain.Organization{}
	for _, id := range ids {
		if o, ok := r.orgs[id]; ok {
			out[id] = o
		}
	}
	return out, nil
}

func (r *roundApps) RoundApplications(_ context.Context, roundID string) ([]domain.RoundApplication, error) {
	if r.down != nil {
		return nil, r.down
	}
	var out []domain.RoundApplication
	for _, a := range r.apps {
		if a.RoundID == roundID {
			out = append(out, a)
		}
	}
	return out, nil
}

// panelScores is the reviews service as the statistics see it.
type panelScores struct {
	of   map[string]domain.PanelScores
	down error
}

func (p *panelScores) RoundPanelScores(context.Context, string) (map[string]domain.PanelScores, error) {
	return p.of, p.down
}

// statsFixture is the fixture's round with five applications: the fixture's project (SELECTED, ELDERLY,
// communities A and B), b (SELECTED, YOUTH, B), c (shortlisted, not selected, ELDERLY, A, with donations),
// d (not shortlisted) and e (rejected at initial review), each with its figures in the fake peers.
type statsFixture struct {
	*fixture
	apps   *roundApps
	scores *panelScores
	stats  *app.Statistics
	b      domain.Project
}

func setupStats(t *testing.T) *statsFixture {
	f := setup(t)
	b := f.addProject("SELECTED", 12)
	entry := func(p domain.Project, category, status string, budget int64, area ...string) domain.RoundApplication {
		return domain.RoundApplication{Project: p, Category: category, ServiceArea: area, Status: status, BudgetFen: budget}
	}
	other := func(stage string) domain.Project {
		return domain.Project{ID: ids.New(), RoundID: f.round, OrgID: ids.New(), Stage: stage}
	}
	c, d := other("NOT_SELECTED"), other("NOT_SHORTLISTED")
	apps := &roundApps{fakeApplications: f.apps, apps: []domain.RoundApplication{
		entry(f.project, "ELDERLY", "ACCEPTED", 20_000_000, "向阳街道", "人民街道"),
		entry(b, "YOUTH", "ACCEPTED", 15_000_050, "人民街道"),
		entry(c, "ELDERLY", "ACCEPTED", 9_000_000, "向阳街道"),
		entry(d, "RELIEF", "ACCEPTED", 1_000_000),
		entry(other(""), "RELIEF", "REJECTED", 1_000_000),
	}, orgs: map[string]domain.Organization{
		f.project.OrgID: {ID: f.project.OrgID, Name: "临渭区夕阳红服务中心", Kind: "SOCIAL_ORGANIZATION"},
		b.OrgID:         {ID: b.OrgID, Name: "青苗社工", Kind: "SOCIAL_ORGANIZATION"},
	}}
	f.funding.setPlan(f.round, domain.Plan{ProjectID: f.project.ID, State: "ACTIVE", MatchFen: 10_000_000, TopupFen: 5_000_000, DisbursedFen: 10_000_000})
	f.funding.setPlan(f.round, domain.Plan{ProjectID: b.ID, State: domain.PlanSuspended, TopupFen: 3_000_000, DisbursedFen: 1_500_000,
		ClawbackFen: 700_001})
	f.gifts.of[f.project.ID] = domain.Donations{PledgedFen: 6_000_000, DepositedFen: 5_000_000, InKindFen: 123}
	f.gifts.of[c.ID] = domain.Donations{PledgedFen: 400, DepositedFen: 300}
	// Panel scores in hundredths: the four ranked on the shortlist, the three finalists scored again.
	scores := &panelScores{of: map[string]domain.PanelScores{
		f.project.ID: {Shortlist: 8125, HasShortlist: true, Final: 7000, HasFinal: true},
		b.ID:         {Shortlist: 7050, HasShortlist: true, Final: 9001, HasFinal: true},
		c.ID:         {Shortlist: 6000, HasShortlist: true, Final: 5000, HasFinal: true},
		d.ID:         {Shortlist: 4001, HasShortlist: true},
	}}
	return &statsFixture{fixture: f, apps: apps, scores: scores, b: b, stats: app.NewStatistics(store.New(f.pool),
		app.StatisticsPeers{Applications: apps, Catalogue: apps, Funding: f.funding, Donations: f.gifts, Reviews: scores}, f.clock.Now)}
}

// TestRoundStatistics: the round's, each category's and each community's figures are the sums of what the
// peers and this service's records say of each application; the selected projects have their lines.
func TestRoundStatistics(t *testing.T) {
	f := setupStats(t)
	if _, err := f.svc.SubmitMonthlyReport(f.team, f.report("2026-03", 300, "")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CreateEvaluation(operator, app.CreateEvaluation{ProjectID: f.project.ID, Kind: domain.Midterm, Result: domain.Passed,
		VerifiedSpendingFen: 250, Findings: "on plan"}); err != nil {
		t.Fatal(err)
	}
	st, err := f.stats.RoundStatistics(as("finance", "FINANCE"), f.round)
	if err != nil {
		t.Fatal(err)
	}
	a := domain.Figures{MonthlyReportsFiled: 1, MonthlyReportsOverdue: 1 /* April */, BeneficiariesServed: 40, ReportedSpentFen: 300,
		EvaluationsPassed: 1, VerifiedSpendingFen: 250, PledgedFen: 6_000_000, DepositedFen: 5_000_000, InKindFen: 123,
		MatchedFen: 10_000_000, ToppedUpFen: 5_000_000, DisbursedFen: 10_000_000}
	b := domain.Figures{MonthlyReportsOverdue: 2, ToppedUpFen: 3_000_000, DisbursedFen: 1_500_000, ClawedBackFen: 700_001}
	c := domain.Figures{PledgedFen: 400, DepositedFen: 300}
	if st.Total.Figures != a.Add(b).Add(c) || st.Total.Applications != 5 || st.Total.Projects != 2 || st.Total.BudgetFen != 35_000_050 ||
		!st.OverdueKnown || st.Phase != "IMPLEMENTATION" || !st.AsOf.Equal(f.clock.Now()) {
		t.Fatalf("total: %+v", st)
	}
	if st.Total.ByStatus["ACCEPTED"] != 4 || st.Total.ByStatus["REJECTED"] != 1 || st.Total.ByStage["SELECTED"] != 2 ||
		st.Total.ByStage["NOT_SELECTED"] != 1 || st.Total.ByStage["NOT_SHORTLISTED"] != 1 || st.Total.ByStage[domain.StageNone] != 1 {
		t.Fatalf("counts: %+v %+v", st.Total.ByStatus, st.Total.ByStage)
	}
	want := map[string]domain.Figures{"ELDERLY": a.Add(c), "YOUTH": b, "RELIEF": {}, "向阳街道": a.Add(c), "人民街道": a.Add(b)}
	groups := append(append([]domain.Tally{}, st.Categories...), st.Communities...)
	if len(st.Categories) != 3 || st.Categories[0].Key != "ELDERLY" || st.Categories[2].Key != "RELIEF" || len(st.Communities) != 2 {
		t.Fatalf("groups: %+v", groups)
	}
	for _, g := range groups {
		if g.Figures != want[g.Key] {
			t.Errorf("%s: %+v, want %+v", g.Key, g.Figures, want[g.Key])
		}
	}
	if len(st.Projects) != 2 {
		t.Fatalf("projects: %+v", st.Projects)
	}
	for _, l := range st.Projects {
		if l.Application.ID == f.project.ID && (l.Progress.Figures != a || l.Progress.Midterm != domain.Passed || l.Application.OrgName == "") ||
			l.Application.ID == f.b.ID && (l.Progress.Figures != b || l.Progress.PlanState != domain.PlanSuspended || l.Application.OrgName != "青苗社工") {
			t.Errorf("line: %+v", l)
		}
	}
	// Mean panel scores: exact sums over the group's scored applications, rounded half up to the hundredth.
	means := map[string][4]int64{ // shortlist count, mean; final count, mean
		"":        {4, 6294 /* 25176 ÷ 4 */, 3, 7000 /* 21001 ÷ 3 = 7000.33 */},
		"ELDERLY": {2, 7063 /* 7062.5 */, 2, 6000},
		"YOUTH":   {1, 7050, 1, 9001},
		"RELIEF":  {1, 4001, 0, 0},
		"人民街道":    {2, 7588 /* 7587.5 */, 2, 8001 /* 8000.5 */},
		"向阳街道":    {2, 7063, 2, 6000},
	}
	for _, g := range append([]domain.Tally{st.Total}, groups...) {
		if got := [4]int64{int64(g.Shortlist.Count), g.Shortlist.Mean(), int64(g.Final.Count), g.Final.Mean()}; got != means[g.Key] {
			t.Errorf("%q panel scores: %v, want %v", g.Key, got, means[g.Key])
		}
	}
	rows := domain.ExportRows(st)
	if len(rows) != 2 || len(rows[0]) != len(domain.ExportHeaders) {
		t.Fatalf("rows: %v", rows)
	}

	// After IMPLEMENTATION the overdue months are unknown: counted as 0 and flagged.
	f.apps.setRound(f.round, func(r *domain.Round) { r.Phase = "CLOSING" })
	if st, err := f.stats.RoundStatistics(auditor, f.round); err != nil || st.OverdueKnown || st.Total.Figures.MonthlyReportsOverdue != 0 ||
		st.Total.Figures.PledgedFen != a.PledgedFen+c.PledgedFen {
		t.Fatalf("closing: %v %+v", err, st)
	}
}

// TestRoundStatisticsRefusals: a peer's failure is this service's own error, a malformed or unknown round is
// refused.
func TestRoundStatisticsRefusals(t *testing.T) {
	f := setupStats(t)
	for name, c := range map[string]struct {
		breaks func()
		round  string
		want   string
	}{
		"donations down":    {func() { f.gifts.down = unavailable("DONATIONS") }, f.round, "DONATIONS_UNAVAILABLE"},
		"funding down":      {func() { f.funding.down = unavailable("FUNDING") }, f.round, "FUNDING_UNAVAILABLE"},
		"applications down": {func() { f.apps.down = unavailable("APPLICATIONS") }, f.round, "APPLICATIONS_UNAVAILABLE"},
		"reviews down":      {func() { f.scores.down = unavailable("REVIEWS") }, f.round, "REVIEWS_UNAVAILABLE"},
		"catalogue down":    {func() { f.apps.catalogDown = unavailable("APPLICATIONS") }, f.round, "APPLICATIONS_UNAVAILABLE"},
		"unknown round":     {func() {}, ids.New(), "NOT_FOUND"},
		"malformed round":   {func() {}, "round-1", "INVALID_ID"},
	} {
		c.breaks()
		if _, err := f.stats.RoundStatistics(auditor, c.round); reason(err) != c.want {
			t.Errorf("%s: %v, want %s", name, err, c.want)
		}
		f.gifts.down, f.funding.down, f.apps.down, f.scores.down, f.apps.catalogDown = nil, nil, nil, nil, nil
	}
}

// TestRoundStatisticsCatalogue: communities chosen from the list are counted under their codes with their
// labels (the free text only for an application that chose none), the home-district count follows the policy,
// the round's published needs are answered by submitted applications and met by projects, and the applicants'
// and projects' organisations are banded at the round's publication; each organisation is asked once.
func TestRoundStatisticsCatalogue(t *testing.T) {
	f := setupStats(t)
	f.apps.setRound(f.round, func(r *domain.Round) {
		r.PublishedAt = time.Date(2025, 10, 31, 20, 0, 0, 0, time.UTC) // 1 November 2025 in Shanghai
		r.HomeDistrict, r.HomeDistrictMinPercent = "临渭区", 60
	})
	f.apps.communities = map[string]domain.Community{
		"DQ": {Code: "DQ", Name: "杜桥社区", SubDistrict: "杜桥街道", District: "临渭区"},
		"RM": {Code: "RM", Name: "人民社区", SubDistrict: "人民街道", District: "临渭区", Retired: true},
		"HZ": {Code: "HZ", Name: "华州社区", SubDistrict: "华州街道", District: "华州区"},
	}
	f.apps.needs = []domain.Need{{ID: "n-meals", Title: "助餐", Category: "ELDERLY", CommunityCode: "DQ", State: domain.NeedPublished},
		{ID: "n-tutor", Title: "课业辅导", Category: "YOUTH", CommunityCode: "HZ", State: domain.NeedPublished}}
	a := f.apps.apps
	a[0].CommunityCodes, a[0].NeedIDs = []string{"DQ", "RM", "HZ"}, []string{"n-meals"} // 2 of 3 in 临渭区: 200 ≥ 180
	a[1].CommunityCodes = []string{"DQ", "HZ"}                                          // 1 of 2: 100 < 120
	a[2].NeedIDs = []string{"n-meals", "n-tutor"}                                       // free text only
	draft := domain.RoundApplication{Project: domain.Project{ID: ids.New(), RoundID: f.round, OrgID: ids.New()}, Category: "OTHER", Status: "DRAFT",
		CommunityCodes: []string{"DQ"}, NeedIDs: []string{"n-tutor"}}
	f.apps.apps = append(a, draft)
	f.apps.orgs[f.project.OrgID] = domain.Organization{ID: f.project.OrgID, Name: "临渭区夕阳红服务中心", FoundingDate: "2025-11-01", StaffSize: 12}
	f.apps.orgs[a[1].OrgID] = domain.Organization{ID: a[1].OrgID, Name: "青苗社工", FoundingDate: "2020-11-02", StaffSize: 3}
	f.apps.orgs[a[2].OrgID] = domain.Organization{ID: a[2].OrgID, Name: "张三", Kind: domain.OrgIndividual, StaffSize: 1}

	st, err := f.stats.RoundStatistics(as("finance", "FINANCE"), f.round)
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{}
	counts := map[string]int{}
	for _, g := range st.Communities {
		labels[g.Key], counts[g.Key] = g.Label, g.Applications
	}
	wantLabels := map[string]string{"DQ": "杜桥社区, 杜桥街道, 临渭区", "RM": "人民社区, 人民街道, 临渭区", "HZ": "华州社区, 华州街道, 华州区", "向阳街道": "向阳街道"}
	wantCounts := map[string]int{"DQ": 3 /* a, b and the draft */, "RM": 1, "HZ": 2, "向阳街道": 1}
	if !maps.Equal(labels, wantLabels) || !maps.Equal(counts, wantCounts) {
		t.Fatalf("communities %v %v, want %v %v", labels, counts, wantLabels, wantCounts)
	}
	if st.HomeDistrict != "临渭区" || st.MainlyInHomeDistrict != 1 {
		t.Fatalf("home district %q: %d, want 1", st.HomeDistrict, st.MainlyInHomeDistrict)
	}
	n := st.Needs
	if n.Published != 2 || n.Answered != 2 || n.Met != 1 || len(n.Lines) != 2 || n.Lines[0].ID != "n-meals" || n.Lines[0].Applications != 2 ||
		n.Lines[0].Projects != 1 || n.Lines[1].Applications != 1 || n.Lines[1].Projects != 0 {
		t.Fatalf("needs %+v", n)
	}
	// Ages on 1 November 2025: the project's organisation founded that day (0 whole years), b's on 2 November
	// 2020 (4 whole years, a day short of 5), c's an individual without a date; d's and e's unknown to the
	// catalogue.
	wantApplicants := domain.OrgProfile{Organizations: 5,
		ByAge:       map[string]int{domain.AgeUnder1Year: 1, domain.Age1To3Years: 0, domain.Age3To5Years: 1, domain.Age5YearsOrMore: 0, domain.BandUnknown: 3},
		ByStaffSize: map[string]int{domain.Staff0To5: 1, domain.Staff6To10: 0, domain.Staff11To30: 1, domain.StaffOver30: 0, domain.BandUnknown: 3}}
	wantSelected := domain.OrgProfile{Organizations: 2,
		ByAge:       map[string]int{domain.AgeUnder1Year: 1, domain.Age1To3Years: 0, domain.Age3To5Years: 1, domain.Age5YearsOrMore: 0, domain.BandUnknown: 0},
		ByStaffSize: map[string]int{domain.Staff0To5: 1, domain.Staff6To10: 0, domain.Staff11To30: 1, domain.StaffOver30: 0, domain.BandUnknown: 0}}
	for _, c := range []struct {
		name      string
		got, want domain.OrgProfile
	}{{"applicants", st.Applicants, wantApplicants}, {"selected", st.Selected, wantSelected}} {
		if c.got.Organizations != c.want.Organizations || !maps.Equal(c.got.ByAge, c.want.ByAge) || !maps.Equal(c.got.ByStaffSize, c.want.ByStaffSize) {
			t.Errorf("%s: %+v, want %+v", c.name, c.got, c.want)
		}
	}
	if len(f.apps.orgsAsked) != 5 {
		t.Fatalf("organisations asked: %v, want each of the 5 submitted applications' once", f.apps.orgsAsked)
	}
	for _, l := range st.Projects {
		if l.Application.ID == f.project.ID && !slices.Equal(l.Communities, []string{"杜桥社区", "人民社区", "华州社区"}) {
			t.Fatalf("project communities %v", l.Communities)
		}
	}
}
