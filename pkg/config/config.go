// Package config reads settings from environment variables with documented local defaults; `-h` lists them.
package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Var describes one setting.
type Var struct {
	Name    string
	Default string
	Usage   string
	Secret  bool
}

// ModeVar is the setting that selects a binary's mode: production unless it says dev.
const ModeVar = "COMMONWEAL_MODE"

// The modes.
const (
	// Production is what a binary does when told nothing: every secret and certificate must be given.
	Production = "production"
	// Dev switches on development conveniences (dev keys, dev tokens); `make run` and the tests ask for it.
	Dev = "dev"
)

// Loader collects settings and the errors met while parsing them.
type Loader struct {
	program string
	vars    []Var
	errs    []error
	lookup  func(string) (string, bool)
	mode    string
	secrets []secretValue // given in production mode, checked by Check
	// requireOnly, when set, names the only secrets production requires (RequireOnly).
	requireOnly map[string]bool
}

// RequireOnly narrows production's required secrets, from now on, to the named ones: for a command that uses
// no others (a service's `migrate` needs its database's, not the keys it serves with). Secrets that are given
// are still checked (length, development values).
func (l *Loader) RequireOnly(names ...string) {
	l.requireOnly = map[string]bool{}
	for _, n := range names {
		l.requireOnly[n] = true
	}
}

// New returns a loader reading the process environment.
func New(program string) *Loader {
	return &Loader{program: program, lookup: os.LookupEnv}
}

// NewWith returns a loader reading from lookup (for tests).
func NewWith(program string, lookup func(string) (string, bool)) *Loader {
	return &Loader{program: program, lookup: lookup}
}

func (l *Loader) raw(name, def, usage string, secret bool) string {
	l.vars = append(l.vars, Var{Name: name, Default: def, Usage: usage, Secret: secret})
	if v, ok := l.lookup(name); ok && v != "" {
		return v
	}
	return def
}

// String reads a string setting.
func (l *Loader) String(name, def, usage string) string { return l.raw(name, def, usage, false) }

// Secret reads a setting whose value is never printed, from NAME or from the file NAME_FILE names (in every
// mode). def is a development-only value: in dev mode an unset secret takes it; in production mode a secret
// with a dev value must be set, must not be a development value (DevValues, or any dev value declared by this
// binary) and must be at least MinLen bytes (PasswordMin unless stated), or Check fails naming the variable.
// A secret without a dev value ("") is optional; DevOnly secrets are neither required nor read in production.
func (l *Loader) Secret(name, def, usage string, opts ...SecretOption) string {
	r := secretRule{min: PasswordMin}
	for _, o := range opts {
		o(&r)
	}
	l.vars = append(l.vars, Var{Name: name, Default: def, Usage: usage, Secret: true})
	dev := l.IsDev()
	if r.devOnly && !dev {
		return ""
	}
	v, given, err := readSecret(name, l.lookup)
	if err != nil {
		l.errs = append(l.errs, err)
		return ""
	}
	switch {
	case given && !dev:
		l.secrets = append(l.secrets, secretValue{name: name, value: v, min: r.min})
		return v
	case given:
		return v
	case dev:
		return def
	case def != "" && (l.requireOnly == nil || l.requireOnly[name]):
		l.errs = append(l.errs, fmt.Errorf("%s: %w (set %s or %s_FILE; %s=%s uses development values)", name, ErrSecretMissing, name, name, ModeVar, Dev))
	}
	return ""
}

// Minimum lengths of production secrets, in bytes.
const (
	// KeyMin is the shortest key (HMAC, signing, encryption): 256 bits.
	KeyMin = 32
	// PasswordMin is the shortest password, and of a secret whose minimum is not stated.
	PasswordMin = 16
)

// SecretOption states a production rule of one secret.
type SecretOption func(*secretRule)

type secretRule struct {
	min     int
	devOnly bool
}

// MinLen is the shortest value (in bytes) a secret may have in production mode.
func MinLen(n int) SecretOption { return func(r *secretRule) { r.min = n } }

// DevOnly marks a secret only dev mode uses (e.g. the gateway's dev-token key): production neither requires
// it nor reads it.
func DevOnly(r *secretRule) { r.devOnly = true }

// Why a production secret is refused; Check's error wraps one of them and names the variable.
var (
	ErrSecretMissing  = errors.New("required in production mode")
	ErrSecretDevValue = errors.New("a development value shipped with the repository; production needs its own")
	ErrSecretTooShort = errors.New("too short for production mode")
	ErrSecretFile     = errors.New("secret file")
)

