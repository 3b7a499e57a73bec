package service

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/commonweal/commonweal/pkg/authz"
	"github.com/commonweal/commonweal/pkg/config"
)

// TestDatabaseRulesOfProduction: without dev mode the binary refuses to migrate and serve in one process,
// a database URL without verified TLS (unless waived) and, for serve, a URL with credentials, naming the
// setting; none of it reaches the (unreachable) server.
func TestDatabaseRulesOfProduction(t *testing.T) {
	spec := Spec{Name: "ledgerly", Migrations: fstest.MapFS{}, Policy: &authz.Policy{Service: "commonweal.ledgerly.v1.LedgerlyService"}}
	setup := func(*config.Loader) func(context.Context, *Runtime) error {
		return func(context.Context, *Runtime) error { return nil }
	}
	const tls = "?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem&connect_timeout=2"
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string // a fragment of the error
	}{
		{"no command", map[string]string{"DATABASE_URL": "postgres://admin:pw@127.0.0.1:1/x" + tls}, nil, "name the command"},
		{"serve with the admin's credentials", map[string]string{"DATABASE_URL": "postgres://admin:pw@127.0.0.1:1/x" + tls}, []string{"serve"}, "DATABASE_URL: carries a password"},
		{"serve as another role", map[string]string{"DATABASE_URL": "postgres://postgres@127.0.0.1:1/x" + tls}, []string{"serve"}, "DATABASE_URL: names role postgres"},
		{"serve without TLS", map[string]string{"DATABASE_URL": "postgres://127.0.0.1:1/x?sslmode=disable"}, []string{"serve"}, "DATABASE_URL: sslmode=disable"},
		{"migrate without TLS", map[string]string{"DATABASE_URL": "postgres://admin:pw@127.0.0.1:1/x"}, []string{"migrate"}, "DATABASE_URL: no sslmode"},
		{"the service's own server without TLS", map[string]string{"DATABASE_URL": "postgres://127.0.0.1:1/x" + tls, "LEDGERLY_DATABASE_URL": "postgres://127.0.0.1:1/x?sslmode=require"},
			[]string{"migrate"}, "LEDGERLY_DATABASE_URL: sslmode=require"},
		{"migrate with TLS waived reaches for the server", map[string]string{"DATABASE_URL": "postgres://admin:pw@127.0.0.1:1/x?sslmode=disable&connect_timeout=2", "DB_TLS_WAIVED": "true"},
			[]string{"migrate"}, "connect for migration"},
		{"migrate in dev mode without TLS", map[string]string{config.ModeVar: config.Dev, "DATABASE_URL": "postgres://admin:pw@127.0.0.1:1/x?sslmode=disable&connect_timeout=2"},
			[]string{"migrate"}, "connect for migration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{config.ModeVar, "LEDGERLY_DATABASE_URL", "DB_TLS_WAIVED"} {
				t.Setenv(k, "") // restored when the test ends
				os.Unsetenv(k)
			}
			t.Setenv("LOG_LEVEL", "error")
			// Proper secrets, so that the refusals are the database's.
			for _, k := range []string{"LEDGERLY_DB_PASSWORD", "GATEWAY_IDENTITY_PUBLIC_KEY", "DATA_ENCRYPTION_KEY", "PAGE_TOKEN_KEY"} {
				key := make([]byte, 32)
				rand.Read(key)
				t.Setenv(k, base64.StdEncoding.EncodeToString(key))
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			err := Run(tt.args, spec, setup)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "pw@") {
				t.Errorf("err = %v quotes the password", err)
			}
		})
	}
}
