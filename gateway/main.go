// Command gateway serves the suite's HTTP/JSON API: it authenticates callers, maps HTTP to the services'
// gRPC APIs with the caller's identity signed into the metadata, and starts each request's trace.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"

	"github.com/commonweal/commonweal/gateway/internal/auth"
	"github.com/commonweal/commonweal/gateway/internal/httpapi"
	"github.com/commonweal/commonweal/gateway/internal/votes"
	applicationsv1 "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1"
	donationsv1 "github.com/commonweal/commonweal/gen/go/commonweal/donations/v1"
	fundingv1 "github.com/commonweal/commonweal/gen/go/commonweal/funding/v1"
	reviewsv1 "github.com/commonweal/commonweal/gen/go/commonweal/reviews/v1"
	supervisionv1 "github.com/commonweal/commonweal/gen/go/commonweal/supervision/v1"
	"github.com/commonweal/commonweal/pkg/addrs"
	"github.com/commonweal/commonweal/pkg/config"
	"github.com/commonweal/commonweal/pkg/grpcserver"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/telemetry"
	"github.com/commonweal/commonweal/pkg/tlsconf"
)

// register adds one gRPC service's routes to the gateway's mux.
type register = func(ctx context.Context, mux *runtime.ServeMux, conn *grpc.ClientConn) error

// services are the suite's services behind the gateway: one line each, with every gRPC service the
// process serves (one connection per process).
var services = []struct {
	name     string
	register []register
}{
	{"applications", []register{applicationsv1.RegisterApplicationsServiceHandler}},
	{"donations", []register{donationsv1.RegisterDonationsServiceHandler}},
	{"funding", []register{fundingv1.RegisterFundingServiceHandler}},
	{"reviews", []register{reviewsv1.RegisterReviewsServiceHandler}},
	{"supervision", []register{supervisionv1.RegisterSupervisionServiceHandler, supervisionv1.RegisterDisclosureServiceHandler,
		supervisionv1.RegisterStatisticsServiceHandler}},
}

// registerAll registers every service of one process.
func registerAll(regs []register) register {
	return func(ctx context.Context, mux *runtime.ServeMux, conn *grpc.ClientConn) error {
		for _, r := range regs {
			if err := r(ctx, mux, conn); err != nil {
				return err
			}
		}
		return nil
	}
}

func main() {
	// The vote spike allocates briskly: unless GOGC says otherwise, collect garbage half as often as Go's
	// default, with a soft limit (unless GOMEMLIMIT) that keeps the heap well under the 160 MiB budget.
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(200)
	}
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(128 << 20)
	}
	if err := run(context.Background(), os.Args[1:], os.LookupEnv, nil); err != nil && !errors.Is(err, config.ErrHelp) {
		slog.Error("exiting", "error", err.Error())
		os.Exit(1)
	}
}

