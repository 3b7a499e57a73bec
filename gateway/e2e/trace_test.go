package e2e

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// checkComputeTrace checks that computing the results under trace traceID (sent by the caller in a W3C
// traceparent header) made one trace across the services: the gateway's span, reviews' ComputeResults, and the
// calls it made to applications (the round and its applications), donations (confirmed totals at the cutoff)
// and funding (quotes and the pool), each service with its own SQL spans. The spans are the ones the processes
// exported over OTLP/gRPC to the suite's collector in this test process (suite_test.go), not their logs.
func checkComputeTrace(t *testing.T, s *Suite, traceID string) {
	t.Helper()
	services := []string{"reviews", "applications", "donations", "funding"}
	missing := func(spans []Span) []string {
		var out []string
		has := func(f func(Span) bool) bool { return slices.ContainsFunc(spans, f) }
		// The gateway names its span after the route template, never the raw path with the round ID.
		if !has(func(sp Span) bool {
			return sp.Service == "gateway" && sp.Name == "POST /v1/rounds/{round_id}/results:compute"
		}) {
			out = append(out, "gateway span")
		}
		if !has(func(sp Span) bool {
			return sp.Service == "reviews" && strings.HasSuffix(sp.Name, "ReviewsService/ComputeResults")
		}) {
			out = append(out, "reviews ComputeResults")
		}
		for _, svc := range services {
			if !has(func(sp Span) bool { return sp.Service == svc && strings.HasPrefix(sp.Name, "SQL ") }) {
				out = append(out, svc+" SQL")
			}
			if svc != "reviews" && !has(func(sp Span) bool {
				return sp.Service == svc && strings.Contains(sp.Name, "commonweal.") && !strings.HasPrefix(sp.Name, "SQL ")
			}) {
				out = append(out, svc+" gRPC server span")
			}
		}
		return out
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		spans := s.Spans.Trace(traceID)
		m := missing(spans)
		if len(m) == 0 {
			return
		}
		if time.Now().After(deadline) {
			var names []string
			for _, sp := range spans {
				names = append(names, sp.Service+": "+sp.Name)
			}
			t.Fatalf("trace %s of results:compute lacks %v; it has %d spans:\n%s", traceID, m, len(spans), strings.Join(names, "\n"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
