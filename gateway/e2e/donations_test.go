package e2e

import (
	"fmt"
	"net/url"
	"testing"
	"time"
)

// donorToken gets a dev token for a donor user, optionally bound to a donor.
func donorToken(t *testing.T, s *Suite, subject, donorID string) string {
	t.Helper()
	st, body := s.Do("POST", "/v1/dev/tokens", "", map[string]any{"subject": subject, "roles": []string{"DONOR"}, "donor_id": donorID})
	if st != 200 {
		t.Fatalf("dev token: %d %v", st, body)
	}
	return str(body["token"])
}

// TestDonations walks donors, pledges, deposits, receipts, in-kind donations, the donation cutoff, the
// naming right and the ledger through the gateway. Every stage, phase and the cutoff are set through the
// services' APIs: reviews publishes the shortlist into applications, and closing the vote fixes the cutoff.
func TestDonations(t *testing.T) {
	t.Parallel() // each test runs its own suite: their waits overlap
	s := Start(t)
	federation := s.Token("federation-1", []string{"CHARITY_FEDERATION"}, "")
	finance := s.Token("finance-1", []string{"FINANCE"}, "")
	donorA := donorToken(t, s, "donor-user-a", "")
	donorB := donorToken(t, s, "donor-user-b", "")

	// An accepted application (budget 20,000,000 fen) in a round past its submission deadline (SHORTLISTING),
	// through the applications API; the round also holds an idea-only application, never shortlisted.
	w := newReviewRound(t, s, 1, 1)
	organizer, operator := w.organizer, w.operator
	appID := w.apps[0]

	// Donors: validated, sealed, masked; each donor user acts for the donor it registered.
	st, body := s.Do("POST", "/v1/donors", donorA, map[string]any{"name": "Bad Co", "kind": "DONOR_KIND_ENTERPRISE", "uscc": usccBadCheck})
	expect(t, "invalid USCC", st, body, 400, "INVALID_USCC_CHECK_CHARACTER")
	st, body = s.Do("POST", "/v1/donors", federation, map[string]any{"name": "Fed", "kind": "DONOR_KIND_FOUNDATION", "uscc": usccFederationDonor})
	expect(t, "federation creates a donor", st, body, 403, "PERMISSION_DENIED")
	st, a := s.Do("POST", "/v1/donors", donorA, map[string]any{"name": "Weinan Cement Co.", "kind": "DONOR_KIND_ENTERPRISE", "uscc": usccDonorA, "contact_phone": "13912345678"})
	expect(t, "donor A", st, a, 200, "")
	aID := str(a["id"])
	st, b := s.Do("POST", "/v1/donors", donorB, map[string]any{"name": "Wang Fang", "kind": "DONOR_KIND_INDIVIDUAL", "id_number": residentIDDonorB, "contact_phone": "13712345678"})
	expect(t, "donor B", st, b, 200, "")
	bID := str(b["id"])
	st, body = s.Do("GET", "/v1/donors/"+bID, federation, nil)
	expect(t, "federation reads donor B", st, body, 200, "")
	if body["contactPhone"] != "137****5678" || body["idNumber"] != residentIDDonorBMasked {
		t.Fatalf("federation must see masked numbers (137****5678, %s): %v", residentIDDonorBMasked, body)
	}
	st, body = s.Do("GET", "/v1/donors/"+bID, donorB, nil)
	expect(t, "donor B reads itself", st, body, 200, "")
	if body["contactPhone"] != "13712345678" || body["idNumber"] != residentIDDonorB {
		t.Fatalf("owner must see its own numbers: %v", body)
	}
	st, body = s.Do("GET", "/v1/donors/"+bID, donorA, nil)
	expect(t, "donor A reads donor B", st, body, 404, "NOT_FOUND")
	if n := s.Count("SELECT count(*) FROM donations.donors WHERE encode(phone_sealed, 'escape') LIKE '%12345678%'"); n != 0 {
		t.Fatal("a phone number is stored in clear")
	}

	pledge := func(token, donorID, kind string, amount int64, what string) map[string]any {
		t.Helper()
		st, p := s.Do("POST", "/v1/pledges", token, map[string]any{"donor_id": donorID, "application_id": appID, "amount_fen": amount,
			"kind": kind, "agreement_ref": "AG-" + requestID(), "description": "pledge " + what})
		expect(t, "pledge "+what, st, p, 200, "")
		if p["state"] != "PLEDGE_STATE_PLEDGED" {
			t.Fatalf("new pledge: %v", p)
		}
		return p
	}
	st, body = s.Do("POST", "/v1/pledges", donorA, map[string]any{"donor_id": aID, "application_id": appID, "amount_fen": 100, "kind": "PLEDGE_KIND_CASH", "agreement_ref": "AG-0"})
	expect(t, "pledge before shortlisting", st, body, 412, "APPLICATION_NOT_SHORTLISTED")

	// The shortlist, through reviews: a panel scores, the operator computes, the organizer publishes (the
	// stages land in applications); then publicity and, once its period is over, PROMOTION.
	w.publishShortlist(t, func(m, a int) int { return 70 + a })
	if got := stageOf(t, w, appID); got != "STAGE_SHORTLISTED" {
		t.Fatalf("stage after the shortlist = %s, want STAGE_SHORTLISTED", got)
	}
	st, body = w.advance(t, "PHASE_PUBLICITY")
	expect(t, "publicity", st, body, 200, "")
	time.Sleep(publicityPeriod + 200*time.Millisecond)
	st, body = w.advance(t, "PHASE_PROMOTION")
	expect(t, "promotion", st, body, 200, "")

	st, body = s.Do("POST", "/v1/pledges", donorB, map[string]any{"donor_id": aID, "application_id": appID, "amount_fen": 100, "kind": "PLEDGE_KIND_CASH", "agreement_ref": "AG-0"})
	expect(t, "donor B pledges for donor A", st, body, 403, "DONOR_NOT_OWNED")
	a1 := pledge(donorA, aID, "PLEDGE_KIND_CASH", 9_998_000, "A1")
	a2 := pledge(donorA, aID, "PLEDGE_KIND_CASH", 2_000, "A2")
	bLate := pledge(donorB, bID, "PLEDGE_KIND_CASH", 3_000_000, "B cash")
	bKind := pledge(operator, bID, "PLEDGE_KIND_IN_KIND", 600_000, "B in kind")

	// A donor sees only its own donor's pledges, whatever token it holds.
	st, body = s.Do("GET", "/v1/pledges/"+str(a1["id"]), donorB, nil)
	expect(t, "donor B reads donor A's pledge", st, body, 404, "NOT_FOUND")
	st, body = s.Do("GET", "/v1/pledges/"+str(a1["id"]), donorToken(t, s, "donor-user-c", bID), nil)
	expect(t, "a token bound to donor B reads donor A's pledge", st, body, 404, "NOT_FOUND")
	st, body = s.Do("GET", "/v1/pledges/"+str(a1["id"]), donorToken(t, s, "donor-user-d", aID), nil)
	expect(t, "a token bound to donor A reads its pledge", st, body, 200, "")
	st, body = s.Do("GET", "/v1/pledges", donorB, nil)
	expect(t, "donor B lists", st, body, 200, "")
	if n := len(body["pledges"].([]any)); n != 2 {
		t.Fatalf("donor B lists %d pledges, want its 2", n)
	}
	st, body = s.Do("GET", "/v1/pledges?application_id="+appID+"&page_size=3", federation, nil)
	if len(body["pledges"].([]any)) != 3 || body["nextPageToken"] == "" {
		t.Fatalf("federation page 1: %v", body)
	}

	// Cash: PLEDGED → DEPOSITED, confirmed by the federation, with a receipt; idempotent on the bank reference.
	year := time.Now().In(time.FixedZone("CST", 8*3600)).Year()
	deposit := map[string]any{"bank_reference": "ICBC-20260501-0001", "amount_fen": 9_998_000, "deposited_at": time.Now().Add(-time.Minute).UTC().Format(time.RFC3339Nano)}
	st, body = s.Do("POST", "/v1/pledges/"+str(a1["id"])+":confirmDeposit", operator, deposit)
	expect(t, "operator confirms a deposit", st, body, 403, "PERMISSION_DENIED")
	st, dep := s.Do("POST", "/v1/pledges/"+str(a1["id"])+":confirmDeposit", federation, deposit)
	expect(t, "confirm deposit", st, dep, 200, "")
	if dep["state"] != "PLEDGE_STATE_DEPOSITED" || dep["receiptNumber"] != fmt.Sprintf("%d-000001", year) || dep["late"] != false {
		t.Fatalf("deposited: %v", dep)
	}
	st, again := s.Do("POST", "/v1/pledges/"+str(a1["id"])+":confirmDeposit", federation, deposit)
	expect(t, "the same confirmation retried", st, again, 200, "")
	if again["receiptNumber"] != dep["receiptNumber"] || again["confirmTime"] != dep["confirmTime"] {
		t.Fatalf("retry answered differently: %v vs %v", again, dep)
	}
	conflict := map[string]any{"bank_reference": "ICBC-20260501-0001", "amount_fen": 9_999_000, "deposited_at": deposit["deposited_at"]}
	st, body = s.Do("POST", "/v1/pledges/"+str(a1["id"])+":confirmDeposit", federation, conflict)
	expect(t, "same reference, another amount", st, body, 409, "BANK_REFERENCE_CONFLICT")
	st, body = s.Do("POST", "/v1/pledges/"+str(a2["id"])+":confirmDeposit", federation, deposit)
	expect(t, "same reference, another pledge", st, body, 409, "BANK_REFERENCE_CONFLICT")
	padded := map[string]any{"bank_reference": " ICBC-20260501-0001 ", "amount_fen": 2_000, "deposited_at": deposit["deposited_at"]}
	st, body = s.Do("POST", "/v1/pledges/"+str(a2["id"])+":confirmDeposit", federation, padded)
	expect(t, "same reference padded with spaces, another pledge", st, body, 409, "BANK_REFERENCE_CONFLICT")
	huge := map[string]any{"bank_reference": "ICBC-HUGE", "amount_fen": "9223372036854775000", "deposited_at": deposit["deposited_at"]}
	st, body = s.Do("POST", "/v1/pledges/"+str(a2["id"])+":confirmDeposit", federation, huge)
	expect(t, "a deposit of an absurd amount", st, body, 400, "INVALID_AMOUNT")
	future := map[string]any{"bank_reference": "ICBC-FUTURE", "amount_fen": 2_000, "deposited_at": time.Now().Add(time.Hour).UTC().Format(time.RFC3339Nano)}
	st, body = s.Do("POST", "/v1/pledges/"+str(a2["id"])+":confirmDeposit", federation, future)
	expect(t, "a deposit dated in the future", st, body, 400, "DEPOSIT_TIME_IN_FUTURE")
	st, body = s.Do("GET", "/v1/pledges?donor_id="+aID, donorB, nil)
	expect(t, "donor B filters on donor A", st, body, 200, "")
	if ps, _ := body["pledges"].([]any); len(ps) != 0 {
		t.Fatalf("donor B sees donor A's pledges through the donor filter: %v", ps)
	}
	if n := s.Count("SELECT count(*) FROM donations.ledger_transfers WHERE reference = 'pledge:' || $1", str(a1["id"])); n != 1 {
		t.Fatalf("the deposit was booked %d times", n)
	}
	if n := s.Count("SELECT count(*) FROM donations.receipt_counters WHERE last = 1"); n != 1 {
		t.Fatal("refused confirmations advanced the receipt counter")
	}

	// Naming right: 9,998,000 of 20,000,000 is 49.99%: not granted.
	summary := func(asOf string) map[string]any {
		t.Helper()
		path := "/v1/applications/" + appID + "/donationSummary"
		if asOf != "" {
			path += "?as_of=" + url.QueryEscape(asOf)
		}
		st, body := s.Do("GET", path, finance, nil)
		expect(t, "summary", st, body, 200, "")
		return body
	}
	if sum := summary(""); sum["confirmedTotalFen"] != "9998000" || sum["namingRightDonorId"] != "" {
		t.Fatalf("summary at 49.99%%: %v", sum)
	}
	st, body = s.Do("GET", "/v1/applications/"+appID+"/donationSummary", donorA, nil)
	expect(t, "donor reads the summary", st, body, 403, "PERMISSION_DENIED")
	dep2 := map[string]any{"bank_reference": "ICBC-20260501-0002", "amount_fen": 2_000, "deposited_at": time.Now().Add(-time.Second).UTC().Format(time.RFC3339Nano), "request_id": requestID()}
	st, body = s.Do("POST", "/v1/pledges/"+str(a2["id"])+":confirmDeposit", federation, dep2)
	expect(t, "second deposit", st, body, 200, "")
	if body["receiptNumber"] != fmt.Sprintf("%d-000002", year) {
		t.Fatalf("receipts are not sequential: %v", body["receiptNumber"])
	}
	st, body = s.Do("POST", "/v1/pledges/"+str(a2["id"])+":confirmDeposit", federation, dep2)
	expect(t, "request_id retry", st, body, 200, "")
	if sum := summary(""); sum["confirmedTotalFen"] != "10000000" || sum["namingRightDonorId"] != aID {
		t.Fatalf("summary at exactly 50%%: %v", sum)
	}

	// In kind: PLEDGED → APPRAISED (operator) → APPROVED (organizer).
	st, body = s.Do("POST", "/v1/pledges/"+str(bKind["id"])+":approveAppraisal", organizer, map[string]any{})
	expect(t, "approve before appraisal", st, body, 412, "PLEDGE_STATE_INVALID")
	st, body = s.Do("POST", "/v1/pledges/"+str(bKind["id"])+":appraise", organizer, map[string]any{"value_fen": 500_000})
	expect(t, "organizer appraises", st, body, 403, "PERMISSION_DENIED")
	st, body = s.Do("POST", "/v1/pledges/"+str(bKind["id"])+":appraise", operator, map[string]any{"value_fen": 500_000, "notes": "20 wheelchairs at market price"})
	expect(t, "appraise", st, body, 200, "")
	if body["state"] != "PLEDGE_STATE_APPRAISED" || body["appraisedValueFen"] != "500000" {
		t.Fatalf("appraised: %v", body)
	}
	st, body = s.Do("POST", "/v1/pledges/"+str(bKind["id"])+":approveAppraisal", organizer, map[string]any{})
	expect(t, "approve", st, body, 200, "")
	if body["state"] != "PLEDGE_STATE_APPROVED" || body["receiptNumber"] != fmt.Sprintf("%d-000003", year) {
		t.Fatalf("approved: %v", body)
	}
	time.Sleep(10 * time.Millisecond)
	if sum := summary(""); sum["confirmedTotalFen"] != "10500000" || sum["namingRightDonorId"] != aID {
		t.Fatalf("summary with the in-kind donation: %v", sum)
	}

	// The organizer closes the vote: the round enters FINAL_REVIEW and that instant is the donation cutoff.
	// Money deposited at the cutoff is LATE.
	st, round := w.advance(t, "PHASE_FINAL_REVIEW")
	expect(t, "final review", st, round, 200, "")
	cutoff := str(round["donationCutoff"])
	if _, err := time.Parse(time.RFC3339Nano, cutoff); err != nil {
		t.Fatalf("closing the vote set no donation cutoff: %v", round)
	}
	st, body = s.Do("POST", "/v1/pledges", donorB, map[string]any{"donor_id": bID, "application_id": appID, "amount_fen": 100, "kind": "PLEDGE_KIND_CASH", "agreement_ref": "AG-9"})
	expect(t, "pledge after the cutoff", st, body, 412, "ROUND_NOT_ACCEPTING_PLEDGES")
	st, late := s.Do("POST", "/v1/pledges/"+str(bLate["id"])+":confirmDeposit", federation, map[string]any{"bank_reference": "ICBC-LATE-1", "amount_fen": 3_000_000, "deposited_at": cutoff})
	expect(t, "late deposit is still recorded", st, late, 200, "")
	if late["state"] != "PLEDGE_STATE_DEPOSITED" || late["late"] != true || late["receiptNumber"] != fmt.Sprintf("%d-000004", year) {
		t.Fatalf("late deposit: %v", late)
	}
	atCutoff := summary(cutoff)
	if atCutoff["confirmedTotalFen"] != "10500000" || atCutoff["namingRightDonorId"] != aID {
		t.Fatalf("summary at the cutoff: %v", atCutoff)
	}
	if sum := summary(""); sum["confirmedTotalFen"] != "10500000" {
		t.Fatalf("late money counted after the cutoff: %v", sum)
	}
	if n := s.Count("SELECT count(*) FROM donations.ledger_transfers WHERE credit_account = 'late:' || $1::text AND amount_fen = 3000000", appID); n != 1 {
		t.Fatal("the late deposit is not booked to the late account")
	}
	// Late money goes back to the donor.
	st, body = s.Do("POST", "/v1/pledges/"+str(a1["id"])+":refund", federation, map[string]any{"reason": "donor asked"})
	expect(t, "refund of on-time money to a project still in the running", st, body, 412, "PROJECT_NOT_DECLINED")
	st, body = s.Do("POST", "/v1/pledges/"+str(bLate["id"])+":refund", federation, map[string]any{"reason": "arrived after the cutoff"})
	expect(t, "refund late money", st, body, 200, "")
	if body["state"] != "PLEDGE_STATE_REFUNDED" {
		t.Fatalf("refunded: %v", body)
	}

	// The ledger verifies.
	st, body = s.Do("GET", "/v1/ledger:verify", operator, nil)
	expect(t, "operator verifies the ledger", st, body, 403, "PERMISSION_DENIED")
	st, body = s.Do("GET", "/v1/ledger:verify", finance, nil)
	expect(t, "verify", st, body, 200, "")
	if body["balanced"] != true || body["transfers"] != "5" || body["accounts"] != "6" {
		t.Fatalf("ledger: %v", body)
	}
}
