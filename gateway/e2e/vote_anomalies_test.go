package e2e

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"
)

// TestVoteAnomaliesAndVoiding: behind a trusted proxy (the test, on 127.0.0.1) the gateway tells the reviews
// service each voter's network. Six voters from one /24 vote for B at once, two voters from elsewhere for A:
// the staff see a NETWORK_CLUSTER and a BURST with exactly B's six votes (the public may not look); the
// operator voids them with a reason; the tallies drop by six, the voided list shows them with the reason,
// every vote row is kept, and the signals are gone.
func TestVoteAnomaliesAndVoiding(t *testing.T) {
	t.Parallel() // each test runs its own suite: their waits overlap
	s := Start(t, "TRUSTED_PROXIES=127.0.0.1/32", "VOTE_RATE_LIMIT=0", "VOTER_CODE_RATE_LIMIT=0")
	w := newReviewRound(t, s, 2, 2)
	A, B := w.apps[0], w.apps[1]
	auditor := s.Token("va-auditor", []string{"AUDITOR"}, "")

	w.publishShortlist(t, func(m, a int) int { return 70 + a })
	st, body := w.advance(t, "PHASE_PUBLICITY")
	expect(t, "publicity", st, body, 200, "")
	time.Sleep(publicityPeriod + 200*time.Millisecond)
	st, body = w.advance(t, "PHASE_PROMOTION")
	expect(t, "promotion", st, body, 200, "")

	vote := func(app, token, clientAddr string) map[string]any {
		t.Helper()
		st, body := s.Do("POST", "/v1/rounds/"+w.roundID+"/applications/"+app+"/votes", "", map[string]any{},
			"X-Voter-Token", token, "X-Forwarded-For", clientAddr)
		expect(t, "vote from "+clientAddr, st, body, 200, "")
		return body
	}
	for i, addr := range []string{"198.51.100.7", "2001:db8:5:6::9"} {
		vote(A, voter(t, s, fmt.Sprintf("1370000010%d", i)), addr)
	}

	// The burst counts in one day-long bucket (UTC days): a burst straddling midnight would count in two, so
	// the test does not start one in the last minutes of a day.
	if now := time.Now().UTC(); now.Add(5*time.Minute).Day() != now.Day() {
		time.Sleep(time.Until(now.Truncate(24 * time.Hour).Add(24*time.Hour + time.Second)))
	}
	var tokens []string
	for i := range 6 {
		tokens = append(tokens, voter(t, s, fmt.Sprintf("1370000020%d", i)))
	}
	var burst []string
	for i, token := range tokens {
		v := vote(B, token, fmt.Sprintf("203.0.113.%d", 10+i))
		if v["clientNetwork"] != "203.0.113.0/24" {
			t.Fatalf("vote from 203.0.113.%d records network %v, want 203.0.113.0/24", 10+i, v["clientNetwork"])
		}
		burst = append(burst, str(v["id"]))
	}
	before := tallies(t, s, w.roundID)
	if before[A] != "2" || before[B] != "6" {
		t.Fatalf("tallies before voiding = %v, want A 2, B 6", before)
	}

	anomaliesPath := "/v1/rounds/" + w.roundID + "/voteAnomalies?min_network_voters=5&min_burst_votes=5&burst_window_seconds=86400"
	st, body = s.DoInvalid("GET", anomaliesPath, "", nil)
	expect(t, "the public lists vote anomalies", st, body, 403, "PERMISSION_DENIED")
	st, body = s.Do("GET", "/v1/rounds/"+w.roundID+"/voteAnomalies?min_burst_votes=-1", w.operator, nil)
	expect(t, "negative threshold", st, body, 400, "INVALID_THRESHOLD")
	signals := func(token string) map[string]map[string]any {
		t.Helper()
		st, body := s.Do("GET", anomaliesPath, token, nil)
		expect(t, "vote anomalies", st, body, 200, "")
		out := map[string]map[string]any{}
		for _, x := range body["anomalies"].([]any) {
			a := x.(map[string]any)
			key := str(a["kind"]) + " " + str(a["network"]) + str(a["applicationId"])
			if _, dup := out[key]; dup {
				t.Fatalf("signal %s twice: %v", key, body)
			}
			out[key] = a
		}
		return out
	}
	got := signals(auditor)
	for _, key := range []string{"VOTE_ANOMALY_KIND_NETWORK_CLUSTER 203.0.113.0/24" + B, "VOTE_ANOMALY_KIND_BURST " + B} {
		a, ok := got[key]
		if !ok {
			t.Fatalf("no signal %q among %v", key, got)
		}
		var ids []string
		for _, id := range a["voteIds"].([]any) {
			ids = append(ids, str(id))
		}
		if !slices.Equal(ids, burst) || fmt.Sprint(a["votes"]) != "6" || fmt.Sprint(a["voters"]) != "6" || a["votesTruncated"] != false || str(a["description"]) == "" {
			t.Fatalf("signal %s = %v, want the six burst votes %v", key, a, burst)
		}
	}
	if len(got) != 2 {
		t.Fatalf("signals = %v, want only the cluster and the burst", got)
	}

	voidPath := "/v1/rounds/" + w.roundID + "/votes:void"
	const reason = "six voters from one /24 within seconds"
	st, body = s.Do("POST", voidPath, w.organizer, map[string]any{"vote_ids": burst, "reason": reason})
	expect(t, "the organizer voids votes", st, body, 403, "PERMISSION_DENIED")
	st, body = s.Do("POST", voidPath, w.operator, map[string]any{"vote_ids": append(slices.Clone(burst), "00000000-0000-4000-8000-00000000abcd"), "reason": reason})
	expect(t, "void with a vote that is not the round's", st, body, 404, "VOTE_NOT_FOUND")
	st, body = s.DoInvalid("POST", voidPath, w.operator, map[string]any{"vote_ids": burst})
	expect(t, "void without a reason", st, body, 400, "REASON_REQUIRED")
	if after := tallies(t, s, w.roundID); after[B] != "6" {
		t.Fatalf("refused voids changed the tallies: %v", after)
	}
	st, body = s.Do("POST", voidPath, w.operator, map[string]any{"vote_ids": burst, "reason": reason, "request_id": requestID()})
	expect(t, "void the burst", st, body, 200, "")
	if fmt.Sprint(body["voided"]) != "6" || fmt.Sprint(body["alreadyVoid"]) != "0" {
		t.Fatalf("void = %v, want 6 voided", body)
	}
	st, body = s.Do("POST", voidPath, w.operator, map[string]any{"vote_ids": burst[:2], "reason": reason})
	expect(t, "void again", st, body, 200, "")
	if fmt.Sprint(body["voided"]) != "0" || fmt.Sprint(body["alreadyVoid"]) != "2" {
		t.Fatalf("void again = %v, want 2 already void", body)
	}

	after := tallies(t, s, w.roundID)
	n := func(v string) int {
		if v == "" { // an application without a counted vote is not listed
			return 0
		}
		i, err := strconv.Atoi(v)
		if err != nil {
			t.Fatal(err)
		}
		return i
	}
	if n(before[B])-n(after[B]) != len(burst) || after[A] != before[A] {
		t.Fatalf("tallies after voiding = %v (before %v), want B down by exactly %d and A unchanged", after, before, len(burst))
	}
	if rows := s.Count("SELECT count(*) FROM reviews.votes"); rows != 8 {
		t.Fatalf("%d vote rows, want all 8 kept", rows)
	}

	st, body = s.Do("GET", "/v1/rounds/"+w.roundID+"/voidedVotes?page_size=4", auditor, nil)
	expect(t, "voided votes", st, body, 200, "")
	listed := body["voidedVotes"].([]any)
	next := str(body["nextPageToken"])
	if len(listed) != 4 || next == "" {
		t.Fatalf("first page of voided votes = %v", body)
	}
	st, body = s.Do("GET", "/v1/rounds/"+w.roundID+"/voidedVotes?page_size=4&page_token="+url.QueryEscape(next), auditor, nil)
	expect(t, "voided votes, page 2", st, body, 200, "")
	listed = append(listed, body["voidedVotes"].([]any)...)
	var voided []string
	for _, x := range listed {
		v := x.(map[string]any)
		inner := v["vote"].(map[string]any)
		voided = append(voided, str(inner["id"]))
		if v["reason"] != reason || v["voidedBy"] != "rv-operator" || inner["applicationId"] != B || inner["clientNetwork"] != "203.0.113.0/24" || str(v["voidTime"]) == "" {
			t.Fatalf("voided vote %v", v)
		}
	}
	if !slices.Equal(slices.Sorted(slices.Values(voided)), slices.Sorted(slices.Values(burst))) || str(body["nextPageToken"]) != "" {
		t.Fatalf("voided votes %v, want the burst %v", voided, burst)
	}
	st, body = s.DoInvalid("GET", "/v1/rounds/"+w.roundID+"/voidedVotes", "", nil)
	expect(t, "the public lists voided votes", st, body, 403, "PERMISSION_DENIED")

	if left := signals(w.operator); len(left) != 0 {
		t.Fatalf("signals after voiding = %v, want none", left)
	}
}
