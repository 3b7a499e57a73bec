package e2e

import (
	"fmt"
	"testing"
)

// Behind a trusted proxy (here the test itself, on 127.0.0.1) the gateway counts complaints per client
// address that the proxy reports in X-Forwarded-For: a flood from one address meets 429 RATE_LIMITED, another
// address behind the same proxy is not held back, and a client cannot escape by prefixing the header. The
// complainant is a verified phone whose own daily limit (COMPLAINTS_PER_COMPLAINANT_PER_DAY, in the reviews
// service) is set high, so only the per-address limit can answer 429.
func TestComplaintFloodBehindTrustedProxy(t *testing.T) {
	t.Parallel()
	_, dbURL := emptyDB.Database(t)
	s := StartWith(t, Options{DBURL: dbURL, Env: []string{"COMPLAINTS_PER_COMPLAINANT_PER_DAY=1000"},
		GatewayEnv: []string{"TRUSTED_PROXIES=127.0.0.1/32", "COMPLAINT_RATE_LIMIT=3"}})
	token := voter(t, s, "13800000071")
	// The limit is checked before the reviews service sees the complaint: an unknown round is enough.
	path := "/v1/rounds/00000000-0000-4000-8000-000000000001/complaints"
	complaint := map[string]any{"application_id": "00000000-0000-4000-8000-000000000002", "content": "flood"}
	for i := 1; i <= 3; i++ {
		st, body := s.Do("POST", path, "", complaint, "X-Forwarded-For", "203.0.113.7", "X-Voter-Token", token)
		if st == 429 {
			t.Fatalf("complaint %d from 203.0.113.7: %d %s", i, st, Reason(body))
		}
	}
	st, body := s.Do("POST", path, "", complaint, "X-Forwarded-For", "198.51.100.1, 203.0.113.7", "X-Voter-Token", token)
	expect(t, "complaint 4 from 203.0.113.7, behind a made-up leftmost address", st, body, 429, "RATE_LIMITED")
	for i := 1; i <= 3; i++ {
		st, body := s.Do("POST", path, "", complaint, "X-Forwarded-For", fmt.Sprintf("2001:db8:7:7::%d", i), "X-Voter-Token", token)
		if st == 429 {
			t.Fatalf("complaint %d from 2001:db8:7:7::/64: %d %s", i, st, Reason(body))
		}
	}
	st, body = s.Do("POST", path, "", complaint, "X-Forwarded-For", "2001:db8:7:7:ffff::1", "X-Voter-Token", token)
	expect(t, "complaint 4 from the same /64", st, body, 429, "RATE_LIMITED")
}
