package service

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/commonweal/commonweal/pkg/authz"
	"github.com/commonweal/commonweal/pkg/config"
	"github.com/commonweal/commonweal/pkg/pgtest"
	"github.com/commonweal/commonweal/pkg/tlsconf/devpki"
	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// prodSpec is a service with one table and a secret of its own (as reviews declares VOTER_HMAC_KEY).
var prodSpec = Spec{
	Name:       "prodcheck",
	Migrations: fstest.MapFS{"00001_things.sql": {Data: []byte("-- +goose Up\nCREATE TABLE things (id bigint PRIMARY KEY);\n-- +goose Down\nDROP TABLE things;\n")}},
	Policy:     &authz.Policy{Service: "commonweal.prodcheck.v1.ProdcheckService"},
}

// errRegistered stops Run where the service would start serving: every setting was accepted by then.
var errRegistered = errors.New("registered: the service would serve now")

func prodSetup(ownKey *string) Setup {
	return func(cfg *config.Loader) func(context.Context, *Runtime) error {
		*ownKey = cfg.Secret("PRODCHECK_HMAC_KEY", "dev-prodcheck-hmac-key-change-me", "the service's own key", config.MinLen(config.KeyMin))
		return func(_ context.Context, rt *Runtime) error {
			if rt.Pool == nil || rt.Box == nil || rt.Server == nil || rt.PageTokens == nil {
				return errors.New("an incomplete runtime")
			}
			return errRegistered
		}
	}
}

