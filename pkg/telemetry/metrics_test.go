package telemetry

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/commonweal/commonweal/pkg/pgtest"
)

func TestMetricsConfigFromEnv(t *testing.T) {
	for _, c := range []struct {
		env     map[string]string
		want    MetricsConfig
		wantErr string
	}{
		{env: nil, want: MetricsConfig{Exporter: MetricsPrometheus, ServiceName: "svc", Protocol: ProtocolGRPC}},
		{env: map[string]string{"OTEL_METRICS_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf", "OTEL_SERVICE_NAME": "other"},
			want: MetricsConfig{Exporter: MetricsOTLP, ServiceName: "other", Protocol: ProtocolHTTPProtobuf}},
		{env: map[string]string{"OTEL_METRICS_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf", "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL": "grpc"},
			want: MetricsConfig{Exporter: MetricsOTLP, ServiceName: "svc", Protocol: ProtocolGRPC}},
		{env: map[string]string{"OTEL_METRICS_EXPORTER": "none"}, want: MetricsConfig{Exporter: MetricsNone, ServiceName: "svc", Protocol: ProtocolGRPC}},
		{env: map[string]string{"OTEL_SDK_DISABLED": "true"}, want: MetricsConfig{Exporter: MetricsNone, ServiceName: "svc", Protocol: ProtocolGRPC}},
		{env: map[string]string{"OTEL_METRICS_EXPORTER": "statsd"}, wantErr: "OTEL_METRICS_EXPORTER"},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"}, wantErr: "OTEL_EXPORTER_OTLP_PROTOCOL"},
	} {
		got, err := MetricsConfigFromEnv(func(k string) string { return c.env[k] }, "svc")
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%v: err = %v, want one naming %s", c.env, err, c.wantErr)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%v: %+v, %v; want %+v", c.env, got, err, c.want)
		}
	}
}

func TestPropagatorsFromEnv(t *testing.T) {
	for _, c := range []struct {
		env     string
		fields  string
		wantErr bool
	}{
		{"", "baggage,traceparent,tracestate", false},
		{"tracecontext", "traceparent,tracestate", false},
		{"baggage , tracecontext", "baggage,traceparent,tracestate", false},
		{"baggage", "baggage", false},
		{"none", "", false},
		{"b3", "", true},
		{"none,baggage", "", true},
	} {
		p, err := PropagatorsFromEnv(func(k string) string {
			if k == "OTEL_PROPAGATORS" {
				return c.env
			}
			return ""
		})
		if c.wantErr {
			if err == nil {
				t.Errorf("OTEL_PROPAGATORS=%q: no error", c.env)
			}
			continue
		}
		if err != nil {
			t.Errorf("OTEL_PROPAGATORS=%q: %v", c.env, err)
			continue
		}
		fields := p.Fields()
		slices.Sort(fields)
		if got := strings.Join(fields, ","); got != c.fields {
			t.Errorf("OTEL_PROPAGATORS=%q: fields %q, want %q", c.env, got, c.fields)
		}
	}
}

// serveMetrics installs the prometheus meter provider for the test and serves the admin endpoints on a
// loopback port; it returns the base URL and a function stopping the server (and returning its error).
func serveMetrics(t *testing.T, service string) (string, func() error) {
	t.Helper()
	prev := otel.GetMeterProvider()
	m, err := setupMetrics(context.Background(), MetricsConfig{Exporter: MetricsPrometheus, ServiceName: service, Protocol: ProtocolGRPC})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown(context.Background()); otel.SetMeterProvider(prev) })
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeAdmin(ctx, lis, m.Handler, false) }()
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			return errors.New("ServeAdmin did not return")
		}
	}
	t.Cleanup(func() { stop() })
	return "http://" + lis.Addr().String(), stop
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// sample is the value of the first series of name whose labels contain every one of labels (k="v"), and
// whether there is one.
func sample(exposition, name string, labels ...string) (float64, bool) {
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `(\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})? (\S+)`)
	for _, m := range re.FindAllStringSubmatch(exposition, -1) {
		ok := true
		for _, l := range labels {
			ok = ok && strings.Contains(m[1], l)
		}
		if ok {
			v, err := strconv.ParseFloat(m[2], 64)
			return v, err == nil
		}
	}
	return 0, false
}