// DevValues are the development and test values of secrets the repository ships (dev defaults, `make run`,
// the tests and benchmarks): production refuses each of them for every secret. Add a value here whenever
// the repository starts shipping a new one.
var DevValues = []string{
	"dev-internal-identity-key-change-me",
	"ZGV2LWRhdGEta2V5LTMyLWJ5dGVzLWxvbmctLS0tLS0=",
	"dev-data-key-32-bytes-long------",
	"dev-page-token-key-change-me",
	"dev-voter-hmac-key-change-me",
	"dev-jwt-key-change-me",
	"applications-dev", "reviews-dev", "donations-dev", "funding-dev", "supervision-dev",
	"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
	"e2e-identity-key", "e2e-dev-key", "bench-identity-key", "peertest-identity-key", "authztest-identity-key",
	"clients-test-identity-key", "grpcserver-test-key-0123456789ab", "test-page-token-key-32-bytes-long!!",
	"bench-page-token-key-32-bytes-long!", "authz-test-page-token-key-0123456789",
	"a-test-key-of-enough-length-0123456789", "0123456789abcdef0123",
	// The dev gateway identity key pair (pkg/identity DevPrivateKey, DevPublicKey).
	"Y29tbW9ud2VhbC1kZXYtZ2F0ZXdheS1pZGVudGl0eSE=", "VyvdrhVtgaiDfVBCYnJ7JONtIUOGVwcRAMwa3Gmzgek=",
}

type secretValue struct {
	name, value string
	min         int
}

// readSecret reads NAME or the file NAME_FILE names, trimmed of one final newline; given reports whether
// either was set.
func readSecret(name string, lookup func(string) (string, bool)) (value string, given bool, err error) {
	v, _ := lookup(name)
	path, _ := lookup(name + "_FILE")
	switch {
	case path != "" && v != "":
		return "", false, fmt.Errorf("%s and %s_FILE: %w: set one of them, not both", name, name, ErrSecretFile)
	case path == "":
		return v, v != "", nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", false, fmt.Errorf("%s_FILE: %w: %w", name, ErrSecretFile, err)
	}
	v = strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if v == "" {
		return "", false, fmt.Errorf("%s_FILE: %w: %s is empty", name, ErrSecretFile, path)
	}
	return v, true, nil
}

// checkSecret is the production rule of one given secret; devValues are every value it must not be.
func checkSecret(s secretValue, devValues map[string]bool) error {
	if devValues[s.value] {
		return fmt.Errorf("%s: %w", s.name, ErrSecretDevValue)
	}
	if len(s.value) < s.min {
		return fmt.Errorf("%s: %w: at least %d bytes", s.name, ErrSecretTooShort, s.min)
	}
	return nil
}

// Int reads an integer setting.
func (l *Loader) Int(name string, def int, usage string) int {
	s := l.raw(name, strconv.Itoa(def), usage, false)
	v, err := strconv.Atoi(s)
	if err != nil {
		l.errs = append(l.errs, fmt.Errorf("%s: not an integer: %q", name, s))
		return def
	}
	return v
}

// Bool reads a boolean setting.
func (l *Loader) Bool(name string, def bool, usage string) bool {
	s := l.raw(name, strconv.FormatBool(def), usage, false)
	v, err := strconv.ParseBool(s)
	if err != nil {
		l.errs = append(l.errs, fmt.Errorf("%s: not a boolean: %q", name, s))
		return def
	}
	return v
}

// Duration reads a duration setting such as "30s".
func (l *Loader) Duration(name string, def time.Duration, usage string) time.Duration {
	s := l.raw(name, def.String(), usage, false)
	v, err := time.ParseDuration(s)
	if err != nil {
		l.errs = append(l.errs, fmt.Errorf("%s: not a duration: %q", name, s))
		return def
	}
	return v
}

// List reads a comma-separated setting.
func (l *Loader) List(name, def, usage string) []string {
	var out []string
	for _, p := range strings.Split(l.raw(name, def, usage, false), ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Mode is the binary's mode, Production or Dev, read from COMMONWEAL_MODE (default production); any other
// value is a setting error reported by Check.
func (l *Loader) Mode() string {
	if l.mode == "" {
		l.mode = l.raw(ModeVar, Production, "production (default: every secret and certificate must be set) or dev (development keys and conveniences)", false)
		if l.mode != Production && l.mode != Dev {
			l.errs = append(l.errs, fmt.Errorf("%s must be %s or %s, not %q", ModeVar, Production, Dev, l.mode))
			l.mode = Production
		}
	}
	return l.mode
}

// IsDev reports whether the binary runs in dev mode.
func (l *Loader) IsDev() bool { return l.Mode() == Dev }

// Usage writes the list of settings.
func (l *Loader) Usage(w io.Writer) {
	fmt.Fprintf(w, "%s is configured by environment variables:\n\n", l.program)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, v := range l.vars {
		def := v.Default
		if v.Secret && def != "" {
			def = "(development value)"
		}
		name := v.Name
		if v.Secret {
			name += " (or " + v.Name + "_FILE)"
		}
		fmt.Fprintf(tw, "  %s\t%s\t(default %q)\n", name, v.Usage, def)
	}
	tw.Flush()
}

// ErrHelp is returned by Check when -h was asked for; the usage has been printed.
var ErrHelp = errors.New("help requested")

// Check prints the usage and returns ErrHelp when args ask for help, and otherwise returns the parse errors.
func (l *Loader) Check(args []string) error {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			l.Usage(os.Stdout)
			return ErrHelp
		}
	}
	errs := l.errs
	if len(l.secrets) > 0 {
		dev := map[string]bool{}
		for _, v := range DevValues {
			dev[v] = true
		}
		for _, v := range l.vars {
			if v.Secret && v.Default != "" {
				dev[v.Default] = true
			}
		}
		for _, s := range l.secrets {
			if err := checkSecret(s, dev); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
