package telemetry

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace/noop"
)

// The protocols the OTLP trace exporter speaks (OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL).
const (
	ProtocolGRPC         = "grpc"
	ProtocolHTTPProtobuf = "http/protobuf"
)

// Config is the tracing configuration, read from the standard OTEL_* variables by ConfigFromEnv.
type Config struct {
	// Disabled (OTEL_SDK_DISABLED=true) installs a tracer provider that records nothing; the W3C trace context
	// a caller sends is still passed on, so logs keep the caller's trace ID.
	Disabled bool
	// ServiceName is OTEL_SERVICE_NAME, or the binary's name.
	ServiceName string
	// Export is whether spans are exported: an OTLP endpoint is set and OTEL_TRACES_EXPORTER is not none.
	Export bool
	// Protocol is the exporter's protocol (ProtocolGRPC or ProtocolHTTPProtobuf).
	Protocol string
	// SamplerName and SamplerArg are OTEL_TRACES_SAMPLER and its ratio (OTEL_TRACES_SAMPLER_ARG), defaults
	// applied: parentbased_always_on when exporting, parentbased_always_off when not.
	SamplerName string
	SamplerArg  float64
}

// ConfigFromEnv reads the tracing configuration through getenv (os.Getenv) for the binary named service:
//
//	OTEL_SDK_DISABLED                        true: record and export nothing (any other value: false)
//	OTEL_SERVICE_NAME                        the service.name resource attribute (default: service)
//	OTEL_EXPORTER_OTLP_ENDPOINT,
//	OTEL_EXPORTER_OTLP_TRACES_ENDPOINT       where to export; neither set: spans are not exported
//	OTEL_TRACES_EXPORTER                     otlp (default) or none
//	OTEL_EXPORTER_OTLP_PROTOCOL,
//	OTEL_EXPORTER_OTLP_TRACES_PROTOCOL       grpc (default) or http/protobuf
//	OTEL_TRACES_SAMPLER                      always_on, always_off, traceidratio, parentbased_always_on,
//	                                         parentbased_always_off, parentbased_traceidratio; default
//	                                         parentbased_always_on when exporting, parentbased_always_off when not
//	OTEL_TRACES_SAMPLER_ARG                  the ratio of the *traceidratio samplers, 0 to 1 (default 1)
//
// The exporters themselves read the rest (headers, TLS, timeouts, compression), and the batch span processor
// the OTEL_BSP_* variables. A value it cannot honour is an error, so that a typo does not silently turn
// tracing off or on.
func ConfigFromEnv(getenv func(string) string, service string) (Config, error) {
	c := Config{ServiceName: service, Protocol: ProtocolGRPC, SamplerArg: 1}
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true") {
		c.Disabled = true
	}
	if name := strings.TrimSpace(getenv("OTEL_SERVICE_NAME")); name != "" {
		c.ServiceName = name
	}
	exporter := strings.ToLower(strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER")))
	switch exporter {
	case "", "otlp", "none":
	default:
		return Config{}, fmt.Errorf("OTEL_TRACES_EXPORTER: %q is not supported (otlp or none)", exporter)
	}
	endpoint := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) != "" || strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_ENDPOINT")) != ""
	c.Export = endpoint && exporter != "none" && !c.Disabled
	protocol, err := otlpProtocol(getenv, "TRACES")
	if err != nil {
		return Config{}, err
	}
	if protocol != "" {
		c.Protocol = protocol
	}
	c.SamplerName = strings.ToLower(strings.TrimSpace(getenv("OTEL_TRACES_SAMPLER")))
	switch c.SamplerName {
	case "":
		c.SamplerName = "parentbased_always_off"
		if c.Export {
			c.SamplerName = "parentbased_always_on"
		}
	case "always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off", "parentbased_traceidratio":
	default:
		return Config{}, fmt.Errorf("OTEL_TRACES_SAMPLER: %q is not supported (always_on, always_off, traceidratio, "+
			"parentbased_always_on, parentbased_always_off or parentbased_traceidratio)", c.SamplerName)
	}
	if arg := strings.TrimSpace(getenv("OTEL_TRACES_SAMPLER_ARG")); arg != "" && strings.HasSuffix(c.SamplerName, "traceidratio") {
		ratio, err := strconv.ParseFloat(arg, 64)
		if err != nil || !(ratio >= 0 && ratio <= 1) {
			return Config{}, fmt.Errorf("OTEL_TRACES_SAMPLER_ARG: %q is not a ratio from 0 to 1", arg)
		}
		c.SamplerArg = ratio
	}
	return c, nil
}

// Sampler is the sampler c names.
func (c Config) Sampler() sdktrace.Sampler {
	root := sdktrace.AlwaysSample()
	switch strings.TrimPrefix(c.SamplerName, "parentbased_") {
	case "always_off":
		root = sdktrace.NeverSample()
	case "traceidratio":
		root = sdktrace.TraceIDRatioBased(c.SamplerArg)
	}
	if strings.HasPrefix(c.SamplerName, "parentbased_") {
		return sdktrace.ParentBased(root)
	}
	return root
}

// Setup installs the global tracer provider and the propagators as the OTEL_* variables say (ConfigFromEnv,
// PropagatorsFromEnv: W3C trace context and baggage by default). Spans are exported in batches over OTLP
// when an endpoint is set; unsampled spans are not recorded (they still carry trace and span IDs, for the
// logs and the next hop). The returned function flushes and stops export.
func Setup(ctx context.Context, service string) (func(context.Context) error, error) {
	c, err := ConfigFromEnv(os.Getenv, service)
	if err != nil {
		return nil, err
	}
	propagator, err := PropagatorsFromEnv(os.Getenv) // OTEL_PROPAGATORS (metrics_propagators.go)
	if err != nil {
		return nil, err
	}
	shutdown, err := setup(ctx, c)
	if err == nil {
		otel.SetTextMapPropagator(propagator)
	}
	return shutdown, err
}

func setup(ctx context.Context, c Config) (func(context.Context) error, error) {
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	if c.Disabled {
		otel.SetTracerProvider(noop.NewTracerProvider())
		return func(context.Context) error { return nil }, nil
	}
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(semconv.ServiceName(c.ServiceName)))
	if err != nil {
		return nil, err
	}
	opts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res), sdktrace.WithSampler(c.Sampler())}
	if c.Export {
		var exp sdktrace.SpanExporter
		if c.Protocol == ProtocolHTTPProtobuf {
			exp, err = otlptracehttp.New(ctx)
		} else {
			exp, err = otlptracegrpc.New(ctx)
		}
		if err != nil {
			return nil, err
		}
		opts = append(opts, sdktrace.WithBatcher(exp))
	}
	tp := sdktrace.NewTracerProvider(opts...)
	otel.SetTracerProvider(tp)
	return tp.Shutdown, nil
}

// otlpProtocol reads OTEL_EXPORTER_OTLP_<SIGNAL>_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL: ProtocolHTTPProtobuf,
// or "" for gRPC (the default); anything else is an error.
func otlpProtocol(getenv func(string) string, signal string) (string, error) {
	protocol := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_" + signal + "_PROTOCOL"))
	if protocol == "" {
		protocol = strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_PROTOCOL"))
	}
	switch strings.ToLower(protocol) {
	case "", ProtocolGRPC:
		return "", nil
	case ProtocolHTTPProtobuf:
		return ProtocolHTTPProtobuf, nil
	}
	return "", fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL: %q is not supported (grpc or http/protobuf)", protocol)
}
