package e2e

import (
	"fmt"
	"testing"
	"time"
)

// expectTB is expect for tests and benchmarks alike.
func expectTB(tb testing.TB, what string, status int, body map[string]any, wantStatus int, wantReason string) {
	tb.Helper()
	if status != wantStatus || wantReason != "" && Reason(body) != wantReason {
		tb.Fatalf("%s: got %d %s %v, want %d %s", what, status, Reason(body), body["message"], wantStatus, wantReason)
	}
}

// criteria spreads a total over the six criteria of the default rubric, filling each up to its maximum in order.
func criteria(total int) map[string]any {
	out := map[string]any{}
	for _, c := range []struct {
		name string
		max  int
	}{{"BREADTH", 15}, {"URGENCY", 15}, {"PUBLIC_BENEFIT", 15}, {"INNOVATION", 20}, {"PLANNING", 20}, {"TEAM", 15}} {
		v := min(c.max, total)
		out[c.name] = v
		total -= v
	}
	return out
}

// panelMembers returns n panel members prefix-0 …, cycling through the five kinds of the shortlist panel's
// default mix; change, when set, edits each.
func panelMembers(prefix string, n int, change func(i int, m map[string]any)) []any {
	var out []any
	kinds := []string{"MEMBER_KIND_EXPERT", "MEMBER_KIND_DEPARTMENT", "MEMBER_KIND_FINANCE_AUDIT", "MEMBER_KIND_GRASSROOTS", "MEMBER_KIND_MEDIA"}
	for i := 0; i < n; i++ {
		m := map[string]any{"reviewer_id": fmt.Sprintf("%s-%d", prefix, i), "name": fmt.Sprintf("Reviewer %d", i), "kind": kinds[i%len(kinds)]}
		if change != nil {
			change(i, m)
		}
		out = append(out, m)
	}
	return out
}

// panelDonorID is the donor the final panels' representative stands for: no donor has this ID, so it pledged
// to nothing and its representative is recused from nothing.
const panelDonorID = "0d0e0a11-0000-4000-8000-00000000d0e5"

// finalPanelMembers is panelMembers with the last member a donor representative (of panelDonorID, unless
// change names another donor), as the final panel's default mix asks (seed 六(四)).
func finalPanelMembers(prefix string, n int, change func(i int, m map[string]any)) []any {
	return panelMembers(prefix, n, func(i int, m map[string]any) {
		if i == n-1 {
			m["kind"], m["donor_id"] = "MEMBER_KIND_DONOR_REP", panelDonorID
		}
		if change != nil {
			change(i, m)
		}
	})
}

// publicityPeriod is the test rounds' publicity period: long enough for a loaded CI machine to lodge the
// test's complaints within it.
const publicityPeriod = 5 * time.Second

// reviewRound is a round taken through the call for proposals into SHORTLISTING.
type reviewRound struct {
	s                              *Suite
	organizer, operator, committee string
	roundID                        string
	apps, orgs                     []string // one per applicant, in creation order
	ideaApp                        string   // an idea-only application (an individual without partner)
}

