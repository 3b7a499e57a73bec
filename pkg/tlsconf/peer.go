// Package tlsconf holds the suite's mutual-TLS conventions: every binary presents a certificate whose URI SAN
// names it (spiffe://commonweal/<name>), and the calling binary is known from the certificate it presented.
package tlsconf

import (
	"context"
	"crypto/x509"
	"net/url"
	"strings"

	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"
)

// TrustDomain is the SPIFFE trust domain of the suite's certificates.
const TrustDomain = "commonweal"

// URI is the URI SAN naming a suite binary (a service's name, or "gateway").
func URI(name string) *url.URL {
	return &url.URL{Scheme: "spiffe", Host: TrustDomain, Path: "/" + name}
}

// NameOf returns the suite binary a verified certificate names, from its URI SAN.
func NameOf(cert *x509.Certificate) (string, bool) {
	for _, u := range cert.URIs {
		if u.Scheme == "spiffe" && u.Host == TrustDomain {
			name := strings.TrimPrefix(u.Path, "/")
			if name != "" && !strings.Contains(name, "/") {
				return name, true
			}
		}
	}
	return "", false
}

// PeerName returns the suite binary that called, from the client certificate verified by the TLS handshake of
// the call's connection; false on a connection without a verified client certificate.
func PeerName(ctx context.Context) (string, bool) {
	p, ok := peer.FromContext(ctx)
	if !ok || p.AuthInfo == nil {
		return "", false
	}
	info, ok := p.AuthInfo.(credentials.TLSInfo)
	if !ok || len(info.State.VerifiedChains) == 0 || len(info.State.VerifiedChains[0]) == 0 {
		return "", false
	}
	return NameOf(info.State.VerifiedChains[0][0])
}
