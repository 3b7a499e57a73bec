package e2e

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// personalNumber is an 18-character resident ID number or an 11-digit mobile phone number.
var personalNumber = regexp.MustCompile(`\b\d{17}[\dX]\b|\b1\d{10}\b`)

// noPersonalNumbers fails t when a feed's answer holds a fixture's personal number, phone or payee account, or
// anything shaped like one.
func noPersonalNumbers(t *testing.T, what string, body map[string]any, secrets ...string) {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range secrets {
		if strings.Contains(string(raw), secret) {
			t.Errorf("%s carries %s: %s", what, secret, raw)
		}
	}
	if found := personalNumber.FindString(string(raw)); found != "" {
		t.Errorf("%s carries %s: %s", what, found, raw)
	}
}

// feedKinds counts a public feed page's items by kind and project.
func feedKinds(body map[string]any) map[string]int {
	out := map[string]int{}
	for _, it := range body["items"].([]any) {
		item := it.(map[string]any)
		out[str(item["kind"])]++
		out[str(item["kind"])+"/"+str(item["projectId"])]++
	}
	return out
}

// TestDisclosureFeeds takes a funded round through a paid tranche and a clawback and reads the public feed
// anonymously (polling on with the last item's ID) and the donor's feed: the right events, stable IDs, and no
// personal number, phone or payee account anywhere.
func TestDisclosureFeeds(t *testing.T) {
	t.Parallel() // each test runs its own suite: their waits overlap
	s := Start(t)
	f := newFundedRound(t, s, []int64{5_000_000, 0, 0}, 55_000_000)
	A := f.apps[0]
	for _, app := range f.apps {
		waitStage(t, s, f.operator, app, "STAGE_SELECTED")
	}
	feed := "/v1/public/rounds/" + f.roundID + "/disclosures"
	st, first := s.Do("GET", feed+"?page_size=100", "", nil)
	expect(t, "public feed", st, first, 200, "")
	kinds := feedKinds(first)
	if kinds["DISCLOSURE_KIND_SHORTLIST_PUBLISHED"] != 3 || kinds["DISCLOSURE_KIND_RESULTS_SIGNED_OFF"] < 3 || kinds["DISCLOSURE_KIND_TRANCHE_PAID"] != 0 {
		t.Fatalf("public feed after the results: %v", first)
	}
	items := first["items"].([]any)
	last := str(items[len(items)-1].(map[string]any)["itemId"])

	// A: contract and payee, tranche 1 paid, the mid-term evaluation verifying 1,000,000, suspension, clawback.
	plans := f.createPlans(t)
	aID := str(plans[A]["id"])
	f.activate(t, 0, aID)
	f.payTranche(t, aID, 1, true)
	st, body := s.Do("POST", "/v1/projects/"+A+"/evaluations", f.operator, map[string]any{"kind": "EVALUATION_KIND_MIDTERM",
		"result": "EVALUATION_RESULT_PASSED", "verified_spending_fen": 1_000_000, "findings": "accounts checked on site"})
	expect(t, "mid-term evaluation", st, body, 200, "")
	st, body = s.Do("POST", "/v1/plans/"+aID+":suspend", f.organizer, map[string]any{"reason": "funds used for unrelated purchases"})
	expect(t, "suspend A", st, body, 200, "")
	st, plan := s.Do("POST", "/v1/plans/"+aID+":clawback", f.organizer, map[string]any{"reason": "unspent funds"})
	expect(t, "clawback A", st, plan, 200, "")
	tranche1 := plan["tranches"].([]any)[0].(map[string]any)

	// Polling on from the last item seen gives exactly the two new events, in order.
	st, more := s.Do("GET", feed+"?after_item_id="+last, "", nil)
	expect(t, "poll after the last item", st, more, 200, "")
	newItems := more["items"].([]any)
	if len(newItems) != 2 {
		t.Fatalf("new items: %v", more)
	}
	paid, clawback := newItems[0].(map[string]any), newItems[1].(map[string]any)
	if paid["kind"] != "DISCLOSURE_KIND_TRANCHE_PAID" || paid["projectId"] != A || paid["tranche"].(map[string]any)["amountFen"] != tranche1["amountFen"] {
		t.Errorf("tranche item: %v (tranche %v)", paid, tranche1)
	}
	if c := clawback["clawback"].(map[string]any); clawback["kind"] != "DISCLOSURE_KIND_CLAWBACK" || c["clawbackFen"] != plan["clawbackFen"] ||
		c["donationFen"] != plan["clawbackDonationFen"] {
		t.Errorf("clawback item: %v (plan %v)", clawback, plan)
	}
	// Paging the whole feed two at a time, filtered to A, gives A's items once each, the same IDs as before.
	seen, token := map[string]bool{}, ""
	for {
		st, page := s.Do("GET", feed+"?page_size=2&project_id="+A+"&page_token="+token, "", nil)
		expect(t, "page of A's items", st, page, 200, "")
		for _, it := range page["items"].([]any) {
			item := it.(map[string]any)
			if id := str(item["itemId"]); seen[id] || item["projectId"] != A {
				t.Fatalf("item %v twice or of another project", item)
			}
			seen[str(item["itemId"])] = true
		}
		if token = str(page["nextPageToken"]); token == "" {
			break
		}
	}
	if len(seen) != 4 || !seen[str(paid["itemId"])] || !seen[str(clawback["itemId"])] { // shortlist, results, tranche, clawback
		t.Fatalf("A's items: %v", seen)
	}

	// The donor's feed: its pledge to A deposited, drawing A's whole match (the only deposit), paying A's
	// tranche 1 donation share and owing the clawback's donation part. Another donor's feed is 404.
	st, pledges := s.Do("GET", "/v1/pledges?application_id="+A, f.auditor, nil)
	expect(t, "pledges of A", st, pledges, 200, "")
	donorID := str(pledges["pledges"].([]any)[0].(map[string]any)["donorId"])
	st, mine := s.Do("GET", "/v1/donors/"+donorID+"/disclosures", donorToken(t, s, "fd-donor", donorID), nil)
	expect(t, "donor feed", st, mine, 200, "")
	lines := mine["pledges"].([]any)
	line := lines[0].(map[string]any)
	if len(lines) != 1 || line["projectId"] != A || line["depositedFen"] != "5000000" || line["matchedFen"] != plans[A]["matchFen"] ||
		line["disbursedFen"] != tranche1["donationFen"] || line["clawbackFen"] != plan["clawbackDonationFen"] || line["planState"] != "PLAN_STATE_SUSPENDED" {
		t.Fatalf("donor feed: %v (plan %v)", mine, plan)
	}
	other := donorToken(t, s, "fd-other-donor", "00000000-0000-4000-8000-000000000001")
	st, body = s.Do("GET", "/v1/donors/"+donorID+"/disclosures", other, nil)
	expect(t, "another donor's feed", st, body, 404, "DONOR_NOT_FOUND")
	st, body = s.DoInvalid("GET", "/v1/donors/"+donorID+"/disclosures", "", nil)
	expect(t, "an anonymous caller's donor feed", st, body, 403, "PERMISSION_DENIED")

	// No personal number, phone or payee account anywhere (the idea-only applicant is an individual).
	st, all := s.Do("GET", feed+"?page_size=100", "", nil)
	expect(t, "whole public feed", st, all, 200, "")
	payee := "6222020012345678900" // f.activate's account of project 0
	for what, b := range map[string]map[string]any{"public feed": all, "donor feed": mine} {
		noPersonalNumbers(t, what, b, residentIDIdeaOnly, payee)
	}
}
