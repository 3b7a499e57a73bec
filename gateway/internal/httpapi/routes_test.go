package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// The HTTP metrics name the route template of root's patterns, never the raw path; grpc-gateway's catch-all
// is left to the backend connection.
func TestLabelRouteByTemplate(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	root := http.NewServeMux()
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	handleRoute(root, "GET /healthz", ok)
	handleRoute(root, "POST /v1/rounds/{round_id}/applications/{application_id}/votes", ok)
	root.Handle("/", ok)
	// As in New: the gateway's middlewares pass copies of the request on (WithContext), so otelhttp never sees
	// the pattern root sets on its own copy.
	copying := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { root.ServeHTTP(w, r.WithContext(r.Context())) })
	h := otelhttp.NewHandler(copying, "test", otelhttp.WithMeterProvider(mp))
	for _, req := range []*http.Request{
		httptest.NewRequest("GET", "/healthz", nil),
		httptest.NewRequest("POST", "/v1/rounds/r-1234/applications/a-5678/votes", nil),
		httptest.NewRequest("GET", "/v1/rounds/r-1234", nil),
	} {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var routes []string
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			hist, isHist := m.Data.(metricdata.Histogram[float64])
			if m.Name != "http.server.request.duration" || !isHist {
				continue
			}
			for _, dp := range hist.DataPoints {
				route, _ := dp.Attributes.Value(attribute.Key("http.route"))
				routes = append(routes, route.AsString())
				for _, kv := range dp.Attributes.ToSlice() {
					if v := kv.Value.Emit(); strings.Contains(v, "1234") || strings.Contains(v, "5678") {
						t.Errorf("attribute %s = %q names a raw ID", kv.Key, v)
					}
				}
			}
		}
	}
	slices.Sort(routes)
	want := []string{"", "/healthz", "/v1/rounds/{round_id}/applications/{application_id}/votes"}
	if !slices.Equal(routes, want) {
		t.Errorf("http.route of the series: %q, want %q", routes, want)
	}
}
