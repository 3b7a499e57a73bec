package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/identity"
)

func requestID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func str(v any) string { return fmt.Sprint(v) }

func expect(t *testing.T, what string, status int, body map[string]any, wantStatus int, wantReason string) {
	t.Helper()
	if status != wantStatus || wantReason != "" && Reason(body) != wantReason {
		t.Fatalf("%s: got %d %s %v, want %d %s", what, status, Reason(body), body["message"], wantStatus, wantReason)
	}
}

func application(orgID, title string) map[string]any {
	return map[string]any{
		"org_id":          orgID,
		"category":        "CATEGORY_ELDERLY",
		"title":           title,
		"summary":         "Weekly visits and meal delivery for elderly people living alone.",
		"budget_items":    []any{map[string]any{"name": "meals", "amount_fen": 12_000_000}, map[string]any{"name": "staff", "amount_fen": "8000000"}},
		"duration_months": 12,
		"service_area":    []any{"Renmin Road community"},
		"beneficiaries":   map[string]any{"group": "elderly living alone", "estimated_count": 120},
		"team":            []any{map[string]any{"name": "Li Hua", "role": "lead", "qualification": "licensed social worker"}},
		"declarations":    map[string]any{"no_government_provision": true, "not_funded_elsewhere": true},
	}
}

