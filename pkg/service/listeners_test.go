package service

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/commonweal/commonweal/pkg/authz"
	"github.com/commonweal/commonweal/pkg/config"
	"github.com/commonweal/commonweal/pkg/pgtest"
	"github.com/commonweal/commonweal/pkg/tlsconf/devpki"
)

func loopbackAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// A service with HEALTH_ADDR and ADMIN_ADDR answers the plaintext health protocol (SERVING while it serves)
// and serves its metrics (its pool's among them) at /metrics; both stop with the service.
func TestServiceServesHealthAndAdminListeners(t *testing.T) {
	_, dbURL := pgtest.NewTemplate("service_listeners", func(context.Context, string, string) error { return nil }).Database(t)
	spec := Spec{
		Name:       "listencheck",
		Migrations: fstest.MapFS{"00001_things.sql": {Data: []byte("-- +goose Up\nCREATE TABLE things (id bigint PRIMARY KEY);\n-- +goose Down\nDROP TABLE things;\n")}},
		Policy:     &authz.Policy{Service: "commonweal.listencheck.v1.ListencheckService"},
	}
	certs := t.TempDir()
	if err := devpki.Write(certs, spec.Name); err != nil {
		t.Fatal(err)
	}
	healthAddr, adminAddr := loopbackAddr(t), loopbackAddr(t)
	env := map[string]string{config.ModeVar: config.Dev, "DATABASE_URL": dbURL, "LISTENCHECK_GRPC_ADDR": "127.0.0.1:0",
		"HEALTH_ADDR": healthAddr, "ADMIN_ADDR": adminAddr, "OTEL_METRICS_EXPORTER": "", "LOG_LEVEL": "error"}
	for _, kv := range devpki.Env(certs, spec.Name) {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	done := make(chan error, 1)
	go func() {
		done <- Run(nil, spec, func(*config.Loader) func(context.Context, *Runtime) error {
			return func(context.Context, *Runtime) error { return nil }
		})
	}()

	conn, err := grpc.NewClient(healthAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
		cancel()
		if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("the service stopped: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no SERVING on HEALTH_ADDR within 30s: %v, %v", resp.GetStatus(), err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	resp, err := http.Get("http://" + adminAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `db_client_connection_max{`) || !strings.Contains(string(body), `service_name="listencheck"`) {
		t.Errorf("GET /metrics on ADMIN_ADDR: %d, want the pool's metrics of service listencheck:\n%.2000s", resp.StatusCode, body)
	}

	// SIGTERM (Run's own signal handler takes it): the service stops gracefully, and its listeners with it.
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run after SIGTERM: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return within 30s of SIGTERM")
	}
	for _, addr := range []string{healthAddr, adminAddr} {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			t.Errorf("%s still accepts connections after the service stopped", addr)
		}
	}
}
