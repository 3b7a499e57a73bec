package e2e

import (
	"strings"
	"testing"
	"time"
)

// violationField returns the field the first BadRequest field violation of an error body names.
func violationField(body map[string]any) string {
	details, _ := body["details"].([]any)
	for _, d := range details {
		m, _ := d.(map[string]any)
		if !strings.HasSuffix(str(m["@type"]), "google.rpc.BadRequest") {
			continue
		}
		if vs, _ := m["fieldViolations"].([]any); len(vs) > 0 {
			v, _ := vs[0].(map[string]any)
			return str(v["field"])
		}
	}
	return ""
}

// TestBoundedInput: every free-text field and list has a maximum the OpenAPI document states (maxLength,
// maxItems) and every service enforces with a stable reason, before anything is stored.
func TestBoundedInput(t *testing.T) {
	t.Parallel()
	s := Start(t)
	organizer := s.Token("organizer-1", []string{"ORGANIZER"}, "")
	operator := s.Token("operator-1", []string{"OPERATOR"}, "")
	applicant := s.Token("applicant-1", []string{"APPLICANT"}, "")

	st, round := s.Do("POST", "/v1/rounds", organizer, map[string]any{"name": "2026年度公益创投", "year": 2026, "notice": roundNotice(),
		"policy": map[string]any{"submission_deadline": time.Now().Add(time.Hour).UTC().Format(time.RFC3339), "shortlist_quota": 3, "selection_quota": 2}})
	expect(t, "create round", st, round, 200, "")
	roundID := str(round["id"])
	st, round = s.Do("POST", "/v1/rounds/"+roundID+":advance", organizer, map[string]any{"phase": "PHASE_SOLICITATION"})
	expect(t, "publish", st, round, 200, "")
	st, org := s.Do("POST", "/v1/organizations", applicant, map[string]any{
		"name": "Linwei Elderly Care Centre", "kind": "ORGANIZATION_KIND_SOCIAL_ORGANIZATION", "uscc": usccLinwei, "contact_phone": "13812345678",
	})
	expect(t, "register organisation", st, org, 200, "")
	orgID := str(org["id"])
	st, org = s.Do("POST", "/v1/organizations/"+orgID+":verify", operator, map[string]any{"evidence": verificationEvidence})
	expect(t, "verify", st, org, 200, "")

	create := func(m map[string]any) (int, map[string]any) {
		return s.Do("POST", "/v1/rounds/"+roundID+"/applications", applicant, m)
	}
	refused := func(what string, m map[string]any, reason, field string) {
		t.Helper()
		st, body := s.DoInvalid("POST", "/v1/rounds/"+roundID+"/applications", applicant, m) // over a documented maximum
		expect(t, what, st, body, 400, reason)
		if got := violationField(body); got != field {
			t.Fatalf("%s: the error names field %q, want %q: %v", what, got, field, body)
		}
	}

	// A title of 201 characters, Chinese characters counting one each (603 bytes in UTF-8), is refused.
	refused("title of 201 characters", application(orgID, strings.Repeat("题", 201)), "FIELD_TOO_LONG", "title")
	// More budget lines than the 200 documented.
	many := application(orgID, "Too many lines")
	var lines []any
	for range 201 {
		lines = append(lines, map[string]any{"name": "meals", "amount_fen": 100})
	}
	many["budget_items"] = lines
	refused("201 budget lines", many, "TOO_MANY_ITEMS", "budget_items")
	// A nested field over its maximum is named by its path.
	long := application(orgID, "Long line name")
	long["budget_items"] = []any{map[string]any{"name": "meals", "amount_fen": 100}, map[string]any{"name": strings.Repeat("餐", 201), "amount_fen": 100}}
	refused("a budget line name of 201 characters", long, "FIELD_TOO_LONG", "budget_items[1].name")
	// A list item over its maximum, too.
	outcomes := application(orgID, "Long outcome")
	outcomes["expected_outcomes"] = []any{"fewer falls", strings.Repeat("果", 1001)}
	refused("an expected outcome of 1,001 characters", outcomes, "FIELD_TOO_LONG", "expected_outcomes[1]")
	if n := s.Count("SELECT count(*) FROM applications.applications"); n != 0 {
		t.Fatalf("refused applications were stored: %d rows", n)
	}

	// At the maximum the same request is accepted.
	st, app := create(application(orgID, strings.Repeat("题", 200)))
	expect(t, "title of 200 characters", st, app, 200, "")
	if n := s.Count("SELECT count(*) FROM applications.applications"); n != 1 {
		t.Fatalf("%d applications stored, want 1", n)
	}

	// Query parameters are bounded as well.
	st, body := s.DoInvalid("GET", "/v1/rounds?pageToken="+strings.Repeat("t", 513), organizer, nil)
	expect(t, "a page token of 513 characters", st, body, 400, "FIELD_TOO_LONG")

	// The OpenAPI document states the maxima partners code against.
	st, doc := s.Do("GET", "/openapi.json", "", nil)
	expect(t, "openapi", st, doc, 200, "")
	defs, _ := doc["definitions"].(map[string]any)
	bodyDef, _ := defs["ApplicationsServiceCreateApplicationBody"].(map[string]any)
	props, _ := bodyDef["properties"].(map[string]any)
	title, _ := props["title"].(map[string]any)
	items, _ := props["budgetItems"].(map[string]any)
	if title["maxLength"] != float64(200) || items["maxItems"] != float64(200) {
		t.Fatalf("CreateApplication body: title %v, budgetItems %v", title, items)
	}
	paths, _ := doc["paths"].(map[string]any)
	list, _ := paths["/v1/rounds"].(map[string]any)["get"].(map[string]any)
	params, _ := list["parameters"].([]any)
	found := false
	for _, p := range params {
		if p, _ := p.(map[string]any); p["name"] == "pageToken" {
			found = p["maxLength"] == float64(512)
		}
	}
	if !found {
		t.Fatalf("ListRounds pageToken has no maxLength 512: %v", params)
	}
}
