package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// The gateway's server span is named after the route template, whether root's own pattern or grpc-gateway's
// (known on the backend connection), never after the raw path with its IDs; a request no route matched keeps
// its method as name.
func TestServerSpanNamedByRoute(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	root := http.NewServeMux()
	handleRoute(root, "POST /v1/rounds/{round_id}/applications/{application_id}/votes", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	// grpc-gateway's catch-all: the route is labelled where the call reaches the backend (gateway/server.go),
	// from the pattern grpc-gateway puts in the context; here the same labeler, by hand.
	root.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/rounds/r-1234/results:compute" {
			if l, ok := otelhttp.LabelerFromContext(r.Context()); ok {
				l.Add(attribute.String("http.route", "/v1/rounds/{round_id}/results:compute"))
			}
		}
		w.WriteHeader(http.StatusNotFound)
	})
	copying := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { root.ServeHTTP(w, r.WithContext(r.Context())) })
	h := otelhttp.NewHandler(nameSpanByRoute(copying), "test", otelhttp.WithTracerProvider(tp),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method }))
	for _, req := range []*http.Request{
		httptest.NewRequest("POST", "/v1/rounds/r-1234/applications/a-5678/votes", nil),
		httptest.NewRequest("POST", "/v1/rounds/r-1234/results:compute", nil),
		httptest.NewRequest("GET", "/v1/nothing/x-9999", nil),
	} {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	if err := tp.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, sp := range rec.Ended() {
		route := ""
		for _, kv := range sp.Attributes() {
			if kv.Key == "http.route" {
				route = kv.Value.AsString()
			}
		}
		got = append(got, sp.Name()+" | "+route)
	}
	want := []string{
		"POST /v1/rounds/{round_id}/applications/{application_id}/votes | /v1/rounds/{round_id}/applications/{application_id}/votes",
		"POST /v1/rounds/{round_id}/results:compute | /v1/rounds/{round_id}/results:compute",
		"GET | ",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("span names:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