// TestCallForProposals walks the whole call for proposals through the gateway.
func TestCallForProposals(t *testing.T) {
	t.Parallel() // each test runs its own suite: their waits overlap
	s := Start(t)
	organizer := s.Token("organizer-1", []string{"ORGANIZER"}, "")
	operator := s.Token("operator-1", []string{"OPERATOR"}, "")
	applicant := s.Token("applicant-1", []string{"APPLICANT"}, "")
	other := s.Token("applicant-2", []string{"APPLICANT"}, "")

	// Generous: every step before the deadline must fit in it even on a loaded CI machine.
	deadline := time.Now().Add(25 * time.Second).UTC()
	st, round := s.Do("POST", "/v1/rounds", organizer, map[string]any{
		"name": "2026年度公益创投", "year": 2026, "notice": roundNotice(),
		"policy": map[string]any{"submission_deadline": deadline.Format(time.RFC3339Nano), "publicity_period": "2s", "shortlist_quota": 3, "selection_quota": 2},
	})
	expect(t, "create round", st, round, 200, "")
	roundID := str(round["id"])
	if round["phase"] != "PHASE_DRAFT" {
		t.Fatalf("new round phase = %v", round["phase"])
	}
	policy := round["policy"].(map[string]any)
	if policy["maxDurationMonths"] != float64(12) || policy["matchCapFen"] != "50000000" || policy["publicityPeriod"] != "2s" {
		t.Fatalf("policy defaults not applied: %v", policy)
	}

	st, body := s.Do("POST", "/v1/rounds", applicant, map[string]any{"name": "x", "year": 2026})
	expect(t, "applicant creates a round", st, body, 403, "PERMISSION_DENIED")
	// Only the gateway signs identities: one sent by a client, even signed with the gateway's own (dev) key for
	// this very service, never reaches a service.
	forged := devIssuer(t).Sign(identity.Identity{Subject: "mallory", Roles: []identity.Role{identity.Organizer}}, "applications")
	for _, h := range []string{"X-Commonweal-Identity", "Grpc-Metadata-X-Commonweal-Identity"} {
		st, body = s.DoInvalid("POST", "/v1/rounds", "", map[string]any{"name": "forged", "year": 2026}, h, forged)
		expect(t, "client-sent identity header "+h, st, body, 403, "PERMISSION_DENIED")
	}

	st, body = s.Do("POST", "/v1/rounds/"+roundID+":advance", organizer, map[string]any{"phase": "PHASE_SHORTLISTING"})
	expect(t, "skip a phase", st, body, 412, "PHASE_NOT_NEXT")
	st, round = s.Do("POST", "/v1/rounds/"+roundID+":advance", organizer, map[string]any{"phase": "PHASE_SOLICITATION"})
	expect(t, "publish", st, round, 200, "")
	st, body = s.Do("PATCH", "/v1/rounds/"+roundID, organizer, map[string]any{"etag": round["etag"], "policy": map[string]any{"max_duration_months": 6}})
	expect(t, "policy frozen after publication", st, body, 412, "ROUND_NOT_DRAFT")

	// Organisations: validated, encrypted, masked.
	st, body = s.Do("POST", "/v1/organizations", applicant, map[string]any{"name": "Bad", "kind": "ORGANIZATION_KIND_SOCIAL_ORGANIZATION", "uscc": usccBadCheck})
	expect(t, "invalid USCC", st, body, 400, "INVALID_USCC_CHECK_CHARACTER")
	st, body = s.Do("POST", "/v1/organizations", other, map[string]any{"name": "Zhang San", "kind": "ORGANIZATION_KIND_INDIVIDUAL", "id_number": residentIDBadCheck})
	expect(t, "invalid resident ID", st, body, 400, "INVALID_ID_NUMBER_CHECK_CHARACTER")
	if n := s.Count("SELECT count(*) FROM applications.organizations"); n != 0 {
		t.Fatalf("refused organisations were stored: %d rows", n)
	}

	st, org := s.Do("POST", "/v1/organizations", applicant, map[string]any{
		"name": "Linwei Elderly Care Centre", "kind": "ORGANIZATION_KIND_SOCIAL_ORGANIZATION", "uscc": usccLinwei, "contact_phone": "13812345678",
	})
	expect(t, "register organisation", st, org, 200, "")
	orgID := str(org["id"])
	if org["registered"] != false || org["contactPhone"] != "13812345678" {
		t.Fatalf("new organisation: %v", org)
	}
	st, body = s.Do("GET", "/v1/organizations/"+orgID, operator, nil)
	expect(t, "operator reads organisation", st, body, 200, "")
	if body["contactPhone"] != "138****5678" {
		t.Fatalf("operator must see a masked phone, got %v", body["contactPhone"])
	}
	if n := s.Count("SELECT count(*) FROM applications.organizations WHERE position(convert_to('13812345678', 'UTF8') in phone_sealed) > 0"); n != 0 {
		t.Fatal("the phone number is stored in clear")
	}
	st, body = s.Do("GET", "/v1/organizations/"+orgID, other, nil)
	expect(t, "another applicant reads the organisation", st, body, 404, "NOT_FOUND")
	st, org = s.Do("POST", "/v1/organizations/"+orgID+":verify", operator, map[string]any{"evidence": verificationEvidence})
	expect(t, "verify", st, org, 200, "")
	if org["registered"] != true {
		t.Fatalf("verified organisation not registered: %v", org)
	}

	// Bad applications are refused and store nothing.
	for _, c := range []struct {
		name, reason string
		status       int
		change       func(m map[string]any)
	}{
		{"zero budget line", "BUDGET_LINE_NOT_POSITIVE", 400, func(m map[string]any) {
			m["budget_items"] = []any{map[string]any{"name": "meals", "amount_fen": 0}}
		}},
		{"negative budget line", "BUDGET_LINE_NOT_POSITIVE", 400, func(m map[string]any) {
			m["budget_items"] = []any{map[string]any{"name": "meals", "amount_fen": 100}, map[string]any{"name": "refund", "amount_fen": -5}}
		}},
		{"duration above maximum", "DURATION_EXCEEDS_MAXIMUM", 400, func(m map[string]any) { m["duration_months"] = 18 }},
		{"unknown category", "MALFORMED_REQUEST", 400, func(m map[string]any) { m["category"] = "CATEGORY_SPACE_TRAVEL" }},
		{"unknown field", "MALFORMED_REQUEST", 400, func(m map[string]any) { m["budget_total_fen"] = 1 }},
		{"another organisation", "ORGANIZATION_NOT_OWNED", 403, func(m map[string]any) {}},
	} {
		token := applicant
		if c.name == "another organisation" {
			token = other
		}
		m := application(orgID, "bad: "+c.name)
		c.change(m)
		st, body := s.DoInvalid("POST", "/v1/rounds/"+roundID+"/applications", token, m)
		expect(t, c.name, st, body, c.status, c.reason)
	}
	st, body = s.DoInvalid("POST", "/v1/rounds/"+roundID+"/applications", applicant, `{"org_id": "`+orgID+`", "title": `)
	expect(t, "malformed JSON", st, body, 400, "MALFORMED_REQUEST")
	big := `{"org_id":"` + orgID + `","title":"big","summary":"` + strings.Repeat("x", 2<<20) + `"}`
	st, body = s.DoInvalid("POST", "/v1/rounds/"+roundID+"/applications", applicant, big)
	expect(t, "body over the limit", st, body, 400, "REQUEST_BODY_TOO_LARGE")
	if n := s.Count("SELECT count(*) FROM applications.applications"); n != 0 {
		t.Fatalf("refused applications were stored: %d rows", n)
	}

	// Special duration is allowed with the flag.
	special := application(orgID, "Two-year respite programme")
	special["duration_months"], special["special"], special["special_justification"] = 24, true, "carers need two seasons"
	st, body = s.Do("POST", "/v1/rounds/"+roundID+"/applications", applicant, special)
	expect(t, "special duration", st, body, 200, "")
	lateID, lateEtag := str(body["id"]), body["etag"]

	// Idempotent creation.
	reqID := requestID()
	draft := application(orgID, "Meals on wheels")
	draft["request_id"] = reqID
	st, app := s.Do("POST", "/v1/rounds/"+roundID+"/applications", applicant, draft)
	expect(t, "draft", st, app, 200, "")
	st, again := s.Do("POST", "/v1/rounds/"+roundID+"/applications", applicant, draft)
	expect(t, "same request_id again", st, again, 200, "")
	if again["id"] != app["id"] || again["etag"] != app["etag"] {
		t.Fatalf("retry answered differently: %v vs %v", again["id"], app["id"])
	}
	if n := s.Count("SELECT count(*) FROM applications.applications WHERE title = 'Meals on wheels'"); n != 1 {
		t.Fatalf("retried create stored %d rows", n)
	}
	draft["title"] = "Something else"
	st, body = s.Do("POST", "/v1/rounds/"+roundID+"/applications", applicant, draft)
	expect(t, "same request_id, other body", st, body, 400, "REQUEST_ID_REUSED")

	appID := str(app["id"])
	if app["status"] != "APPLICATION_STATUS_DRAFT" || app["budgetTotalFen"] != "20000000" || app["ideaOnly"] != false {
		t.Fatalf("draft: %v", app)
	}
	st, body = s.Do("GET", "/v1/applications/"+appID, other, nil)
	expect(t, "another organisation's application", st, body, 404, "NOT_FOUND")
	st, body = s.Do("GET", "/v1/applications/"+appID, "", nil)
	expect(t, "anonymous reads a draft", st, body, 404, "NOT_FOUND")

	st, app = s.Do("POST", "/v1/applications/"+appID+":submit", applicant, map[string]any{"etag": app["etag"]})
	expect(t, "submit", st, app, 200, "")
	if app["status"] != "APPLICATION_STATUS_SUBMITTED" || app["revision"] != float64(1) {
		t.Fatalf("submitted: %v", app)
	}
	st, body = s.DoInvalid("POST", "/v1/applications/"+appID+":review", applicant, map[string]any{"decision": "REVIEW_DECISION_ACCEPT"})
	expect(t, "applicant reviews", st, body, 403, "PERMISSION_DENIED")
	st, body = s.Do("POST", "/v1/applications/"+appID+":review", operator, map[string]any{"decision": "REVIEW_DECISION_RETURN", "etag": app["etag"]})
	expect(t, "return without reasons", st, body, 400, "REVIEW_REASONS_REQUIRED")

	st, body = s.Do("GET", "/v1/applications/"+appID, operator, nil)
	expect(t, "operator reads", st, body, 200, "")
	checks := map[string]bool{}
	for _, c := range body["automaticChecks"].([]any) {
		m := c.(map[string]any)
		checks[str(m["name"])] = m["passed"].(bool)
	}
	for _, name := range []string{"ORGANIZATION_REGISTERED", "DURATION_WITHIN_POLICY", "BUDGET_POSITIVE", "MIN_DONATION_FOR_FULL_FUNDING", "REQUIRED_FIELDS_PRESENT", "TITLE_UNIQUE_IN_ROUND"} {
		if !checks[name] {
			t.Errorf("automatic check %s: %v", name, checks)
		}
	}

	st, app = s.Do("POST", "/v1/applications/"+appID+":review", operator, map[string]any{"decision": "REVIEW_DECISION_RETURN", "reasons": []string{"budget for staff is not itemised"}, "etag": app["etag"]})
	expect(t, "return", st, app, 200, "")
	if app["status"] != "APPLICATION_STATUS_RETURNED" {
		t.Fatalf("returned: %v", app)
	}

	staleEtag := str(app["etag"])
	st, app = s.Do("PATCH", "/v1/applications/"+appID, applicant, map[string]any{
		"etag":         staleEtag,
		"budget_items": []any{map[string]any{"name": "meals", "amount_fen": 12_000_000}, map[string]any{"name": "social worker, 0.5 FTE", "amount_fen": 6_000_000}, map[string]any{"name": "volunteer training", "amount_fen": 1_500_000}},
	})
	expect(t, "revise", st, app, 200, "")
	if app["budgetTotalFen"] != "19500000" || app["title"] != "Meals on wheels" {
		t.Fatalf("revised: %v", app)
	}
	st, body = s.Do("PATCH", "/v1/applications/"+appID, applicant, map[string]any{"etag": staleEtag, "summary": "lost update"})
	expect(t, "stale etag", st, body, 409, "ETAG_MISMATCH")

	st, app = s.Do("POST", "/v1/applications/"+appID+":submit", applicant, map[string]any{"etag": app["etag"]})
	expect(t, "resubmit", st, app, 200, "")
	if app["revision"] != float64(2) {
		t.Fatalf("resubmitted revision = %v", app["revision"])
	}
	st, app = s.Do("POST", "/v1/applications/"+appID+":review", operator, map[string]any{"decision": "REVIEW_DECISION_ACCEPT", "etag": app["etag"]})
	expect(t, "accept", st, app, 200, "")
	if app["status"] != "APPLICATION_STATUS_ACCEPTED" {
		t.Fatalf("accepted: %v", app)
	}

	st, revs := s.Do("GET", "/v1/applications/"+appID+"/revisions", applicant, nil)
	expect(t, "revisions", st, revs, 200, "")
	list := revs["revisions"].([]any)
	if len(list) != 2 {
		t.Fatalf("want 2 revisions, got %d", len(list))
	}
	first := list[0].(map[string]any)["application"].(map[string]any)
	second := list[1].(map[string]any)["application"].(map[string]any)
	if first["budgetTotalFen"] != "20000000" || second["budgetTotalFen"] != "19500000" {
		t.Fatalf("revisions do not keep each submitted version: %v / %v", first["budgetTotalFen"], second["budgetTotalFen"])
	}

	// Listing: staff see all, an applicant only its own, pages chain.
	st, body = s.Do("GET", "/v1/rounds/"+roundID+"/applications?page_size=1", operator, nil)
	expect(t, "list page 1", st, body, 200, "")
	if len(body["applications"].([]any)) != 1 || body["nextPageToken"] == "" {
		t.Fatalf("page 1: %v", body)
	}
	st, page2 := s.Do("GET", "/v1/rounds/"+roundID+"/applications?page_size=1&page_token="+str(body["nextPageToken"]), operator, nil)
	expect(t, "list page 2", st, page2, 200, "")
	if len(page2["applications"].([]any)) != 1 || page2["applications"].([]any)[0].(map[string]any)["id"] == body["applications"].([]any)[0].(map[string]any)["id"] {
		t.Fatalf("page 2 repeats page 1: %v", page2)
	}
	st, body = s.Do("GET", "/v1/rounds/"+roundID+"/applications?page_size=1&status=APPLICATION_STATUS_ACCEPTED&page_token="+str(body["nextPageToken"]), operator, nil)
	expect(t, "page token with other filters", st, body, 400, "INVALID_PAGE_TOKEN")
	st, body = s.Do("GET", "/v1/rounds/"+roundID+"/applications?status=APPLICATION_STATUS_ACCEPTED", operator, nil)
	if len(body["applications"].([]any)) != 1 {
		t.Fatalf("status filter: %v", body)
	}
	st, body = s.Do("GET", "/v1/rounds/"+roundID+"/applications", other, nil)
	expect(t, "other applicant lists", st, body, 200, "")
	if n := len(body["applications"].([]any)); n != 0 {
		t.Fatalf("another applicant sees %d applications", n)
	}

	st, body = s.Do("POST", "/v1/rounds/"+roundID+":advance", organizer, map[string]any{"phase": "PHASE_SHORTLISTING"})
	expect(t, "shortlisting before the deadline", st, body, 412, "SUBMISSION_DEADLINE_NOT_PASSED")

	time.Sleep(time.Until(deadline) + 200*time.Millisecond)
	st, body = s.Do("POST", "/v1/applications/"+lateID+":submit", applicant, map[string]any{"etag": lateEtag})
	expect(t, "submit after the deadline", st, body, 412, "SUBMISSION_DEADLINE_PASSED")
	st, round = s.Do("POST", "/v1/rounds/"+roundID+":advance", organizer, map[string]any{"phase": "PHASE_SHORTLISTING"})
	expect(t, "shortlisting", st, round, 200, "")
	st, body = s.Do("POST", "/v1/rounds/"+roundID+":advance", organizer, map[string]any{"phase": "PHASE_PUBLICITY"})
	expect(t, "publicity needs a published shortlist (asked of reviews)", st, body, 412, "SHORTLIST_NOT_PUBLISHED")
}

