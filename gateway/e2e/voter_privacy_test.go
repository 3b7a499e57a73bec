package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// voterBytes reads one bytea value from the suite's database.
func (s *Suite) voterBytes(query string, args ...any) []byte {
	s.t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.DBURL)
	if err != nil {
		s.t.Fatal(err)
	}
	defer conn.Close(ctx)
	var b []byte
	if err := conn.QueryRow(ctx, query, args...).Scan(&b); err != nil {
		s.t.Fatalf("%s: %v", query, err)
	}
	return b
}

// voterExportItems maps "category.field" to the values of an export's items.
func voterExportItems(body map[string]any) map[string][]string {
	out := map[string][]string{}
	items, _ := body["items"].([]any)
	for _, x := range items {
		it := x.(map[string]any)
		k := str(it["category"]) + "." + str(it["field"])
		out[k] = append(out[k], str(it["value"]))
	}
	return out
}

// TestVoterPersonalData: a voter who voted and complained (with a contact) exports its data with its token,
// the network of its vote and its contact included; an organizer exports by phone only with a reason; the
// erasure leaves neither the phone, the contact, the phone's HMAC nor the sealed contact anywhere in the
// database, while the tallies stay as they were; the audit trail lists the exports and the erasure.
func TestVoterPersonalData(t *testing.T) {
	t.Parallel()
	_, dbURL := emptyDB.Database(t)
	s := StartWith(t, Options{DBURL: dbURL, GatewayEnv: []string{"TRUSTED_PROXIES=127.0.0.1/32", "VOTER_CODE_RATE_LIMIT=0", "VOTE_RATE_LIMIT=0"}})
	w := newReviewRound(t, s, 2, 2)
	A, B := w.apps[0], w.apps[1]
	w.publishShortlist(t, func(_, a int) int { return 80 - 5*a })
	const phone, contact = "13800000091", "li.lei.voter91@example.org"
	token := voter(t, s, phone)
	other := voter(t, s, "13800000092")
	st, body := w.advance(t, "PHASE_PUBLICITY")
	expect(t, "publicity", st, body, 200, "")
	st, c := s.Do("POST", "/v1/rounds/"+w.roundID+"/complaints", "", map[string]any{"application_id": B, "content": "B's budget is padded", "contact": contact,
		"request_id": "privacy-complaint-1"}, "X-Voter-Token", token)
	expect(t, "complaint with a contact", st, c, 200, "")
	phoneHMAC := s.voterBytes(`SELECT v.phone_hmac FROM reviews.voters v JOIN reviews.complaints c ON c.voter_id = v.id WHERE c.id = $1`, str(c["id"]))
	sealedContact := s.voterBytes(`SELECT contact_sealed FROM reviews.complaints WHERE id = $1`, str(c["id"]))
	if len(phoneHMAC) == 0 || len(sealedContact) == 0 {
		t.Fatal("no phone HMAC or sealed contact stored")
	}
	time.Sleep(publicityPeriod + 200*time.Millisecond)
	st, body = s.Do("POST", "/v1/complaints/"+str(c["id"])+":resolve", w.operator, map[string]any{"outcome": "COMPLAINT_OUTCOME_DISMISSED", "reason": "re-costed"})
	expect(t, "dismiss", st, body, 200, "")
	st, body = w.advance(t, "PHASE_PROMOTION")
	expect(t, "promotion", st, body, 200, "")

	votePath := "/v1/rounds/" + w.roundID + "/applications/" + A + "/votes"
	st, body = s.Do("POST", votePath, "", map[string]any{"request_id": "privacy-vote-1"}, "X-Voter-Token", token, "X-Forwarded-For", "203.0.113.91")
	expect(t, "vote", st, body, 200, "")
	st, body = s.Do("POST", votePath, "", map[string]any{}, "X-Voter-Token", other, "X-Forwarded-For", "198.51.100.7")
	expect(t, "another voter's vote", st, body, 200, "")
	st, tallies := s.Do("GET", "/v1/rounds/"+w.roundID+"/tallies", "", nil)
	expect(t, "tallies", st, tallies, 200, "")

	// Export: the voter with its token; an organizer by phone with the subject's request reference.
	st, body = s.Do("POST", "/v1/voters:exportData", "", map[string]any{})
	expect(t, "export without a token", st, body, 401, "VOTER_TOKEN_INVALID")
	st, body = s.Do("POST", "/v1/voters:exportData", w.operator, map[string]any{"phone": phone, "reason": "REQ-2026-91"})
	expect(t, "operator exports by phone", st, body, 403, "PERMISSION_DENIED")
	st, body = s.Do("POST", "/v1/voters:exportData", w.organizer, map[string]any{"phone": phone})
	expect(t, "organizer exports by phone without reason", st, body, 400, "PERSONAL_DATA_REASON_REQUIRED")
	st, own := s.Do("POST", "/v1/voters:exportData", "", map[string]any{}, "X-Voter-Token", token)
	expect(t, "voter exports its data", st, own, 200, "")
	items := voterExportItems(own)
	for k, want := range map[string]string{"vote.application_id": A, "vote.client_network": "203.0.113.0/24", "complaint.contact": contact,
		"complaint.content": "B's budget is padded"} {
		if fmt.Sprint(items[k]) != "["+want+"]" {
			t.Errorf("export %s = %v, want [%s]", k, items[k], want)
		}
	}
	voterID := str(own["subjectId"])
	if own["subjectKind"] != "SUBJECT_KIND_VOTER" || voterID == "" || len(items["voter.phone"]) != 0 {
		t.Fatalf("the voter's export: %v", own)
	}
	st, byPhone := s.Do("POST", "/v1/voters:exportData", w.organizer, map[string]any{"phone": phone, "reason": "REQ-2026-91"})
	expect(t, "organizer exports by phone", st, byPhone, 200, "")
	if byPhone["subjectId"] != voterID || fmt.Sprint(voterExportItems(byPhone)["voter.phone"]) != "["+phone+"]" {
		t.Fatalf("organizer's export: %v", byPhone)
	}

	// Erasure by the voter; nothing of the phone or the contact is left anywhere.
	st, erased := s.Do("POST", "/v1/voters:eraseData", "", map[string]any{"request_id": "privacy-erase-1"}, "X-Voter-Token", token)
	expect(t, "voter erases its data", st, erased, 200, "")
	if n, _ := erased["erasedValues"].(float64); n < 6 || fmt.Sprint(erased["retained"]) != "[1 votes stay counted, anonymous 1 complaints stay, without contact and no longer linked to the voter]" {
		t.Fatalf("erasure: %v", erased)
	}
	if found := s.Holding([]byte(phone), []byte(contact), phoneHMAC, sealedContact); len(found) != 0 {
		t.Fatalf("after the erasure the phone, the contact or their stored forms are still in %v", found)
	}
	if n := s.Count(`SELECT count(*) FROM reviews.idempotency_keys WHERE request_id LIKE '%' || $1 || '%'`, voterID); n != 0 {
		t.Fatalf("%d stored answers of the erased voter's requests are left", n)
	}
	if n := s.Count(`SELECT count(*) FROM reviews.votes WHERE voter_id = $1 AND client_network IS NULL`, voterID); n != 1 {
		t.Fatalf("the erased voter's vote: %d, want it kept without its network", n)
	}
	st, body = s.Do("GET", "/v1/rounds/"+w.roundID+"/tallies", "", nil)
	expect(t, "tallies after the erasure", st, body, 200, "")
	if fmt.Sprint(body) != fmt.Sprint(tallies) {
		t.Fatalf("tallies after the erasure: %v, were %v", body, tallies)
	}
	st, body = s.Do("POST", "/v1/voters:eraseData", "", map[string]any{"request_id": "privacy-erase-1"}, "X-Voter-Token", token)
	if st != 200 || body["erasedValues"] != erased["erasedValues"] || body["eraseTime"] != erased["eraseTime"] {
		t.Fatalf("retried erasure: %d %v, want the first answer %v", st, body, erased)
	}
	st, body = s.Do("POST", "/v1/voters:eraseData", "", map[string]any{}, "X-Voter-Token", token)
	expect(t, "erase again: the token is gone", st, body, 401, "VOTER_TOKEN_INVALID")
	st, body = s.Do("POST", "/v1/voters:eraseData", w.organizer, map[string]any{"phone": phone, "reason": "REQ-2026-92"})
	expect(t, "erase again by phone: no voter has it", st, body, 404, "NOT_FOUND")

	// The audit trail: organizer and auditor, newest first.
	st, body = s.Do("GET", "/v1/personalDataRequests/voters?subject_id="+voterID, w.operator, nil)
	expect(t, "operator reads the audit trail", st, body, 403, "PERMISSION_DENIED")
	st, body = s.Do("GET", "/v1/personalDataRequests/voters?subject_id="+voterID, s.Token("pd-auditor", []string{"AUDITOR"}, ""), nil)
	expect(t, "auditor reads the audit trail", st, body, 200, "")
	reqs, _ := body["requests"].([]any)
	var actions []string
	for _, x := range reqs {
		r := x.(map[string]any)
		actions = append(actions, str(r["action"])+" by "+str(r["requestedBy"])+" "+str(r["reason"]))
	}
	want := []string{"PERSONAL_DATA_ACTION_ERASE by voter:" + voterID + " ", "PERSONAL_DATA_ACTION_EXPORT by rv-organizer REQ-2026-91",
		"PERSONAL_DATA_ACTION_EXPORT by voter:" + voterID + " "}
	if fmt.Sprint(actions) != fmt.Sprint(want) {
		t.Fatalf("audit trail: %q, want %q", actions, want)
	}
}
