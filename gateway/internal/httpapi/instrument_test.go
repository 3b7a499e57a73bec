package httpapi

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// instrument's spans and metrics are otelhttp's: for the same requests — sampled and unsampled parents, with
// and without a body, a route labelled or not, 2xx, 4xx and 5xx answers, methods in other spellings, a Host
// with and without a port, a client behind X-Forwarded-For — the same span names, kinds, parents, statuses
// and attributes, and the same metric series (name, unit, attributes) with the same counts and sums.
func TestInstrumentMatchesOtelhttp(t *testing.T) {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if strings.HasPrefix(r.URL.Path, "/v1/rounds/") {
			if l, ok := otelhttp.LabelerFromContext(r.Context()); ok {
				l.Add(attribute.String("http.route", "/v1/rounds/{round_id}"))
			}
		}
		switch {
		case strings.HasSuffix(r.URL.Path, "/missing"):
			http.Error(w, "not found", http.StatusNotFound)
		case strings.HasSuffix(r.URL.Path, "/broken"):
			w.WriteHeader(http.StatusServiceUnavailable)
		case strings.HasSuffix(r.URL.Path, "/silent"):
		default:
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"read":%d}`, len(body))
		}
	})
	const sampled, unsampled = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "00-0af7651916cd43dd8448eb211c80319d-b7ad6b7169203332-00"
	requests := func() []*http.Request {
		var out []*http.Request
		add := func(method, target, body, traceparent string, headers ...string) {
			var b io.Reader
			if body != "" {
				b = strings.NewReader(body)
			}
			r := httptest.NewRequest(method, target, b)
			r.RemoteAddr = "203.0.113.9:51000"
			if traceparent != "" {
				r.Header.Set("Traceparent", traceparent)
			}
			for i := 0; i+1 < len(headers); i += 2 {
				r.Header.Set(headers[i], headers[i+1])
			}
			out = append(out, r)
		}
		add("POST", "http://gw.example:8080/v1/rounds/r1/applications/a1/votes", "{}", sampled, "User-Agent", "bench/1")
		add("POST", "http://gw.example:8080/v1/rounds/r2/applications/a1/votes", "{}", unsampled)
		add("GET", "http://gw.example/v1/rounds/r1", "", sampled, "X-Forwarded-For", "198.51.100.7, 10.0.0.1")
		add("GET", "http://gw.example/v1/rounds/r1/missing", "", sampled)
		add("GET", "http://gw.example/v1/other/broken", "", sampled)
		add("DELETE", "http://[2001:db8::1]:9000/v1/rounds/r3/silent", "", sampled)
		add("get", "http://gw.example:80/healthz", "", sampled)
		add("FOO", "http://gw.example/healthz", "", sampled)
		add("GET", "http://gw.example/healthz", "", "") // a new root: sampled by the test's AlwaysSample
		for range 3 {
			add("POST", "http://gw.example:8080/v1/rounds/r1/applications/a1/votes", "{}", unsampled)
		}
		return out
	}
	type result struct {
		spans   []string
		metrics []string
	}
	run := func(wrap func(h http.Handler, tp *sdktrace.TracerProvider, mp *sdkmetric.MeterProvider) http.Handler) result {
		rec := tracetest.NewSpanRecorder()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.AlwaysSample())), sdktrace.WithSpanProcessor(rec))
		reader := sdkmetric.NewManualReader()
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
		defer useGlobalOTel(tp, mp)()
		h := wrap(handler, tp, mp)
		for _, r := range requests() {
			h.ServeHTTP(httptest.NewRecorder(), r)
		}
		var res result
		for _, s := range rec.Ended() {
			attrs := s.Attributes()
			slices.SortFunc(attrs, func(a, b attribute.KeyValue) int { return strings.Compare(string(a.Key), string(b.Key)) })
			var kv []string
			for _, a := range attrs {
				kv = append(kv, string(a.Key)+"="+a.Value.Emit())
			}
			res.spans = append(res.spans, fmt.Sprintf("%s kind=%v parent=%s status=%v %q scope=%s@%s %s", s.Name(), s.SpanKind(), s.Parent().SpanID(),
				s.Status().Code, s.Status().Description, s.InstrumentationScope().Name, s.InstrumentationScope().Version, strings.Join(kv, " ")))
		}
		var rm metricdata.ResourceMetrics
		if err := reader.Collect(context.Background(), &rm); err != nil {
			t.Fatal(err)
		}
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				point := func(set attribute.Set, count uint64, sum any) {
					res.metrics = append(res.metrics, fmt.Sprintf("%s@%s %s [%s] %s count=%d", sm.Scope.Name, sm.Scope.Version, m.Name, m.Unit, set.Encoded(attribute.DefaultEncoder()), count))
					if m.Name != "http.server.request.duration" {
						res.metrics[len(res.metrics)-1] += fmt.Sprintf(" sum=%v", sum)
					}
				}
				switch d := m.Data.(type) {
				case metricdata.Histogram[float64]:
					for _, p := range d.DataPoints {
						point(p.Attributes, p.Count, p.Sum)
					}
				case metricdata.Histogram[int64]:
					for _, p := range d.DataPoints {
						point(p.Attributes, p.Count, p.Sum)
					}
				default:
					t.Errorf("metric %s of type %T", m.Name, m.Data)
				}
			}
		}
		slices.Sort(res.metrics)
		return res
	}
	want := run(func(h http.Handler, tp *sdktrace.TracerProvider, mp *sdkmetric.MeterProvider) http.Handler {
		return otelhttp.NewHandler(h, "gateway", otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method }))
	})
	got := run(func(h http.Handler, _ *sdktrace.TracerProvider, _ *sdkmetric.MeterProvider) http.Handler {
		return instrument(h)
	})
	if len(want.spans) != 8 || len(want.metrics) == 0 {
		t.Fatalf("otelhttp made %d spans and %d series: the test's set-up is wrong", len(want.spans), len(want.metrics))
	}
	if g, w := strings.Join(got.spans, "\n"), strings.Join(want.spans, "\n"); g != w {
		t.Errorf("spans:\n%s\nwant otelhttp's:\n%s", g, w)
	}
	if g, w := strings.Join(got.metrics, "\n"), strings.Join(want.metrics, "\n"); g != w {
		t.Errorf("metrics:\n%s\nwant otelhttp's:\n%s", g, w)
	}
}

// useGlobalOTel installs tp, mp and the W3C propagators as OpenTelemetry's globals, as the binaries do, and
// returns the function putting the previous ones back.
func useGlobalOTel(tp *sdktrace.TracerProvider, mp *sdkmetric.MeterProvider) (restore func()) {
	prevTP, prevMP, prevProp := otel.GetTracerProvider(), otel.GetMeterProvider(), otel.GetTextMapPropagator()
	otel.SetTracerProvider(tp)
	otel.SetMeterProvider(mp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	return func() {
		otel.SetTracerProvider(prevTP)
		otel.SetMeterProvider(prevMP)
		otel.SetTextMapPropagator(prevProp)
	}
}
