package e2e

import (
	"fmt"
	"testing"
	"time"
)

// TestVerifiedComplaintsMergeAndBulkResolve: an anonymous complaint is refused; a verified phone lodges
// complaints up to its daily limit (set low for the reviews service here); an organisation's account lodges
// one; open complaints hold the round back from PROMOTION until the operator merges the duplicates and
// resolves the rest with one reason.
func TestVerifiedComplaintsMergeAndBulkResolve(t *testing.T) {
	t.Parallel()
	_, dbURL := emptyDB.Database(t)
	s := StartWith(t, Options{DBURL: dbURL, Env: []string{"COMPLAINTS_PER_COMPLAINANT_PER_DAY=3"}, GatewayEnv: []string{"VOTER_CODE_RATE_LIMIT=0"}})
	w := newReviewRound(t, s, 3, 2)
	A, B, C := w.apps[0], w.apps[1], w.apps[2]
	// A 80, B 75 shortlisted; C 70 not; the idea-only application is never shortlisted.
	w.publishShortlist(t, func(_, a int) int { return 80 - 5*a })
	voterA, voterB := voter(t, s, "13800000061"), voter(t, s, "13800000062")
	orgAccount := s.Token("cp-applicant", []string{"APPLICANT"}, w.orgs[2])
	noOrg := s.Token("cp-applicant-no-org", []string{"APPLICANT"}, "")
	st, body := w.advance(t, "PHASE_PUBLICITY")
	expect(t, "publicity", st, body, 200, "")

	path := "/v1/rounds/" + w.roundID + "/complaints"
	complain := func(token, voterToken, app, content string) (int, map[string]any) {
		if voterToken != "" {
			return s.Do("POST", path, token, map[string]any{"application_id": app, "content": content, "contact": "13900000061"}, "X-Voter-Token", voterToken)
		}
		return s.Do("POST", path, token, map[string]any{"application_id": app, "content": content})
	}
	st, body = complain("", "", A, "anonymous")
	expect(t, "anonymous complaint", st, body, 401, "COMPLAINANT_UNVERIFIED")
	st, body = complain(noOrg, "", A, "an account without organisation")
	expect(t, "complaint of an account without organisation", st, body, 401, "COMPLAINANT_UNVERIFIED")
	st, body = complain("", "made-up-token", A, "unknown token")
	expect(t, "complaint with an unknown voter token", st, body, 401, "COMPLAINANT_UNVERIFIED")
	if n := s.Count(`SELECT count(*) FROM reviews.complaints WHERE round_id = $1`, w.roundID); n != 0 {
		t.Fatalf("%d complaints stored after refusals", n)
	}

	var fromA []string
	for i := 1; i <= 3; i++ {
		st, c := complain("", voterA, A, fmt.Sprintf("the budget of A is copied (%d)", i))
		expect(t, fmt.Sprintf("verified phone's complaint %d", i), st, c, 200, "")
		if c["complainantKind"] != "COMPLAINANT_KIND_VERIFIED_PHONE" || c["state"] != "COMPLAINT_STATE_OPEN" {
			t.Fatalf("complaint: %v", c)
		}
		fromA = append(fromA, str(c["id"]))
	}
	st, body = complain("", voterA, B, "one more")
	expect(t, "fourth complaint of one phone in a day", st, body, 429, "COMPLAINT_RATE_LIMITED")
	st, other := complain("", voterB, A, "A's team does not exist")
	expect(t, "another phone's complaint", st, other, 200, "")
	st, byOrg := complain(orgAccount, "", B, "B's partner never agreed")
	expect(t, "organisation's complaint", st, byOrg, 200, "")
	if byOrg["complainantKind"] != "COMPLAINANT_KIND_ORGANIZATION" || byOrg["complainantOrgId"] != "" {
		t.Fatalf("the organisation's own answer: %v (the organisation is shown to staff only)", byOrg)
	}
	st, body = complain(orgAccount, "", C, "not shortlisted")
	expect(t, "complaint against a non-shortlisted application", st, body, 412, "APPLICATION_NOT_ON_SHORTLIST")

	time.Sleep(publicityPeriod + 200*time.Millisecond)
	st, body = w.advance(t, "PHASE_PROMOTION")
	expect(t, "promotion with open complaints", st, body, 412, "COMPLAINTS_OPEN")

	// Merge: operator only; duplicates of the same application only; all or nothing.
	mergePath := "/v1/complaints/" + fromA[0] + ":merge"
	st, body = s.Do("POST", mergePath, w.organizer, map[string]any{"duplicate_complaint_ids": fromA[1:], "reason": "same facts"})
	expect(t, "organizer merges", st, body, 403, "PERMISSION_DENIED")
	st, body = s.Do("POST", mergePath, w.operator, map[string]any{"duplicate_complaint_ids": []string{fromA[1], str(byOrg["id"])}, "reason": "same facts"})
	expect(t, "merge a complaint about another application", st, body, 400, "COMPLAINT_NOT_DUPLICATE")
	st, body = s.DoInvalid("POST", mergePath, w.operator, map[string]any{"duplicate_complaint_ids": fromA[1:]})
	expect(t, "merge without reason", st, body, 400, "REASON_REQUIRED")
	if n := s.Count(`SELECT count(*) FROM reviews.complaints WHERE round_id = $1 AND state = 'OPEN'`, w.roundID); n != 5 {
		t.Fatalf("open complaints after refused merges: %d, want 5", n)
	}
	st, merged := s.Do("POST", mergePath, w.operator, map[string]any{"duplicate_complaint_ids": fromA[1:], "reason": "the same complaint three times", "request_id": "merge-a"})
	expect(t, "merge", st, merged, 200, "")
	if ms, _ := merged["merged"].([]any); len(ms) != 2 || ms[0].(map[string]any)["state"] != "COMPLAINT_STATE_MERGED" || ms[0].(map[string]any)["mergedInto"] != fromA[0] {
		t.Fatalf("merged: %v", merged)
	}
	st, body = s.Do("GET", path+"?state=COMPLAINT_STATE_MERGED", w.operator, nil)
	expect(t, "list merged complaints", st, body, 200, "")
	if cs, _ := body["complaints"].([]any); len(cs) != 2 {
		t.Fatalf("merged complaints listed: %v", body)
	}
	st, body = s.Do("GET", path+"?state=COMPLAINT_STATE_OPEN", w.operator, nil)
	expect(t, "list open complaints", st, body, 200, "")
	cs, _ := body["complaints"].([]any)
	if len(cs) != 3 {
		t.Fatalf("open complaints after the merge: %v", body)
	}
	for _, x := range cs {
		if c := x.(map[string]any); c["id"] == byOrg["id"] && c["complainantOrgId"] != w.orgs[2] {
			t.Fatalf("the operator does not see the complaining organisation: %v", c)
		}
	}

	// Bulk resolution: a merged complaint named refuses the whole; then one reason for the rest.
	resolvePath := "/v1/rounds/" + w.roundID + "/complaints:resolve"
	rest := []string{fromA[0], str(other["id"]), str(byOrg["id"])}
	st, body = s.Do("POST", resolvePath, w.operator, map[string]any{"complaint_ids": append(append([]string{}, rest...), fromA[1]), "outcome": "COMPLAINT_OUTCOME_DISMISSED",
		"reason": "checked with the applicants"})
	expect(t, "bulk resolution naming a merged complaint", st, body, 412, "COMPLAINT_NOT_OPEN")
	st, body = s.DoInvalid("POST", resolvePath, w.operator, map[string]any{"complaint_ids": rest, "outcome": "COMPLAINT_OUTCOME_DISMISSED"})
	expect(t, "bulk resolution without reason", st, body, 400, "REASON_REQUIRED")
	st, body = s.Do("POST", resolvePath, w.operator, map[string]any{"complaint_ids": rest, "application_id": A, "outcome": "COMPLAINT_OUTCOME_DISMISSED", "reason": "x"})
	expect(t, "bulk resolution naming complaints and an application", st, body, 400, "COMPLAINT_SELECTION_INVALID")
	st, body = w.advance(t, "PHASE_PROMOTION")
	expect(t, "promotion after refused resolutions", st, body, 412, "COMPLAINTS_OPEN")
	st, body = s.Do("POST", resolvePath, w.operator, map[string]any{"complaint_ids": rest, "outcome": "COMPLAINT_OUTCOME_DISMISSED",
		"reason": "checked with the applicants", "request_id": "resolve-rest"})
	expect(t, "bulk resolution", st, body, 200, "")
	resolved, _ := body["complaints"].([]any)
	if len(resolved) != 5 || body["openComplaints"] != float64(0) {
		t.Fatalf("bulk resolution: %v, want the 3 named and the 2 merged, none left open", body)
	}
	for _, x := range resolved {
		if c := x.(map[string]any); c["outcome"] != "COMPLAINT_OUTCOME_DISMISSED" || c["resolutionReason"] != "checked with the applicants" || c["resolveTime"] == nil {
			t.Fatalf("resolved complaint: %v", c)
		}
	}
	st, body = w.advance(t, "PHASE_PROMOTION")
	expect(t, "promotion once every complaint is resolved", st, body, 200, "")
}
