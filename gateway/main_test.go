package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/commonweal/commonweal/gateway/internal/auth"
	"github.com/commonweal/commonweal/pkg/config"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/tlsconf/devpki"
)

// productionEnv is what a production gateway is started with: every secret, certificate and token setting,
// none of them a development value. Tests change one setting at a time.
func productionEnv(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	if err := devpki.Write(filepath.Join(dir, "certs"), "gateway"); err != nil {
		t.Fatal(err)
	}
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	jwks, _ := json.Marshal(map[string]any{"keys": []map[string]any{{"kty": "OKP", "crv": "Ed25519", "kid": "k1", "x": base64.RawURLEncoding.EncodeToString(pub)}}})
	jwksFile := filepath.Join(dir, "jwks.json")
	if err := os.WriteFile(jwksFile, jwks, 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"GATEWAY_ADDR":         "127.0.0.1:0",
		"GATEWAY_IDENTITY_KEY": "Z2F0ZXdheS1tYWluLXRlc3QtZWQyNTUxOS1zZWVkISE=", // base64 of a 32-byte Ed25519 seed
		auth.IssuerVar:         "https://idp.example.org",
		auth.AudienceVar:       "commonweal-api",
		auth.JWKSFileVar:       jwksFile,
		"LOG_LEVEL":            "error",
	}
	for _, kv := range devpki.Env(filepath.Join(dir, "certs"), "gateway") {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	return env
}

func lookupIn(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

func TestGatewayRefusesProductionWithoutProperSecrets(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(env map[string]string)
		want   string // what the error names
	}{
		{name: "identity key missing", change: func(env map[string]string) { delete(env, "GATEWAY_IDENTITY_KEY") }, want: "GATEWAY_IDENTITY_KEY"},
		{name: "identity key the dev default", change: func(env map[string]string) { env["GATEWAY_IDENTITY_KEY"] = identity.DevPrivateKey }, want: "GATEWAY_IDENTITY_KEY"},
		{name: "identity key too short", change: func(env map[string]string) { env["GATEWAY_IDENTITY_KEY"] = "Zq4tP9mW2xK7vR1sB8nC3dF6gH0jL5y" }, want: "GATEWAY_IDENTITY_KEY"},
		{name: "identity key not an Ed25519 key", change: func(env map[string]string) { env["GATEWAY_IDENTITY_KEY"] = "Zq4tP9mW2xK7vR1sB8nC3dF6gH0jL5yT" }, want: "GATEWAY_IDENTITY_KEY"},
		{name: "dev auth mode", change: func(env map[string]string) { env["AUTH_MODE"] = "dev" }, want: "AUTH_MODE"},
		{name: "an unknown mode", change: func(env map[string]string) { env[config.ModeVar] = "staging" }, want: config.ModeVar},
		{name: "write timeout within the request timeout", change: func(env map[string]string) { env["HTTP_WRITE_TIMEOUT"] = "10s" }, want: "HTTP_WRITE_TIMEOUT"},
		{name: "a trusted proxy that is not a CIDR", change: func(env map[string]string) { env["TRUSTED_PROXIES"] = "10.0.0.0/8,ingress.internal" }, want: "TRUSTED_PROXIES"},
		{name: "every address a trusted proxy", change: func(env map[string]string) { env["TRUSTED_PROXIES"] = "0.0.0.0/0" }, want: "TRUSTED_PROXIES"},
		{name: "an unknown proxy header", change: func(env map[string]string) { env["TRUSTED_PROXY_HEADER"] = "X-Real-IP" }, want: "TRUSTED_PROXY_HEADER"},
		{name: "a vote batch too large", change: func(env map[string]string) { env["VOTE_FORWARD_BATCH"] = "1001" }, want: "VOTE_FORWARD_BATCH"},
		{name: "a negative vote share wait", change: func(env map[string]string) { env["VOTE_FORWARD_SHARE_WAIT"] = "-1ms" }, want: "VOTE_FORWARD_SHARE_WAIT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := productionEnv(t)
			tc.change(env)
			err := run(t.Context(), nil, lookupIn(env), func(net.Addr) { t.Error("the gateway listens") })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("run = %v, want a refusal naming %s", err, tc.want)
			}
			if v := env["GATEWAY_IDENTITY_KEY"]; v != "" && strings.Contains(err.Error(), v) {
				t.Fatalf("the error prints the secret: %v", err)
			}
		})
	}
}

// With proper settings the gateway starts in production mode, told nothing about its mode, and serves no
// dev-token route; in dev mode it does.
func TestGatewayStartsInProductionWithoutDevTokens(t *testing.T) {
	for _, tc := range []struct {
		name       string
		change     func(env map[string]string)
		wantStatus int // of POST /v1/dev/tokens
	}{
		{name: "production, told nothing", change: func(map[string]string) {}, wantStatus: http.StatusNotFound},
		{name: "production, AUTH_MODE=production", change: func(env map[string]string) { env["AUTH_MODE"] = "production" }, wantStatus: http.StatusNotFound},
		{name: "production, secret from a file", change: func(env map[string]string) {
			p := filepath.Join(t.TempDir(), "identity-key")
			os.WriteFile(p, []byte(env["GATEWAY_IDENTITY_KEY"]+"\n"), 0o600)
			delete(env, "GATEWAY_IDENTITY_KEY")
			env["GATEWAY_IDENTITY_KEY_FILE"] = p
		}, wantStatus: http.StatusNotFound},
		{name: "production, identity key as PEM from a file (openssl genpkey -algorithm ed25519)", change: func(env map[string]string) {
			_, key, _ := ed25519.GenerateKey(rand.Reader)
			der, _ := x509.MarshalPKCS8PrivateKey(key)
			p := filepath.Join(t.TempDir(), "identity-key.pem")
			os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
			delete(env, "GATEWAY_IDENTITY_KEY")
			env["GATEWAY_IDENTITY_KEY_FILE"] = p
		}, wantStatus: http.StatusNotFound},
		{name: "dev mode", change: func(env map[string]string) { env[config.ModeVar] = config.Dev }, wantStatus: http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := productionEnv(t)
			tc.change(env)
			ctx, cancel := context.WithCancel(t.Context())
			addrc := make(chan net.Addr, 1)
			done := make(chan error, 1)
			go func() { done <- run(ctx, nil, lookupIn(env), func(a net.Addr) { addrc <- a }) }()
			var addr net.Addr
			select {
			case addr = <-addrc:
			case err := <-done:
				t.Fatalf("the gateway did not start: %v", err)
			case <-time.After(30 * time.Second):
				t.Fatal("the gateway did not listen")
			}
			resp, err := http.Post("http://"+addr.String()+"/v1/dev/tokens", "application/json", strings.NewReader(`{"subject":"u1","roles":["ORGANIZER"]}`))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.wantStatus {
				t.Errorf("POST /v1/dev/tokens = %d, want %d", resp.StatusCode, tc.wantStatus)
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("run after shutdown: %v", err)
			}
		})
	}
}
