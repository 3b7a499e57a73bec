package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
)

// The metrics exporters (OTEL_METRICS_EXPORTER).
const (
	MetricsPrometheus = "prometheus"
	MetricsOTLP       = "otlp"
	MetricsNone       = "none"
)

// MetricsConfig is the metrics configuration, read from the standard OTEL_* variables by
// MetricsConfigFromEnv.
type MetricsConfig struct {
	// Exporter is MetricsPrometheus (served at /metrics on ADMIN_ADDR), MetricsOTLP (pushed every
	// OTEL_METRIC_EXPORT_INTERVAL) or MetricsNone.
	Exporter string
	// ServiceName is OTEL_SERVICE_NAME, or the binary's name: the service_name label of every series.
	ServiceName string
	// Protocol is the OTLP exporter's protocol (ProtocolGRPC or ProtocolHTTPProtobuf).
	Protocol string
}

// MetricsConfigFromEnv reads the metrics configuration through getenv for the binary named service:
//
//	OTEL_SDK_DISABLED                        true: no metrics (exporter none)
//	OTEL_SERVICE_NAME                        the service.name resource attribute (default: service)
//	OTEL_METRICS_EXPORTER                    prometheus (default), otlp or none
//	OTEL_EXPORTER_OTLP_PROTOCOL,
//	OTEL_EXPORTER_OTLP_METRICS_PROTOCOL      grpc (default) or http/protobuf
//
// The OTLP exporter reads the rest itself (OTEL_EXPORTER_OTLP_[METRICS_]ENDPOINT, headers, TLS), and its
// periodic reader OTEL_METRIC_EXPORT_INTERVAL. A value it cannot honour is an error.
func MetricsConfigFromEnv(getenv func(string) string, service string) (MetricsConfig, error) {
	c := MetricsConfig{Exporter: MetricsPrometheus, ServiceName: service, Protocol: ProtocolGRPC}
	if name := strings.TrimSpace(getenv("OTEL_SERVICE_NAME")); name != "" {
		c.ServiceName = name
	}
	switch e := strings.ToLower(strings.TrimSpace(getenv("OTEL_METRICS_EXPORTER"))); e {
	case "", MetricsPrometheus:
	case MetricsOTLP, MetricsNone:
		c.Exporter = e
	default:
		return MetricsConfig{}, fmt.Errorf("OTEL_METRICS_EXPORTER: %q is not supported (prometheus, otlp or none)", e)
	}
	protocol, err := otlpProtocol(getenv, "METRICS")
	if err != nil {
		return MetricsConfig{}, err
	}
	if protocol != "" {
		c.Protocol = protocol
	}
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true") {
		c.Exporter = MetricsNone
	}
	return c, nil
}

// Metrics is the installed meter provider.
type Metrics struct {
	// Handler serves the Prometheus exposition of every metric (the admin server's /metrics); nil unless the
	// exporter is prometheus.
	Handler  http.Handler
	shutdown func(context.Context) error
}

// Shutdown flushes (OTLP) and stops the meter provider.
func (m *Metrics) Shutdown(ctx context.Context) error { return m.shutdown(ctx) }

// SetupMetrics installs the global meter provider as the OTEL_* variables say (MetricsConfigFromEnv). Every
// instrumentation using the global provider reports to it: the gRPC servers' and clients' otelgrpc handlers,
// the gateway's otelhttp handler, ObservePool and the domain counters (Counter).
func SetupMetrics(ctx context.Context, service string) (*Metrics, error) {
	c, err := MetricsConfigFromEnv(os.Getenv, service)
	if err != nil {
		return nil, err
	}
	return setupMetrics(ctx, c)
}

func setupMetrics(ctx context.Context, c MetricsConfig) (*Metrics, error) {
	if c.Exporter == MetricsNone {
		otel.SetMeterProvider(noop.NewMeterProvider())
		return &Metrics{shutdown: func(context.Context) error { return nil }}, nil
	}
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(semconv.ServiceName(c.ServiceName)))
	if err != nil {
		return nil, err
	}
	m := &Metrics{}
	var reader sdkmetric.Reader
	switch c.Exporter {
	case MetricsPrometheus:
		reg := prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		// Every series carries service_name, so that a dashboard tells the binaries apart whatever the
		// scrape configuration calls them.
		exp, err := otelprom.New(otelprom.WithRegisterer(reg),
			otelprom.WithResourceAsConstantLabels(attribute.NewAllowKeysFilter(semconv.ServiceNameKey)))
		if err != nil {
			return nil, err
		}
		reader = exp
		m.Handler = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	case MetricsOTLP:
		var exp sdkmetric.Exporter
		if c.Protocol == ProtocolHTTPProtobuf {
			exp, err = otlpmetrichttp.New(ctx)
		} else {
			exp, err = otlpmetricgrpc.New(ctx)
		}
		if err != nil {
			return nil, err
		}
		reader = sdkmetric.NewPeriodicReader(exp)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithResource(res), sdkmetric.WithReader(reader))
	otel.SetMeterProvider(mp)
	startCounters(ctx)
	m.shutdown = mp.Shutdown
	return m, nil
}

// meterName is the instrumentation scope of the suite's own instruments.
const meterName = "github.com/commonweal/commonweal/pkg/telemetry"

// Counter is a counter of the global meter provider, for a domain event (e.g. commonweal.votes.cast):
// count it once the transaction that made it has committed. It may be made before SetupMetrics (a package
// variable): it reports to the provider installed later, which starts it at 0 for each attribute set of
// series (none: the series without attributes), so that it is exported before its first event.
func Counter(name, unit, description string, series ...attribute.Set) metric.Int64Counter {
	c, err := otel.Meter(meterName).Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(description))
	if err != nil {
		otel.Handle(err)
	}
	if len(series) == 0 {
		series = []attribute.Set{*attribute.EmptySet()}
	}
	countersMu.Lock()
	counters = append(counters, declaredCounter{c, series})
	countersMu.Unlock()
	return c
}

// counters are the counters made by Counter, started at 0 by setupMetrics.
var (
	countersMu sync.Mutex
	counters   []declaredCounter
)

type declaredCounter struct {
	c      metric.Int64Counter
	series []attribute.Set
}

func startCounters(ctx context.Context) {
	countersMu.Lock()
	defer countersMu.Unlock()
	for _, d := range counters {
		for _, set := range d.series {
			d.c.Add(ctx, 0, metric.WithAttributeSet(set))
		}
	}
}

// ServeAdmin serves the admin HTTP endpoints on lis until ctx is done, then shuts down gracefully: /metrics
// (the Prometheus exposition, when metricsHandler is not nil) and, when profiles is true (ADMIN_PPROF),
// Go's profiles under /debug/pprof/ (a CPU profile for at most 25 seconds: the server's write timeout is
// 30). Nothing else.
func ServeAdmin(ctx context.Context, lis net.Listener, metricsHandler http.Handler, profiles bool) error {
	mux := http.NewServeMux()
	if metricsHandler != nil {
		mux.Handle("GET /metrics", metricsHandler)
	}
	if profiles {
		mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(lis) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if serveErr := <-errc; serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return err
}
