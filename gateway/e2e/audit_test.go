package e2e

import (
	"net/url"
	"slices"
	"testing"
)

// TestAuditTrail reads the audit trail of a funded round whose project A has tranche 1 paid, as AUDITOR through
// the gateway: the funding ledger's transfers of A (its tranches committed, tranche 1's government share
// paid), the donations ledger's (A's deposit, its donation share reserved and released), A's pledge events
// and the round's phase changes, page by page; an APPLICANT is refused every one.
func TestAuditTrail(t *testing.T) {
	t.Parallel()
	s := Start(t)
	f := newFundedRound(t, s, []int64{5_000_000, 0, 0}, 55_000_000)
	A := f.apps[0]
	planA := str(f.createPlans(t)[A]["id"])
	f.activate(t, 0, planA)
	for _, step := range []struct {
		verb, token string
		body        map[string]any
	}{
		{"request", f.operator, nil}, {"approve", f.organizer, nil},
		{"pay", f.finance, map[string]any{"share": "SHARE_GOVERNMENT", "payment_reference": "GOV-AUDIT-1"}},
		{"pay", f.federation, map[string]any{"share": "SHARE_DONATION", "payment_reference": "DON-AUDIT-1"}},
	} {
		st, body := f.tranche(planA, 1, step.verb, step.token, step.body)
		expect(t, "tranche 1 "+step.verb, st, body, 200, "")
	}

	// all reads every page of a list (page_size 2) as token and returns its items.
	all := func(path string, q url.Values, field, token string) []map[string]any {
		t.Helper()
		var out []map[string]any
		q.Set("page_size", "2")
		for range 50 {
			st, body := s.Do("GET", path+"?"+q.Encode(), token, nil)
			expect(t, "GET "+path, st, body, 200, "")
			items, _ := body[field].([]any)
			for _, it := range items {
				out = append(out, it.(map[string]any))
			}
			next, _ := body["nextPageToken"].(string)
			if next == "" {
				return out
			}
			q.Set("page_token", next)
		}
		t.Fatalf("%s: paging does not end", path)
		return nil
	}
	find := func(items []map[string]any, key, value string) map[string]any {
		for _, it := range items {
			if it[key] == value {
				return it
			}
		}
		return nil
	}

	funding := all("/v1/funding/ledger/transfers", url.Values{"application_id": {A}}, "transfers", f.auditor)
	pay := find(funding, "transferId", "plan:"+planA+":tranche:1:pay")
	if pay == nil || pay["kind"] != "TRANSFER_KIND_POST_PENDING" || pay["amountFen"] != "7500000" || pay["reference"] != "plan:"+planA {
		t.Fatalf("A's funding transfers lack the payment of tranche 1: %v", funding)
	}
	if len(funding) != 4 { // three tranches committed, one paid
		t.Fatalf("A's funding transfers: %v", funding)
	}
	later := all("/v1/funding/ledger/transfers", url.Values{"application_id": {A}, "from": {str(pay["createTime"])}}, "transfers", f.auditor)
	if len(later) != 1 || later[0]["transferId"] != pay["transferId"] {
		t.Fatalf("A's funding transfers from the payment on: %v", later)
	}
	if round := all("/v1/funding/ledger/transfers", url.Values{"round_id": {f.roundID}}, "transfers", f.auditor); len(round) < len(funding)+2 {
		t.Fatalf("the round's funding transfers (allocation, idea prize, every plan): %v", round)
	}

	donations := all("/v1/ledger/transfers", url.Values{"application_id": {A}}, "transfers", f.auditor)
	var share map[string]any
	for _, tr := range donations {
		if tr["kind"] == "TRANSFER_KIND_POST_PENDING" && tr["debitAccount"] == "earmarked:"+A && tr["creditAccount"] == "payout_pending" {
			share = tr
		}
	}
	if share == nil || share["amountFen"] != "2500000" || share["applicationId"] != A {
		t.Fatalf("A's donation transfers lack the donation share paid: %v", donations)
	}
	if deposit := donations[0]; deposit["creditAccount"] != "earmarked:"+A || deposit["debitAccount"] != "bank" || deposit["amountFen"] != "5000000" {
		t.Fatalf("A's first donation transfer is not its deposit: %v", donations)
	}

	events := all("/v1/pledgeEvents", url.Values{"application_id": {A}}, "events", f.auditor)
	var actions []string
	for _, e := range events {
		actions = append(actions, str(e["action"]))
	}
	if !slices.Equal(actions, []string{"PLEDGED", "DEPOSITED"}) {
		t.Fatalf("A's pledge events: %v", events)
	}

	changes := all("/v1/rounds/"+f.roundID+"/phaseChanges", url.Values{}, "phaseChanges", f.auditor)
	var phases []string
	for _, c := range changes {
		phases = append(phases, str(c["toPhase"]))
	}
	if want := []string{"PHASE_SOLICITATION", "PHASE_SHORTLISTING", "PHASE_PUBLICITY", "PHASE_PROMOTION", "PHASE_FINAL_REVIEW", "PHASE_APPROVAL",
		"PHASE_IMPLEMENTATION"}; !slices.Equal(phases, want) || changes[0]["fromPhase"] != "PHASE_DRAFT" {
		t.Fatalf("the round's phase changes: %v, want %v", changes, want)
	}

	for _, path := range []string{"/v1/funding/ledger/transfers?application_id=" + A, "/v1/ledger/transfers?application_id=" + A,
		"/v1/pledgeEvents?application_id=" + A, "/v1/rounds/" + f.roundID + "/phaseChanges"} {
		st, body := s.Do("GET", path, f.teams[0], nil)
		expect(t, "an applicant reads "+path, st, body, 403, "PERMISSION_DENIED")
	}
}
