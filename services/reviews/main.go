// Command reviews runs the reviews service: panels and conflicts, scores, the shortlist and its publicity,
// complaints, public voting and the final results.
//
//	reviews migrate   create the role and schema and apply the migrations, then exit
//	reviews serve     serve gRPC (migrations must have run)
//	reviews           migrate, then serve
package main

import (
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"time"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/reviews/v1"
	"github.com/commonweal/commonweal/pkg/config"
	"github.com/commonweal/commonweal/pkg/outbox"
	"github.com/commonweal/commonweal/pkg/service"
	"github.com/commonweal/commonweal/services/reviews/internal/api"
	"github.com/commonweal/commonweal/services/reviews/internal/app"
	"github.com/commonweal/commonweal/services/reviews/internal/clients"
	"github.com/commonweal/commonweal/services/reviews/internal/store"
	"github.com/commonweal/commonweal/services/reviews/internal/store/migrations"
)

func main() {
	// The vote spike allocates briskly: unless GOGC says otherwise, collect garbage half as often as Go's
	// default, with a soft limit (unless GOMEMLIMIT) that keeps the heap well under the 160 MiB budget.
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(200)
	}
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(128 << 20)
	}
	// Peers: applications (rounds, applications, stages), donations (pledging donors, cutoff totals) and funding
	// (government shares and the pool of the results).
	spec := service.Spec{Name: "reviews", Migrations: migrations.FS, Peers: []string{"applications", "donations", "funding"}, Policy: &api.Policy, Reseal: store.Reseal}
	service.Main(spec, func(cfg *config.Loader) func(context.Context, *service.Runtime) error {
		phoneKey := cfg.Secret("VOTER_HMAC_KEY", "dev-voter-hmac-key-change-me", "key of the HMAC that is all the service keeps of a voter's phone number", config.MinLen(config.KeyMin))
		sender := readSenderSettings(cfg)
		tokenTTL := cfg.Duration("VOTER_TOKEN_TTL", 24*time.Hour, "how long a voter token is valid")
		purgeEvery := purgeInterval(cfg)
		complaintsPerDay := cfg.Int("COMPLAINTS_PER_COMPLAINANT_PER_DAY", app.DefaultComplaintsPerDay, "complaints one verified phone or organisation may lodge in any 24 hours")
		voteBatch := cfg.Int("VOTE_BATCH", app.DefaultVoteBatch, "the most votes one group commit writes (0: each vote its own transaction)")
		roundReuse := cfg.Duration("VOTE_ROUND_REUSE", app.DefaultVoteRoundReuse, "how long group commits reuse a round read in PROMOTION; votes are stamped that long before their batch is written (0: each batch reads the round)")
		return func(_ context.Context, rt *service.Runtime) error {
			// No sender (none): SendVoterCode refuses with VOTER_CODE_SENDER_UNAVAILABLE.
			codeSender, err := sender.build()
			if err != nil {
				return err
			}
			if complaintsPerDay <= 0 {
				return fmt.Errorf("COMPLAINTS_PER_COMPLAINANT_PER_DAY must be positive, not %d", complaintsPerDay)
			}
			if voteBatch < 0 {
				return fmt.Errorf("VOTE_BATCH must not be negative, not %d", voteBatch)
			}
			if voteBatch == 0 {
				voteBatch = -1 // no group commit
			}
			if roundReuse < 0 || roundReuse > time.Second {
				return fmt.Errorf("VOTE_ROUND_REUSE must be 0 to 1s, not %s", roundReuse)
			}
			if purgeEvery <= 0 {
				return fmt.Errorf("VOTER_PURGE_INTERVAL must be positive, not %s", purgeEvery)
			}
			apps := clients.NewApplications(rt.Peers["applications"])
			// Stages go to the applications service through the outbox: pushed after each commit, and retried
			// in the background until delivered.
			deliver := app.DeliverStage(apps)
			relay := outbox.NewRelay(rt.Pool, map[string]outbox.Handler{
				app.StageTopic: func(ctx context.Context, m outbox.Message) error { return deliver(ctx, m.Payload) },
			})
			rt.Background(relay.Run)
			uc := app.New(app.Config{
				Repo:      store.New(rt.Pool, rt.Box),
				Requests:  rt.Requests,
				Outbox:    store.NewOutbox(rt.Pool, relay),
				Apps:      apps,
				Donations: clients.NewDonations(rt.Peers["donations"]),
				// While the funding service cannot answer, results:compute refuses (FUNDING_UNAVAILABLE) rather
				// than guess government shares and the pool.
				Funding:  clients.NewFunding(rt.Peers["funding"]),
				Sender:   codeSender,
				PhoneKey: []byte(phoneKey),
				TokenTTL: tokenTTL,
				// At most this many complaints per phone or organisation in any 24 hours (COMPLAINT_RATE_LIMITED).
				ComplaintsPerDay: complaintsPerDay,
				// Votes without a request_id are written in group commits of up to this many, each acknowledged
				// once its batch has committed.
				VoteBatch:      voteBatch,
				VoteRoundReuse: roundReuse,
			})
			// On stop, the votes already queued are written and answered before the database pool closes.
			rt.Background(uc.DrainVotes)
			rt.Background(uc.PurgeVoterCredentialsEvery(purgeEvery))
			pb.RegisterReviewsServiceServer(rt.Server.GRPC, api.NewServer(uc, rt.PageTokens))
			return nil
		}
	})
}
