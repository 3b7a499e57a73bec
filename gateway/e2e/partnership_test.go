package e2e

import (
	"fmt"
	"testing"
	"time"
)

// checkPassed reads whether an application's automatic check name passed (false when it is not there).
func checkPassed(t *testing.T, app map[string]any, name string) (passed, present bool) {
	t.Helper()
	list, _ := app["automaticChecks"].([]any)
	for _, c := range list {
		if m := c.(map[string]any); m["name"] == name {
			return m["passed"] == true, true
		}
	}
	return false, false
}

// TestPartnerConsent: an individual names a registered social organisation as partner; the application counts as
// partnered — for the shortlist, which the reviews service computes from the idea_only flag it reads over gRPC —
// only while the partner's own account accepts. Also: submit and review need the etag.
func TestPartnerConsent(t *testing.T) {
	t.Parallel() // each test runs its own suite: their waits overlap
	s := Start(t)
	organizer := s.Token("pc-organizer", []string{"ORGANIZER"}, "")
	operator := s.Token("pc-operator", []string{"OPERATOR"}, "")

	deadline := time.Now().Add(25 * time.Second).UTC() // generous, for a loaded CI machine
	st, round := s.Do("POST", "/v1/rounds", organizer, map[string]any{
		"name": "2026年度公益创投 (partners)", "year": 2026, "notice": roundNotice(),
		"policy": map[string]any{"submission_deadline": deadline.Format(time.RFC3339Nano), "publicity_period": "5s", "shortlist_quota": 1, "selection_quota": 1},
	})
	expect(t, "create round", st, round, 200, "")
	roundID := str(round["id"])
	st, body := s.Do("POST", "/v1/rounds/"+roundID+":advance", organizer, map[string]any{"phase": "PHASE_SOLICITATION"})
	expect(t, "publish round", st, body, 200, "")

	// A verified social organisation that applies itself (A), the partner organisation, another organisation.
	register := func(owner, name, uscc string) string {
		t.Helper()
		st, o := s.Do("POST", "/v1/organizations", s.Token(owner, []string{"APPLICANT"}, ""), map[string]any{
			"name": name, "kind": "ORGANIZATION_KIND_SOCIAL_ORGANIZATION", "uscc": uscc})
		expect(t, "register "+name, st, o, 200, "")
		st, o = s.Do("POST", "/v1/organizations/"+str(o["id"])+":verify", operator, map[string]any{"evidence": verificationEvidence})
		expect(t, "verify "+name, st, o, 200, "")
		return str(o["id"])
	}
	orgA := register("pc-a-owner", "Social organisation A", reviewOrgUSCCs[0])
	partnerID := register("pc-partner-owner", "Linwei partner organisation", reviewOrgUSCCs[1])
	otherID := register("pc-other-owner", "Another organisation", reviewOrgUSCCs[2])
	teamA := s.Token("pc-a-staff", []string{"APPLICANT"}, orgA)
	partner := s.Token("pc-partner-staff", []string{"APPLICANT"}, partnerID) // the partner's own account
	other := s.Token("pc-other-staff", []string{"APPLICANT"}, otherID)
	person := s.Token("pc-person", []string{"APPLICANT"}, "")
	st, ind := s.Do("POST", "/v1/organizations", person, map[string]any{"name": "Wang Wu", "kind": "ORGANIZATION_KIND_INDIVIDUAL", "id_number": residentIDIdeaOnly})
	expect(t, "register the individual", st, ind, 200, "")

	st, a := s.Do("POST", "/v1/rounds/"+roundID+"/applications", teamA, application(orgA, "Meals by A"))
	expect(t, "A drafts", st, a, 200, "")
	A := str(a["id"])
	st, a = s.Do("POST", "/v1/applications/"+A+":submit", teamA, map[string]any{"etag": a["etag"]})
	expect(t, "A submits", st, a, 200, "")
	st, a = s.Do("POST", "/v1/applications/"+A+":review", operator, map[string]any{"decision": "REVIEW_DECISION_ACCEPT", "etag": a["etag"]})
	expect(t, "A accepted", st, a, 200, "")

	// The individual names the partner: pending, so still idea-only, and the check says so.
	draft := application(str(ind["id"]), "Garden for the elderly")
	draft["partner_org_id"] = partnerID
	st, b := s.Do("POST", "/v1/rounds/"+roundID+"/applications", person, draft)
	expect(t, "B drafts naming a partner", st, b, 200, "")
	B := str(b["id"])
	if b["ideaOnly"] != true || b["partnerConsent"] != "PARTNER_CONSENT_PENDING" {
		t.Fatalf("named, not accepted: idea_only %v, consent %v", b["ideaOnly"], b["partnerConsent"])
	}
	created := b["etag"]

	// Submit and review need the etag of the version read.
	st, body = s.DoInvalid("POST", "/v1/applications/"+B+":submit", person, map[string]any{})
	expect(t, "submit without an etag", st, body, 400, "ETAG_REQUIRED")
	st, b = s.Do("PATCH", "/v1/applications/"+B, person, map[string]any{"etag": created, "summary": "A garden tended with the elderly."})
	expect(t, "B revised", st, b, 200, "")
	st, body = s.Do("POST", "/v1/applications/"+B+":submit", person, map[string]any{"etag": created})
	expect(t, "submit with a stale etag", st, body, 409, "ETAG_MISMATCH")
	revised := b["etag"]
	st, b = s.Do("POST", "/v1/applications/"+B+":submit", person, map[string]any{"etag": revised})
	expect(t, "B submits", st, b, 200, "")
	st, body = s.DoInvalid("POST", "/v1/applications/"+B+":review", operator, map[string]any{"decision": "REVIEW_DECISION_ACCEPT"})
	expect(t, "review without an etag", st, body, 400, "ETAG_REQUIRED")
	st, body = s.Do("POST", "/v1/applications/"+B+":review", operator, map[string]any{"decision": "REVIEW_DECISION_ACCEPT", "etag": revised})
	expect(t, "review with a stale etag", st, body, 409, "ETAG_MISMATCH")
	st, b = s.Do("POST", "/v1/applications/"+B+":review", operator, map[string]any{"decision": "REVIEW_DECISION_ACCEPT", "etag": b["etag"]})
	expect(t, "B accepted", st, b, 200, "")
	if b["ideaOnly"] != true {
		t.Fatalf("accepted at initial review without the partner's consent: idea_only %v", b["ideaOnly"])
	}
	st, b = s.Do("GET", "/v1/applications/"+B, person, nil)
	expect(t, "B read by its applicant", st, b, 200, "")
	if passed, present := checkPassed(t, b, "PARTNER_CONSENTED"); !present || passed {
		t.Fatalf("PARTNER_CONSENTED while pending: present %v passed %v", present, passed)
	}

	// Nobody but the partner's account answers for the partner.
	st, body = s.Do("POST", "/v1/applications/"+B+":acceptPartnership", other, map[string]any{})
	expect(t, "another organisation accepts", st, body, 404, "NOT_FOUND")
	st, body = s.Do("POST", "/v1/applications/"+B+":acceptPartnership", person, map[string]any{})
	expect(t, "the applicant accepts for its partner", st, body, 403, "NOT_THE_PARTNER")
	st, body = s.Do("POST", "/v1/applications/"+B+":acceptPartnership", operator, map[string]any{})
	expect(t, "staff accept", st, body, 403, "PERMISSION_DENIED")
	st, body = s.Do("GET", "/v1/organizations/"+partnerID+"/partnerships", other, nil)
	expect(t, "another organisation lists the partner's partnerships", st, body, 404, "NOT_FOUND")

	// The partner lists what awaits it: which application, whose, and the consent — not the applicant's content.
	st, body = s.Do("GET", "/v1/organizations/"+partnerID+"/partnerships?consent=PARTNER_CONSENT_PENDING", partner, nil)
	expect(t, "partner lists pending partnerships", st, body, 200, "")
	list, _ := body["applications"].([]any)
	if len(list) != 1 {
		t.Fatalf("pending partnerships: %v", body)
	}
	seen := list[0].(map[string]any)
	if seen["id"] != B || seen["orgId"] != ind["id"] || seen["title"] != "Garden for the elderly" || seen["roundId"] != roundID ||
		seen["partnerConsent"] != "PARTNER_CONSENT_PENDING" {
		t.Fatalf("the partner sees %v", seen)
	}
	team, _ := seen["team"].([]any)
	checks, _ := seen["automaticChecks"].([]any)
	if seen["summary"] != "" && seen["summary"] != nil || len(team) != 0 || seen["etag"] != "" && seen["etag"] != nil || len(checks) != 0 {
		t.Fatalf("the partner sees the applicant's content: %v", seen)
	}
	st, body = s.Do("GET", "/v1/organizations/"+partnerID+"/partnerships?consent=PARTNER_CONSENT_ACCEPTED", operator, nil)
	expect(t, "staff list accepted partnerships", st, body, 200, "")
	if list, _ := body["applications"].([]any); len(list) != 0 {
		t.Fatalf("accepted before anyone accepted: %v", list)
	}

	// The partner accepts: B counts as partnered, the check passes, the etag moved; accepting again is harmless.
	before := b["etag"]
	st, body = s.Do("POST", "/v1/applications/"+B+":acceptPartnership", partner, map[string]any{})
	expect(t, "the partner accepts", st, body, 200, "")
	if body["ideaOnly"] != false || body["partnerConsent"] != "PARTNER_CONSENT_ACCEPTED" || body["partnerConsentTime"] == nil {
		t.Fatalf("accepted: %v", body)
	}
	st, body = s.Do("POST", "/v1/applications/"+B+":acceptPartnership", partner, map[string]any{})
	expect(t, "the partner accepts again", st, body, 200, "")
	st, b = s.Do("GET", "/v1/applications/"+B, person, nil)
	expect(t, "B after the consent", st, b, 200, "")
	if passed, _ := checkPassed(t, b, "PARTNER_CONSENTED"); !passed || b["ideaOnly"] != false || b["etag"] == before {
		t.Fatalf("after the consent: check passed %v, idea_only %v, etag %v (was %v)", passed, b["ideaOnly"], b["etag"], before)
	}

	// Withdrawing needs a reason; withdrawn, B is idea-only again — as the reviews service reads it.
	st, body = s.DoInvalid("POST", "/v1/applications/"+B+":withdrawPartnership", partner, map[string]any{})
	expect(t, "withdraw without a reason", st, body, 400, "REASON_REQUIRED")
	st, body = s.Do("POST", "/v1/applications/"+B+":withdrawPartnership", partner, map[string]any{"reason": "our board declined"})
	expect(t, "the partner withdraws", st, body, 200, "")
	if body["ideaOnly"] != true || body["partnerConsent"] != "PARTNER_CONSENT_WITHDRAWN" {
		t.Fatalf("withdrawn: %v", body)
	}
	if n := s.Count(`SELECT count(*) FROM applications.application_partner_consents WHERE application_id = $1`, B); n != 3 {
		t.Fatalf("consent trail of B has %d entries, want 3: named, accepted (once: accepting again changes nothing), withdrawn", n)
	}
	if n := s.Count(`SELECT count(*) FROM applications.application_partner_consents WHERE application_id = $1 AND action = 'WITHDRAWN'
		AND reason = 'our board declined' AND changed_by = 'pc-partner-staff'`, B); n != 1 {
		t.Fatal("the withdrawal is not in the trail with its reason and author")
	}

	// The shortlist the reviews service computes (from ListApplications, as it reads idea_only): B scores
	// higher but, withdrawn, takes no place; accepted again before the shortlist is published, it does.
	time.Sleep(time.Until(deadline) + 200*time.Millisecond)
	st, body = s.Do("POST", "/v1/rounds/"+roundID+":advance", organizer, map[string]any{"phase": "PHASE_SHORTLISTING"})
	expect(t, "shortlisting", st, body, 200, "")
	st, panel := s.Do("POST", "/v1/rounds/"+roundID+"/panels", operator, map[string]any{"stage": "REVIEW_STAGE_SHORTLIST", "members": panelMembers("pc", 10, nil)})
	expect(t, "shortlist panel", st, panel, 200, "")
	for _, x := range []struct {
		app   string
		total int
	}{{A, 60}, {B, 90}} {
		for m := 0; m < 10; m++ {
			st, body := s.Do("POST", "/v1/panels/"+str(panel["id"])+"/scores", operator, map[string]any{
				"application_id": x.app, "reviewer_id": fmt.Sprintf("pc-%d", m), "criteria": criteria(x.total)})
			expect(t, "score", st, body, 200, "")
		}
	}
	entryOf := func(sl map[string]any, app string) map[string]any {
		t.Helper()
		for _, e := range sl["entries"].([]any) {
			if m := e.(map[string]any); m["applicationId"] == app {
				return m
			}
		}
		t.Fatalf("no shortlist entry for %s: %v", app, sl)
		return nil
	}
	st, sl := s.Do("POST", "/v1/rounds/"+roundID+"/shortlist:compute", operator, map[string]any{})
	expect(t, "compute the shortlist", st, sl, 200, "")
	if e := entryOf(sl, B); e["ideaOnly"] != true || e["shortlisted"] != false {
		t.Fatalf("B without the partner's consent: %v", e)
	}
	if e := entryOf(sl, A); e["shortlisted"] != true {
		t.Fatalf("A: %v", e)
	}
	st, body = s.Do("POST", "/v1/applications/"+B+":acceptPartnership", partner, map[string]any{})
	expect(t, "the partner accepts again", st, body, 200, "")
	st, sl = s.Do("POST", "/v1/rounds/"+roundID+"/shortlist:compute", operator, map[string]any{})
	expect(t, "compute the shortlist again", st, sl, 200, "")
	if e := entryOf(sl, B); e["ideaOnly"] != false || e["shortlisted"] != true {
		t.Fatalf("B with the partner's consent: %v", e)
	}
	if e := entryOf(sl, A); e["shortlisted"] != false {
		t.Fatalf("A behind B with a quota of 1: %v", e)
	}
}
