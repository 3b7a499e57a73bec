package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// spanCtx returns a context with a recording span from a private SDK provider.
func spanCtx(t *testing.T) (context.Context, trace.SpanContext) {
	t.Helper()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tracetest.NewSpanRecorder()))
	t.Cleanup(func() { tp.Shutdown(context.Background()) })
	ctx, span := tp.Tracer("test").Start(context.Background(), "op")
	t.Cleanup(func() { span.End() })
	return ctx, span.SpanContext()
}

// records decodes the JSON lines in buf.
func records(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

func TestNewLoggerTraceIDs(t *testing.T) {
	ctx, sc := spanCtx(t)
	if !sc.IsValid() {
		t.Fatal("test setup: span context not valid")
	}
	// A context with a remote span context but no SDK (e.g. propagated from the gateway) counts too.
	remote := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
		SpanID:  trace.SpanID{1, 2, 3, 4, 5, 6, 7, 8},
		Remote:  true,
	})
	remoteCtx := trace.ContextWithRemoteSpanContext(context.Background(), remote)

	tests := []struct {
		name    string
		ctx     context.Context
		log     func(l *slog.Logger, ctx context.Context)
		traceID string
		spanID  string
	}{
		{"span", ctx, func(l *slog.Logger, ctx context.Context) { l.InfoContext(ctx, "hello", "k", "v") }, sc.TraceID().String(), sc.SpanID().String()},
		{"remote span", remoteCtx, func(l *slog.Logger, ctx context.Context) { l.WarnContext(ctx, "hello") }, remote.TraceID().String(), remote.SpanID().String()},
		{"With keeps the handler", ctx, func(l *slog.Logger, ctx context.Context) { l.With("k", "v").InfoContext(ctx, "hello") }, sc.TraceID().String(), sc.SpanID().String()},
		{"Log with level", ctx, func(l *slog.Logger, ctx context.Context) { l.Log(ctx, slog.LevelError, "hello") }, sc.TraceID().String(), sc.SpanID().String()},
		{"no span", context.Background(), func(l *slog.Logger, ctx context.Context) { l.InfoContext(ctx, "hello") }, "", ""},
		{"no context", nil, func(l *slog.Logger, _ context.Context) { l.Info("hello") }, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			l := NewLogger(&buf, "applications", slog.LevelInfo)
			tt.log(l, tt.ctx)
			recs := records(t, &buf)
			if len(recs) != 1 {
				t.Fatalf("got %d records, want 1:\n%s", len(recs), buf.String())
			}
			r := recs[0]
			if r["service"] != "applications" {
				t.Errorf("service = %v", r["service"])
			}
			if r["msg"] != "hello" {
				t.Errorf("msg = %v", r["msg"])
			}
			if tt.traceID == "" {
				if _, ok := r["trace_id"]; ok {
					t.Errorf("trace_id present without a span: %v", r)
				}
				if _, ok := r["span_id"]; ok {
					t.Errorf("span_id present without a span: %v", r)
				}
				return
			}
			if r["trace_id"] != tt.traceID || r["span_id"] != tt.spanID {
				t.Errorf("trace_id/span_id = %v/%v, want %s/%s", r["trace_id"], r["span_id"], tt.traceID, tt.spanID)
			}
		})
	}
}

func TestNewLoggerLevel(t *testing.T) {
	var buf bytes.Buffer
	l := NewLogger(&buf, "svc", slog.LevelWarn)
	l.Info("dropped")
	l.Debug("dropped")
	l.Warn("kept")
	recs := records(t, &buf)
	if len(recs) != 1 || recs[0]["msg"] != "kept" {
		t.Errorf("records = %v, want only the warning", recs)
	}
}
