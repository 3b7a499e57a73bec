package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/commonweal/commonweal/pkg/config"
)

// The settings naming a binary's certificate files; every binary reads the same three.
const (
	CertFileVar = "TLS_CERT_FILE"
	KeyFileVar  = "TLS_KEY_FILE"
	CAFileVar   = "TLS_CA_FILE"
)

// Files are the PEM files of a binary's certificate (its chain), private key and the CA it trusts.
type Files struct {
	Cert, Key, CA string
}

// Settings declares the three certificate settings on cfg and returns what they say.
func Settings(cfg *config.Loader) Files {
	return Files{
		Cert: cfg.String(CertFileVar, "", "PEM file of this binary's certificate (URI SAN spiffe://commonweal/<name>); re-read when it changes"),
		Key:  cfg.String(KeyFileVar, "", "PEM file of the private key of TLS_CERT_FILE; re-read when it changes"),
		CA:   cfg.String(CAFileVar, "", "PEM file of the CA certificates every peer's certificate must chain to; re-read when it changes"),
	}
}

// stamp tells whether a file changed since it was read.
type stamp struct {
	mod  time.Time
	size int64
}

func stat(path string) (stamp, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return stamp{}, err
	}
	return stamp{fi.ModTime(), fi.Size()}, nil
}

// Source holds a binary's certificate and trusted CAs, read from Files and read again whenever a file's
// modification time or size changes, so a rotated certificate or CA is used without a restart. A file that
// cannot be read (or a certificate that does not match its key, e.g. half-way through a rotation) keeps the
// last good value in use and is tried again at the next handshake.
type Source struct {
	files Files

	mu         sync.Mutex
	certStamp  stamp
	keyStamp   stamp
	caStamp    stamp
	cert       *tls.Certificate
	pool       *x509.CertPool
	now        func() time.Time
	lastFailed string // the last reload failure logged, so a broken file is logged once
}

// Load reads the files for the first time; an error names the setting at fault.
func Load(f Files) (*Source, error) {
	for _, v := range []struct{ name, path string }{{CertFileVar, f.Cert}, {KeyFileVar, f.Key}, {CAFileVar, f.CA}} {
		if v.path == "" {
			return nil, fmt.Errorf("%s: required (every gRPC connection is mutual TLS; `make run` and the tests generate a dev CA)", v.name)
		}
	}
	s := &Source{files: f, now: time.Now}
	if err := s.reloadCert(true); err != nil {
		return nil, err
	}
	if err := s.reloadCA(true); err != nil {
		return nil, err
	}
	return s, nil
}

// Certificate returns the binary's current certificate.
func (s *Source) Certificate() (*tls.Certificate, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.logFailure(s.reloadCert(false))
	return s.cert, nil
}

// Pool returns the current trusted CAs.
func (s *Source) Pool() *x509.CertPool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.logFailure(s.reloadCA(false))
	return s.pool
}

func (s *Source) logFailure(err error) {
	if err == nil {
		s.lastFailed = ""
		return
	}
	if err.Error() != s.lastFailed {
		s.lastFailed = err.Error()
		slog.Warn("certificate reload failed; the previous one stays in use", "error", err.Error())
	}
}

// reloadCert reads the certificate and key again if either changed (always when first).
func (s *Source) reloadCert(first bool) error {
	cs, err := stat(s.files.Cert)
	if err != nil {
		return fmt.Errorf("%s: %w", CertFileVar, err)
	}
	ks, err := stat(s.files.Key)
	if err != nil {
		return fmt.Errorf("%s: %w", KeyFileVar, err)
	}
	if !first && cs == s.certStamp && ks == s.keyStamp {
		return nil
	}
	certPEM, err := os.ReadFile(s.files.Cert)
	if err != nil {
		return fmt.Errorf("%s: %w", CertFileVar, err)
	}
	keyPEM, err := os.ReadFile(s.files.Key)
	if err != nil {
		return fmt.Errorf("%s: %w", KeyFileVar, err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return fmt.Errorf("%s, %s: %w", CertFileVar, KeyFileVar, err)
	}
	if _, ok := NameOf(cert.Leaf); !ok {
		return fmt.Errorf("%s: the certificate has no URI SAN %s", CertFileVar, URI("<name>"))
	}
	s.cert, s.certStamp, s.keyStamp = &cert, cs, ks
	return nil
}

// reloadCA reads the CA file again if it changed (always when first).
func (s *Source) reloadCA(first bool) error {
	st, err := stat(s.files.CA)
	if err != nil {
		return fmt.Errorf("%s: %w", CAFileVar, err)
	}
	if !first && st == s.caStamp {
		return nil
	}
	b, err := os.ReadFile(s.files.CA)
	if err != nil {
		return fmt.Errorf("%s: %w", CAFileVar, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return fmt.Errorf("%s: %w", CAFileVar, errNoCerts)
	}
	s.pool, s.caStamp = pool, st
	return nil
}

var errNoCerts = errors.New("no PEM certificate in the file")
