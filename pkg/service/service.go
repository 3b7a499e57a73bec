// Package service runs a suite service the same way everywhere: settings from the environment (listed by
// -h), the `migrate` and `serve` commands, tracing, logs, its database pool on its own schema and role,
// clients of the services it calls, the gRPC server and a graceful shutdown. A service's main only says
// what is its own.
package service

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"
	_ "time/tzdata" // rounds name their time zone (calendar days, receipt years), whatever the host has installed

	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/grpc"

	"github.com/commonweal/commonweal/pkg/addrs"
	"github.com/commonweal/commonweal/pkg/authz"
	"github.com/commonweal/commonweal/pkg/config"
	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/grpcserver"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/pagetoken"
	"github.com/commonweal/commonweal/pkg/sealed"
	"github.com/commonweal/commonweal/pkg/telemetry"
	"github.com/commonweal/commonweal/pkg/tlsconf"
)

// Spec is what the runner needs to know about a service.
type Spec struct {
	// Name is the service's name: its schema, its role and the prefix of its settings.
	Name string
	// Migrations are its goose SQL migrations.
	Migrations fs.FS
	// Peers are the services it calls; each gets a <PEER>_ADDR setting and a connection in Runtime.
	Peers []string
	// Policy is its authorisation table (method → roles), applied to every call before the handler.
	Policy *authz.Policy
	// MorePolicies are the tables of further gRPC services the binary serves (one per proto service).
	MorePolicies []authz.Policy
	// Reseal, for a service that seals personal data, moves every sealed value to box's newest key (`<svc>
	// reseal`, after a key rotation): in batches, each its own transaction, idempotent and resumable.
	Reseal func(ctx context.Context, pool *pgxpool.Pool, box *sealed.Box) error
}

// Runtime is what a service wires its handlers from.
type Runtime struct {
	Pool       *pgxpool.Pool
	Server     *grpcserver.Server
	Box        *sealed.Box
	PageTokens *pagetoken.Signer
	// Peers holds a connection to each peer, made with this service's certificate, which names it to the peer.
	Peers map[string]*grpc.ClientConn
	// Requests keeps the request_id records; use cases run their unit of work through it.
	Requests *idempotency.PG

	background []func(ctx context.Context)
}

// Background runs fn (e.g. an outbox relay) from the moment the service serves until it stops.
func (rt *Runtime) Background(fn func(ctx context.Context)) {
	rt.background = append(rt.background, fn)
}

// Setup reads the service's own settings from cfg and returns the function that registers its handlers once
// the runtime is ready.
type Setup func(cfg *config.Loader) func(ctx context.Context, rt *Runtime) error

// Main runs the service and exits the process on failure.
func Main(spec Spec, setup Setup) {
	if err := Run(os.Args[1:], spec, setup); err != nil && !errors.Is(err, config.ErrHelp) {
		slog.Error("exiting", "error", err.Error())
		os.Exit(1)
	}
}

