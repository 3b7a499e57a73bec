package telemetry

import (
	"context"
	"slices"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

func TestSetup(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
	prevTP, prevProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	t.Cleanup(func() {
		otel.SetTracerProvider(prevTP)
		otel.SetTextMapPropagator(prevProp)
	})

	shutdown, err := Setup(context.Background(), "applications")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := shutdown(context.Background()); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	}()

	if fields := otel.GetTextMapPropagator().Fields(); !slices.Contains(fields, "traceparent") {
		t.Errorf("propagator fields = %v, want W3C traceparent", fields)
	}
	ctx, span := otel.Tracer("test").Start(context.Background(), "op")
	defer span.End()
	if !span.SpanContext().IsValid() || !span.IsRecording() {
		t.Error("Setup did not install an SDK tracer provider")
	}

	// A span context survives a W3C inject/extract round trip.
	carrier := propagation.MapCarrier{}
	otel.GetTextMapPropagator().Inject(ctx, carrier)
	if carrier.Get("traceparent") == "" {
		t.Fatalf("nothing injected: %v", carrier)
	}
	got := trace.SpanContextFromContext(otel.GetTextMapPropagator().Extract(context.Background(), carrier))
	if got.TraceID() != span.SpanContext().TraceID() {
		t.Errorf("extracted trace %v, want %v", got.TraceID(), span.SpanContext().TraceID())
	}
}
