package e2e

import (
	"net/url"
	"testing"
	"time"
)

// heads reads a service's published chain heads anonymously, by chain name.
func heads(t *testing.T, s *Suite, path string) map[string]map[string]any {
	t.Helper()
	st, body := s.Do("GET", path, "", nil)
	expect(t, "heads "+path, st, body, 200, "")
	out := map[string]map[string]any{}
	for _, h := range body["heads"].([]any) {
		h := h.(map[string]any)
		out[str(h["chain"])] = h
	}
	if body["asOf"] == nil {
		t.Fatalf("heads without as_of: %v", body)
	}
	return out
}

// seqOf is a head's sequence number (int64: a JSON string; absent for 0).
func seqOf(h map[string]any) string {
	if h["sequence"] == nil {
		return "0"
	}
	return str(h["sequence"])
}

// checkHead checks a recorded head anonymously.
func checkHead(t *testing.T, s *Suite, path string, h map[string]any) map[string]any {
	t.Helper()
	q := url.Values{"chain": {str(h["chain"])}, "sequence": {seqOf(h)}}
	if h["hash"] != nil {
		q.Set("hash", str(h["hash"]))
	}
	st, body := s.Do("GET", path+":check?"+q.Encode(), "", nil)
	expect(t, "check "+path, st, body, 200, "")
	return body
}

// TestChainHeads: anyone reads the heads of the hash chains (donations, funding, the rounds' phase changes),
// records them, and after money moves and a round advances checks that the recorded heads are still vouched
// for by the chains, which have grown; VerifyLedger reports the chains intact. A head the chain never had is
// refused, an unknown chain is INVALID_ARGUMENT.
func TestChainHeads(t *testing.T) {
	t.Parallel()
	s := Start(t)
	organizer := s.Token("organizer-1", []string{"ORGANIZER"}, "")
	lottery := s.Token("lottery-1", []string{"LOTTERY_CENTER"}, "")
	finance := s.Token("finance-1", []string{"FINANCE"}, "")

	donations := heads(t, s, "/v1/ledger/heads")
	if _, ok := donations["ledger_transfers"]; !ok || len(donations) != 2 || donations["pledge_events"] == nil {
		t.Fatalf("donations heads: %v", donations)
	}
	// An empty chain's head (sequence 0) checks out.
	if body := checkHead(t, s, "/v1/ledger/heads", donations["ledger_transfers"]); body["intact"] != true {
		t.Fatalf("donations head: %v", body)
	}

	st, round := s.Do("POST", "/v1/rounds", organizer, map[string]any{"name": "2026年度公益创投 (chains)", "year": 2026, "notice": roundNotice(),
		"policy": map[string]any{"submission_deadline": time.Now().Add(time.Hour).UTC().Format(time.RFC3339Nano), "shortlist_quota": 3, "selection_quota": 2}})
	expect(t, "create round", st, round, 200, "")
	roundID := str(round["id"])
	allocate := func(amount int64, ref string) {
		t.Helper()
		st, body := s.Do("POST", "/v1/rounds/"+roundID+"/pool:allocate", lottery, map[string]any{"amount_fen": amount, "source_reference": ref})
		expect(t, "allocate "+ref, st, body, 200, "")
	}
	allocate(1_000_000, "LOT-CHAIN-1")
	funding := heads(t, s, "/v1/funding/ledger/heads")
	recorded := funding["ledger_transfers"]
	if seqOf(recorded) != "1" || len(str(recorded["hash"])) != 64 {
		t.Fatalf("funding ledger head after one allocation: %v", recorded)
	}
	st, body := s.Do("POST", "/v1/rounds/"+roundID+":advance", organizer, map[string]any{"phase": "PHASE_SOLICITATION"})
	expect(t, "publish the round", st, body, 200, "")
	phases := heads(t, s, "/v1/phaseChanges/heads")["round_phase_changes"]
	if seqOf(phases) == "0" {
		t.Fatalf("phase changes head: %v", phases)
	}

	// More money moves; the recorded heads still check out against the grown chains.
	allocate(2_000_000, "LOT-CHAIN-2")
	allocate(2_000_000, "LOT-CHAIN-2") // a retry moves nothing and adds no entry
	body = checkHead(t, s, "/v1/funding/ledger/heads", recorded)
	if body["intact"] != true || seqOf(body["current"].(map[string]any)) != "2" || body["firstBreak"] != nil {
		t.Fatalf("recorded funding head: %v", body)
	}
	if body := checkHead(t, s, "/v1/phaseChanges/heads", phases); body["intact"] != true {
		t.Fatalf("recorded phase-change head: %v", body)
	}
	st, body = s.Do("GET", "/v1/funding/ledger:verify", finance, nil)
	expect(t, "verify the funding ledger", st, body, 200, "")
	if body["chainsIntact"] != true || body["balanced"] != true {
		t.Fatalf("funding verification: %v", body)
	}

	// A head the chain never had, and a chain that does not exist.
	forged := map[string]any{"chain": "ledger_transfers", "sequence": "1", "hash": "0000000000000000000000000000000000000000000000000000000000000001"}
	body = checkHead(t, s, "/v1/funding/ledger/heads", forged)
	if body["intact"] != false || body["firstBreak"].(map[string]any)["reason"] != "RECORDED_HEAD_MISMATCH" {
		t.Fatalf("forged head: %v", body)
	}
	st, body = s.Do("GET", "/v1/ledger/heads:check?chain=nope&sequence=1&hash="+str(recorded["hash"]), "", nil)
	expect(t, "unknown chain", st, body, 400, "UNKNOWN_CHAIN")
}
