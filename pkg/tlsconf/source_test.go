package tlsconf_test

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/tlsconf"
	"github.com/commonweal/commonweal/pkg/tlsconf/devpki"
)

// touch moves a file's modification time forward, so a rewrite within the clock's resolution is seen.
func touch(t *testing.T, path string, d time.Duration) {
	t.Helper()
	at := time.Now().Add(d)
	if err := os.Chtimes(path, at, at); err != nil {
		t.Fatal(err)
	}
}

func TestLoadNamesTheMissingSetting(t *testing.T) {
	dir := t.TempDir()
	if err := devpki.Write(dir, "reviews"); err != nil {
		t.Fatal(err)
	}
	full := devpki.Paths(dir, "reviews")
	for _, tc := range []struct {
		files tlsconf.Files
		want  string
	}{
		{tlsconf.Files{Key: full.Key, CA: full.CA}, "TLS_CERT_FILE: required"},
		{tlsconf.Files{Cert: full.Cert, CA: full.CA}, "TLS_KEY_FILE: required"},
		{tlsconf.Files{Cert: full.Cert, Key: full.Key}, "TLS_CA_FILE: required"},
		{tlsconf.Files{Cert: full.Cert, Key: full.Key, CA: filepath.Join(dir, "none.pem")}, "TLS_CA_FILE"},
		{tlsconf.Files{Cert: full.Cert, Key: full.Cert, CA: full.CA}, "TLS_KEY_FILE"},
		{tlsconf.Files{Cert: full.Cert, Key: full.Key, CA: full.Key}, "TLS_CA_FILE"},
	} {
		_, err := tlsconf.Load(tc.files)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Load(%+v) = %v, want an error naming %s", tc.files, err, tc.want)
		}
	}
	if _, err := tlsconf.Load(full); err != nil {
		t.Fatal(err)
	}
}

func TestSourceReloadsChangedFiles(t *testing.T) {
	dir := t.TempDir()
	if err := devpki.Write(dir, "funding"); err != nil {
		t.Fatal(err)
	}
	files := devpki.Paths(dir, "funding")
	src, err := tlsconf.Load(files)
	if err != nil {
		t.Fatal(err)
	}
	first, _ := src.Certificate()
	if again, _ := src.Certificate(); again != first {
		t.Fatal("an unchanged certificate was read again")
	}

	// A rotation: a new CA and certificate written over the old files.
	if err := devpki.Write(dir, "funding"); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{files.Cert, files.Key, files.CA} {
		touch(t, f, time.Second)
	}
	second, _ := src.Certificate()
	if second.Leaf.SerialNumber.Cmp(first.Leaf.SerialNumber) == 0 {
		t.Fatal("the rewritten certificate was not picked up")
	}
	ca, _ := os.ReadFile(files.CA)
	want := x509.NewCertPool()
	want.AppendCertsFromPEM(ca)
	if !src.Pool().Equal(want) {
		t.Error("the rewritten CA file was not picked up")
	}

	// Half-way through a rotation (a certificate that does not match its key) the last good one stays.
	other := t.TempDir()
	if err := devpki.Write(other, "funding"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(devpki.Paths(other, "funding").Cert)
	if err := os.WriteFile(files.Cert, b, 0o644); err != nil {
		t.Fatal(err)
	}
	touch(t, files.Cert, 2*time.Second)
	if third, _ := src.Certificate(); third != second {
		t.Error("a certificate that does not match its key replaced the good one")
	}
	// Once the key follows, the new pair is used.
	b, _ = os.ReadFile(devpki.Paths(other, "funding").Key)
	if err := os.WriteFile(files.Key, b, 0o600); err != nil {
		t.Fatal(err)
	}
	touch(t, files.Key, 2*time.Second)
	if fourth, _ := src.Certificate(); fourth == second {
		t.Error("the completed rotation was not picked up")
	}
}
