package e2e

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// verificationEvidence is what the tests' operators verify registrations against.
const verificationEvidence = "市民政局社会组织登记档案：登记证号 渭民证字第0001号"

// checksOf reads an application's automatic checks by name.
func checksOf(t *testing.T, app map[string]any) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	list, _ := app["automaticChecks"].([]any)
	for _, c := range list {
		m := c.(map[string]any)
		out[str(m["name"])] = m
	}
	return out
}

// listed returns the values of field of a list answer's items (under key), in order.
func listed(body map[string]any, key, field string) []string {
	var out []string
	items, _ := body[key].([]any)
	for _, it := range items {
		out = append(out, str(it.(map[string]any)[field]))
	}
	return out
}

// TestCatalogue walks the needs catalogue, the communities list, the eligibility declarations and the
// registration evidence through the gateway (issue 10): a department records needs, the organizer publishes
// them with rounds, the public lists those of published rounds; an application chooses its communities from
// the list (an unknown or retired code refused) and declares the needs of its round it answers (one of
// another round refused); it cannot be submitted without both declarations; the operator sees the
// declarations, the share of communities in 临渭区 and the needs answered at initial review; verification
// records who verified the registration and against what.
func TestCatalogue(t *testing.T) {
	t.Parallel() // each test runs its own suite: their waits overlap
	s := Start(t)
	organizer := s.Token("cat-organizer", []string{"ORGANIZER"}, "")
	operator := s.Token("cat-operator", []string{"OPERATOR"}, "")
	department := s.Token("cat-duqiao-office", []string{"DEPARTMENT"}, "")
	registrar := s.Token("cat-registrar", []string{"APPLICANT"}, "")

	// The communities list: staff keep it, anyone reads it, the home district first.
	community := func(token, code, name, sub, district string) (int, map[string]any) {
		return s.Do("POST", "/v1/communities", token, map[string]any{"community": map[string]any{"code": code, "name": name, "sub_district": sub,
			"district": district}, "request_id": requestID()})
	}
	for _, c := range [][4]string{
		{"610503001001", "华州社区", "华州街道", "华州区"},
		{"610502001001", "杜桥社区", "杜桥街道", "临渭区"},
		{"610502002001", "向阳社区", "向阳街道", "临渭区"},
		{"610502009009", "旧社区", "杜桥街道", "临渭区"},
	} {
		st, body := community(operator, c[0], c[1], c[2], c[3])
		expect(t, "community "+c[0], st, body, 200, "")
	}
	st, body := community(organizer, "610502001001", "杜桥社区", "杜桥街道", "临渭区")
	expect(t, "the same code again", st, body, 409, "COMMUNITY_ALREADY_EXISTS")
	st, body = community(registrar, "610502003001", "x", "y", "临渭区")
	expect(t, "an applicant adds a community", st, body, 403, "PERMISSION_DENIED")
	st, body = community(operator, "杜桥", "x", "y", "临渭区")
	expect(t, "a code that is not letters, digits or hyphens", st, body, 400, "INVALID_COMMUNITY_CODE")
	st, old := s.Do("GET", "/v1/communities?include_retired=true&page_size=1000", "", nil)
	expect(t, "list with the retired", st, old, 200, "")
	etag := ""
	for _, c := range old["communities"].([]any) {
		if m := c.(map[string]any); m["code"] == "610502009009" {
			etag = str(m["etag"])
		}
	}
	st, body = s.DoInvalid("PATCH", "/v1/communities/610502009009", operator, map[string]any{"retired": true})
	expect(t, "retire without the etag", st, body, 400, "ETAG_REQUIRED")
	st, body = s.Do("PATCH", "/v1/communities/610502009009", operator, map[string]any{"retired": true, "etag": etag})
	expect(t, "retire", st, body, 200, "")
	if body["retired"] != true {
		t.Fatalf("retired: %v", body)
	}
	st, body = s.Do("PATCH", "/v1/communities/610502009009", operator, map[string]any{"name": "stale", "etag": etag})
	expect(t, "stale etag", st, body, 409, "ETAG_MISMATCH")

	st, list := s.Do("GET", "/v1/communities", "", nil)
	expect(t, "the public lists communities", st, list, 200, "")
	codes := listed(list, "communities", "code")
	if len(codes) != 3 || codes[2] != "610503001001" || slices.Contains(codes, "610502009009") {
		t.Fatalf("communities, 临渭区 first, the retired left out: %v", codes)
	}
	st, page1 := s.Do("GET", "/v1/communities?page_size=2", "", nil)
	expect(t, "communities page 1", st, page1, 200, "")
	st, page2 := s.Do("GET", "/v1/communities?page_size=2&page_token="+url.QueryEscape(str(page1["nextPageToken"])), "", nil)
	expect(t, "communities page 2", st, page2, 200, "")
	if paged := append(listed(page1, "communities", "code"), listed(page2, "communities", "code")...); !slices.Equal(paged, codes) || page2["nextPageToken"] != nil && page2["nextPageToken"] != "" {
		t.Fatalf("pages %v, want %v (%v)", paged, codes, page2)
	}
	st, list = s.Do("GET", "/v1/communities?home_district="+url.QueryEscape("华州区"), "", nil)
	expect(t, "another home district", st, list, 200, "")
	if first := listed(list, "communities", "code"); first[0] != "610503001001" {
		t.Fatalf("华州区 first: %v", first)
	}
	st, body = s.Do("GET", "/v1/communities?page_size=1001", "", nil)
	expect(t, "page of 1,001", st, body, 400, "INVALID_PAGE_SIZE")

	// Two rounds: this one, and next year's, still a draft.
	st, round := s.Do("POST", "/v1/rounds", organizer, map[string]any{"name": "2026年度公益创投 (catalogue)", "year": 2026, "notice": roundNotice(),
		"policy": map[string]any{"submission_deadline": time.Now().Add(time.Hour).UTC().Format(time.RFC3339Nano), "shortlist_quota": 3, "selection_quota": 2}})
	expect(t, "create round", st, round, 200, "")
	roundID := str(round["id"])
	st, next := s.Do("POST", "/v1/rounds", organizer, map[string]any{"name": "2027年度公益创投 (catalogue)", "year": 2027, "notice": roundNotice(),
		"policy": map[string]any{"submission_deadline": time.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339Nano), "shortlist_quota": 3, "selection_quota": 2}})
	expect(t, "create next round", st, next, 200, "")
	nextID := str(next["id"])

	// A community office records needs; the organizer publishes them with the rounds.
	need := func(token, code, title string) (int, map[string]any) {
		return s.Do("POST", "/v1/needs", token, map[string]any{"need": map[string]any{"category": "CATEGORY_ELDERLY", "community_code": code, "title": title,
			"description": "辖区内独居老人约80人，午餐无人照料。", "beneficiary_group": "独居老人", "recorded_by_unit": "杜桥街道社会事务办"}, "request_id": requestID()})
	}
	st, body = need(department, "610502009009", "旧社区的需求")
	expect(t, "a need of a retired community", st, body, 400, "UNKNOWN_COMMUNITY")
	st, body = need(registrar, "610502001001", "申请人记录的需求")
	expect(t, "an applicant records a need", st, body, 403, "PERMISSION_DENIED")
	st, meals := need(department, "610502001001", "独居老人助餐")
	expect(t, "record a need", st, meals, 200, "")
	if meals["state"] != "NEED_STATE_RECORDED" || meals["recordedBy"] != "cat-duqiao-office" || meals["recordedByUnit"] != "杜桥街道社会事务办" {
		t.Fatalf("recorded need: %v", meals)
	}
	mealsID := str(meals["id"])
	st, nextNeed := need(department, "610502002001", "下一届的需求")
	expect(t, "record another need", st, nextNeed, 200, "")
	nextNeedID := str(nextNeed["id"])

	st, body = s.Do("POST", "/v1/needs/"+mealsID+":publish", operator, map[string]any{"round_id": roundID})
	expect(t, "the operator publishes", st, body, 403, "PERMISSION_DENIED")
	st, body = s.Do("POST", "/v1/needs/"+mealsID+":publish", organizer, map[string]any{"round_id": roundID, "request_id": requestID()})
	expect(t, "publish with a draft round", st, body, 200, "")
	if body["state"] != "NEED_STATE_PUBLISHED" || body["roundId"] != roundID || body["publishTime"] != nil {
		t.Fatalf("published with a draft round: %v", body)
	}
	st, body = s.Do("POST", "/v1/needs/"+nextNeedID+":publish", organizer, map[string]any{"round_id": nextID, "request_id": requestID()})
	expect(t, "publish with the next round", st, body, 200, "")
	st, body = s.Do("POST", "/v1/needs/"+mealsID+":publish", organizer, map[string]any{"round_id": nextID, "request_id": requestID()})
	expect(t, "publish with another round", st, body, 412, "NEED_PUBLISHED_WITH_ANOTHER_ROUND")

	// Not public until the round is published; then anyone lists it.
	st, body = s.Do("GET", "/v1/needs/"+mealsID, "", nil)
	expect(t, "the public reads a need of a draft round", st, body, 404, "NOT_FOUND")
	st, body = s.Do("GET", "/v1/needs/"+mealsID, department, nil)
	expect(t, "the department reads it", st, body, 200, "")
	st, body = s.Do("POST", "/v1/rounds/"+roundID+":advance", organizer, map[string]any{"phase": "PHASE_SOLICITATION"})
	expect(t, "publish the round", st, body, 200, "")
	st, list = s.Do("GET", "/v1/needs?round_id="+roundID, "", nil)
	expect(t, "the public lists the round's needs", st, list, 200, "")
	if ids := listed(list, "needs", "id"); !slices.Equal(ids, []string{mealsID}) {
		t.Fatalf("public needs of the round: %v", ids)
	}
	publicNeed := list["needs"].([]any)[0].(map[string]any)
	if publicNeed["publishTime"] == nil || publicNeed["recordedBy"] != "" || publicNeed["title"] != "独居老人助餐" {
		t.Fatalf("public need: %v", publicNeed)
	}
	st, list = s.Do("GET", "/v1/needs", "", nil)
	expect(t, "the public lists every public need", st, list, 200, "")
	if ids := listed(list, "needs", "id"); !slices.Equal(ids, []string{mealsID}) {
		t.Fatalf("public needs: %v (the next round's is not public)", ids)
	}
	st, list = s.Do("GET", "/v1/needs", department, nil)
	expect(t, "the department lists every need", st, list, 200, "")
	if ids := listed(list, "needs", "id"); !slices.Equal(ids, []string{mealsID, nextNeedID}) {
		t.Fatalf("department's needs: %v", ids)
	}

	// An organisation with its profile; verification needs evidence and records who and against what.
	st, org := s.Do("POST", "/v1/organizations", registrar, map[string]any{"name": "杜桥社工服务站", "kind": "ORGANIZATION_KIND_SOCIAL_ORGANIZATION",
		"uscc": usccLinwei, "founding_date": "2021-06-01", "staff_size": 6})
	expect(t, "register", st, org, 200, "")
	orgID := str(org["id"])
	if org["foundingDate"] != "2021-06-01" || org["staffSize"] != float64(6) {
		t.Fatalf("profile: %v", org)
	}
	st, body = s.Do("POST", "/v1/organizations", registrar, map[string]any{"name": "未来", "kind": "ORGANIZATION_KIND_OTHER_UNIT", "uscc": usccLinwei,
		"founding_date": time.Now().AddDate(0, 0, 3).Format(time.DateOnly)})
	expect(t, "founded in the future", st, body, 400, "FOUNDING_DATE_IN_FUTURE")
	st, body = s.DoInvalid("POST", "/v1/organizations/"+orgID+":verify", operator, map[string]any{})
	expect(t, "verify without evidence", st, body, 400, "VERIFICATION_EVIDENCE_REQUIRED")
	st, org = s.Do("POST", "/v1/organizations/"+orgID+":verify", operator, map[string]any{"evidence": verificationEvidence})
	expect(t, "verify", st, org, 200, "")
	st, org = s.Do("GET", "/v1/organizations/"+orgID, operator, nil)
	expect(t, "read the organisation", st, org, 200, "")
	if org["registered"] != true || org["verifiedBy"] != "cat-operator" || org["verificationEvidence"] != verificationEvidence || org["verifyTime"] == nil {
		t.Fatalf("verification: %v", org)
	}

	// The application chooses communities from the list and the needs of its round.
	team := s.Token("cat-team", []string{"APPLICANT"}, orgID)
	draft := func(change func(a map[string]any)) (int, map[string]any) {
		a := application(orgID, "杜桥助餐 "+requestID())
		delete(a, "service_area")
		a["community_codes"] = []string{"610502001001", "610503001001", "610502002001"}
		a["need_ids"] = []string{mealsID}
		change(a)
		return s.Do("POST", "/v1/rounds/"+roundID+"/applications", team, a)
	}
	st, body = draft(func(a map[string]any) { a["community_codes"] = []string{"610502001001", "610599999999"} })
	expect(t, "an unknown community", st, body, 400, "UNKNOWN_COMMUNITY")
	if !strings.Contains(str(body["message"]), "610599999999") {
		t.Fatalf("the refusal does not name the code: %v", body["message"])
	}
	st, body = draft(func(a map[string]any) { a["community_codes"] = []string{"610502009009"} })
	expect(t, "a retired community", st, body, 400, "UNKNOWN_COMMUNITY")
	st, body = draft(func(a map[string]any) { a["need_ids"] = []string{mealsID, nextNeedID} })
	expect(t, "a need of another round", st, body, 400, "NEED_NOT_IN_ROUND")
	if n := s.Count("SELECT count(*) FROM applications.applications"); n != 0 {
		t.Fatalf("refused applications stored: %d", n)
	}

	// Drafted without the declarations (the other funding listed), it cannot be submitted.
	st, app := draft(func(a map[string]any) {
		a["declarations"] = map[string]any{"other_funding": []any{map[string]any{"source": "陕西省慈善基金会", "amount_fen": 5_000_000, "note": "已获得"}}}
	})
	expect(t, "draft", st, app, 200, "")
	appID := str(app["id"])
	st, body = s.Do("POST", "/v1/applications/"+appID+":submit", team, map[string]any{"etag": app["etag"]})
	expect(t, "submit without the declarations", st, body, 412, "APPLICATION_INCOMPLETE")
	if !strings.Contains(str(body["message"]), "declarations") {
		t.Fatalf("the refusal does not name the declarations: %v", body["message"])
	}
	st, app = s.Do("PATCH", "/v1/applications/"+appID, team, map[string]any{"etag": app["etag"], "update_mask": "declarations",
		"declarations": map[string]any{"no_government_provision": true, "not_funded_elsewhere": true,
			"other_funding": []any{map[string]any{"source": "陕西省慈善基金会", "amount_fen": 5_000_000, "note": "已获得"}}}})
	expect(t, "declare", st, app, 200, "")
	st, app = s.Do("POST", "/v1/applications/"+appID+":submit", team, map[string]any{"etag": app["etag"]})
	expect(t, "submit", st, app, 200, "")

	// At initial review the operator sees the declarations, the share in 临渭区 and the needs answered.
	st, app = s.Do("GET", "/v1/applications/"+appID, operator, nil)
	expect(t, "the operator reads it", st, app, 200, "")
	decl, _ := app["declarations"].(map[string]any)
	funding, _ := decl["otherFunding"].([]any)
	if decl["noGovernmentProvision"] != true || decl["notFundedElsewhere"] != true || len(funding) != 1 ||
		funding[0].(map[string]any)["amountFen"] != "5000000" {
		t.Fatalf("declarations shown: %v", app["declarations"])
	}
	if got := app["communityCodes"].([]any); len(got) != 3 || got[0] != "610502001001" {
		t.Fatalf("communities: %v", got)
	}
	checks := checksOf(t, app)
	for name, want := range map[string]string{
		"ELIGIBILITY_DECLARED":          "both declared; other funding 50000.00 CNY: 陕西省慈善基金会 50000.00 CNY (已获得)",
		"SERVICE_AREA_IN_HOME_DISTRICT": "2 of 3 communities (66%) in 临渭区; at least 50% required",
		"NEEDS_ANSWERED":                "1 of the catalogue: 独居老人助餐",
		"REQUIRED_FIELDS_PRESENT":       "all required fields present",
	} {
		if c := checks[name]; c == nil || c["passed"] != true || c["detail"] != want {
			t.Errorf("%s = %v, want passed %q", name, c, want)
		}
	}
	st, app = s.Do("POST", "/v1/applications/"+appID+":review", operator, map[string]any{"decision": "REVIEW_DECISION_ACCEPT", "etag": app["etag"]})
	expect(t, "accept", st, app, 200, "")
	// The submitted version keeps what was chosen and declared.
	st, revs := s.Do("GET", "/v1/applications/"+appID+"/revisions", team, nil)
	expect(t, "revisions", st, revs, 200, "")
	kept := revs["revisions"].([]any)[0].(map[string]any)["application"].(map[string]any)
	if kept["needIds"].([]any)[0] != mealsID || kept["declarations"].(map[string]any)["notFundedElsewhere"] != true {
		t.Fatalf("revision: %v", kept)
	}
}
