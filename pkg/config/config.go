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

// Secret reads a string setting whose value is never printed; def is a development-only value.
func (l *Loader) Secret(name, def, usage string) string { return l.raw(name, def, usage, true) }

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
		fmt.Fprintf(tw, "  %s\t%s\t(default %q)\n", v.Name, v.Usage, def)
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
	return errors.Join(l.errs...)
}