// TestTraceCrossesGatewayServiceAndSQL checks one HTTP request yields one trace with spans from the
// gateway, the service and its SQL.
func TestTraceCrossesGatewayServiceAndSQL(t *testing.T) {
	t.Parallel() // each test runs its own suite: their waits overlap
	s := Start(t)
	organizer := s.Token("organizer-1", []string{"ORGANIZER"}, "")
	traceID := "4bf92f3577b34da6a3ce929d0e0e4736"
	st, body := s.Do("POST", "/v1/rounds", organizer, map[string]any{"name": "traced", "year": 2026},
		"traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
	expect(t, "create round", st, body, 200, "")

	want := func(spans []Span) (gw, svc, sql bool) {
		for _, sp := range spans {
			gw = gw || sp.Service == "gateway" && strings.Contains(sp.Name, "/v1/rounds")
			svc = svc || sp.Service == "applications" && strings.Contains(sp.Name, "ApplicationsService/CreateRound")
			sql = sql || sp.Service == "applications" && strings.HasPrefix(sp.Name, "SQL INSERT")
		}
		return
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		gw, svc, sql := want(s.Spans.Trace(traceID))
		if gw && svc && sql {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("trace %s incomplete (gateway %v, service %v, sql %v): %v", traceID, gw, svc, sql, s.Spans.Trace(traceID))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestHealthzAndGracefulStop checks the gateway reports every service, answers 503 naming one that stopped,
// and that a service stops cleanly on SIGTERM.
func TestHealthzAndGracefulStop(t *testing.T) {
	t.Parallel()
	s := Start(t)
	st, body := s.Do("GET", "/healthz", "", nil)
	services := body["services"].(map[string]any)
	if st != 200 || body["status"] != "SERVING" || len(services) != len(suiteServices) {
		t.Fatalf("healthz: %d %v", st, body)
	}
	s.Stop("reviews")
	st, body = s.Do("GET", "/healthz", "", nil)
	services = body["services"].(map[string]any)
	if st != 503 || body["status"] != "NOT_SERVING" || services["reviews"] == "SERVING" || services["applications"] != "SERVING" {
		t.Fatalf("healthz with reviews stopped: %d %v", st, body)
	}
}