// newReviewRound creates a round with shortlist quota quota, n accepted applications from registered social
// organisations plus one idea-only application, and advances it to SHORTLISTING.
func newReviewRound(tb testing.TB, s *Suite, n, quota int) *reviewRound {
	tb.Helper()
	if n > len(reviewOrgUSCCs) {
		tb.Fatalf("newReviewRound: %d applications, but only %d credit codes in reviewOrgUSCCs", n, len(reviewOrgUSCCs))
	}
	w := &reviewRound{s: s,
		organizer: s.Token("rv-organizer", []string{"ORGANIZER"}, ""),
		operator:  s.Token("rv-operator", []string{"OPERATOR"}, ""),
		committee: s.Token("rv-committee", []string{"COMMITTEE"}, ""),
	}
	deadline := time.Now().Add(time.Duration(10+2*n) * time.Second).UTC() // generous, for a loaded CI machine
	st, round := s.Do("POST", "/v1/rounds", w.organizer, map[string]any{
		"name": "2026年度公益创投 (reviews)", "year": 2026, "notice": roundNotice(),
		"policy": map[string]any{"submission_deadline": deadline.Format(time.RFC3339Nano), "publicity_period": publicityPeriod.String(), "shortlist_quota": quota, "selection_quota": 1},
	})
	expectTB(tb, "create round", st, round, 200, "")
	w.roundID = str(round["id"])
	st, body := s.Do("POST", "/v1/rounds/"+w.roundID+":advance", w.organizer, map[string]any{"phase": "PHASE_SOLICITATION"})
	expectTB(tb, "publish round", st, body, 200, "")

	apply := func(i int, org map[string]any) string {
		applicant := s.Token(fmt.Sprintf("rv-applicant-%d", i), []string{"APPLICANT"}, "")
		st, o := s.Do("POST", "/v1/organizations", applicant, org)
		expectTB(tb, "register organisation", st, o, 200, "")
		orgID := str(o["id"])
		if org["kind"] == "ORGANIZATION_KIND_SOCIAL_ORGANIZATION" {
			st, body := s.Do("POST", "/v1/organizations/"+orgID+":verify", w.operator, map[string]any{"evidence": verificationEvidence})
			expectTB(tb, "verify organisation", st, body, 200, "")
		}
		st, a := s.Do("POST", "/v1/rounds/"+w.roundID+"/applications", applicant, application(orgID, fmt.Sprintf("Project %d", i)))
		expectTB(tb, "draft", st, a, 200, "")
		appID := str(a["id"])
		st, body := s.Do("POST", "/v1/applications/"+appID+":submit", applicant, map[string]any{"etag": a["etag"]})
		expectTB(tb, "submit", st, body, 200, "")
		st, body = s.Do("POST", "/v1/applications/"+appID+":review", w.operator, map[string]any{"decision": "REVIEW_DECISION_ACCEPT", "etag": body["etag"]})
		expectTB(tb, "accept", st, body, 200, "")
		w.orgs = append(w.orgs, orgID)
		return appID
	}
	for i := 0; i < n; i++ {
		w.apps = append(w.apps, apply(i, map[string]any{"name": fmt.Sprintf("Social organisation %d", i), "kind": "ORGANIZATION_KIND_SOCIAL_ORGANIZATION", "uscc": reviewOrgUSCCs[i]}))
	}
	w.ideaApp = apply(n, map[string]any{"name": "Wang Wu", "kind": "ORGANIZATION_KIND_INDIVIDUAL", "id_number": residentIDIdeaOnly})
	w.orgs = w.orgs[:n]

	time.Sleep(time.Until(deadline) + 200*time.Millisecond)
	st, body = s.Do("POST", "/v1/rounds/"+w.roundID+":advance", w.organizer, map[string]any{"phase": "PHASE_SHORTLISTING"})
	expectTB(tb, "shortlisting", st, body, 200, "")
	return w
}

func (w *reviewRound) advance(tb testing.TB, phase string) (int, map[string]any) {
	tb.Helper()
	return w.s.Do("POST", "/v1/rounds/"+w.roundID+":advance", w.organizer, map[string]any{"phase": phase})
}

// scoreAll records, as the operator, every member's score of every application from total(member, app).
func (w *reviewRound) scoreAll(tb testing.TB, panelID string, members int, total func(member, app int) int, skip func(member, app int) bool) {
	tb.Helper()
	all := append(append([]string{}, w.apps...), w.ideaApp)
	for a, appID := range all {
		for m := 0; m < members; m++ {
			if skip != nil && skip(m, a) {
				continue
			}
			st, body := w.s.Do("POST", "/v1/panels/"+panelID+"/scores", w.operator, map[string]any{
				"application_id": appID, "reviewer_id": fmt.Sprintf("rev-%d", m), "criteria": criteria(total(m, a)),
			})
			expectTB(tb, fmt.Sprintf("score rev-%d app %d", m, a), st, body, 200, "")
		}
	}
}

// publishShortlist creates a shortlist panel of ten reviewers (rev-0 …), records their scores from total as
// scoreAll does, then computes the shortlist as the operator and publishes it as the organizer.
func (w *reviewRound) publishShortlist(tb testing.TB, total func(member, app int) int) {
	tb.Helper()
	st, panel := w.s.Do("POST", "/v1/rounds/"+w.roundID+"/panels", w.operator, map[string]any{"stage": "REVIEW_STAGE_SHORTLIST", "members": panelMembers("rev", 10, nil)})
	expectTB(tb, "shortlist panel", st, panel, 200, "")
	w.scoreAll(tb, str(panel["id"]), 10, total, nil)
	st, body := w.s.Do("POST", "/v1/rounds/"+w.roundID+"/shortlist:compute", w.operator, map[string]any{})
	expectTB(tb, "compute shortlist", st, body, 200, "")
	st, body = w.s.Do("POST", "/v1/rounds/"+w.roundID+"/shortlist:publish", w.organizer, map[string]any{})
	expectTB(tb, "publish shortlist", st, body, 200, "")
}

