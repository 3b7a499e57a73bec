package telemetry

import (
	"fmt"
	"strings"

	"go.opentelemetry.io/otel/propagation"
)

// PropagatorsFromEnv is the propagator OTEL_PROPAGATORS names through getenv: a comma-separated list of
// tracecontext (W3C traceparent) and baggage (W3C baggage), default "tracecontext,baggage"; "none" passes no
// context on. Other propagators (b3, jaeger, ...) are not linked in: naming one is an error.
func PropagatorsFromEnv(getenv func(string) string) (propagation.TextMapPropagator, error) {
	v := strings.TrimSpace(getenv("OTEL_PROPAGATORS"))
	if v == "" {
		v = "tracecontext,baggage"
	}
	var ps []propagation.TextMapPropagator
	seen := map[string]bool{}
	for _, name := range strings.Split(v, ",") {
		name = strings.ToLower(strings.TrimSpace(name))
		if seen[name] {
			continue
		}
		seen[name] = true
		switch name {
		case "tracecontext":
			ps = append(ps, propagation.TraceContext{})
		case "baggage":
			ps = append(ps, propagation.Baggage{})
		case "none":
		default:
			return nil, fmt.Errorf("OTEL_PROPAGATORS: %q is not supported (tracecontext, baggage or none)", name)
		}
	}
	if seen["none"] && len(ps) > 0 {
		return nil, fmt.Errorf("OTEL_PROPAGATORS: none with other propagators (%q)", v)
	}
	return propagation.NewCompositeTextMapPropagator(ps...), nil
}
