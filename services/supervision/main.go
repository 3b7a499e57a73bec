// Command supervision runs the supervision service: monthly reports of selected projects (and which are
// overdue), inspections, the mid-term evaluation and final acceptance that gate tranches and verify spending,
// capacity-building records, quarterly reports, final summaries, performance evaluations and the round summary
// (with the CLOSING and CLOSED preconditions it answers for the round coordinator).
//
//	supervision migrate   create the role and schema and apply the migrations, then exit
//	supervision serve     serve gRPC (migrations must have run)
//	supervision           migrate, then serve
package main

import (
	"context"
	"time"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/supervision/v1"
	"github.com/commonweal/commonweal/pkg/authz"
	"github.com/commonweal/commonweal/pkg/config"
	"github.com/commonweal/commonweal/pkg/service"
	"github.com/commonweal/commonweal/services/supervision/internal/api"
	"github.com/commonweal/commonweal/services/supervision/internal/app"
	"github.com/commonweal/commonweal/services/supervision/internal/clients"
	"github.com/commonweal/commonweal/services/supervision/internal/store"
	"github.com/commonweal/commonweal/services/supervision/internal/store/migrations"
)

func main() {
	// Peers: applications answers for projects (selected applications), their rounds and calendars; funding for
	// plans and donations for pledges and confirmed donations (quarterly reports, summaries, round close); reviews
	// for the published shortlist and signed-off results (the disclosure feed). The statistics also read the
	// applications service's communities list, needs catalogue and organisations.
	service.Main(service.Spec{Name: "supervision", Migrations: migrations.FS, Peers: []string{"applications", "funding", "donations", "reviews"}, Policy: &api.Policy,
		MorePolicies: []authz.Policy{api.StatisticsPolicy, api.DisclosurePolicy}},
		func(*config.Loader) func(context.Context, *service.Runtime) error {
			return func(_ context.Context, rt *service.Runtime) error {
				uc := app.New(store.New(rt.Pool), rt.Requests, app.Peers{Applications: clients.NewApplications(rt.Peers["applications"]),
					Funding: clients.NewFunding(rt.Peers["funding"]), Donations: clients.NewDonations(rt.Peers["donations"])}, time.Now)
				pb.RegisterSupervisionServiceServer(rt.Server.GRPC, api.NewServer(uc, rt.PageTokens))
				pb.RegisterDisclosureServiceServer(rt.Server.GRPC, api.NewDisclosureServer(app.NewDisclosures(store.New(rt.Pool), clients.NewApplications(rt.Peers["applications"]),
					clients.NewDisclosureSources(rt.Peers["reviews"], rt.Peers["funding"], rt.Peers["donations"]), time.Now), rt.PageTokens))
				applications := clients.NewApplications(rt.Peers["applications"])
				pb.RegisterStatisticsServiceServer(rt.Server.GRPC, api.NewStatisticsServer(app.NewStatistics(store.New(rt.Pool), app.StatisticsPeers{
					Applications: applications, Catalogue: applications, Funding: clients.NewFunding(rt.Peers["funding"]),
					Donations: clients.NewDonations(rt.Peers["donations"]), Reviews: clients.NewReviews(rt.Peers["reviews"])}, time.Now)))
				return nil
			}
		})
}
