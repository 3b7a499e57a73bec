package config

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestLoaderReadsEnvWithDefaults(t *testing.T) {
	env := map[string]string{"PORT": "9000", "DEBUG": "true", "WAIT": "3s", "ORIGINS": "a, b,,c", ModeVar: Dev}
	l := NewWith("svc", func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if got := l.Int("PORT", 80, "port"); got != 9000 {
		t.Errorf("PORT = %d", got)
	}
	if got := l.String("NAME", "x", "name"); got != "x" {
		t.Errorf("NAME = %q, want default", got)
	}
	if !l.Bool("DEBUG", false, "debug") {
		t.Error("DEBUG not read")
	}
	if got := l.Duration("WAIT", time.Second, "wait"); got != 3*time.Second {
		t.Errorf("WAIT = %v", got)
	}
	if got := l.List("ORIGINS", "", "origins"); strings.Join(got, "|") != "a|b|c" {
		t.Errorf("ORIGINS = %v", got)
	}
	l.Secret("KEY", "dev-secret", "key")
	if err := l.Check(nil); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	l.Usage(&buf)
	if !strings.Contains(buf.String(), "PORT") || strings.Contains(buf.String(), "dev-secret") {
		t.Errorf("usage lists settings but must hide secrets:\n%s", buf.String())
	}
}

func TestLoaderReportsBadValues(t *testing.T) {
	l := NewWith("svc", func(k string) (string, bool) { return "nope", true })
	l.Int("PORT", 1, "")
	l.Duration("WAIT", time.Second, "")
	err := l.Check(nil)
	if err == nil || !strings.Contains(err.Error(), "PORT") || !strings.Contains(err.Error(), "WAIT") {
		t.Fatalf("want errors naming PORT and WAIT, got %v", err)
	}
}
