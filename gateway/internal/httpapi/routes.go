package httpapi

import (
	"net/http"
	"strings"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// handleRoute registers h on root under pattern ("METHOD /path/{param}") and labels the request's HTTP
// metrics (otelhttp's http.server.request.duration) with the pattern's path template (http.route, e.g.
// /healthz or /v1/rounds/{round_id}/applications/{application_id}/votes), never the raw path, whose IDs would
// make a series per resource. The label is added by the route's own handler, once root has matched it: no
// second match of every request. A request for grpc-gateway's routes (root's "/") is labelled by the backend
// connection, which knows the gateway's pattern (gateway/server.go labelRoute).
func handleRoute(root *http.ServeMux, pattern string, h http.Handler) {
	route := pattern
	if _, path, ok := strings.Cut(pattern, " "); ok { // "METHOD /path"
		route = path
	}
	label := attribute.String("http.route", route)
	root.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if l, ok := otelhttp.LabelerFromContext(r.Context()); ok {
			l.Add(label)
		}
		h.ServeHTTP(w, r)
	}))
}

// nameSpanByRoute names the request's server span after its route template once the request has been served
// ("POST /v1/rounds/{round_id}/results:compute", OpenTelemetry's HTTP server span name) and records the route
// as http.route, from the route handleRoute gave the request's metrics (or the backend connection, for
// grpc-gateway's routes). Trace viewers then list one operation per route, not one per resource ID. A
// request that matched no route keeps its method as its name. It must run inside instrument (or otelhttp).
func nameSpanByRoute(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
		l, ok := otelhttp.LabelerFromContext(r.Context())
		if !ok {
			return
		}
		for _, kv := range l.Get() {
			if kv.Key == "http.route" {
				span := trace.SpanFromContext(r.Context())
				span.SetName(r.Method + " " + kv.Value.AsString())
				span.SetAttributes(kv)
			}
		}
	})
}
