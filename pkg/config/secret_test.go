package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const strongKey = "kP3v9Qm2xW7rT1sZ8yB4nC6dF0gH5jL2" // 32 bytes, not a dev value

func TestSecretProductionRules(t *testing.T) {
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	keyFile := file("key", strongKey+"\n")
	crlfFile := file("crlf", strongKey+"\r\n")
	devFile := file("dev", "dev-page-token-key-change-me\n")
	emptyFile := file("empty", "\n")
	for _, tc := range []struct {
		name    string
		env     map[string]string
		opts    []SecretOption
		want    string
		wantErr error // nil: Check passes
	}{
		{name: "dev mode, unset: the dev value", env: map[string]string{ModeVar: Dev}, want: "dev-page-token-key-change-me"},
		{name: "dev mode, set: the value, no minimum", env: map[string]string{ModeVar: Dev, "PAGE_TOKEN_KEY": "short"}, opts: []SecretOption{MinLen(KeyMin)}, want: "short"},
		{name: "dev mode, from a file", env: map[string]string{ModeVar: Dev, "PAGE_TOKEN_KEY_FILE": keyFile}, want: strongKey},
		{name: "production by default, unset", env: nil, wantErr: ErrSecretMissing},
		{name: "production, explicit, unset", env: map[string]string{ModeVar: Production}, wantErr: ErrSecretMissing},
		{name: "production, empty value is unset", env: map[string]string{"PAGE_TOKEN_KEY": ""}, wantErr: ErrSecretMissing},
		{name: "production, proper key", env: map[string]string{"PAGE_TOKEN_KEY": strongKey}, opts: []SecretOption{MinLen(KeyMin)}, want: strongKey},
		{name: "production, own dev default", env: map[string]string{"PAGE_TOKEN_KEY": "dev-page-token-key-change-me"}, wantErr: ErrSecretDevValue},
		{name: "production, another shipped dev value", env: map[string]string{"PAGE_TOKEN_KEY": "dev-internal-identity-key-change-me"}, wantErr: ErrSecretDevValue},
		{name: "production, a test value", env: map[string]string{"PAGE_TOKEN_KEY": "e2e-identity-key"}, wantErr: ErrSecretDevValue},
		{name: "production, dev value of another secret of this binary", env: map[string]string{"PAGE_TOKEN_KEY": "other-binary-dev-value-0123456789"}, wantErr: ErrSecretDevValue},
		{name: "production, too short a key", env: map[string]string{"PAGE_TOKEN_KEY": strongKey[:31]}, opts: []SecretOption{MinLen(KeyMin)}, wantErr: ErrSecretTooShort},
		{name: "production, unstated minimum is a password's", env: map[string]string{"PAGE_TOKEN_KEY": "fifteen-bytes!!"}, wantErr: ErrSecretTooShort},
		{name: "production, a password of 16 bytes", env: map[string]string{"PAGE_TOKEN_KEY": "sixteen-bytes!!!"}, opts: []SecretOption{MinLen(PasswordMin)}, want: "sixteen-bytes!!!"},
		{name: "production, from a file, final newline trimmed", env: map[string]string{"PAGE_TOKEN_KEY_FILE": keyFile}, opts: []SecretOption{MinLen(KeyMin)}, want: strongKey},
		{name: "production, from a file with CRLF", env: map[string]string{"PAGE_TOKEN_KEY_FILE": crlfFile}, opts: []SecretOption{MinLen(KeyMin)}, want: strongKey},
		{name: "production, a dev value in a file", env: map[string]string{"PAGE_TOKEN_KEY_FILE": devFile}, wantErr: ErrSecretDevValue},
		{name: "a missing file", env: map[string]string{ModeVar: Dev, "PAGE_TOKEN_KEY_FILE": filepath.Join(dir, "nope")}, wantErr: ErrSecretFile},
		{name: "an empty file", env: map[string]string{ModeVar: Dev, "PAGE_TOKEN_KEY_FILE": emptyFile}, wantErr: ErrSecretFile},
		{name: "both the variable and the file", env: map[string]string{"PAGE_TOKEN_KEY": strongKey, "PAGE_TOKEN_KEY_FILE": keyFile}, wantErr: ErrSecretFile},
		{name: "production, dev-only secret: not required, not read", env: map[string]string{"PAGE_TOKEN_KEY": strongKey}, opts: []SecretOption{DevOnly}, want: ""},
		{name: "dev mode, dev-only secret: the dev value", env: map[string]string{ModeVar: Dev}, opts: []SecretOption{DevOnly}, want: "dev-page-token-key-change-me"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"OTHER_KEY": strings.ToUpper(strongKey)}
			for k, v := range tc.env {
				env[k] = v
			}
			l := NewWith("svc", func(k string) (string, bool) { v, ok := env[k]; return v, ok })
			got := l.Secret("PAGE_TOKEN_KEY", "dev-page-token-key-change-me", "key", tc.opts...)
			l.Secret("OTHER_KEY", "other-binary-dev-value-0123456789", "another secret, set", MinLen(KeyMin))
			l.Secret("OPTIONAL_URL", "", "a secret without a dev value is optional")
			err := l.Check(nil)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), "PAGE_TOKEN_KEY") {
					t.Fatalf("Check = %v, want %v naming PAGE_TOKEN_KEY", err, tc.wantErr)
				}
				if v := tc.env["PAGE_TOKEN_KEY"]; v != "" && strings.Contains(err.Error(), v) {
					t.Fatalf("the error prints the secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if got != tc.want {
				t.Fatalf("Secret = %q, want %q", got, tc.want)
			}
		})
	}
}

// A command that needs only some secrets (a service's `migrate`) starts in production without the others,
// but still needs the named ones and still refuses a given secret that breaks the rules.
func TestRequireOnly(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     map[string]string
		wantErr error
	}{
		{name: "the named secret given, the other not", env: map[string]string{"DB_PASSWORD": "sixteen-bytes!!!"}},
		{name: "the named secret missing", env: map[string]string{}, wantErr: ErrSecretMissing},
		{name: "an unnamed secret given with a dev value", env: map[string]string{"DB_PASSWORD": "sixteen-bytes!!!", "PAGE_TOKEN_KEY": "dev-page-token-key-change-me"}, wantErr: ErrSecretDevValue},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := NewWith("svc", func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok })
			l.RequireOnly("DB_PASSWORD")
			l.Secret("DB_PASSWORD", "svc-dev", "password")
			l.Secret("PAGE_TOKEN_KEY", "dev-page-token-key-change-me", "key", MinLen(KeyMin))
			err := l.Check(nil)
			if tc.wantErr == nil && err != nil || tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("Check: %v, want %v", err, tc.wantErr)
			}
		})
	}
}
