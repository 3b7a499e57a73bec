// Command reviews runs the reviews service: panels and conflicts, scores, the shortlist and its publicity,
// complaints, public voting and the final results.
//
//	reviews migrate   create the role and schema and apply the migrations, then exit
//	reviews serve     serve gRPC (migrations must have run)
//	reviews           migrate, then serve
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"
	_ "time/tzdata" // calendar days of votes are in the round's time zone, whatever the host has installed

	pb "github.com/commonweal/commonweal/gen/go/commonweal/reviews/v1"
	"github.com/commonweal/commonweal/pkg/config"
	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/grpcserver"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/sealed"
	"github.com/commonweal/commonweal/pkg/telemetry"
	"github.com/commonweal/commonweal/services/reviews/internal/api"
	"github.com/commonweal/commonweal/services/reviews/internal/app"
	"github.com/commonweal/commonweal/services/reviews/internal/clients"
	"github.com/commonweal/commonweal/services/reviews/internal/store"
	"github.com/commonweal/commonweal/services/reviews/internal/store/migrations"
)

const service = "reviews"

func main() {
	if err := run(); err != nil && !errors.Is(err, config.ErrHelp) {
		slog.Error("exiting", "error", err.Error())
		os.Exit(1)
	}
}

func run() error {
	cfg := config.New(service)
	dbs := db.Settings{
		AdminURL: cfg.Secret("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL server and database of this service (owner credentials; used to create the role and schema)"),
		Schema:   service,
		Password: cfg.Secret("REVIEWS_DB_PASSWORD", "reviews-dev", "password of the service's own database role"),
	}
	if u := cfg.Secret("REVIEWS_DATABASE_URL", "", "a separate database server for this service (overrides DATABASE_URL)"); u != "" {
		dbs.AdminURL = u
	}
	addr := cfg.String("REVIEWS_GRPC_ADDR", "127.0.0.1:9102", "gRPC listen address")
	appsAddr := cfg.String("APPLICATIONS_ADDR", "127.0.0.1:9101", "gRPC address of the applications service")
	donationsAddr := cfg.String("DONATIONS_ADDR", "127.0.0.1:9103", "gRPC address of the donations service")
	identityKey := cfg.Secret("INTERNAL_IDENTITY_KEY", "dev-internal-identity-key-change-me", "key shared with the gateway to verify the signed caller identity")
	dataKey := cfg.Secret("DATA_ENCRYPTION_KEY", "ZGV2LWRhdGEta2V5LTMyLWJ5dGVzLWxvbmctLS0tLS0=", "base64 of the 32-byte AES key sealing complainants' contacts at rest")
	phoneKey := cfg.Secret("VOTER_HMAC_KEY", "dev-voter-hmac-key-change-me", "key of the HMAC that is all the service keeps of a voter's phone number")
	sender := cfg.String("VOTER_CODE_SENDER", "dev", "how voter codes are sent: dev (returned in the response: local runs only) or none (refused); production must configure a real SMS sender")
	tokenTTL := cfg.Duration("VOTER_TOKEN_TTL", 24*time.Hour, "how long a voter token is valid")
	grace := cfg.Duration("SHUTDOWN_GRACE", 10*time.Second, "how long in-flight calls may finish at shutdown")
	logLevel := cfg.String("LOG_LEVEL", "info", "debug, info, warn or error")
	if err := cfg.Check(os.Args[1:]); err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		return fmt.Errorf("LOG_LEVEL: %w", err)
	}
	slog.SetDefault(telemetry.NewLogger(os.Stderr, service, level))
	var codeSender app.CodeSender
	switch sender {
	case "dev":
		codeSender = app.DevSender{}
		slog.Warn("voter codes use the DEV sender: codes are returned in the response; never use in production (set VOTER_CODE_SENDER)")
	case "none":
		codeSender = app.NoSender{}
	default:
		return fmt.Errorf("VOTER_CODE_SENDER must be dev or none, not %q", sender)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	cmd := "all"
	if len(os.Args) > 1 {
		cmd = os.Args[1]
	}
	switch cmd {
	case "migrate":
		return db.Migrate(ctx, dbs, migrations.FS)
	case "serve":
	case "all":
		if err := db.Migrate(ctx, dbs, migrations.FS); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown command %q (want migrate or serve)", cmd)
	}

	shutdownTracing, err := telemetry.Setup(ctx, service)
	if err != nil {
		return err
	}
	defer shutdownTracing(context.Background())
	box, err := sealed.NewFromBase64(dataKey)
	if err != nil {
		return fmt.Errorf("DATA_ENCRYPTION_KEY: %w", err)
	}
	pool, err := db.Open(ctx, dbs)
	if err != nil {
		return err
	}
	defer pool.Close()

	signer := identity.NewSigner([]byte(identityKey))
	appsConn, err := grpcserver.DialAs(appsAddr, signer, service)
	if err != nil {
		return err
	}
	defer appsConn.Close()
	donationsConn, err := grpcserver.DialAs(donationsAddr, signer, service)
	if err != nil {
		return err
	}
	defer donationsConn.Close()

	uc := app.New(store.New(pool, box), app.Config{
		Apps:      clients.NewApplications(appsConn),
		Donations: clients.NewDonations(donationsConn),
		// Funding is nil: the funding service does not exist yet, so results:compute refuses with
		// FUNDING_SERVICE_UNAVAILABLE instead of guessing government shares and the pool.
		Funding:  nil,
		Sender:   codeSender,
		PhoneKey: []byte(phoneKey),
		TokenTTL: tokenTTL,
	})
	srv := grpcserver.New(signer)
	pb.RegisterReviewsServiceServer(srv.GRPC, api.NewServer(uc, pool))

	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	slog.Info("serving", "addr", lis.Addr().String())
	return srv.Serve(ctx, lis, grace)
}
