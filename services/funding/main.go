// Command funding runs the funding service: each round's welfare-lottery pool, funding quotes, funding
// plans with their contracts and gated tranches, suspension, clawback, termination, transfer and idea
// prizes, over its own double-entry ledger.
//
//	funding migrate   create the role and schema and apply the migrations, then exit
//	funding serve     serve gRPC (migrations must have run)
//	funding           migrate, then serve
package main

import (
	"context"
	"time"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/funding/v1"
	"github.com/commonweal/commonweal/pkg/config"
	"github.com/commonweal/commonweal/pkg/service"
	"github.com/commonweal/commonweal/services/funding/internal/api"
	"github.com/commonweal/commonweal/services/funding/internal/app"
	"github.com/commonweal/commonweal/services/funding/internal/clients"
	"github.com/commonweal/commonweal/services/funding/internal/store"
	"github.com/commonweal/commonweal/services/funding/internal/store/migrations"
)

func main() {
	// Peers: applications (rounds, budgets, organisations), reviews (signed-off results), donations (totals at
	// the cutoff, donation shares) and supervision (tranche gates, verified spending: while it cannot answer,
	// gates and clawbacks are refused, never assumed).
	spec := service.Spec{Name: "funding", Migrations: migrations.FS, Peers: []string{"applications", "reviews", "donations", "supervision"}, Policy: &api.Policy, Reseal: store.Reseal}
	service.Main(spec, func(*config.Loader) func(context.Context, *service.Runtime) error {
		return func(_ context.Context, rt *service.Runtime) error {
			repo := store.New(rt.Pool)
			uc := app.New(app.Deps{
				Repo:         repo,
				Ledger:       repo.Ledger,
				Requests:     rt.Requests,
				Box:          rt.Box,
				Applications: clients.NewApplications(rt.Peers["applications"]),
				Reviews:      clients.NewReviews(rt.Peers["reviews"]),
				Donations:    clients.NewDonations(rt.Peers["donations"]),
				Supervision:  clients.NewSupervision(rt.Peers["supervision"]),
				Now:          time.Now,
			})
			pb.RegisterFundingServiceServer(rt.Server.GRPC, api.NewServer(uc, rt.PageTokens))
			return nil
		}
	})
}
