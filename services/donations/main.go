// Command donations runs the donations service: donors, earmarked pledges, receipts and the charity
// federation's donation ledger.
//
//	donations migrate   create the role and schema and apply the migrations, then exit
//	donations serve     serve gRPC (migrations must have run)
//	donations           migrate, then serve
package main

import (
	"context"
	"fmt"
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
		func(cfg *config.Loader) func(context.Context, *service.Runtime) error {
			depositBatch := cfg.Int("DEPOSIT_BATCH", app.DefaultDepositBatch, "the most cash deposit confirmations one group commit takes (0: each confirmation its own transaction)")
			return func(_ context.Context, rt *service.Runtime) error {
				if depositBatch < 0 {
					return fmt.Errorf("DEPOSIT_BATCH must not be negative, not %d", depositBatch)
				}
				// Deposit confirmations are confirmed in group commits of up to DEPOSIT_BATCH, each acknowledged
				// once its batch has committed.
				uc := app.New(store.New(rt.Pool, rt.Box), rt.Requests, clients.NewApplications(rt.Peers["applications"]), time.Now,
					app.WithDepositBatch(depositBatch))
				// On stop, the confirmations already queued are confirmed and answered before the database pool
				// closes.
				rt.Background(uc.DrainDeposits)
				pb.RegisterDonationsServiceServer(rt.Server.GRPC, api.NewServer(uc, rt.PageTokens))
				return nil
			}
		})
}
