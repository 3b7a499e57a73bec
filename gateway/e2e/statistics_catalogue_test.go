package e2e

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"maps"
	"testing"
	"time"
)

// counts reads a JSON object of counts (an OrganizationProfile's bands) as int64s.
func bandCounts(t *testing.T, v any) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	m, _ := v.(map[string]any)
	for k, n := range m {
		f, ok := n.(float64)
		if !ok {
			t.Fatalf("count %s = %v", k, n)
		}
		out[k] = int64(f)
	}
	return out
}

// communityGroups reads a statistics answer's community groups as key → "label × applications".
func communityGroups(stats map[string]any) map[string]string {
	out := map[string]string{}
	for _, g := range stats["communities"].([]any) {
		g := g.(map[string]any)
		out[str(g["key"])] = fmt.Sprintf("%s × %v", g["label"], g["applications"])
	}
	return out
}

// TestStatisticsCatalogue takes a round whose applications chose communities from the list and declared the
// needs they answer, by organisations that gave their founding date and staff size, from the call for
// proposals to selected projects, all through the gateway, and reads its statistics on the way: the
// communities counted under their codes with their labels (a retired one keeps its label; an application
// that chose none under its free text), the applications mainly in the home district, the needs published,
// answered and, once projects are selected, met, and the organisations by age and staff size; the exports
// name each project's communities in their last column.
func TestStatisticsCatalogue(t *testing.T) {
	t.Parallel() // each test runs its own suite: their waits overlap
	s := Start(t)
	w := &reviewRound{s: s, organizer: s.Token("sc-organizer", []string{"ORGANIZER"}, ""), operator: s.Token("sc-operator", []string{"OPERATOR"}, ""),
		committee: s.Token("sc-committee", []string{"COMMITTEE"}, "")}
	f := &fundedRound{reviewRound: w, finance: s.Token("sc-finance", []string{"FINANCE"}, ""), lottery: s.Token("sc-lottery", []string{"LOTTERY_CENTER"}, "")}
	department := s.Token("sc-department", []string{"DEPARTMENT"}, "")

	// The communities list: two in the home district, one outside it.
	community := func(code, name, sub, district string) {
		t.Helper()
		st, body := s.Do("POST", "/v1/communities", w.organizer, map[string]any{"community": map[string]any{"code": code, "name": name,
			"sub_district": sub, "district": district}, "request_id": requestID()})
		expect(t, "community "+code, st, body, 200, "")
	}
	community("610502001001", "杜桥社区", "杜桥街道", "临渭区")
	community("610502002001", "人民社区", "人民街道", "临渭区")
	community("610503001001", "华州社区", "华州街道", "华州区")

	// A round (two thirds of an application's communities must lie in 临渭区) and two needs published with it,
	// recorded by a community office; a third need is recorded and never published.
	deadline := time.Now().Add(20 * time.Second).UTC()
	policy := fundingPolicy(deadline)
	policy["home_district_min_percent"] = 60
	st, round := s.Do("POST", "/v1/rounds", w.organizer, map[string]any{"name": "2026年度公益创投 (statistics)", "year": 2026, "policy": policy,
		"notice": roundNotice()})
	expect(t, "create round", st, round, 200, "")
	w.roundID = str(round["id"])
	need := func(title, code string, publish bool) string {
		t.Helper()
		st, n := s.Do("POST", "/v1/needs", department, map[string]any{"need": map[string]any{"category": "CATEGORY_ELDERLY", "community_code": code,
			"title": title, "description": "独居老人午餐无人照料。", "beneficiary_group": "独居老人", "recorded_by_unit": "杜桥街道社会事务办"}, "request_id": requestID()})
		expect(t, "need "+title, st, n, 200, "")
		if publish {
			st, body := s.Do("POST", "/v1/needs/"+str(n["id"])+":publish", w.organizer, map[string]any{"round_id": w.roundID, "request_id": requestID()})
			expect(t, "publish need "+title, st, body, 200, "")
		}
		return str(n["id"])
	}
	meals, visits := need("老年助餐", "610502001001", true), need("上门探访", "610503001001", true)
	need("未发布的需求", "610502002001", false)
	st, body := w.advance(t, "PHASE_SOLICITATION")
	expect(t, "publish round", st, body, 200, "")

	// Organisations: a young small one, an old large one, an individual without a profile.
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	twoYearsAgo := time.Now().In(shanghai).AddDate(-2, 0, -10).Format(time.DateOnly)
	register := func(i int, org map[string]any) (orgID, team string) {
		t.Helper()
		st, o := s.Do("POST", "/v1/organizations", s.Token(fmt.Sprint("sc-registrar-", i), []string{"APPLICANT"}, ""), org)
		expect(t, "organisation", st, o, 200, "")
		orgID = str(o["id"])
		if org["kind"] == "ORGANIZATION_KIND_SOCIAL_ORGANIZATION" {
			st, body := s.Do("POST", "/v1/organizations/"+orgID+":verify", w.operator, map[string]any{"evidence": verificationEvidence})
			expect(t, "verify organisation", st, body, 200, "")
		}
		return orgID, s.Token(fmt.Sprint("sc-team-", i), []string{"APPLICANT"}, orgID)
	}
	young, youngTeam := register(0, map[string]any{"name": "杜桥社工服务站", "kind": "ORGANIZATION_KIND_SOCIAL_ORGANIZATION", "uscc": reviewOrgUSCCs[0],
		"founding_date": twoYearsAgo, "staff_size": 8})
	old, oldTeam := register(1, map[string]any{"name": "渭南老年协会", "kind": "ORGANIZATION_KIND_SOCIAL_ORGANIZATION", "uscc": reviewOrgUSCCs[1],
		"founding_date": "2010-05-01", "staff_size": 40})
	person, personTeam := register(2, map[string]any{"name": "Wang Wu", "kind": "ORGANIZATION_KIND_INDIVIDUAL", "id_number": residentIDIdeaOnly})
	w.orgs = []string{young, old}

	// Applications: A chooses two communities of 临渭区 and one outside (2 of 3 ≥ 60%) and answers the meals need;
	// B one outside (0 of 1); the individual's idea chooses none (its free-text service area counts); a draft
	// of the young organisation chooses 杜桥社区 and the visits need but is never submitted.
	apply := func(orgID, team, title string, codes, needs []string, submit bool) string {
		t.Helper()
		a := application(orgID, title) // with the eligibility declarations submission needs
		if codes != nil {
			a["community_codes"] = codes
		}
		if needs != nil {
			a["need_ids"] = needs
		}
		st, body := s.Do("POST", "/v1/rounds/"+w.roundID+"/applications", team, a)
		expect(t, "application "+title, st, body, 200, "")
		id := str(body["id"])
		if submit {
			st, b := s.Do("POST", "/v1/applications/"+id+":submit", team, map[string]any{"etag": body["etag"]})
			expect(t, "submit "+title, st, b, 200, "")
			st, b = s.Do("POST", "/v1/applications/"+id+":review", w.operator, map[string]any{"decision": "REVIEW_DECISION_ACCEPT", "etag": b["etag"]})
			expect(t, "accept "+title, st, b, 200, "")
		}
		return id
	}
	A := apply(young, youngTeam, "杜桥助餐", []string{"610502001001", "610502002001", "610503001001"}, []string{meals}, true)
	B := apply(old, oldTeam, "华州探访", []string{"610503001001"}, nil, true)
	w.apps = []string{A, B}
	w.ideaApp = apply(person, personTeam, "Idea", nil, nil, true)
	apply(young, youngTeam, "杜桥探访 (draft)", []string{"610502001001"}, []string{visits}, false)

	// 人民社区 is retired after A chose it: A keeps it and the statistics still label it.
	st, c := s.Do("GET", "/v1/communities?include_retired=true&page_size=100", "", nil)
	expect(t, "list communities", st, c, 200, "")
	etag := ""
	for _, x := range c["communities"].([]any) {
		if x := x.(map[string]any); x["code"] == "610502002001" {
			etag = str(x["etag"])
		}
	}
	st, body = s.Do("PATCH", "/v1/communities/610502002001", w.organizer, map[string]any{"retired": true, "etag": etag, "request_id": requestID()})
	expect(t, "retire 人民社区", st, body, 200, "")

	wantGroups := map[string]string{
		"610502001001":          "杜桥社区, 杜桥街道, 临渭区 × 2", // A and the draft
		"610502002001":          "人民社区, 人民街道, 临渭区 × 1",
		"610503001001":          "华州社区, 华州街道, 华州区 × 2",
		"Renmin Road community": "Renmin Road community × 1", // the idea's free text; A's and B's free text is not counted
	}
	wantApplicantAge := map[string]int64{"UNDER_1_YEAR": 0, "1_TO_3_YEARS": 1, "3_TO_5_YEARS": 0, "5_YEARS_OR_MORE": 1, "UNKNOWN": 1}
	wantApplicantStaff := map[string]int64{"0_TO_5": 0, "6_TO_10": 1, "11_TO_30": 0, "OVER_30": 1, "UNKNOWN": 1}
	check := func(what string, stats map[string]any, met int64, selectedOrgs int64, selectedAge, selectedStaff map[string]int64) {
		t.Helper()
		if got := communityGroups(stats); !maps.Equal(got, wantGroups) {
			t.Fatalf("%s: communities %q, want %q", what, got, wantGroups)
		}
		if stats["homeDistrict"] != "临渭区" || stats["applicationsMainlyInHomeDistrict"] != float64(1) {
			t.Fatalf("%s: home district %v: %v, want 临渭区: 1", what, stats["homeDistrict"], stats["applicationsMainlyInHomeDistrict"])
		}
		needs := stats["needs"].(map[string]any)
		lines := needs["lines"].([]any)
		if needs["published"] != float64(2) || needs["answered"] != float64(1) || needs["met"] != float64(met) || len(lines) != 2 {
			t.Fatalf("%s: needs %v, want 2 published, 1 answered, %d met", what, needs, met)
		}
		first, second := lines[0].(map[string]any), lines[1].(map[string]any)
		if first["needId"] != meals || first["title"] != "老年助餐" || first["category"] != "ELDERLY" || first["communityCode"] != "610502001001" ||
			first["applications"] != float64(1) || first["projects"] != float64(met) || second["needId"] != visits || second["applications"] != float64(0) {
			t.Fatalf("%s: need lines %v", what, lines)
		}
		applicants, selected := stats["applicantOrganizations"].(map[string]any), stats["selectedOrganizations"].(map[string]any)
		if applicants["organizations"] != float64(3) || !maps.Equal(bandCounts(t, applicants["byAge"]), wantApplicantAge) ||
			!maps.Equal(bandCounts(t, applicants["byStaffSize"]), wantApplicantStaff) {
			t.Fatalf("%s: applicant organisations %v", what, applicants)
		}
		if selected["organizations"] != float64(selectedOrgs) || !maps.Equal(bandCounts(t, selected["byAge"]), selectedAge) ||
			!maps.Equal(bandCounts(t, selected["byStaffSize"]), selectedStaff) {
			t.Fatalf("%s: selected organisations %v", what, selected)
		}
	}
	st, stats := s.Do("GET", "/v1/rounds/"+w.roundID+"/statistics", f.finance, nil)
	expect(t, "statistics in SOLICITATION", st, stats, 200, "")
	none := map[string]int64{"UNDER_1_YEAR": 0, "1_TO_3_YEARS": 0, "3_TO_5_YEARS": 0, "5_YEARS_OR_MORE": 0, "UNKNOWN": 0}
	noStaff := map[string]int64{"0_TO_5": 0, "6_TO_10": 0, "11_TO_30": 0, "OVER_30": 0, "UNKNOWN": 0}
	check("solicitation", stats, 0, 0, none, noStaff)

	// On to selection: the shortlist (all three), publicity, promotion, the final panel, results within the pool.
	time.Sleep(time.Until(deadline) + 200*time.Millisecond)
	st, body = w.advance(t, "PHASE_SHORTLISTING")
	expect(t, "shortlisting", st, body, 200, "")
	w.publishShortlist(t, func(_, a int) int { return 80 - a })
	st, body = w.advance(t, "PHASE_PUBLICITY")
	expect(t, "publicity", st, body, 200, "")
	time.Sleep(publicityPeriod + 200*time.Millisecond)
	for _, phase := range []string{"PHASE_PROMOTION", "PHASE_FINAL_REVIEW"} {
		st, body = w.advance(t, phase)
		expect(t, phase, st, body, 200, "")
	}
	f.allocate(t, 60_000_000, "渭福彩〔2026〕7号")
	st, final := s.Do("POST", "/v1/rounds/"+w.roundID+"/panels", w.operator, map[string]any{"stage": "REVIEW_STAGE_FINAL", "members": finalPanelMembers("fin", 20, nil)})
	expect(t, "final panel", st, final, 200, "")
	for m := range 20 {
		for a, appID := range w.apps {
			st, body := s.Do("POST", "/v1/panels/"+str(final["id"])+"/scores", w.operator, map[string]any{"application_id": appID,
				"reviewer_id": fmt.Sprint("fin-", m), "criteria": criteria(85 - a)})
			expect(t, "final score", st, body, 200, "")
		}
	}
	st, body = s.Do("POST", "/v1/rounds/"+w.roundID+"/results:compute", w.operator, map[string]any{})
	expect(t, "results", st, body, 200, "")
	st, body = w.advance(t, "PHASE_APPROVAL")
	expect(t, "approval", st, body, 200, "")
	st, body = s.Do("POST", "/v1/rounds/"+w.roundID+"/results:approve", w.organizer, map[string]any{})
	expect(t, "approve results", st, body, 200, "")
	st, body = s.Do("POST", "/v1/rounds/"+w.roundID+"/results:signOff", w.committee, map[string]any{})
	expect(t, "sign off results", st, body, 200, "")
	for _, app := range w.apps {
		waitStage(t, s, w.operator, app, "STAGE_SELECTED")
	}

	// Selected: both organisations; the meals need is met by A.
	st, stats = s.Do("GET", "/v1/rounds/"+w.roundID+"/statistics", f.finance, nil)
	expect(t, "statistics after selection", st, stats, 200, "")
	check("selected", stats, 1, 2, map[string]int64{"UNDER_1_YEAR": 0, "1_TO_3_YEARS": 1, "3_TO_5_YEARS": 0, "5_YEARS_OR_MORE": 1, "UNKNOWN": 0},
		map[string]int64{"0_TO_5": 0, "6_TO_10": 1, "11_TO_30": 0, "OVER_30": 1, "UNKNOWN": 0})

	// The CSV: the existing columns in place, 社区 appended with each project's communities by name.
	st, _, raw := s.download("/v1/rounds/"+w.roundID+"/exports/projects.csv", f.finance)
	records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte{0xEF, 0xBB, 0xBF}))).ReadAll()
	if st != 200 || err != nil || len(records) != 3 {
		t.Fatalf("csv: %d %v %q", st, err, records)
	}
	header := records[0]
	if len(header) != 20 || header[4] != "服务社区" || header[18] != "资金计划状态" || header[19] != "社区" {
		t.Fatalf("csv header %q", header)
	}
	byProject := map[string]string{}
	for _, r := range records[1:] {
		byProject[r[0]] = r[19]
	}
	if want := map[string]string{A: "杜桥社区、人民社区、华州社区", B: "华州社区"}; !maps.Equal(byProject, want) {
		t.Fatalf("csv communities %q, want %q", byProject, want)
	}
}
