// Package api is the funding service's gRPC surface: its authorisation table (authz.go, applied by the
// interceptor before any handler), and handlers that turn requests into the use cases' commands, results into
// proto, and domain errors into statuses (pkg/rpc). Handlers are grouped by aggregate: pool.go, plans.go,
// tranches.go, settlement.go, prizes.go (with the ledger's verification).
package api

import (
	pb "github.com/commonweal/commonweal/gen/go/commonweal/funding/v1"
	"github.com/commonweal/commonweal/pkg/pagetoken"
	"github.com/commonweal/commonweal/services/funding/internal/app"
)

// Server implements FundingService.
type Server struct {
	pb.UnimplementedFundingServiceServer
	app    *app.Service
	tokens *pagetoken.Signer
}

// NewServer returns the gRPC handlers over the use cases, signing page tokens with tokens.
func NewServer(a *app.Service, tokens *pagetoken.Signer) *Server {
	return &Server{app: a, tokens: tokens}
}
