// Command applications runs the applications service: rounds, organisations and applications.
//
//	applications migrate   create the role and schema and apply the migrations, then exit
//	applications serve     serve gRPC (migrations must have run)
//	applications           migrate, then serve
package main

import (
	"context"
	"time"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1"
	"github.com/commonweal/commonweal/pkg/config"
	"github.com/commonweal/commonweal/pkg/service"
	"github.com/commonweal/commonweal/services/applications/internal/api"
	"github.com/commonweal/commonweal/services/applications/internal/app"
	"github.com/commonweal/commonweal/services/applications/internal/clients"
	"github.com/commonweal/commonweal/services/applications/internal/store"
	"github.com/commonweal/commonweal/services/applications/internal/store/migrations"
)

func main() {
	// Peers: reviews owns the shortlist, complaint and results preconditions of :advance and says which panels a
	// reviewer sits on; supervision the CLOSING (every plan finished, which it asks funding) and CLOSED (round
	// summary filed) ones.
	service.Main(service.Spec{Name: "applications", Migrations: migrations.FS, Peers: []string{"reviews", "supervision"}, Policy: &api.Policy, Reseal: store.Reseal},
		func(*config.Loader) func(context.Context, *service.Runtime) error {
			return func(_ context.Context, rt *service.Runtime) error {
				st := store.New(rt.Pool, rt.Box)
				reviews := clients.NewReviews(rt.Peers["reviews"])
				uc := app.New(app.Deps{Rounds: st, Organizations: st, Applications: st, Queries: st, Requests: rt.Requests, Now: time.Now,
					Checkers: map[string]app.PreconditionChecker{"reviews": reviews,
						"supervision": clients.NewSupervision(rt.Peers["supervision"])},
					Panels: reviews, Communities: st, Needs: st, PersonalData: st})
				pb.RegisterApplicationsServiceServer(rt.Server.GRPC, api.NewServer(uc, rt.PageTokens))
				return nil
			}
		})
}
