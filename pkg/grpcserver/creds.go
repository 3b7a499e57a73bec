package grpcserver

import (
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
)

// insecureCreds is plaintext transport: inside the suite's network the identity is signed, and TLS is
// terminated by the platform (service mesh) in production.
func insecureCreds() credentials.TransportCredentials { return insecure.NewCredentials() }