// run serves until ctx ends or SIGINT/SIGTERM, with the settings lookup gives; listening (tests) learns the
// address once the server listens.
func run(ctx context.Context, args []string, lookup func(string) (string, bool), listening func(net.Addr)) error {
	cfg := config.NewWith("gateway", lookup)
	addr := cfg.String("GATEWAY_ADDR", "127.0.0.1:8080", "HTTP listen address")
	adminAddr := cfg.String("ADMIN_ADDR", "", "listen address of the admin HTTP server: /metrics (Prometheus; OTEL_METRICS_EXPORTER=prometheus, the default); empty: none")
	adminProfiles := cfg.Bool("ADMIN_PPROF", false, "also serve Go's profiles (/debug/pprof/) on ADMIN_ADDR: for profiling, e.g. make bench BENCH_PPROF")
	devMode := cfg.IsDev() // COMMONWEAL_MODE: production unless dev
	mode := cfg.String("AUTH_MODE", cfg.Mode(), "follows COMMONWEAL_MODE: dev (HS256 dev key, POST /v1/dev/tokens; dev mode only) or production (tokens of the JWT_JWKS_* keys, JWT_ISSUER, JWT_AUDIENCE)")
	devKey := cfg.Secret("DEV_JWT_KEY", "dev-jwt-key-change-me", "HS256 key of dev tokens (dev mode only)", config.DevOnly)
	jwtSettings := auth.ReadSettings(cfg) // production tokens: JWT_ISSUER, JWT_AUDIENCE, JWT_MAX_LIFETIME, JWT_JWKS_* (gateway/internal/auth)
	identityKey := cfg.Secret(identity.PrivateKeyVar, identity.DevPrivateKey, "the gateway's Ed25519 private key (PEM PKCS#8 or base64 of the 32-byte seed), signing the end-user identity it forwards to each service (which holds the public key)", config.MinLen(config.KeyMin))
	origins := cfg.List("CORS_ALLOWED_ORIGINS", "", "comma-separated admin-console origins allowed by CORS")
	voteRate := cfg.Int("VOTE_RATE_LIMIT", 60, "votes per minute one client address may cast (0: no limit)")
	codeRate := cfg.Int("VOTER_CODE_RATE_LIMIT", 5, "voter-code requests per minute per client address (0: no limit)")
	complaintRate := cfg.Int("COMPLAINT_RATE_LIMIT", 5, "complaints per minute per client address (0: no limit)")
	trustedProxies := cfg.List("TRUSTED_PROXIES", "", "comma-separated CIDRs of the proxies in front of the gateway, whose TRUSTED_PROXY_HEADER names the client address (none: the TCP peer is the client)")
	proxyHeader := cfg.String("TRUSTED_PROXY_HEADER", httpapi.HeaderXForwardedFor, "the header the trusted proxies write the client address into: X-Forwarded-For or Forwarded (RFC 7239)")
	reqTimeout := cfg.Duration("REQUEST_TIMEOUT", 30*time.Second, "longest time one HTTP request may take; its deadline travels to the services")
	maxBody := cfg.Int("MAX_BODY_BYTES", 1<<20, "largest request body accepted, in bytes")
	voteBatch := cfg.Int("VOTE_FORWARD_BATCH", votes.DefaultMax, "the most plain votes (no request_id) sent to reviews in one internal CastVotes call, 1 to 1000 (0: one CastVote call per vote)")
	voteWindow := cfg.Duration("VOTE_FORWARD_WINDOW", votes.DefaultWindow, "how long a batch of votes waits for more after its first vote (VOTE_FORWARD_BATCH)")
	voteShareWait := cfg.Duration("VOTE_FORWARD_SHARE_WAIT", votes.DefaultShareWait, "how long a batch of votes may wait, while another is on its way, for half of the votes the gateway holds (0: it leaves as soon as a call is free)")
	coalesce := cfg.Bool("COALESCE_READS", true, "identical API reads (GET: same path and query, token and forwarded headers) that arrive while one is served share the next answer, made after they all arrived (false: every read makes its own calls)")
	httpTimeouts := serverTimeouts{ // a slowly trickled request or an idle connection is cut off (server.go)
		ReadHeader: cfg.Duration(readHeaderTimeoutVar, 10*time.Second, "longest time to read a request's headers"),
		Read:       cfg.Duration(readTimeoutVar, 30*time.Second, "longest time to read a whole request, body included (a slower client is cut off)"),
		Write:      cfg.Duration(writeTimeoutVar, 0, "longest time from a request's headers to the end of its answer; longer than REQUEST_TIMEOUT (0: REQUEST_TIMEOUT + 30s)"),
		Idle:       cfg.Duration(idleTimeoutVar, 2*time.Minute, "how long a keep-alive connection may wait for its next request"),
	}
	backendAddrs := map[string]string{}
	for _, svc := range services {
		backendAddrs[svc.name] = cfg.String(strings.ToUpper(svc.name)+"_ADDR", addrs.Default[svc.name], "gRPC address of the "+svc.name+" service: host:port, dns:///name:port (every address of the name, round_robin) or static:///host1:port1,host2:port2")
	}
	tlsFiles := tlsconf.Settings(cfg) // mutual TLS to every service (pkg/tlsconf)
	logLevel := cfg.String("LOG_LEVEL", "info", "debug, info, warn or error")
	if err := cfg.Check(args); err != nil {
		return err
	}
	if mode == config.Dev && !devMode {
		return fmt.Errorf("AUTH_MODE=dev: refused in production mode (dev tokens are for %s=%s only)", config.ModeVar, config.Dev)
	}
	proxies, err := httpapi.ParseProxies(trustedProxies, proxyHeader)
	if err != nil {
		return fmt.Errorf("TRUSTED_PROXIES / TRUSTED_PROXY_HEADER: %w", err)
	}
	if voteBatch < 0 || voteBatch > votes.MaxBatch || voteWindow < 0 || voteShareWait < 0 {
		return fmt.Errorf("VOTE_FORWARD_BATCH must be 0 to %d and VOTE_FORWARD_WINDOW and VOTE_FORWARD_SHARE_WAIT not negative, not %d, %s and %s", votes.MaxBatch, voteBatch, voteWindow, voteShareWait)
	}
	httpTimeouts, err = httpTimeouts.resolve(reqTimeout)
	if err != nil {
		return err
	}
	identityPrivate, err := identity.ParsePrivateKey(identityKey)
	if err != nil {
		return fmt.Errorf("%s: %w", identity.PrivateKeyVar, err)
	}
	issuer := identity.NewIssuer(identityPrivate)
	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		return fmt.Errorf("LOG_LEVEL: %w", err)
	}
	slog.SetDefault(telemetry.NewLogger(os.Stderr, "gateway", level))

	var verifier *auth.Verifier
	switch mode {
	case "dev":
		verifier = auth.NewDevVerifier([]byte(devKey))
	case "production":
		var err error
		if verifier, err = auth.NewProductionVerifier(jwtSettings); err != nil {
			return err
		}
		defer verifier.Close() // stops the JWKS URL refresh
	default:
		return fmt.Errorf("AUTH_MODE must be dev or production, not %q", mode)
	}
	httpapi.LogStart(mode == "dev")

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	tlsSrc, err := tlsconf.Load(tlsFiles)
	if err != nil {
		return err
	}
	shutdownTracing, err := telemetry.Setup(ctx, "gateway")
	if err != nil {
		return err
	}
	defer shutdownTracing(context.Background())
	metrics, err := telemetry.SetupMetrics(ctx, "gateway")
	if err != nil {
		return err
	}
	defer metrics.Shutdown(context.Background())

	var backends []httpapi.Backend
	var voteBatcher *votes.Batcher
	for _, svc := range services {
		// Each connection signs the end user's identity for its service only (identity.Issuer.DialOptions).
		conn, err := grpcserver.Dial(backendAddrs[svc.name], tlsconf.ClientCredentials(tlsSrc, svc.name),
			append(issuer.DialOptions(svc.name), grpc.WithChainUnaryInterceptor(labelRoute))...)
		if err != nil {
			return err
		}
		defer conn.Close()
		if svc.name == "reviews" && voteBatch > 0 {
			// Closed before the connection, once the server has stopped: every queued vote is answered.
			voteBatcher = votes.New(votes.Client(reviewsv1.NewReviewsServiceClient(conn)), votes.Options{Max: voteBatch, Window: voteWindow, ShareWait: voteShareWait, Timeout: reqTimeout})
			defer voteBatcher.Close()
		}
		backends = append(backends, httpapi.Backend{Name: svc.name, Conn: conn, Register: registerAll(svc.register)})
	}
	handler, err := httpapi.New(ctx, httpapi.Options{
		Verifier:       verifier,
		DevMode:        mode == "dev",
		AllowedOrigins: origins,
		MaxBodyBytes:   int64(maxBody),
		RequestTimeout: reqTimeout,
		RateRules:      append(httpapi.VoteRules(voteRate, codeRate), httpapi.ComplaintRules(complaintRate)...),
		Proxies:        proxies,
		CoalesceReads:  coalesce,
		Backends:       backends,
		Votes:          voteBatcher,
	})
	if err != nil {
		return err
	}

	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := newServer(handler, httpTimeouts)
	slog.Info("serving", "addr", lis.Addr().String())
	if adminAddr != "" {
		alis, err := net.Listen("tcp", adminAddr)
		if err != nil {
			lis.Close()
			return fmt.Errorf("ADMIN_ADDR: %w", err)
		}
		slog.Info("serving admin", "addr", alis.Addr().String())
		adminCtx, stopAdmin := context.WithCancel(context.WithoutCancel(ctx))
		adminDone := make(chan struct{})
		go func() {
			defer close(adminDone)
			if err := telemetry.ServeAdmin(adminCtx, alis, metrics.Handler, adminProfiles); err != nil {
				slog.Error("admin listener failed", "error", err.Error())
			}
		}()
		defer func() { stopAdmin(); <-adminDone }() // after the HTTP server's graceful shutdown
	}
	if listening != nil {
		listening(lis.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(lis) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}
