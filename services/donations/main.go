// Command donations runs the donations service: donors, earmarked pledges, receipts and the charity
// federation's donation ledger.
//
//	donations migrate   create the role and schema and apply the migrations, then exit
//	donations serve     serve gRPC (migrations must have run)
//	donations           migrate, then serve
package main

import (
	"context"
	"time"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/donations/v1"
	"github.com/commonweal/commonweal/pkg/config"
	"github.com/commonweal/commonweal/pkg/service"
	"github.com/commonweal/commonweal/services/donations/internal/api"
	"github.com/commonweal/commonweal/services/donations/internal/app"
	"github.com/commonweal/commonweal/services/donations/internal/clients"
	"github.com/commonweal/commonweal/services/donations/internal/store"
	"github.com/commonweal/commonweal/services/donations/internal/store/migrations"
)

func main() {
	// Peers: applications answers for stages, phases, donation cutoffs and budgets.
	service.Main(service.Spec{Name: "donations", Migrations: migrations.FS, Peers: []string{"applications"}, Policy: &api.Policy, Reseal: store.Reseal},
		func(*config.Loader) func(context.Context, *service.Runtime) error {
			return func(_ context.Context, rt *service.Runtime) error {
				uc := app.New(store.New(rt.Pool, rt.Box), rt.Requests, clients.NewApplications(rt.Peers["applications"]), time.Now)
				pb.RegisterDonationsServiceServer(rt.Server.GRPC, api.NewServer(uc, rt.PageTokens))
				return nil
			}
		})
}
