package telemetry

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// BenchmarkQueryTracerUnsampled is the cost the pgx tracer adds to a statement of a trace that is not sampled
// (parentbased_traceidratio drops 90% of the votes' traces): it should be next to nothing.
func BenchmarkQueryTracerUnsampled(b *testing.B) {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.NeverSample())))
	defer tp.Shutdown(context.Background())
	qt := &QueryTracer{tracer: tp.Tracer("bench")}
	parent := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}, Remote: true})
	ctx := trace.ContextWithRemoteSpanContext(context.Background(), parent)
	start := pgx.TraceQueryStartData{SQL: "INSERT INTO votes (round_id, voter_id, application_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"}
	end := pgx.TraceQueryEndData{CommandTag: pgconn.NewCommandTag("INSERT 0 1")}
	b.ReportAllocs()
	for b.Loop() {
		qt.TraceQueryEnd(qt.TraceQueryStart(ctx, nil, start), nil, end)
	}
}
