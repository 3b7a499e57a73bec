// Package devpki makes a throwaway certificate authority and one certificate per suite binary, for `make run`
// and the tests: the dev path runs mutual TLS exactly as production does, with keys nobody keeps.
package devpki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	neturl "net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/commonweal/commonweal/pkg/tlsconf"
)

// Names are the suite's binaries: the gateway and the five services.
var Names = []string{"gateway", "applications", "reviews", "donations", "funding", "supervision"}

// Validity is how long the generated certificates are valid.
const Validity = 365 * 24 * time.Hour

// CA is a certificate authority that issues suite certificates.
type CA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	// PEM is the CA certificate, the content of TLS_CA_FILE.
	PEM []byte
}

// NewCA makes a fresh CA named cn.
func NewCA(cn string) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(Validity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{cert: cert, key: key, PEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}

// Issue makes a certificate for the suite binary name: URI SAN spiffe://commonweal/<name>, DNS localhost and
// IP 127.0.0.1, usable by a server and a client. It returns the certificate and private key, PEM encoded.
func (ca *CA) Issue(name string) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(Validity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		URIs:         []*neturl.URL{tlsconf.URI(name)},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return nil, nil, err
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), nil
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	return n
}

// Paths are where Write puts the files of one binary.
func Paths(dir, name string) tlsconf.Files {
	return tlsconf.Files{Cert: filepath.Join(dir, name+".pem"), Key: filepath.Join(dir, name+"-key.pem"), CA: filepath.Join(dir, "ca.pem")}
}

// Env is the environment (TLS_CERT_FILE, TLS_KEY_FILE, TLS_CA_FILE) pointing binary name at its files in dir.
func Env(dir, name string) []string {
	f := Paths(dir, name)
	return []string{tlsconf.CertFileVar + "=" + f.Cert, tlsconf.KeyFileVar + "=" + f.Key, tlsconf.CAFileVar + "=" + f.CA}
}

// Write makes a fresh CA and a certificate for each name into dir (created if missing): ca.pem,
// <name>.pem and <name>-key.pem. The CA's key is not kept.
func Write(dir string, names ...string) error {
	ca, err := NewCA("commonweal dev CA")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for _, name := range names {
		certPEM, keyPEM, err := ca.Issue(name)
		if err != nil {
			return err
		}
		p := Paths(dir, name)
		if err := os.WriteFile(p.Cert, certPEM, 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(p.Key, keyPEM, 0o600); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dir, "ca.pem"), ca.PEM, 0o644)
}

// Ensure writes the suite's certificates (Names) into dir unless every file is already there.
func Ensure(dir string) (created bool, err error) {
	for _, name := range Names {
		p := Paths(dir, name)
		for _, f := range []string{p.Cert, p.Key, p.CA} {
			if _, err := os.Stat(f); errors.Is(err, os.ErrNotExist) {
				if err := Write(dir, Names...); err != nil {
					return false, fmt.Errorf("devpki: %w", err)
				}
				return true, nil
			} else if err != nil {
				return false, err
			}
		}
	}
	return false, nil
}
