// Command donations runs the donations service: donors, earmarked pledges, receipts and the charity
// federation's donation ledger.
//
//	donations migrate   create the role and schema and apply the migrations, then exit
//	donations serve     serve gRPC (migrations must have run)
//	donations           migrate, then serve
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

	pb "github.com/commonweal/commonweal/gen/go/commonweal/donations/v1"
	"github.com/commonweal/commonweal/pkg/config"
	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/grpcserver"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/pagetoken"
	"github.com/commonweal/commonweal/pkg/sealed"
	"github.com/commonweal/commonweal/pkg/telemetry"
	"github.com/commonweal/commonweal/services/donations/internal/api"
	"github.com/commonweal/commonweal/services/donations/internal/app"
	"github.com/commonweal/commonweal/services/donations/internal/clients"
	"github.com/commonweal/commonweal/services/donations/internal/store"
	"github.com/commonweal/commonweal/services/donations/internal/store/migrations"
)

const service = "donations"

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
		Password: cfg.Secret("DONATIONS_DB_PASSWORD", "donations-dev", "password of the service's own database role"),
	}
	if u := cfg.Secret("DONATIONS_DATABASE_URL", "", "a separate database server for this service (overrides DATABASE_URL)"); u != "" {
		dbs.AdminURL = u
	}
	addr := cfg.String("DONATIONS_GRPC_ADDR", "127.0.0.1:9103", "gRPC listen address")
	applicationsAddr := cfg.String("APPLICATIONS_ADDR", "127.0.0.1:9101", "where the applications service listens")
	identityKey := cfg.Secret("INTERNAL_IDENTITY_KEY", "dev-internal-identity-key-change-me", "key shared with the gateway to verify the signed caller identity")
	dataKey := cfg.Secret("DATA_ENCRYPTION_KEY", "ZGV2LWRhdGEta2V5LTMyLWJ5dGVzLWxvbmctLS0tLS0=", "base64 of the 32-byte AES key sealing personal numbers at rest")
	pageKey := cfg.Secret("PAGE_TOKEN_KEY", "dev-page-token-key-change-me", "key signing page tokens")
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
	appsConn, err := grpcserver.DialAs(applicationsAddr, signer, service)
	if err != nil {
		return fmt.Errorf("APPLICATIONS_ADDR: %w", err)
	}
	defer appsConn.Close()

	uc := app.New(store.New(pool, box), clients.NewApplications(appsConn), time.Now)
	srv := grpcserver.New(signer)
	pb.RegisterDonationsServiceServer(srv.GRPC, api.NewServer(uc, pool, pagetoken.NewSigner([]byte(pageKey))))

	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	slog.Info("serving", "addr", lis.Addr().String())
	return srv.Serve(ctx, lis, grace)
}