func TestAdminServesPrometheusMetrics(t *testing.T) {
	events := Counter("commonweal.test.events", "{event}", "test events") // before the provider, as a package variable
	kinds := Counter("commonweal.test.kinds", "{event}", "test events by kind",
		attribute.NewSet(attribute.String("kind", "a")), attribute.NewSet(attribute.String("kind", "b")))
	url, stop := serveMetrics(t, "metrics-test")
	code, body := get(t, url+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("GET /metrics: %d", code)
	}
	for _, kind := range []string{"", `kind="a"`, `kind="b"`} {
		name := map[bool]string{true: "commonweal_test_events_total", false: "commonweal_test_kinds_total"}[kind == ""]
		if v, ok := sample(body, name, kind); !ok || v != 0 {
			t.Errorf("%s{%s} before any event = %v (found %v), want 0", name, kind, v, ok)
		}
	}
	events.Add(context.Background(), 2)
	kinds.Add(context.Background(), 1, metric.WithAttributes(attribute.String("kind", "b")))
	if _, body := get(t, url+"/metrics"); !strings.Contains(body, `kind="b"`) {
		t.Error("no kind=b series")
	} else if v, _ := sample(body, "commonweal_test_kinds_total", `kind="b"`); v != 1 {
		t.Errorf("kinds{b} = %v, want 1", v)
	}
	code, body = get(t, url+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("GET /metrics: %d", code)
	}
	if v, ok := sample(body, "commonweal_test_events_total", `service_name="metrics-test"`); !ok || v != 2 {
		t.Errorf("commonweal_test_events_total{service_name=metrics-test} = %v (found %v), want 2; exposition:\n%s", v, ok, body)
	}
	if _, ok := sample(body, "go_goroutines"); !ok {
		t.Error("no Go runtime metrics (go_goroutines)")
	}
	events.Add(context.Background(), 1)
	if _, body := get(t, url+"/metrics"); !strings.Contains(body, "commonweal_test_events_total") {
		t.Error("the counter vanished")
	} else if v, _ := sample(body, "commonweal_test_events_total"); v != 3 {
		t.Errorf("after one more event: %v, want 3", v)
	}
	for _, path := range []string{"/", "/debug/pprof/", "/healthz"} {
		if code, _ := get(t, url+path); code != http.StatusNotFound {
			t.Errorf("GET %s on the admin port: %d, want 404 (it serves /metrics only)", path, code)
		}
	}
	if err := stop(); err != nil {
		t.Errorf("ServeAdmin after shutdown: %v", err)
	}
	if _, err := http.Get(url + "/metrics"); err == nil {
		t.Error("the admin server still answers after shutdown")
	}
}

func TestObservePool(t *testing.T) {
	adminURL := pgtest.Server(t)
	url, _ := serveMetrics(t, "pool-test")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	pool, err := pgxpool.New(ctx, adminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	stop, err := ObservePool(pool, "pooltest")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, body := get(t, url+"/metrics")
	conn.Release()
	if v, ok := sample(body, "db_client_connection_count", `db_client_connection_pool_name="pooltest"`, `db_client_connection_state="used"`); !ok || v != 1 {
		t.Errorf("used connections = %v (found %v), want 1; exposition:\n%s", v, ok, body)
	}
	if v, ok := sample(body, "db_client_connection_max", `db_client_connection_pool_name="pooltest"`); !ok || v != float64(pool.Config().MaxConns) {
		t.Errorf("db_client_connection_max = %v (found %v), want %d", v, ok, pool.Config().MaxConns)
	}
	if v, ok := sample(body, "pgxpool_acquires_total", `db_client_connection_pool_name="pooltest"`); !ok || v < 1 {
		t.Errorf("pgxpool_acquires_total = %v (found %v), want at least 1", v, ok)
	}
	_, body = get(t, url+"/metrics")
	if v, ok := sample(body, "db_client_connection_count", `db_client_connection_state="used"`); !ok || v != 0 {
		t.Errorf("used connections after release = %v (found %v), want 0", v, ok)
	}
}

// The profiles are served only when asked for (ADMIN_PPROF): they show the process's internals.
func TestAdminServesProfilesOnlyWhenAsked(t *testing.T) {
	for _, profiles := range []bool{false, true} {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- ServeAdmin(ctx, lis, nil, profiles) }()
		base := "http://" + lis.Addr().String()
		code, body := get(t, base+"/debug/pprof/")
		want := http.StatusNotFound
		if profiles {
			want = http.StatusOK
		}
		if code != want {
			t.Errorf("profiles %t: /debug/pprof/ answered %d, want %d", profiles, code, want)
		}
		if profiles && !strings.Contains(body, "goroutine") {
			t.Errorf("profiles index lacks the goroutine profile: %.200s", body)
		}
		if code, _ := get(t, base+"/debug/pprof/heap?debug=1"); profiles && code != http.StatusOK {
			t.Errorf("heap profile answered %d", code)
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ServeAdmin: %v", err)
		}
	}
}
