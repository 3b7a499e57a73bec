package e2e

import (
	"testing"
	"time"
)

// TestRoundUpdateMask: PATCH /v1/rounds/{id} changes exactly the fields its update_mask names (AIP-134; over
// JSON the paths are lowerCamelCase, as JSON field masks are); without a mask, the fields given — an omitted
// policy is kept, never wiped to the defaults.
func TestRoundUpdateMask(t *testing.T) {
	t.Parallel() // each test runs its own suite: their waits overlap
	s := Start(t)
	organizer := s.Token("ru-organizer", []string{"ORGANIZER"}, "")

	deadline := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
	st, round := s.Do("POST", "/v1/rounds", organizer, map[string]any{
		"name": "2027年度公益创投", "year": 2027, "notice": roundNotice(),
		"policy": map[string]any{"submission_deadline": deadline.Format(time.RFC3339), "publicity_period": "172800s", "shortlist_quota": 6, "selection_quota": 3},
	})
	expect(t, "create round", st, round, 200, "")
	path := "/v1/rounds/" + str(round["id"])
	policyOf := func(what string, r map[string]any) (time.Time, any, any) {
		t.Helper()
		p, _ := r["policy"].(map[string]any)
		at, err := time.Parse(time.RFC3339Nano, str(p["submissionDeadline"]))
		if err != nil {
			t.Fatalf("%s: deadline %v: %v", what, p["submissionDeadline"], err)
		}
		return at, p["shortlistQuota"], p["publicityPeriod"]
	}
	keeps := func(what string, r map[string]any, wantDeadline time.Time, wantQuota float64) {
		t.Helper()
		at, quota, publicity := policyOf(what, r)
		if !at.Equal(wantDeadline) || quota != wantQuota || publicity != "172800s" {
			t.Fatalf("%s: deadline %v quota %v publicity %v, want %v, %v, 172800s", what, at, quota, publicity, wantDeadline, wantQuota)
		}
	}
	keeps("created", round, deadline, 6)

	// The name alone, by mask: the policy is what it was.
	st, round = s.Do("PATCH", path, organizer, map[string]any{"etag": round["etag"], "update_mask": "name", "name": "2027年度公益创投（修订）"})
	expect(t, "rename by mask", st, round, 200, "")
	if round["name"] != "2027年度公益创投（修订）" {
		t.Fatalf("renamed: %v", round["name"])
	}
	keeps("rename by mask", round, deadline, 6)

	// One policy field by mask: only it changes, though the body carries another.
	later := deadline.Add(24 * time.Hour)
	st, round = s.Do("PATCH", path, organizer, map[string]any{"etag": round["etag"], "update_mask": "policy.submissionDeadline",
		"policy": map[string]any{"submission_deadline": later.Format(time.RFC3339), "shortlist_quota": 1}})
	expect(t, "deadline by mask", st, round, 200, "")
	keeps("deadline by mask", round, later, 6)
	if round["name"] != "2027年度公益创投（修订）" {
		t.Fatalf("a policy field by mask changed the name: %v", round["name"])
	}

	// No mask, no policy: the name changes, the policy is kept.
	st, round = s.Do("PATCH", path, organizer, map[string]any{"etag": round["etag"], "name": "2027年度公益创投"})
	expect(t, "rename without a mask", st, round, 200, "")
	keeps("rename without a mask", round, later, 6)

	// Paths that name no field of a round that can change: refused, nothing changes.
	for _, mask := range []string{"policy.noSuchField", "phase", "year", "policy.weights.panelPercent"} {
		st, body := s.Do("PATCH", path, organizer, map[string]any{"etag": round["etag"], "update_mask": mask, "name": "x"})
		expect(t, "mask "+mask, st, body, 400, "INVALID_UPDATE_MASK")
	}
	st, body := s.Do("GET", path, organizer, nil)
	expect(t, "read after the refusals", st, body, 200, "")
	if body["etag"] != round["etag"] || body["name"] != "2027年度公益创投" {
		t.Fatalf("a refused update changed the round: %v", body)
	}
	keeps("after the refusals", body, later, 6)
}