// voter verifies a phone through the dev code sender and returns its voter token.
func voter(tb testing.TB, s *Suite, phone string) string {
	tb.Helper()
	st, body := s.Do("POST", "/v1/voters:sendCode", "", map[string]any{"phone": phone})
	expectTB(tb, "send code", st, body, 200, "")
	code := str(body["devCode"])
	if len(code) != 6 {
		tb.Fatalf("dev sender returned no code: %v", body)
	}
	st, body = s.Do("POST", "/v1/voters:verify", "", map[string]any{"phone": phone, "code": code})
	expectTB(tb, "verify voter", st, body, 200, "")
	return str(body["voterToken"])
}

func stageOf(t *testing.T, w *reviewRound, appID string) string {
	t.Helper()
	st, body := w.s.Do("GET", "/v1/applications/"+appID, w.operator, nil)
	expectTB(t, "read application", st, body, 200, "")
	return str(body["stage"])
}

func tallies(t *testing.T, s *Suite, roundID string) map[string]string {
	t.Helper()
	st, body := s.Do("GET", "/v1/rounds/"+roundID+"/tallies", "", nil)
	expectTB(t, "tallies", st, body, 200, "")
	out := map[string]string{}
	for _, x := range body["tallies"].([]any) {
		m := x.(map[string]any)
		out[str(m["applicationId"])] = str(m["votes"])
	}
	return out
}

