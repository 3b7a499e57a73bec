package telemetry

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

func TestSetup(t *testing.T) {
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
	t.Setenv("OTEL_TRACES_SAMPLER", "always_on") // without an endpoint the default records nothing
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

// env is a getenv over a map.
func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestConfigFromEnv(t *testing.T) {
	const ep = "http://127.0.0.1:4317"
	tests := []struct {
		name string
		env  map[string]string
		want Config
	}{
		{"nothing set: no export, nothing recorded", nil,
			Config{ServiceName: "reviews", Protocol: ProtocolGRPC, SamplerName: "parentbased_always_off", SamplerArg: 1}},
		{"endpoint: export everything the parent did not drop", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": ep},
			Config{ServiceName: "reviews", Export: true, Protocol: ProtocolGRPC, SamplerName: "parentbased_always_on", SamplerArg: 1}},
		{"traces endpoint alone", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": ep},
			Config{ServiceName: "reviews", Export: true, Protocol: ProtocolGRPC, SamplerName: "parentbased_always_on", SamplerArg: 1}},
		{"10% of new traces", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": ep, "OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.1"},
			Config{ServiceName: "reviews", Export: true, Protocol: ProtocolGRPC, SamplerName: "parentbased_traceidratio", SamplerArg: 0.1}},
		{"ratio without arg is 1", map[string]string{"OTEL_TRACES_SAMPLER": " TraceIdRatio "},
			Config{ServiceName: "reviews", Protocol: ProtocolGRPC, SamplerName: "traceidratio", SamplerArg: 1}},
		{"arg of a sampler without ratio ignored", map[string]string{"OTEL_TRACES_SAMPLER": "always_on", "OTEL_TRACES_SAMPLER_ARG": "x"},
			Config{ServiceName: "reviews", Protocol: ProtocolGRPC, SamplerName: "always_on", SamplerArg: 1}},
		{"http/protobuf", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": ep, "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"},
			Config{ServiceName: "reviews", Export: true, Protocol: ProtocolHTTPProtobuf, SamplerName: "parentbased_always_on", SamplerArg: 1}},
		{"traces protocol wins", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": ep, "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc"},
			Config{ServiceName: "reviews", Export: true, Protocol: ProtocolGRPC, SamplerName: "parentbased_always_on", SamplerArg: 1}},
		{"exporter none", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": ep, "OTEL_TRACES_EXPORTER": "none"},
			Config{ServiceName: "reviews", Protocol: ProtocolGRPC, SamplerName: "parentbased_always_off", SamplerArg: 1}},
		{"disabled", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": ep, "OTEL_SDK_DISABLED": "TRUE"},
			Config{Disabled: true, ServiceName: "reviews", Protocol: ProtocolGRPC, SamplerName: "parentbased_always_off", SamplerArg: 1}},
		{"only true disables", map[string]string{"OTEL_SDK_DISABLED": "1"},
			Config{ServiceName: "reviews", Protocol: ProtocolGRPC, SamplerName: "parentbased_always_off", SamplerArg: 1}},
		{"service name", map[string]string{"OTEL_SERVICE_NAME": "reviews-eu"},
			Config{ServiceName: "reviews-eu", Protocol: ProtocolGRPC, SamplerName: "parentbased_always_off", SamplerArg: 1}},
	}
	for _, tc := range tests {
		got, err := ConfigFromEnv(env(tc.env), "reviews")
		if err != nil || got != tc.want {
			t.Errorf("%s: %+v, %v; want %+v", tc.name, got, err, tc.want)
		}
	}

	for name, bad := range map[string]map[string]string{
		"unknown sampler":      {"OTEL_TRACES_SAMPLER": "jaeger_remote"},
		"ratio above 1":        {"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "1.5"},
		"negative ratio":       {"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "-0.1"},
		"ratio not a number":   {"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "10%"},
		"ratio NaN":            {"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "NaN"},
		"http/json":            {"OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"},
		"console exporter":     {"OTEL_TRACES_EXPORTER": "console"},
		"unknown traces proto": {"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "udp"},
	} {
		if c, err := ConfigFromEnv(env(bad), "reviews"); err == nil {
			t.Errorf("%s accepted: %+v", name, c)
		}
	}
}

// sampled starts a span under parent (nil: a new trace) with the sampler c names and reports whether it is
// recorded and sampled.
func sampled(t *testing.T, c Config, parent *trace.SpanContext, traceID trace.TraceID) (recording, sampledFlag bool) {
	t.Helper()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(c.Sampler()), sdktrace.WithIDGenerator(fixedIDs{traceID}))
	defer tp.Shutdown(context.Background())
	ctx := context.Background()
	if parent != nil {
		ctx = trace.ContextWithRemoteSpanContext(ctx, *parent)
	}
	_, span := tp.Tracer("t").Start(ctx, "op")
	defer span.End()
	if !span.SpanContext().IsValid() {
		t.Errorf("%s: span without IDs", c.SamplerName)
	}
	return span.IsRecording(), span.SpanContext().IsSampled()
}

// fixedIDs gives every new trace the same ID, so that a ratio sampler's decision is known.
type fixedIDs struct{ trace trace.TraceID }

func (f fixedIDs) NewIDs(context.Context) (trace.TraceID, trace.SpanID) {
	return f.trace, trace.SpanID{1}
}
func (f fixedIDs) NewSpanID(context.Context, trace.TraceID) trace.SpanID { return trace.SpanID{2} }

func TestSamplers(t *testing.T) {
	// The ratio sampler keeps a trace whose low 8 bytes (big-endian, shifted right 1) are below ratio × 2^63.
	low := trace.TraceID{15: 1}                                                           // kept at any ratio above 0
	high := trace.TraceID{0: 1, 8: 0xff, 9: 0xff, 10: 0xff, 11: 0xff, 12: 0xff, 13: 0xff} // dropped below ~1
	sampledParent := trace.NewSpanContext(trace.SpanContextConfig{TraceID: high, SpanID: trace.SpanID{9}, TraceFlags: trace.FlagsSampled, Remote: true})
	droppedParent := trace.NewSpanContext(trace.SpanContextConfig{TraceID: low, SpanID: trace.SpanID{9}, Remote: true})
	ratio := func(name string, arg float64) Config { return Config{SamplerName: name, SamplerArg: arg} }
	tests := []struct {
		name   string
		c      Config
		parent *trace.SpanContext
		id     trace.TraceID
		want   bool
	}{
		{"always_on", ratio("always_on", 1), &droppedParent, low, true},
		{"always_off", ratio("always_off", 1), &sampledParent, low, false},
		{"ratio keeps a low trace ID", ratio("traceidratio", 0.1), nil, low, true},
		{"ratio drops a high trace ID", ratio("traceidratio", 0.1), nil, high, false},
		{"parent-based ratio: root kept", ratio("parentbased_traceidratio", 0.1), nil, low, true},
		{"parent-based ratio: root dropped", ratio("parentbased_traceidratio", 0.1), nil, high, false},
		{"parent-based ratio follows a sampled parent", ratio("parentbased_traceidratio", 0.1), &sampledParent, high, true},
		{"parent-based ratio follows a dropping parent", ratio("parentbased_traceidratio", 1), &droppedParent, low, false},
		{"parentbased_always_on root", ratio("parentbased_always_on", 1), nil, high, true},
		{"parentbased_always_off root", ratio("parentbased_always_off", 1), nil, low, false},
		{"parentbased_always_off follows a sampled parent", ratio("parentbased_always_off", 1), &sampledParent, low, true},
	}
	for _, tc := range tests {
		rec, flag := sampled(t, tc.c, tc.parent, tc.id)
		if rec != tc.want || flag != tc.want {
			t.Errorf("%s: recording %v, sampled %v; want %v", tc.name, rec, flag, tc.want)
		}
	}
}

// restoreGlobals puts back the global tracer provider and propagator when t ends.
func restoreGlobals(t *testing.T) {
	prevTP, prevProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	t.Cleanup(func() {
		otel.SetTracerProvider(prevTP)
		otel.SetTextMapPropagator(prevProp)
	})
}

// With OTEL_SDK_DISABLED nothing is recorded, but a caller's trace context is still passed on.
func TestSetupDisabled(t *testing.T) {
	restoreGlobals(t)
	t.Setenv("OTEL_SDK_DISABLED", "true")
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
	shutdown, err := Setup(context.Background(), "reviews")
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(context.Background())
	parent := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}, TraceFlags: trace.FlagsSampled, Remote: true})
	ctx, span := otel.Tracer("t").Start(trace.ContextWithRemoteSpanContext(context.Background(), parent), "op")
	defer span.End()
	if span.IsRecording() {
		t.Error("a disabled SDK records spans")
	}
	carrier := propagation.MapCarrier{}
	otel.GetTextMapPropagator().Inject(ctx, carrier)
	if got := trace.SpanContextFromContext(otel.GetTextMapPropagator().Extract(context.Background(), carrier)); got.TraceID() != parent.TraceID() {
		t.Errorf("passed on trace %v, want the caller's %v", got.TraceID(), parent.TraceID())
	}
	if _, err := Setup(context.Background(), "reviews"); err != nil {
		t.Fatal(err)
	}
}

// Without an endpoint no span is recorded by default (nothing would receive it), yet spans carry IDs for the
// logs.
func TestSetupWithoutEndpointRecordsNothing(t *testing.T) {
	restoreGlobals(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
	t.Setenv("OTEL_TRACES_SAMPLER", "")
	shutdown, err := Setup(context.Background(), "reviews")
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(context.Background())
	_, span := otel.Tracer("t").Start(context.Background(), "op")
	defer span.End()
	if span.IsRecording() || !span.SpanContext().IsValid() {
		t.Errorf("recording %v, IDs %v; want an unrecorded span with IDs", span.IsRecording(), span.SpanContext())
	}
}

// OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf exports over HTTP to the endpoint's /v1/traces, under
// OTEL_SERVICE_NAME, only the sampled traces.
func TestSetupExportsOverHTTP(t *testing.T) {
	restoreGlobals(t)
	var mu sync.Mutex
	var names []string
	var service string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req coltracepb.ExportTraceServiceRequest
		if r.URL.Path != "/v1/traces" || proto.Unmarshal(body, &req) != nil {
			t.Errorf("export to %s, %d bytes", r.URL.Path, len(body))
		}
		mu.Lock()
		defer mu.Unlock()
		for _, rs := range req.GetResourceSpans() {
			for _, a := range rs.GetResource().GetAttributes() {
				if a.GetKey() == "service.name" {
					service = a.GetValue().GetStringValue()
				}
			}
			for _, ss := range rs.GetScopeSpans() {
				for _, sp := range ss.GetSpans() {
					names = append(names, sp.GetName())
				}
			}
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.Write(nil)
	}))
	defer srv.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", srv.URL)
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
	t.Setenv("OTEL_SERVICE_NAME", "reviews-test")
	t.Setenv("OTEL_TRACES_SAMPLER", "parentbased_always_on")
	shutdown, err := Setup(context.Background(), "reviews")
	if err != nil {
		t.Fatal(err)
	}
	dropped := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}, Remote: true})
	_, unsampled := otel.Tracer("t").Start(trace.ContextWithRemoteSpanContext(context.Background(), dropped), "unsampled")
	unsampled.End()
	_, span := otel.Tracer("t").Start(context.Background(), "exported")
	span.End()
	if err := shutdown(context.Background()); err != nil { // flushes
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(names, []string{"exported"}) || service != "reviews-test" {
		t.Errorf("exported %v of service %q, want [exported] of reviews-test", names, service)
	}
}