// Run runs the command in args ("migrate", "serve", "reseal", or nothing for migrate and serve, in dev mode
// only) until SIGINT or SIGTERM.
func Run(args []string, spec Spec, setup Setup) error {
	upper := strings.ToUpper(spec.Name)
	cfg := config.New(spec.Name)
	if len(args) > 0 && args[0] == "migrate" {
		// A migration job gets the admin database URL and the runtime role's password, nothing it serves with.
		cfg.RequireOnly("DATABASE_URL", upper+"_DATABASE_URL", upper+"_DB_PASSWORD")
	}
	dbs := db.Settings{
		AdminURL: cfg.Secret("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL server and database of this service: for `migrate`, with an admin role that may create roles and schemas; for `serve` (production), the server only, without credentials"),
		Schema:   spec.Name,
		Password: cfg.Secret(upper+"_DB_PASSWORD", spec.Name+"-dev", "password of the service's runtime database role (set by `migrate`, used by `serve`)", config.MinLen(config.PasswordMin)),
	}
	if u := cfg.Secret(upper+"_DATABASE_URL", "", "a separate database server for this service (overrides DATABASE_URL)"); u != "" {
		dbs.AdminURL = u
		dbs.URLSetting = upper + "_DATABASE_URL" // named in the production refusals
	}
	// Production rules of the database (pkg/db production.go): sslmode=verify-full unless waived; `serve`
	// gets the server without credentials and connects as the runtime role, which may own nothing.
	dbs.Production = !cfg.IsDev()
	dbs.TLSWaived = cfg.Bool(db.TLSWaivedVar, false, "production only: allow database connections without sslmode=verify-full (a warning at every start)")
	dbs.MaxConns = int32(cfg.Int(upper+"_DB_MAX_CONNS", db.DefaultMaxConns, "maximum connections in the service's database pool"))
	dbs.StatementTimeout = cfg.Duration(upper+"_DB_STATEMENT_TIMEOUT", db.DefaultStatementTimeout, "PostgreSQL statement_timeout of the service's sessions")
	dbs.IdleInTxTimeout = cfg.Duration(upper+"_DB_IDLE_IN_TX_TIMEOUT", db.DefaultIdleInTxTimeout, "PostgreSQL idle_in_transaction_session_timeout of the service's sessions")
	healthEvery := cfg.Duration(upper+"_DB_HEALTH_INTERVAL", 2*time.Second, "how often the database is pinged; the service reports NOT_SERVING while it does not answer")
	peerTimeout := cfg.Duration("PEER_CALL_TIMEOUT", grpcserver.CallTimeout, "upper bound of one call to another service")
	addr := cfg.String(upper+"_GRPC_ADDR", addrs.Default[spec.Name], "gRPC listen address")
	healthAddr := cfg.String("HEALTH_ADDR", "", "listen address of a plaintext gRPC server answering the health protocol only (Kubernetes gRPC probes, which cannot do mTLS); empty: none")
	adminAddr := cfg.String("ADMIN_ADDR", "", "listen address of the admin HTTP server: /metrics (Prometheus; OTEL_METRICS_EXPORTER=prometheus, the default); empty: none")
	adminProfiles := cfg.Bool("ADMIN_PPROF", false, "also serve Go's profiles (/debug/pprof/) on ADMIN_ADDR: for profiling, e.g. make bench BENCH_PPROF")
	peerAddrs := map[string]string{}
	for _, p := range spec.Peers {
		peerAddrs[p] = cfg.String(strings.ToUpper(p)+"_ADDR", addrs.Default[p], "gRPC address of the "+p+" service: host:port, dns:///name:port (every address of the name, round_robin) or static:///host1:port1,host2:port2")
	}
	gatewayKey := cfg.Secret(identity.PublicKeyVar, identity.DevPublicKey, "the gateway's Ed25519 public key (PEM or base64; two during a rotation), verifying the end-user identities it forwards; a calling service is known from its certificate", config.MinLen(config.KeyMin))
	dataKey := cfg.Secret("DATA_ENCRYPTION_KEY", devDataKey, "base64 of the 32-byte AES key sealing personal data at rest (key ID 1), or during a rotation the keys as id:base64,id:base64, newest first (then `reseal`)", config.MinLen(config.KeyMin))
	pageKey := cfg.Secret("PAGE_TOKEN_KEY", "dev-page-token-key-change-me", "key signing page tokens", config.MinLen(config.KeyMin))
	tlsFiles := tlsconf.Settings(cfg) // mutual TLS on every gRPC connection (pkg/tlsconf)
	reflection := cfg.IsDev()         // gRPC reflection lists every method: dev mode only
	grace := cfg.Duration("SHUTDOWN_GRACE", 10*time.Second, "how long in-flight calls may finish at shutdown")
	retention := cfg.Duration("IDEMPOTENCY_RETENTION", idempotency.DefaultRetention, "how long request_id records are kept (a retry after that runs as a new request); longer than any client retries")
	logLevel := cfg.String("LOG_LEVEL", "info", "debug, info, warn or error")
	if spec.Policy == nil || spec.Policy.Service == "" {
		return fmt.Errorf("%s: no authorisation table (service.Spec.Policy): refusing to serve", spec.Name)
	}
	for _, p := range spec.MorePolicies {
		if p.Service == "" {
			return fmt.Errorf("%s: an authorisation table in service.Spec.MorePolicies names no service", spec.Name)
		}
	}
	register := setup(cfg)
	if err := cfg.Check(args); err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		return fmt.Errorf("LOG_LEVEL: %w", err)
	}
	slog.SetDefault(telemetry.NewLogger(os.Stderr, spec.Name, level))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmd := "all"
	if len(args) > 0 {
		cmd = args[0]
	}
	if dbs.Production && dbs.TLSWaived {
		slog.Warn(db.TLSWaivedVar + "=true: the database connection is not verified TLS (production requires sslmode=" + db.TLSMode + " otherwise)")
	}
	switch cmd {
	case "migrate":
		if err := dbs.CheckMigrate(); err != nil {
			return err
		}
		return db.Migrate(ctx, dbs, spec.Migrations)
	case "serve":
		if err := dbs.CheckServe(); err != nil {
			return err
		}
	case "reseal":
		if spec.Reseal == nil {
			return fmt.Errorf("%s seals no data: nothing to reseal", spec.Name)
		}
		if err := dbs.CheckServe(); err != nil {
			return err
		}
		box, err := dataBox(dataKey, dbs.Production)
		if err != nil {
			return err
		}
		pool, err := db.Open(ctx, dbs)
		if err != nil {
			return err
		}
		defer pool.Close()
		return spec.Reseal(ctx, pool, box)
	case "all":
		if dbs.Production {
			return fmt.Errorf("production mode: name the command: `%s migrate` (a one-off job with the admin DATABASE_URL), then `%s serve` (the server only, connecting as role %s with %s_DB_PASSWORD); migrating and serving in one process is for %s=%s only",
				spec.Name, spec.Name, spec.Name, upper, config.ModeVar, config.Dev)
		}
		if err := db.Migrate(ctx, dbs, spec.Migrations); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown command %q (want migrate, serve or reseal)", cmd)
	}

	if retention < 24*time.Hour {
		return fmt.Errorf("IDEMPOTENCY_RETENTION: at least 24h (records must outlive every client retry), got %s", retention)
	}
	if len(pageKey) < pagetoken.MinKeySize {
		return fmt.Errorf("PAGE_TOKEN_KEY: at least %d bytes", pagetoken.MinKeySize)
	}
	users, err := identity.ParsePublicKeys(gatewayKey)
	if err != nil {
		return fmt.Errorf("%s: %w", identity.PublicKeyVar, err)
	}
	tlsSrc, err := tlsconf.Load(tlsFiles)
	if err != nil {
		return err
	}
	shutdownTracing, err := telemetry.Setup(ctx, spec.Name)
	if err != nil {
		return err
	}
	defer shutdownTracing(context.Background())
	metrics, err := telemetry.SetupMetrics(ctx, spec.Name)
	if err != nil {
		return err
	}
	defer metrics.Shutdown(context.Background())
	box, err := dataBox(dataKey, dbs.Production)
	if err != nil {
		return err
	}
	pool, err := db.Open(ctx, dbs)
	if err != nil {
		return err
	}
	defer pool.Close()
	stopObserving, err := telemetry.ObservePool(pool, spec.Name)
	if err != nil {
		return err
	}
	defer stopObserving()
	policies := append([]authz.Policy{*spec.Policy}, spec.MorePolicies...)
	authorise := grpcserver.Option{Unary: authz.Unary(policies...), Stream: authz.Stream(policies...), Reflection: reflection}
	rt := &Runtime{Pool: pool, Server: grpcserver.New(tlsconf.ServerCredentials(tlsSrc), identity.NewVerifier(spec.Name, users...), authorise), Box: box,
		PageTokens: pagetoken.NewSigner([]byte(pageKey)), Peers: map[string]*grpc.ClientConn{}, Requests: idempotency.NewPG(pool)}
	for p, a := range peerAddrs {
		conn, err := grpcserver.DialAs(a, tlsconf.ClientCredentials(tlsSrc, p), peerTimeout)
		if err != nil {
			return fmt.Errorf("%s_ADDR: %w", strings.ToUpper(p), err)
		}
		defer conn.Close()
		rt.Peers[p] = conn
	}
	if err := register(ctx, rt); err != nil {
		return err
	}

	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	slog.Info("serving", "addr", lis.Addr().String())
	// The health and admin listeners outlive the gRPC server's graceful stop (probes see NOT_SERVING, a scrape
	// sees the last calls), then stop.
	var listeners []func(context.Context) error
	if healthAddr != "" {
		hlis, err := net.Listen("tcp", healthAddr)
		if err != nil {
			lis.Close()
			return fmt.Errorf("HEALTH_ADDR: %w", err)
		}
		slog.Info("serving health", "addr", hlis.Addr().String())
		listeners = append(listeners, func(ctx context.Context) error { return rt.Server.ServeHealth(ctx, hlis) })
	}
	if adminAddr != "" {
		alis, err := net.Listen("tcp", adminAddr)
		if err != nil {
			lis.Close()
			return fmt.Errorf("ADMIN_ADDR: %w", err)
		}
		slog.Info("serving admin", "addr", alis.Addr().String())
		listeners = append(listeners, func(ctx context.Context) error {
			return telemetry.ServeAdmin(ctx, alis, metrics.Handler, adminProfiles)
		})
	}
	bgCtx, stopBackground := context.WithCancel(ctx)
	listenCtx, stopListeners := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	for _, serve := range listeners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := serve(listenCtx); err != nil {
				slog.Error("admin or health listener failed", "error", err.Error())
			}
		}()
	}
	tasks := append([]func(context.Context){func(ctx context.Context) {
		db.Watch(ctx, pool, healthEvery, func(up bool) {
			if !up {
				slog.Warn("database unreachable: reporting NOT_SERVING")
			} else {
				slog.Info("database reachable")
			}
			rt.Server.SetDatabaseUp(up)
		})
	}, func(ctx context.Context) {
		rt.Requests.PurgeEvery(ctx, retention, time.Hour, time.Now) // request records older than IDEMPOTENCY_RETENTION
	}}, rt.background...)
	for _, task := range tasks {
		wg.Add(1)
		go func() { defer wg.Done(); task(bgCtx) }()
	}
	err = rt.Server.Serve(ctx, lis, grace)
	stopBackground()
	stopListeners()
	wg.Wait()
	return err
}

// devDataKey is the development DATA_ENCRYPTION_KEY.
const devDataKey = "ZGV2LWRhdGEta2V5LTMyLWJ5dGVzLWxvbmctLS0tLS0="

// dataBox reads DATA_ENCRYPTION_KEY: one base64 key, or id:base64 keys newest first; production refuses the
// development key anywhere in the list.
func dataBox(setting string, production bool) (*sealed.Box, error) {
	if production && strings.Contains(setting, devDataKey) {
		return nil, fmt.Errorf("DATA_ENCRYPTION_KEY: %w", config.ErrSecretDevValue)
	}
	box, err := sealed.ParseKeys(setting)
	if err != nil {
		return nil, fmt.Errorf("DATA_ENCRYPTION_KEY: %w", err)
	}
	return box, nil
}