func randomKey() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// setProductionEnv gives the process a production environment with proper secrets (changed by the tests one
// at a time) and nothing else the test does not say; t.Setenv restores it.
func setProductionEnv(t *testing.T, env map[string]string) {
	for _, k := range []string{config.ModeVar, "PRODCHECK_DATABASE_URL", "DB_TLS_WAIVED", "GATEWAY_IDENTITY_PUBLIC_KEY_FILE", "DATA_ENCRYPTION_KEY_FILE", "PAGE_TOKEN_KEY_FILE", "PRODCHECK_DB_PASSWORD_FILE"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("LOG_LEVEL", "error")
	for k, v := range env {
		if v == "" {
			t.Setenv(k, "")
			os.Unsetenv(k)
			continue
		}
		t.Setenv(k, v)
	}
}

func properSecrets() map[string]string {
	return map[string]string{
		"DATABASE_URL":                "postgres://127.0.0.1:1/x?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem&connect_timeout=2",
		"GATEWAY_IDENTITY_PUBLIC_KEY": randomKey(), // base64 of 32 bytes: an Ed25519 public key
		"DATA_ENCRYPTION_KEY":         randomKey(),
		"PAGE_TOKEN_KEY":              randomKey(),
		"PRODCHECK_DB_PASSWORD":       randomKey()[:20],
		"PRODCHECK_HMAC_KEY":          randomKey(),
	}
}

// In production (told nothing) a service refuses to start, naming the variable and never printing it, when a
// secret is missing, is a development value or is too short; before anything reaches a server.
func TestServiceRefusesProductionWithoutProperSecrets(t *testing.T) {
	tests := []struct {
		name, variable, value string // value "": unset
	}{
		{"gateway public key missing", "GATEWAY_IDENTITY_PUBLIC_KEY", ""},
		{"gateway public key the dev default", "GATEWAY_IDENTITY_PUBLIC_KEY", "VyvdrhVtgaiDfVBCYnJ7JONtIUOGVwcRAMwa3Gmzgek="},
		{"gateway public key too short", "GATEWAY_IDENTITY_PUBLIC_KEY", "a-31-byte-key-0123456789abcdefg"},
		{"data key missing", "DATA_ENCRYPTION_KEY", ""},
		{"data key the dev default", "DATA_ENCRYPTION_KEY", "ZGV2LWRhdGEta2V5LTMyLWJ5dGVzLWxvbmctLS0tLS0="},
		{"page key missing", "PAGE_TOKEN_KEY", ""},
		{"page key the dev default", "PAGE_TOKEN_KEY", "dev-page-token-key-change-me"},
		{"page key another secret's dev value", "PAGE_TOKEN_KEY", "dev-voter-hmac-key-change-me"},
		{"database password missing", "PRODCHECK_DB_PASSWORD", ""},
		{"database password the dev default", "PRODCHECK_DB_PASSWORD", "prodcheck-dev"},
		{"database password too short", "PRODCHECK_DB_PASSWORD", "fifteen-bytes!!"},
		{"database URL missing", "DATABASE_URL", ""},
		{"the service's own secret missing", "PRODCHECK_HMAC_KEY", ""},
		{"the service's own secret the dev default", "PRODCHECK_HMAC_KEY", "dev-prodcheck-hmac-key-change-me"},
	}
	for _, tt := range tests {
		for _, args := range [][]string{{"migrate"}, {"serve"}} {
			if args[0] == "migrate" && tt.value == "" && tt.variable != "DATABASE_URL" && tt.variable != "PRODCHECK_DB_PASSWORD" {
				continue // migrate needs only the database's secrets (TestMigrateNeedsOnlyTheDatabaseSecrets)
			}
			t.Run(tt.name+"/"+args[0], func(t *testing.T) {
				env := properSecrets()
				env[tt.variable] = tt.value
				setProductionEnv(t, env)
				var own string
				err := Run(args, prodSpec, prodSetup(&own))
				if err == nil || !strings.Contains(err.Error(), tt.variable) {
					t.Fatalf("err = %v, want a refusal naming %s", err, tt.variable)
				}
				if tt.value != "" && strings.Contains(err.Error(), tt.value) {
					t.Errorf("err = %v prints the secret", err)
				}
			})
		}
	}
}

// With proper secrets (as variables or *_FILE) a production service migrates and starts; in dev mode the dev
// values still apply.
func TestServiceStartsInProductionWithProperSecrets(t *testing.T) {
	_, dbURL := pgtest.NewTemplate("service_prodcheck", func(context.Context, string, string) error { return nil }).Database(t)
	certs := t.TempDir()
	if err := devpki.Write(certs, prodSpec.Name); err != nil {
		t.Fatal(err)
	}
	tls := map[string]string{}
	for _, kv := range devpki.Env(certs, prodSpec.Name) {
		k, v, _ := strings.Cut(kv, "=")
		tls[k] = v
	}
	secrets := properSecrets()
	keyFile := filepath.Join(t.TempDir(), "page-token-key")
	if err := os.WriteFile(keyFile, []byte(secrets["PAGE_TOKEN_KEY"]+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// migrate with the admin URL, then serve with the server and database only, as the runtime role.
	serveURL := pgtest.URLWithUser(dbURL, "", "")
	for _, step := range []struct {
		args []string
		env  map[string]string
		want error
	}{
		{[]string{"migrate"}, map[string]string{"DATABASE_URL": dbURL}, nil},
		{[]string{"serve"}, map[string]string{"DATABASE_URL": serveURL}, errRegistered},
		{[]string{"serve"}, map[string]string{"DATABASE_URL": serveURL, "PAGE_TOKEN_KEY": "", "PAGE_TOKEN_KEY_FILE": keyFile}, errRegistered},
		{nil, map[string]string{config.ModeVar: config.Dev, "DATABASE_URL": dbURL, "GATEWAY_IDENTITY_PUBLIC_KEY": "", "DATA_ENCRYPTION_KEY": "",
			"PAGE_TOKEN_KEY": "", "PRODCHECK_DB_PASSWORD": "", "PRODCHECK_HMAC_KEY": ""}, errRegistered},
	} {
		env := map[string]string{"DB_TLS_WAIVED": "true"} // the test server has no TLS
		for _, m := range []map[string]string{secrets, tls, step.env} {
			for k, v := range m {
				env[k] = v
			}
		}
		setProductionEnv(t, env)
		var own string
		if err := Run(step.args, prodSpec, prodSetup(&own)); !errors.Is(err, step.want) {
			t.Fatalf("%v %v: %v, want %v", step.args, step.env[config.ModeVar], err, step.want)
		}
		if want := env["PRODCHECK_HMAC_KEY"]; want == "" && own != "dev-prodcheck-hmac-key-change-me" || want != "" && own != want {
			t.Errorf("%v: the service's own secret was not read", step.args)
		}
	}
}

// A migration job is given the admin database URL and the runtime role's password only: the keys the service
// serves with stay out of it.
func TestMigrateNeedsOnlyTheDatabaseSecrets(t *testing.T) {
	_, dbURL := pgtest.NewTemplate("service_prodcheck", func(context.Context, string, string) error { return nil }).Database(t)
	setProductionEnv(t, map[string]string{"DB_TLS_WAIVED": "true", "DATABASE_URL": dbURL, "PRODCHECK_DB_PASSWORD": randomKey()[:20],
		"GATEWAY_IDENTITY_PUBLIC_KEY": "", "DATA_ENCRYPTION_KEY": "", "PAGE_TOKEN_KEY": "", "PRODCHECK_HMAC_KEY": ""})
	var own string
	if err := Run([]string{"migrate"}, prodSpec, prodSetup(&own)); err != nil {
		t.Fatalf("migrate with the database secrets only: %v", err)
	}
	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM prodcheck.things").Scan(&n); err != nil {
		t.Fatalf("the migrated table: %v", err)
	}
}
