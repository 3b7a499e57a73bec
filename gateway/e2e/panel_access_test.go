package e2e

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// listApplicationIDs lists a round's applications as token sees them, page by page of size, as their IDs in
// the list's order.
func listApplicationIDs(t *testing.T, s *Suite, token, roundID string, size int) []string {
	t.Helper()
	out := []string{}
	next := ""
	for pages := 0; ; pages++ {
		if pages > 20 {
			t.Fatal("the list of applications does not end")
		}
		path := fmt.Sprintf("/v1/rounds/%s/applications?page_size=%d", roundID, size)
		if next != "" {
			path += "&page_token=" + next
		}
		st, body := s.Do("GET", path, token, nil)
		expect(t, "list applications", st, body, 200, "")
		apps, _ := body["applications"].([]any)
		if len(apps) > size {
			t.Fatalf("a page of %d holds %d applications", size, len(apps))
		}
		for _, a := range apps {
			out = append(out, str(a.(map[string]any)["id"]))
		}
		if next = str(body["nextPageToken"]); body["nextPageToken"] == nil || next == "" {
			return out
		}
	}
}

// TestPanelAccess checks what panel members read through the gateway (issue 10): a shortlist panel member
// reads, whole, and lists exactly the accepted applications of its round, and gets 404 for an application of
// another round or one not accepted; a final panel member reads the finalists once the shortlist is
// published; a reviewer on no panel lists nothing and gets 404; a panel missing a kind of the policy's mix is
// refused with PANEL_MIX_INCOMPLETE naming it, one with the mix is created.
func TestPanelAccess(t *testing.T) {
	t.Parallel() // each test runs its own suite: their waits overlap
	s := Start(t)
	w := newReviewRound(t, s, 3, 2)
	P0, P1, P2, D := w.apps[0], w.apps[1], w.apps[2], w.ideaApp
	round1 := []string{P0, P1, P2, D} // accepted, in creation order

	// Another round, still taking applications: X accepted, Y submitted and waiting for initial review.
	st, round := s.Do("POST", "/v1/rounds", w.organizer, map[string]any{"name": "2027年度公益创投 (panel access)", "year": 2027, "notice": roundNotice(),
		"policy": map[string]any{"submission_deadline": time.Now().Add(time.Hour).UTC().Format(time.RFC3339Nano), "publicity_period": publicityPeriod.String(),
			"shortlist_quota": 1, "selection_quota": 1}})
	expect(t, "create the other round", st, round, 200, "")
	round2 := str(round["id"])
	st, body := s.Do("POST", "/v1/rounds/"+round2+":advance", w.organizer, map[string]any{"phase": "PHASE_SOLICITATION"})
	expect(t, "publish the other round", st, body, 200, "")
	submit := func(i int, title string) string {
		applicant := s.Token(fmt.Sprintf("rv-applicant-%d", i), []string{"APPLICANT"}, "")
		st, a := s.Do("POST", "/v1/rounds/"+round2+"/applications", applicant, application(w.orgs[i], title))
		expect(t, "draft in the other round", st, a, 200, "")
		st, body := s.Do("POST", "/v1/applications/"+str(a["id"])+":submit", applicant, map[string]any{"etag": a["etag"]})
		expect(t, "submit in the other round", st, body, 200, "")
		return str(a["id"])
	}
	X, Y := submit(0, "Other round accepted"), submit(1, "Other round submitted")
	st, body = s.Do("GET", "/v1/applications/"+X, w.operator, nil)
	expect(t, "read before the review", st, body, 200, "")
	st, body = s.Do("POST", "/v1/applications/"+X+":review", w.operator, map[string]any{"decision": "REVIEW_DECISION_ACCEPT", "etag": body["etag"]})
	expect(t, "accept in the other round", st, body, 200, "")

	// Panels: a kind of the mix missing is refused, naming it; panels with the mix are created.
	noMedia := panelMembers("rev", 10, func(i int, m map[string]any) {
		if m["kind"] == "MEMBER_KIND_MEDIA" {
			m["kind"] = "MEMBER_KIND_EXPERT"
		}
	})
	st, body = s.Do("POST", "/v1/rounds/"+w.roundID+"/panels", w.operator, map[string]any{"stage": "REVIEW_STAGE_SHORTLIST", "members": noMedia})
	expect(t, "shortlist panel without media", st, body, 400, "PANEL_MIX_INCOMPLETE")
	if msg := str(body["message"]); !strings.Contains(msg, "missing MEDIA (0 of 1)") {
		t.Fatalf("refusal does not name the missing kind: %q", msg)
	}
	st, body = s.Do("POST", "/v1/rounds/"+w.roundID+"/panels", w.operator, map[string]any{"stage": "REVIEW_STAGE_FINAL", "members": panelMembers("fin", 20, nil)})
	expect(t, "final panel without a donor representative", st, body, 400, "PANEL_MIX_INCOMPLETE")
	if msg := str(body["message"]); !strings.Contains(msg, "missing DONOR_REP (0 of 1)") || strings.Contains(msg, "MEDIA") {
		t.Fatalf("refusal does not name exactly the missing kind: %q", msg)
	}
	st, panel := s.Do("POST", "/v1/rounds/"+w.roundID+"/panels", w.operator, map[string]any{"stage": "REVIEW_STAGE_SHORTLIST", "members": panelMembers("rev", 10, nil)})
	expect(t, "shortlist panel with the mix", st, panel, 200, "")
	st, final := s.Do("POST", "/v1/rounds/"+w.roundID+"/panels", w.operator, map[string]any{"stage": "REVIEW_STAGE_FINAL", "members": finalPanelMembers("fin", 20, nil)})
	expect(t, "final panel with the mix", st, final, 200, "")
	st, other := s.Do("POST", "/v1/rounds/"+round2+"/panels", w.operator, map[string]any{"stage": "REVIEW_STAGE_SHORTLIST", "members": panelMembers("r2", 10, nil)})
	expect(t, "shortlist panel of the other round", st, other, 200, "")

	shortMember := s.Token("rev-3", []string{"REVIEWER"}, "")
	finalMember := s.Token("fin-0", []string{"REVIEWER"}, "")
	otherMember := s.Token("r2-0", []string{"REVIEWER"}, "")
	nobody := s.Token("rev-99", []string{"REVIEWER"}, "")

	// readsWhole checks token reads the application exactly as staff do (whole, with the automatic checks).
	readsWhole := func(who, token, appID string) {
		t.Helper()
		st, got := s.Do("GET", "/v1/applications/"+appID, token, nil)
		expect(t, who+" reads "+appID, st, got, 200, "")
		st, staff := s.Do("GET", "/v1/applications/"+appID, w.operator, nil)
		expect(t, "operator reads "+appID, st, staff, 200, "")
		if got["etag"] == "" || len(got["automaticChecks"].([]any)) == 0 || !reflect.DeepEqual(got, staff) {
			t.Fatalf("%s reads %s:\n%v\nstaff read:\n%v", who, appID, got, staff)
		}
	}
	notFound := func(who, token, appID string) {
		t.Helper()
		st, body := s.Do("GET", "/v1/applications/"+appID, token, nil)
		expect(t, who+" reads "+appID, st, body, 404, "NOT_FOUND")
	}
	lists := func(who, token, roundID string, want []string) {
		t.Helper()
		for _, size := range []int{3, 100} {
			if got := listApplicationIDs(t, s, token, roundID, size); !slices.Equal(got, want) {
				t.Fatalf("%s lists %v by pages of %d, want %v", who, got, size, want)
			}
		}
	}

	// Before the shortlist: the shortlist member reads and lists exactly its round's accepted applications.
	for _, a := range round1 {
		readsWhole("shortlist member", shortMember, a)
	}
	lists("shortlist member", shortMember, w.roundID, round1)
	notFound("shortlist member", shortMember, X) // accepted, of another round
	notFound("shortlist member", shortMember, Y)
	lists("shortlist member", shortMember, round2, []string{})
	readsWhole("other round's member", otherMember, X)
	notFound("other round's member", otherMember, Y) // not accepted
	notFound("other round's member", otherMember, P0)
	lists("other round's member", otherMember, round2, []string{X})
	lists("other round's member", otherMember, w.roundID, []string{})
	for _, a := range append(round1, X) {
		notFound("reviewer on no panel", nobody, a)
		notFound("final member before the shortlist", finalMember, a)
	}
	lists("reviewer on no panel", nobody, w.roundID, []string{})
	lists("final member before the shortlist", finalMember, w.roundID, []string{})

	// Organisations: masked to a member whose panel scores one of theirs, NOT_FOUND to a reviewer on no panel.
	st, org := s.Do("GET", "/v1/organizations/"+w.orgs[0], shortMember, nil)
	expect(t, "shortlist member reads an applicant organisation", st, org, 200, "")
	if org["id"] != w.orgs[0] {
		t.Fatalf("organisation read: %v", org)
	}
	st, body = s.Do("GET", "/v1/organizations/"+w.orgs[0], nobody, nil)
	expect(t, "reviewer on no panel reads an organisation", st, body, 404, "NOT_FOUND")

	// The shortlist (P0 90, P1 80, P2 70, D 60, quota 2) is published: P0 and P1 are the finalists.
	w.scoreAll(t, str(panel["id"]), 10, func(_, a int) int { return 90 - 10*a }, nil)
	st, body = s.Do("POST", "/v1/rounds/"+w.roundID+"/shortlist:compute", w.operator, map[string]any{})
	expect(t, "compute shortlist", st, body, 200, "")
	st, body = s.Do("POST", "/v1/rounds/"+w.roundID+"/shortlist:publish", w.organizer, map[string]any{})
	expect(t, "publish shortlist", st, body, 200, "")
	for _, a := range []string{P0, P1} {
		readsWhole("final member", finalMember, a)
		st, pub := s.Do("GET", "/v1/applications/"+a, nobody, nil)
		expect(t, "reviewer on no panel reads a finalist", st, pub, 200, "")
		if pub["etag"] != "" || len(pub["automaticChecks"].([]any)) != 0 {
			t.Fatalf("a reviewer on no panel reads more than a finalist's public fields: %v", pub)
		}
	}
	notFound("final member", finalMember, P2) // not shortlisted
	notFound("final member", finalMember, D)  // idea-only: never on the shortlist
	lists("final member", finalMember, w.roundID, []string{P0, P1})
	lists("shortlist member", shortMember, w.roundID, round1)
	lists("reviewer on no panel", nobody, w.roundID, []string{})
}
