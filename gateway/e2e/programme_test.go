package e2e

import (
	"net/url"
	"testing"
	"time"
)

// TestProgrammeAcrossServices takes one round from the shortlist to the final review with every step through
// the gateway and no state set by hand: reviews publishes stages into applications, donations checks them
// before taking a pledge, reviews asks donations who pledged (a donor representative is recused) and what
// was confirmed at the cutoff, and the results refuse while the funding service is down.
func TestProgrammeAcrossServices(t *testing.T) {
	t.Parallel() // each test runs its own suite: their waits overlap
	s := Start(t)
	w := newReviewRound(t, s, 2, 2)
	A, B, D := w.apps[0], w.apps[1], w.ideaApp
	federation := s.Token("fed-1", []string{"CHARITY_FEDERATION"}, "")

	// Shortlist: scored, computed and published by reviews; the stages land in applications.
	w.publishShortlist(t, func(m, a int) int { return 70 + a })
	for app, want := range map[string]string{A: "STAGE_SHORTLISTED", B: "STAGE_SHORTLISTED", D: "STAGE_NOT_SHORTLISTED"} {
		if got := stageOf(t, w, app); got != want {
			t.Fatalf("stage of %s = %s, want %s", app, got, want)
		}
	}
	st, body := w.advance(t, "PHASE_PUBLICITY")
	expect(t, "publicity", st, body, 200, "")

	// Once shortlisted, anyone reads an application's public fields, and only those.
	st, pub := s.Do("GET", "/v1/applications/"+A, "", nil)
	expect(t, "anonymous reads a shortlisted application", st, pub, 200, "")
	if pub["title"] != "Project 0" || pub["stage"] != "STAGE_SHORTLISTED" || pub["etag"] != "" || len(pub["team"].([]any)) != 0 || len(pub["automaticChecks"].([]any)) != 0 {
		t.Fatalf("public view of a shortlisted application: %v", pub)
	}
	st, body = s.Do("GET", "/v1/applications/"+D, "", nil)
	expect(t, "anonymous reads a not shortlisted application", st, body, 404, "NOT_FOUND")

	// Donations asks applications for the stage and the phase before taking a pledge.
	donorUser := donorToken(t, s, "donor-user-x", "")
	st, donor := s.Do("POST", "/v1/donors", donorUser, map[string]any{"name": "Weinan Building Materials Co.", "kind": "DONOR_KIND_ENTERPRISE", "uscc": usccProgrammeDonor})
	expect(t, "donor", st, donor, 200, "")
	donorID := str(donor["id"])
	pledge := func(appID string, amount int64, ref string) (int, map[string]any) {
		return s.Do("POST", "/v1/pledges", donorUser, map[string]any{"donor_id": donorID, "application_id": appID, "amount_fen": amount, "kind": "PLEDGE_KIND_CASH", "agreement_ref": ref})
	}
	st, body = pledge(D, 100_000, "AG-D")
	if st != 412 {
		t.Fatalf("pledge to a not shortlisted application: %d %v, want 412", st, body)
	}
	st, p1 := pledge(A, 5_000_000, "AG-A-1")
	expect(t, "pledge to a shortlisted application", st, p1, 200, "")

	// The final panel's donor representative for that donor is recused on A: reviews asked donations.
	st, final := s.Do("POST", "/v1/rounds/"+w.roundID+"/panels", w.operator, map[string]any{"stage": "REVIEW_STAGE_FINAL",
		"members": panelMembers("fin", 20, func(i int, m map[string]any) {
			if i == 0 {
				m["kind"], m["donor_id"] = "MEMBER_KIND_DONOR_REP", donorID
			}
		})})
	expect(t, "final panel", st, final, 200, "")
	finalID := str(final["id"])
	recs := final["recusals"].([]any)
	if len(recs) != 1 || recs[0].(map[string]any)["reviewerId"] != "fin-0" || recs[0].(map[string]any)["applicationId"] != A {
		t.Fatalf("donor representative not recused on the application its donor pledged to: %v", recs)
	}

	time.Sleep(publicityPeriod + 200*time.Millisecond)
	st, body = w.advance(t, "PHASE_PROMOTION")
	expect(t, "promotion", st, body, 200, "")
	st, dep := s.Do("POST", "/v1/pledges/"+str(p1["id"])+":confirmDeposit", federation, map[string]any{
		"bank_reference": "BOC-PRG-0001", "amount_fen": 5_000_000, "deposited_at": time.Now().UTC().Format(time.RFC3339Nano)})
	expect(t, "deposit", st, dep, 200, "")
	if dep["late"] != false || dep["receiptNumber"] == "" {
		t.Fatalf("deposit before the cutoff: %v", dep)
	}
	st, p2 := pledge(A, 1_000_000, "AG-A-2")
	expect(t, "second pledge", st, p2, 200, "")
	st, body = s.Do("POST", "/v1/rounds/"+w.roundID+"/applications/"+A+"/votes", "", map[string]any{}, "X-Voter-Token", voter(t, s, "13500001111"))
	expect(t, "vote", st, body, 200, "")

	// Closing the vote fixes the donation cutoff; money after it is recorded LATE and does not count.
	st, round := w.advance(t, "PHASE_FINAL_REVIEW")
	expect(t, "final review", st, round, 200, "")
	cutoff := str(round["donationCutoff"])
	st, late := s.Do("POST", "/v1/pledges/"+str(p2["id"])+":confirmDeposit", federation, map[string]any{
		"bank_reference": "BOC-PRG-0002", "amount_fen": 1_000_000, "deposited_at": time.Now().UTC().Format(time.RFC3339Nano)})
	expect(t, "late deposit", st, late, 200, "")
	if late["late"] != true {
		t.Fatalf("deposit after the cutoff not marked late: %v", late)
	}
	st, sum := s.Do("GET", "/v1/applications/"+A+"/donationSummary?as_of="+url.QueryEscape(cutoff), w.operator, nil)
	expect(t, "summary at the cutoff", st, sum, 200, "")
	if sum["confirmedTotalFen"] != "5000000" {
		t.Fatalf("confirmed at the cutoff = %v, want 5000000 (the late 1000000 must not count)", sum["confirmedTotalFen"])
	}
	st, sum = s.Do("GET", "/v1/applications/"+A+"/donationSummary", w.operator, nil)
	if sum["confirmedTotalFen"] != "5000000" {
		t.Fatalf("confirmed now = %v: late money never counts", sum["confirmedTotalFen"])
	}

	// Final scores: the recused donor representative is refused, another member is not.
	st, body = s.Do("POST", "/v1/panels/"+finalID+"/scores", w.operator, map[string]any{"application_id": A, "reviewer_id": "fin-0", "criteria": criteria(90)})
	expect(t, "donor representative scores its donor's project", st, body, 412, "REVIEWER_RECUSED")
	st, body = s.Do("POST", "/v1/panels/"+finalID+"/scores", w.operator, map[string]any{"application_id": B, "reviewer_id": "fin-0", "criteria": criteria(90)})
	expect(t, "donor representative scores another project", st, body, 200, "")
	for m := 1; m < 20; m++ {
		for _, app := range []string{A, B} {
			st, body = s.Do("POST", "/v1/panels/"+finalID+"/scores", w.operator, map[string]any{"application_id": app, "reviewer_id": "fin-" + itoa(m), "criteria": criteria(80)})
			expect(t, "final score", st, body, 200, "")
		}
	}
	// While funding cannot answer, the results refuse rather than guess the government shares.
	s.Stop("funding")
	st, body = s.Do("POST", "/v1/rounds/"+w.roundID+"/results:compute", w.operator, map[string]any{})
	expect(t, "results without the funding service", st, body, 503, "FUNDING_UNAVAILABLE")

	st, body = s.Do("GET", "/v1/ledger:verify", federation, nil)
	expect(t, "ledger", st, body, 200, "")
	if body["balanced"] != true {
		t.Fatalf("ledger not balanced: %v", body)
	}
}

func itoa(i int) string { return str(i) }
