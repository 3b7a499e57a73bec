package httpapi

import (
	"context"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/commonweal/commonweal/gateway/internal/auth"
	"github.com/commonweal/commonweal/gateway/internal/votes"
	reviewsv1 "github.com/commonweal/commonweal/gen/go/commonweal/reviews/v1"
)

// BenchmarkVoteRequest is the gateway's own work for one plain vote: the whole handler (otelhttp with the
// SDK's tracer — parent-based 10% — and meter, the middleware, the vote route, the batcher, the answer's
// JSON) in front of a batcher whose reviews answers at once, without the HTTP server's reading and writing.
// Many voters vote at once, as in make bench. cpu-ns/op is the process's CPU time (user + system) per vote.
func BenchmarkVoteRequest(b *testing.B) {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(0.1))))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	defer useGlobalOTel(tp, mp)()

	cast := timestamppb.New(time.Date(2026, 5, 4, 10, 0, 0, 120_000_000, time.UTC))
	batcher := votes.New(func(_ context.Context, vs []votes.Vote) ([]votes.Result, error) {
		out := make([]votes.Result, len(vs))
		for k, v := range vs {
			out[k].Vote = &reviewsv1.Vote{Id: "0b7c8f0e-4d0a-4d55-9a3b-5d1f0c2a9e11", RoundId: v.RoundID, ApplicationId: v.ApplicationID,
				VoteDay: "2026-05-04", CastTime: cast, ClientNetwork: v.ClientNetwork}
		}
		return out, nil
	}, votes.Options{})
	defer batcher.Close()
	h, err := New(context.Background(), Options{Verifier: auth.NewDevVerifier([]byte("bench-key")), MaxBodyBytes: 1 << 20,
		RequestTimeout: 30 * time.Second, RateRules: append(VoteRules(0, 0), ComplaintRules(0)...), Votes: batcher})
	if err != nil {
		b.Fatal(err)
	}
	const round, app = "0b9a4f1e-58a2-4c1e-9d0a-0f6d1c2b3a41", "7c2e1d3b-4a5f-4e6d-8c7b-9a8f7e6d5c43"
	path := "/v1/rounds/" + round + "/applications/" + app + "/votes"
	var next, failed atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(25) // 50 voters on 2 CPUs
	before := cpuTime()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := httptest.NewRequest("POST", path, strings.NewReader("{}"))
			r.RemoteAddr = "203.0.113.7:40000"
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("X-Voter-Token", "bench-token-"+strconv.FormatInt(next.Add(1), 10))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != 200 {
				failed.Add(1)
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(cpuTime()-before)/float64(b.N), "cpu-ns/op")
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d votes not answered 200", n)
	}
}

// cpuTime is the process's user + system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
