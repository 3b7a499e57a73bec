package telemetry

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// recordingTracer installs a span recorder as the global tracer provider for the test and returns a
// QueryTracer built on it.
func recordingTracer(t *testing.T) (*QueryTracer, *tracetest.SpanRecorder) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	t.Cleanup(func() {
		otel.SetTracerProvider(prev)
		tp.Shutdown(context.Background())
	})
	return NewQueryTracer(), rec
}

func attrs(s sdktrace.ReadOnlySpan) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes() {
		m[kv.Key] = kv.Value
	}
	return m
}

// assertNoSecret fails when secret appears anywhere in the span: name, attributes, events, status.
func assertNoSecret(t *testing.T, s sdktrace.ReadOnlySpan, secret string) {
	t.Helper()
	if strings.Contains(s.Name(), secret) {
		t.Errorf("span name %q contains the secret", s.Name())
	}
	for _, kv := range s.Attributes() {
		if strings.Contains(kv.Value.Emit(), secret) {
			t.Errorf("attribute %s = %q contains the secret", kv.Key, kv.Value.Emit())
		}
	}
	for _, ev := range s.Events() {
		if strings.Contains(ev.Name, secret) {
			t.Errorf("event %q contains the secret", ev.Name)
		}
		for _, kv := range ev.Attributes {
			if strings.Contains(kv.Value.Emit(), secret) {
				t.Errorf("event %q attribute %s = %q contains the secret", ev.Name, kv.Key, kv.Value.Emit())
			}
		}
	}
	if strings.Contains(s.Status().Description, secret) {
		t.Errorf("status %q contains the secret", s.Status().Description)
	}
}

func TestQueryTracerSpan(t *testing.T) {
	qt, rec := recordingTracer(t)
	const secret = "110101199003077777"
	parentCtx, parent := otel.Tracer("test").Start(context.Background(), "parent")

	sql := "SELECT name FROM applicants WHERE cnid = $1"
	ctx := qt.TraceQueryStart(parentCtx, nil, pgx.TraceQueryStartData{SQL: sql, Args: []any{secret, []byte(secret)}})
	if !trace.SpanFromContext(ctx).IsRecording() {
		t.Fatal("TraceQueryStart did not put a recording span in the context")
	}
	qt.TraceQueryEnd(ctx, nil, pgx.TraceQueryEndData{CommandTag: pgconn.NewCommandTag("SELECT 3")})
	parent.End()

	spans := rec.Ended()
	if len(spans) != 2 {
		t.Fatalf("got %d spans, want 2", len(spans))
	}
	s := spans[0]
	if s.Name() != "SQL SELECT" {
		t.Errorf("name = %q, want SQL SELECT", s.Name())
	}
	if s.SpanKind() != trace.SpanKindClient {
		t.Errorf("kind = %v, want client", s.SpanKind())
	}
	if s.Parent().SpanID() != parent.SpanContext().SpanID() {
		t.Error("query span is not a child of the caller's span")
	}
	a := attrs(s)
	if a["db.query.text"].AsString() != sql {
		t.Errorf("db.query.text = %q, want %q", a["db.query.text"].AsString(), sql)
	}
	if a["db.system.name"].AsString() != "postgresql" {
		t.Errorf("db.system.name = %q", a["db.system.name"].AsString())
	}
	if a["db.operation.name"].AsString() != "SELECT" {
		t.Errorf("db.operation.name = %q, want SELECT", a["db.operation.name"].AsString())
	}
	if a["db.rows_affected"].AsInt64() != 3 {
		t.Errorf("db.rows_affected = %v, want 3", a["db.rows_affected"])
	}
	if s.Status().Code == codes.Error {
		t.Errorf("successful query marked as error")
	}
	assertNoSecret(t, s, secret)
}

func TestQueryTracerError(t *testing.T) {
	qt, rec := recordingTracer(t)
	ctx := qt.TraceQueryStart(context.Background(), nil, pgx.TraceQueryStartData{SQL: "insert into t values ($1)", Args: []any{"x"}})
	qt.TraceQueryEnd(ctx, nil, pgx.TraceQueryEndData{Err: errors.New("duplicate key")})
	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("got %d spans", len(spans))
	}
	s := spans[0]
	if s.Name() != "SQL insert" {
		t.Errorf("name = %q, want SQL insert", s.Name())
	}
	if s.Status().Code != codes.Error {
		t.Errorf("status = %v, want Error", s.Status())
	}
	var exc bool
	for _, ev := range s.Events() {
		if ev.Name == "exception" {
			exc = true
		}
	}
	if !exc {
		t.Error("error not recorded as an exception event")
	}
	if _, ok := attrs(s)["db.rows_affected"]; ok {
		t.Error("failed query has db.rows_affected")
	}
}

func TestFirstWord(t *testing.T) {
	tests := []struct{ sql, want string }{
		{"SELECT 1", "SELECT"},
		{"  \n\tUPDATE t SET a = 1", "UPDATE"},
		{"insert into t", "insert"},
		{"WITH x AS (SELECT 1) SELECT * FROM x", "WITH"},
		{"begin", "begin"},
		{"(SELECT 1)", "SELECT"},
		{"", ""},
		{"   ", ""},
		{"123 456", ""},
		{"SELECT$1", "SELECT"},
	}
	for _, tt := range tests {
		if got := firstWord(tt.sql); got != tt.want {
			t.Errorf("firstWord(%q) = %q, want %q", tt.sql, got, tt.want)
		}
	}
}

func TestQueryTracerNameWithoutWord(t *testing.T) {
	qt, rec := recordingTracer(t)
	ctx := qt.TraceQueryStart(context.Background(), nil, pgx.TraceQueryStartData{SQL: ";"})
	qt.TraceQueryEnd(ctx, nil, pgx.TraceQueryEndData{})
	if spans := rec.Ended(); len(spans) != 1 || spans[0].Name() != "SQL" {
		t.Errorf("spans = %v, want one named SQL", spans)
	}
}
