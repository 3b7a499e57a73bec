package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"

	"google.golang.org/grpc/credentials"
)

// ServerConfig is the TLS configuration of a gRPC server: TLS 1.3, the source's current certificate, and a
// client certificate required, chaining to the source's current CAs and naming a suite binary.
func ServerConfig(s *Source) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS13,
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			cert, err := s.Certificate()
			if err != nil {
				return nil, err
			}
			return &tls.Config{
				MinVersion:   tls.VersionTLS13,
				Certificates: []tls.Certificate{*cert},
				ClientAuth:   tls.RequireAndVerifyClientCert,
				ClientCAs:    s.Pool(),
				NextProtos:   []string{"h2"},
				VerifyConnection: func(cs tls.ConnectionState) error {
					if len(cs.PeerCertificates) == 0 {
						return errors.New("tlsconf: no client certificate")
					}
					if _, ok := NameOf(cs.PeerCertificates[0]); !ok {
						return fmt.Errorf("tlsconf: the client certificate names no %s binary", TrustDomain)
					}
					return nil
				},
			}, nil
		},
	}
}

// ClientConfig is the TLS configuration of a connection to the suite binary named server: TLS 1.3, the
// source's current certificate as client certificate, and a server certificate that chains to the source's
// current CAs and whose URI SAN names server (the host name is not what identifies a peer).
func ClientConfig(s *Source, server string) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS13,
		// The standard verification reads a fixed RootCAs and checks the host name; VerifyConnection below
		// verifies the chain against the current (reloaded) CAs and the peer's URI SAN instead.
		InsecureSkipVerify: true,
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return s.Certificate()
		},
		VerifyConnection: func(cs tls.ConnectionState) error {
			return verifyServer(cs, s.Pool(), server)
		},
	}
}

func verifyServer(cs tls.ConnectionState, roots *x509.CertPool, server string) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("tlsconf: the server sent no certificate")
	}
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	leaf := cs.PeerCertificates[0]
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
		return fmt.Errorf("tlsconf: server certificate: %w", err)
	}
	if name, ok := NameOf(leaf); !ok || name != server {
		return fmt.Errorf("tlsconf: the server certificate names %q, want %s", name, URI(server))
	}
	return nil
}

// ServerCredentials are the gRPC transport credentials of a suite server (ServerConfig).
func ServerCredentials(s *Source) credentials.TransportCredentials {
	return credentials.NewTLS(ServerConfig(s))
}

// ClientCredentials are the gRPC transport credentials of a connection to the suite binary named server
// (ClientConfig).
func ClientCredentials(s *Source, server string) credentials.TransportCredentials {
	return credentials.NewTLS(ClientConfig(s, server))
}