// TestReviews walks panels, conflicts, scores, the shortlist, complaints and voting through the gateway.
func TestReviews(t *testing.T) {
	t.Parallel() // each test runs its own suite: their waits overlap
	s := Start(t, "VOTE_RATE_LIMIT=20", "VOTER_CODE_RATE_LIMIT=0")
	w := newReviewRound(t, s, 4, 3)
	A, B, C, E, D := w.apps[0], w.apps[1], w.apps[2], w.apps[3], w.ideaApp
	applicant := s.Token("rv-applicant-0", []string{"APPLICANT"}, "")

	// Panels: below the policy minimum refused; one per stage; rev-0 works for A's organisation.
	st, body := s.Do("POST", "/v1/rounds/"+w.roundID+"/panels", w.operator, map[string]any{"stage": "REVIEW_STAGE_SHORTLIST", "members": panelMembers("rev", 9, nil)})
	expect(t, "panel of 9", st, body, 400, "PANEL_BELOW_MINIMUM")
	members := panelMembers("rev", 10, func(i int, m map[string]any) {
		if i == 0 {
			m["affiliation_org_id"] = w.orgs[0]
		}
	})
	st, body = s.Do("POST", "/v1/rounds/"+w.roundID+"/panels", applicant, map[string]any{"stage": "REVIEW_STAGE_SHORTLIST", "members": members})
	expect(t, "applicant creates a panel", st, body, 403, "PERMISSION_DENIED")
	st, panel := s.Do("POST", "/v1/rounds/"+w.roundID+"/panels", w.operator, map[string]any{"stage": "REVIEW_STAGE_SHORTLIST", "members": members})
	expect(t, "panel of 10", st, panel, 200, "")
	panelID := str(panel["id"])
	st, body = s.Do("POST", "/v1/rounds/"+w.roundID+"/panels", w.operator, map[string]any{"stage": "REVIEW_STAGE_SHORTLIST", "members": members})
	expect(t, "second shortlist panel", st, body, 409, "PANEL_EXISTS")
	if recs := panel["recusals"].([]any); len(recs) != 1 || recs[0].(map[string]any)["reviewerId"] != "rev-0" || recs[0].(map[string]any)["applicationId"] != A {
		t.Fatalf("affiliation conflict not detected at creation: %v", recs)
	}

	rev3 := s.Token("rev-3", []string{"REVIEWER"}, "")
	rev1 := s.Token("rev-1", []string{"REVIEWER"}, "")
	outsider := s.Token("rev-99", []string{"REVIEWER"}, "")
	st, body = s.Do("GET", "/v1/panels/"+panelID, rev3, nil)
	expect(t, "member reads its panel", st, body, 200, "")
	st, body = s.Do("GET", "/v1/panels/"+panelID, outsider, nil)
	expect(t, "non-member reviewer reads the panel", st, body, 404, "NOT_FOUND")
	st, body = s.Do("GET", "/v1/panels/"+panelID, s.Token("auditor-1", []string{"AUDITOR"}, ""), nil)
	expect(t, "auditor reads the panel", st, body, 200, "")
	st, body = s.Do("GET", "/v1/panels/"+panelID, applicant, nil)
	expect(t, "applicant reads the panel", st, body, 403, "PERMISSION_DENIED")

	// Conflicts: detected (rev-0 on A) and declared (rev-1 on B); a recused member's score is refused.
	st, body = s.Do("POST", "/v1/panels/"+panelID+"/scores", w.operator, map[string]any{"application_id": A, "reviewer_id": "rev-0", "criteria": criteria(80)})
	expect(t, "affiliated member scores", st, body, 412, "REVIEWER_RECUSED")
	st, body = s.Do("POST", "/v1/panels/"+panelID+"/conflicts", rev3, map[string]any{"reviewer_id": "rev-1", "application_id": B, "reason": "x"})
	expect(t, "declare for another reviewer", st, body, 403, "REVIEWER_NOT_SELF")
	st, body = s.Do("POST", "/v1/panels/"+panelID+"/conflicts", rev1, map[string]any{"reviewer_id": "rev-1", "application_id": B, "reason": "former board member of the applicant"})
	expect(t, "declare conflict", st, body, 200, "")
	st, body = s.Do("POST", "/v1/panels/"+panelID+"/scores", rev1, map[string]any{"application_id": B, "reviewer_id": "rev-1", "criteria": criteria(80)})
	expect(t, "declared-conflict member scores", st, body, 412, "REVIEWER_RECUSED")
	for app, want := range map[string]string{A: "RECUSAL_SOURCE_AFFILIATION", B: "RECUSAL_SOURCE_DECLARED"} {
		st, body = s.Do("GET", "/v1/applications/"+app+"/recusals", w.operator, nil)
		expect(t, "list recusals", st, body, 200, "")
		recs := body["recusals"].([]any)
		if len(recs) != 1 || recs[0].(map[string]any)["source"] != want {
			t.Fatalf("recusals of %s: %v, want one %s", app, recs, want)
		}
	}
	st, body = s.Do("GET", "/v1/applications/"+A+"/recusals", applicant, nil)
	expect(t, "applicant lists recusals", st, body, 403, "PERMISSION_DENIED")

	// Scores: role and self rules, the rubric's maxima.
	st, body = s.Do("POST", "/v1/panels/"+panelID+"/scores", applicant, map[string]any{"application_id": E, "reviewer_id": "rev-3", "criteria": criteria(80)})
	expect(t, "applicant scores", st, body, 403, "PERMISSION_DENIED")
	st, body = s.Do("POST", "/v1/panels/"+panelID+"/scores", rev3, map[string]any{"application_id": E, "reviewer_id": "rev-4", "criteria": criteria(80)})
	expect(t, "reviewer scores for another", st, body, 403, "REVIEWER_NOT_SELF")
	over := criteria(80)
	over["INNOVATION"] = 21
	st, body = s.Do("POST", "/v1/panels/"+panelID+"/scores", rev3, map[string]any{"application_id": E, "reviewer_id": "rev-3", "criteria": over})
	expect(t, "criterion above its maximum", st, body, 400, "INVALID_CRITERIA")
	st, body = s.Do("POST", "/v1/panels/"+panelID+"/scores", rev3, map[string]any{"application_id": E, "reviewer_id": "rev-3",
		"criteria": map[string]any{"BREADTH": 12, "URGENCY": 13, "PUBLIC_BENEFIT": 12, "INNOVATION": 16, "PLANNING": 15, "TEAM": 12}})
	expect(t, "reviewer scores itself", st, body, 200, "")
	if body["total"] != float64(80) {
		t.Fatalf("score total = %v, want 80", body["total"])
	}
	// rev-2 first gives C 99, then amends it to its final 62 in scoreAll.
	st, body = s.Do("POST", "/v1/panels/"+panelID+"/scores", w.operator, map[string]any{"application_id": C, "reviewer_id": "rev-2", "criteria": criteria(99)})
	expect(t, "first score", st, body, 200, "")

	st, body = s.Do("POST", "/v1/rounds/"+w.roundID+"/shortlist:compute", w.operator, map[string]any{})
	expect(t, "compute with unscored applications", st, body, 412, "SCORES_MISSING")

	// Hand-computed panel scores (trim: drop one highest and one lowest of 5 or more totals):
	//   A: rev-1..9 give 71..79 → drop 71, 79 → 72..78 = 525/7 = 75.00
	//   B: rev-0,2..9 give 80,82,80,81,82,80,81,82,80 → drop an 80 and an 82 → 566/7 = 80.857… → 80.86
	//   C: rev-0..9 give 60..69 → drop 60, 69 → 61..68 = 516/8 = 64.50
	//   E: all 50 → 50.00; D (idea-only): all 90 → 90.00
	total := func(m, a int) int {
		switch a {
		case 0:
			return 70 + m
		case 1:
			return 80 + m%3
		case 2:
			return 60 + m
		case 3:
			return 50
		}
		return 90
	}
	w.scoreAll(t, panelID, 10, total, func(m, a int) bool { return m == 0 && a == 0 || m == 1 && a == 1 })

	st, sl := s.Do("POST", "/v1/rounds/"+w.roundID+"/shortlist:compute", w.operator, map[string]any{})
	expect(t, "compute shortlist", st, sl, 200, "")
	want := []struct {
		id          string
		score       float64
		rank        float64
		shortlisted bool
	}{{D, 9000, 1, false}, {B, 8086, 2, true}, {A, 7500, 3, true}, {C, 6450, 4, true}, {E, 5000, 5, false}}
	entries := sl["entries"].([]any)
	if len(entries) != len(want) {
		t.Fatalf("shortlist has %d entries, want %d", len(entries), len(want))
	}
	for i, w := range want {
		e := entries[i].(map[string]any)
		if e["applicationId"] != w.id || e["panelScore"] != w.score || e["rank"] != w.rank || e["shortlisted"] != w.shortlisted {
			t.Errorf("entry %d = %v, want %+v", i, e, w)
		}
	}
	if in := entries[2].(map[string]any)["inputs"].(map[string]any); in["count"] != float64(7) || len(in["dropped"].([]any)) != 2 || in["sum"] != "525" {
		t.Fatalf("A's panel score does not expose its inputs: %v", in)
	}
	st, body = s.Do("POST", "/v1/panels/"+panelID+"/scores", w.operator, map[string]any{"application_id": E, "reviewer_id": "rev-5", "criteria": criteria(99)})
	expect(t, "score after the stage is computed", st, body, 412, "STAGE_COMPUTED")

	// Publishing: organizer only; PUBLICITY refused before it; stages set in applications.
	st, body = w.advance(t, "PHASE_PUBLICITY")
	expect(t, "publicity before publishing", st, body, 412, "SHORTLIST_NOT_PUBLISHED")
	st, body = s.Do("GET", "/v1/rounds/"+w.roundID+"/shortlist", "", nil)
	expect(t, "anonymous reads an unpublished shortlist", st, body, 404, "NOT_FOUND")
	st, body = s.Do("POST", "/v1/rounds/"+w.roundID+"/shortlist:publish", w.operator, map[string]any{})
	expect(t, "operator publishes", st, body, 403, "PERMISSION_DENIED")
	st, body = s.Do("POST", "/v1/rounds/"+w.roundID+"/shortlist:publish", w.organizer, map[string]any{})
	expect(t, "publish", st, body, 200, "")
	if body["state"] != "SHORTLIST_STATE_PUBLISHED" {
		t.Fatalf("published shortlist state = %v", body["state"])
	}
	st, body = s.Do("POST", "/v1/rounds/"+w.roundID+"/shortlist:publish", w.organizer, map[string]any{})
	expect(t, "publish again (idempotent)", st, body, 200, "")
	for app, want := range map[string]string{A: "STAGE_SHORTLISTED", B: "STAGE_SHORTLISTED", C: "STAGE_SHORTLISTED", E: "STAGE_NOT_SHORTLISTED", D: "STAGE_NOT_SHORTLISTED"} {
		if got := stageOf(t, w, app); got != want {
			t.Errorf("stage of %s = %s, want %s", app, got, want)
		}
	}
	st, body = s.Do("GET", "/v1/rounds/"+w.roundID+"/shortlist", "", nil)
	expect(t, "anonymous reads the published shortlist", st, body, 200, "")
	if n := len(body["entries"].([]any)); n != 3 {
		t.Fatalf("public shortlist lists %d entries, want the 3 shortlisted", n)
	}
	// A complainant is a verified phone (X-Voter-Token) or a named organisation's account (complaints_test.go).
	complainantOrg := s.Token("rv-complainant", []string{"APPLICANT"}, w.orgs[3])
	st, body = s.Do("POST", "/v1/rounds/"+w.roundID+"/complaints", complainantOrg, map[string]any{"application_id": C, "content": "too early"})
	expect(t, "complaint before PUBLICITY", st, body, 412, "WRONG_PHASE")

	// Voting outside PROMOTION is refused.
	voter1 := voter(t, s, "13800000001")
	st, body = s.Do("POST", "/v1/voters:verify", "", map[string]any{"phone": "13800000001", "code": "000000"})
	expect(t, "used or wrong code", st, body, 400, "VOTER_CODE_INVALID")
	st, body = s.Do("POST", "/v1/rounds/"+w.roundID+"/applications/"+A+"/votes", "", map[string]any{}, "X-Voter-Token", voter1)
	expect(t, "vote in SHORTLISTING", st, body, 412, "VOTING_CLOSED")
	if n := s.Count(`SELECT count(*) FROM reviews.voters WHERE position('13800000001'::bytea in phone_hmac) > 0`); n != 0 {
		t.Fatal("a phone number is stored in clear")
	}

	st, body = w.advance(t, "PHASE_PUBLICITY")
	expect(t, "publicity", st, body, 200, "")

	// Complaints: verified complainants, against shortlisted applications; an open one blocks PROMOTION.
	st, body = s.Do("POST", "/v1/rounds/"+w.roundID+"/complaints", complainantOrg, map[string]any{"application_id": E, "content": "not shortlisted anyway"})
	expect(t, "complaint against a non-shortlisted application", st, body, 412, "APPLICATION_NOT_ON_SHORTLIST")
	st, c1 := s.Do("POST", "/v1/rounds/"+w.roundID+"/complaints", "", map[string]any{"application_id": C, "content": "the team list is invented", "contact": "13900000000"},
		"X-Voter-Token", voter1)
	expect(t, "a verified phone's complaint", st, c1, 200, "")
	if c1["state"] != "COMPLAINT_STATE_OPEN" || c1["contact"] != "" {
		t.Fatalf("complaint: %v", c1)
	}
	st, c2 := s.Do("POST", "/v1/rounds/"+w.roundID+"/complaints", complainantOrg, map[string]any{"application_id": A, "content": "budget copied from last year"})
	expect(t, "second complaint", st, c2, 200, "")
	// The operator finds the complaints to resolve (only the complainants were told their IDs).
	st, body = s.Do("GET", "/v1/rounds/"+w.roundID+"/complaints?state=COMPLAINT_STATE_OPEN", w.operator, nil)
	expect(t, "operator lists open complaints", st, body, 200, "")
	if cs, _ := body["complaints"].([]any); len(cs) != 2 || cs[0].(map[string]any)["id"] != c1["id"] || cs[0].(map[string]any)["contact"] != "13900000000" ||
		cs[1].(map[string]any)["id"] != c2["id"] {
		t.Fatalf("open complaints: %v", body)
	}
	auditor := s.Token("rv-auditor", []string{"AUDITOR"}, "")
	st, body = s.Do("GET", "/v1/rounds/"+w.roundID+"/complaints", auditor, nil)
	expect(t, "auditor lists complaints", st, body, 200, "")
	if cs, _ := body["complaints"].([]any); len(cs) != 2 || cs[0].(map[string]any)["contact"] != "" {
		t.Fatalf("complaints the auditor reads: %v", body)
	}
	st, body = s.DoInvalid("GET", "/v1/rounds/"+w.roundID+"/complaints", "", nil)
	expect(t, "anonymous lists complaints", st, body, 403, "PERMISSION_DENIED")
	st, body = s.Do("GET", "/v1/rounds/"+w.roundID+"/complaints", applicant, nil)
	expect(t, "applicant lists complaints", st, body, 403, "PERMISSION_DENIED")
	time.Sleep(publicityPeriod + 200*time.Millisecond)
	st, body = w.advance(t, "PHASE_PROMOTION")
	expect(t, "promotion with open complaints", st, body, 412, "COMPLAINTS_OPEN")
	st, body = s.Do("POST", "/v1/rounds/"+w.roundID+"/complaints", complainantOrg, map[string]any{"application_id": A, "content": "after the period"})
	expect(t, "complaint after the publicity period", st, body, 412, "PUBLICITY_PERIOD_OVER")

	st, body = s.Do("POST", "/v1/complaints/"+str(c1["id"])+":resolve", applicant, map[string]any{"outcome": "COMPLAINT_OUTCOME_UPHELD", "reason": "x"})
	expect(t, "applicant resolves", st, body, 403, "PERMISSION_DENIED")
	st, body = s.DoInvalid("POST", "/v1/complaints/"+str(c1["id"])+":resolve", w.operator, map[string]any{"outcome": "COMPLAINT_OUTCOME_UPHELD"})
	expect(t, "resolve without reason", st, body, 400, "REASON_REQUIRED")
	st, body = s.Do("POST", "/v1/complaints/"+str(c1["id"])+":resolve", w.operator, map[string]any{"outcome": "COMPLAINT_OUTCOME_UPHELD", "reason": "team members confirmed absent"})
	expect(t, "uphold", st, body, 200, "")
	if body["state"] != "COMPLAINT_STATE_RESOLVED" || body["outcome"] != "COMPLAINT_OUTCOME_UPHELD" || body["contact"] != "13900000000" {
		t.Fatalf("upheld complaint: %v", body)
	}
	if got := stageOf(t, w, C); got != "STAGE_DISQUALIFIED" {
		t.Fatalf("stage of C after the upheld complaint = %s", got)
	}
	st, body = w.advance(t, "PHASE_PROMOTION")
	expect(t, "promotion with one complaint still open", st, body, 412, "COMPLAINTS_OPEN")
	st, body = s.Do("POST", "/v1/complaints/"+str(c2["id"])+":resolve", w.operator, map[string]any{"outcome": "COMPLAINT_OUTCOME_DISMISSED", "reason": "the budget was re-costed"})
	expect(t, "dismiss", st, body, 200, "")
	st, body = s.Do("POST", "/v1/complaints/"+str(c2["id"])+":resolve", w.operator, map[string]any{"outcome": "COMPLAINT_OUTCOME_UPHELD", "reason": "second thoughts"})
	expect(t, "resolve twice", st, body, 412, "COMPLAINT_NOT_OPEN")
	st, body = w.advance(t, "PHASE_PROMOTION")
	expect(t, "promotion once complaints are resolved", st, body, 200, "")
	st, body = s.Do("GET", "/v1/rounds/"+w.roundID+"/shortlist", w.operator, nil)
	for _, x := range body["entries"].([]any) {
		if e := x.(map[string]any); e["applicationId"] == C && (e["shortlisted"] != false || e["disqualified"] != true) {
			t.Fatalf("C still on the shortlist: %v", e)
		}
	}

	// Voting.
	vote := func(app, token string, body map[string]any) (int, map[string]any) {
		return s.Do("POST", "/v1/rounds/"+w.roundID+"/applications/"+app+"/votes", "", body, "X-Voter-Token", token)
	}
	st, v1 := vote(A, voter1, map[string]any{})
	expect(t, "vote", st, v1, 200, "")
	if day := time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly); v1["voteDay"] != day {
		t.Fatalf("vote day %v, want %s (Asia/Shanghai)", v1["voteDay"], day)
	}
	st, body = vote(A, voter1, map[string]any{})
	expect(t, "second vote the same day", st, body, 409, "VOTE_ALREADY_CAST")
	voter2, voter3 := voter(t, s, "13800000002"), voter(t, s, "13800000003")
	rid := requestID()
	st, first := vote(A, voter2, map[string]any{"request_id": rid})
	expect(t, "vote with request_id", st, first, 200, "")
	st, again := vote(A, voter2, map[string]any{"request_id": rid})
	expect(t, "the same vote retried", st, again, 200, "")
	if again["id"] != first["id"] {
		t.Fatalf("retry answered another vote: %v vs %v", again["id"], first["id"])
	}
	st, body = vote(B, voter2, map[string]any{})
	expect(t, "vote for another application", st, body, 200, "")
	st, other := vote(B, voter3, map[string]any{"request_id": rid})
	expect(t, "another voter reusing the request_id", st, other, 200, "")
	if other["id"] == first["id"] {
		t.Fatal("a request_id of one voter answered another voter's vote")
	}
	st, body = vote(C, voter3, map[string]any{})
	expect(t, "vote for a disqualified application", st, body, 412, "APPLICATION_NOT_ON_SHORTLIST")
	st, body = vote(A, "", map[string]any{})
	expect(t, "vote without a token", st, body, 401, "VOTER_TOKEN_INVALID")
	st, body = vote(A, "not-a-token", map[string]any{})
	expect(t, "vote with a bogus token", st, body, 401, "VOTER_TOKEN_INVALID")

	got := tallies(t, s, w.roundID)
	if len(got) != 2 || got[A] != "2" || got[B] != "2" {
		t.Fatalf("tallies = %v, want A 2 and B 2", got)
	}
	if n := s.Count(`SELECT count(*) FROM reviews.votes WHERE round_id = $1`, w.roundID); n != 4 {
		t.Fatalf("%d votes stored, want 4", n)
	}

	// A burst from one address: the gateway allows 20 votes a minute (10 spent above).
	voter4 := voter(t, s, "13800000004")
	codes := map[int]int{}
	for i := 0; i < 30; i++ {
		st, body := vote(B, voter4, map[string]any{})
		codes[st]++
		if st == 429 && Reason(body) != "RATE_LIMITED" {
			t.Fatalf("429 with reason %s", Reason(body))
		}
	}
	if codes[429] == 0 || codes[200] != 1 {
		t.Fatalf("burst answers %v: want exactly one vote counted and some 429", codes)
	}
	got = tallies(t, s, w.roundID)
	if got[A] != "2" || got[B] != "3" || s.Count(`SELECT count(*) FROM reviews.votes WHERE round_id = $1`, w.roundID) != 5 {
		t.Fatalf("tallies after the burst = %v, want A 2, B 3 (5 votes stored)", got)
	}

	// Closing the vote: final review. A FINAL panel needs 20 members and scores finalists only.
	st, body = w.advance(t, "PHASE_FINAL_REVIEW")
	expect(t, "final review", st, body, 200, "")
	time.Sleep(3100 * time.Millisecond) // one token back in the address's vote bucket
	st, body = vote(A, voter3, map[string]any{})
	expect(t, "vote after voting closed", st, body, 412, "VOTING_CLOSED")
	st, body = s.Do("POST", "/v1/rounds/"+w.roundID+"/panels", w.operator, map[string]any{"stage": "REVIEW_STAGE_FINAL", "members": finalPanelMembers("fin", 19, nil)})
	expect(t, "final panel of 19", st, body, 400, "PANEL_BELOW_MINIMUM")
	st, final := s.Do("POST", "/v1/rounds/"+w.roundID+"/panels", w.operator, map[string]any{"stage": "REVIEW_STAGE_FINAL", "members": finalPanelMembers("fin", 20, nil)})
	expect(t, "final panel of 20", st, final, 200, "")
	st, body = s.Do("POST", "/v1/panels/"+str(final["id"])+"/scores", w.operator, map[string]any{"application_id": A, "reviewer_id": "fin-0", "criteria": criteria(77)})
	expect(t, "final score of a finalist", st, body, 200, "")
	st, body = s.Do("POST", "/v1/panels/"+str(final["id"])+"/scores", w.operator, map[string]any{"application_id": E, "reviewer_id": "fin-0", "criteria": criteria(77)})
	expect(t, "final score of a non-finalist", st, body, 412, "APPLICATION_NOT_FINALIST")
	st, body = s.Do("POST", "/v1/panels/"+str(final["id"])+"/scores", w.operator, map[string]any{"application_id": C, "reviewer_id": "fin-0", "criteria": criteria(77)})
	expect(t, "final score of a disqualified application", st, body, 412, "APPLICATION_NOT_FINALIST")

	// Results refuse while a finalist has no final score (only A was scored).
	st, body = s.Do("POST", "/v1/rounds/"+w.roundID+"/results:compute", w.committee, map[string]any{})
	expect(t, "committee computes results", st, body, 403, "PERMISSION_DENIED")
	st, body = s.Do("POST", "/v1/rounds/"+w.roundID+"/results:compute", w.operator, map[string]any{})
	expect(t, "compute results with a finalist unscored", st, body, 412, "SCORES_MISSING")
	st, body = w.advance(t, "PHASE_APPROVAL")
	expect(t, "approval before results", st, body, 412, "RESULTS_NOT_COMPUTED")
	st, body = s.Do("GET", "/v1/rounds/"+w.roundID+"/results", "", nil)
	expect(t, "anonymous reads results", st, body, 404, "NOT_FOUND")
}
