package app_test

import (
	"context"
	"sync"
	"testing"

	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/services/reviews/internal/app"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// metricsReader is the test process's meter provider's reader: the global provider takes its first delegate
// once, so every test of the process shares it.
var metricsReader = sync.OnceValue(func() *sdkmetric.ManualReader {
	r := sdkmetric.NewManualReader()
	otel.SetMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(r)))
	return r
})

func votesCounted(t *testing.T) int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := metricsReader().Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if sum, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == "commonweal.votes.cast" {
				for _, dp := range sum.DataPoints {
					n += dp.Value
				}
			}
		}
	}
	return n
}

// Each stored vote counts once in commonweal.votes.cast, by the group commit or alone (with a request_id);
// refused votes and a retried request do not.
func TestVotesCastCounter(t *testing.T) {
	metricsReader()
	f := setup(t, nil, nil)
	f.publishedShortlist(t)
	f.apps.setPhase(domain.PhasePromotion, f.clock.Now())
	before := votesCounted(t)

	token := f.voterToken(t, "13800000031")
	var wg sync.WaitGroup
	for range 4 { // one vote a day: one stored, three refused
		wg.Add(1)
		go func() { defer wg.Done(); f.castVote(token, f.A) }()
	}
	wg.Wait()
	other := f.voterToken(t, "13800000032")
	key := idempotency.Key{RequestID: "metrics-1", Fingerprint: []byte("body")}
	for range 2 { // the second is a retry, answered from the first
		if _, err := f.svc.CastVote(anyone, app.CastVote{Key: key, VoterToken: other, RoundID: f.apps.round.ID, ApplicationID: f.A}); err != nil {
			t.Fatal(err)
		}
	}
	if got := votesCounted(t) - before; got != 2 {
		t.Errorf("commonweal.votes.cast: +%d, want +2", got)
	}
	if tallies, err := f.svc.Tallies(anyone, f.apps.round.ID); err != nil || len(tallies) != 1 || tallies[0].Votes != 2 {
		t.Fatalf("tallies = %+v %v, want 2 votes", tallies, err)
	}
}
