package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// spawnReplica starts one more process of a running service under another name (its log, its Stop), with the
// service's environment and extra (which wins: its own listen address, ADMIN_ADDR, ...).
func (s *Suite) spawnReplica(svc, name string, extra ...string) {
	s.t.Helper()
	link := filepath.Join(binDir, name)
	if err := os.Symlink(filepath.Join(binDir, svc), link); err != nil && !errors.Is(err, fs.ErrExist) {
		s.t.Fatal(err)
	}
	s.spawn(name, nil, append(slices.Clone(s.procs[svc].cmd.Env), extra...)...)
}

// scrape reads the Prometheus exposition of the admin server at addr.
func scrape(t *testing.T, addr string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatalf("scrape %s: %v", addr, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("scrape %s: %d %v", addr, resp.StatusCode, err)
	}
	return string(b)
}

// sum adds the values of every series of name (exactly) whose labels contain all of labels (k="v").
func sum(exposition, name string, labels ...string) float64 {
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `(\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})? (\S+)`)
	total := 0.0
	for _, m := range re.FindAllStringSubmatch(exposition, -1) {
		ok := true
		for _, l := range labels {
			ok = ok && strings.Contains(m[1], l)
		}
		if v, err := strconv.ParseFloat(m[2], 64); ok && err == nil {
			total += v
		}
	}
	return total
}

// The series that count a service's gRPC calls (otelgrpc, semantic conventions v1.43) and the gateway's
// HTTP requests (otelhttp).
const (
	rpcServerCalls  = "rpc_server_call_duration_seconds_count"
	httpServerCalls = "http_server_request_duration_seconds_count"
)

// reviewsCalls is how many calls of the reviews API one replica served.
func reviewsCalls(exposition string) float64 {
	return sum(exposition, rpcServerCalls, `commonweal.reviews.v1.ReviewsService/`)
}

// TestReplicasMetricsAndDashboard runs the reviews service as two processes and gives every caller (the
// gateway, the other services) both addresses (static:///a,b): calls reach both replicas, as each one's
// metrics show; a vote moves commonweal_votes_cast_total by one; the gateway's HTTP metrics name route
// templates, never a raw ID; every metric the Grafana dashboard queries is exported; the plaintext health
// port answers; and after one replica stops, calls go on succeeding.
func TestReplicasMetricsAndDashboard(t *testing.T) {
	t.Parallel() // each test runs its own suite: their waits overlap
	replicaA, replicaB := freeAddr(t), freeAddr(t)
	reviewsAddr := "static:///" + replicaA + "," + replicaB
	admin := map[string]string{"gateway": freeAddr(t), "reviews-2": freeAddr(t)}
	for _, svc := range suiteServices {
		admin[svc] = freeAddr(t)
	}
	healthAddr := freeAddr(t)
	_, dbURL := emptyDB.Database(t)
	s := StartWith(t, Options{DBURL: dbURL,
		Env:        []string{"REVIEWS_ADDR=" + reviewsAddr},
		GatewayEnv: []string{"REVIEWS_ADDR=" + reviewsAddr, "ADMIN_ADDR=" + admin["gateway"], "VOTE_RATE_LIMIT=0", "VOTER_CODE_RATE_LIMIT=0"},
		ServiceEnv: func(svc string) []string {
			env := []string{"ADMIN_ADDR=" + admin[svc]}
			if svc == "reviews" {
				env = append(env, "REVIEWS_GRPC_ADDR="+replicaA, "HEALTH_ADDR="+healthAddr)
			}
			return env
		},
	})
	s.spawnReplica("reviews", "reviews-2", "REVIEWS_GRPC_ADDR="+replicaB, "ADMIN_ADDR="+admin["reviews-2"], "HEALTH_ADDR=")

	// The plaintext health port: the gRPC health protocol without a certificate.
	conn, err := grpc.NewClient(healthAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	cancel()
	conn.Close()
	if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("plaintext health check of reviews on HEALTH_ADDR: %v, %v; want SERVING", resp.GetStatus(), err)
	}

	w := newReviewRound(t, s, 2, 2)
	w.publishShortlist(t, func(m, a int) int { return 70 + a })
	st, body := w.advance(t, "PHASE_PUBLICITY")
	expect(t, "publicity", st, body, 200, "")
	time.Sleep(publicityPeriod + 200*time.Millisecond)
	st, body = w.advance(t, "PHASE_PROMOTION")
	expect(t, "promotion", st, body, 200, "")

	// Calls reach both replicas: the second one joins once it listens (the callers' reconnection backoff).
	deadline := time.Now().Add(90 * time.Second)
	for {
		tallies(t, s, w.roundID)
		a, b := reviewsCalls(scrape(t, admin["reviews"])), reviewsCalls(scrape(t, admin["reviews-2"]))
		if a > 0 && b > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("reviews calls per replica after 90s: %v and %v, want both reached", a, b)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// A vote counts once, on whichever replica stored it.
	votes := func() float64 {
		return sum(scrape(t, admin["reviews"]), "commonweal_votes_cast_total") + sum(scrape(t, admin["reviews-2"]), "commonweal_votes_cast_total")
	}
	before := votes()
	st, body = s.Do("POST", "/v1/rounds/"+w.roundID+"/applications/"+w.apps[0]+"/votes", "", map[string]any{}, "X-Voter-Token", voter(t, s, "13700000301"))
	expect(t, "vote", st, body, 200, "")
	if after := votes(); after != before+1 {
		t.Errorf("commonweal_votes_cast_total over both replicas: %v → %v, want +1", before, after)
	}

	// The gateway's HTTP metrics: by route template, never by raw path.
	gw := scrape(t, admin["gateway"])
	for _, route := range []string{"/v1/rounds/{round_id}/tallies", "/v1/rounds/{round_id}/applications/{application_id}/votes", "/healthz"} {
		if n := sum(gw, httpServerCalls, `http_route="`+route+`"`); n < 1 {
			t.Errorf("no %s{http_route=%q} in the gateway's metrics", httpServerCalls, route)
		}
	}
	scrapes := map[string]string{}
	for name, addr := range admin {
		scrapes[name] = scrape(t, addr)
	}
	for name, exposition := range scrapes {
		for _, id := range []string{w.roundID, w.apps[0]} {
			if strings.Contains(exposition, id) {
				t.Errorf("%s's metrics name the ID %s (a series per resource)", name, id)
			}
		}
	}
	if sum(scrapes["reviews"], "db_client_connection_max", `db_client_connection_pool_name="reviews"`) < 1 {
		t.Error("no pool statistics (db_client_connection_max) in the reviews metrics")
	}

	// Every metric the example dashboard queries is exported by some binary.
	all := strings.Join(slices.Collect(mapValues(scrapes)), "\n")
	for _, name := range dashboardMetrics(t) {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `[{ ]`).MatchString(all) {
			t.Errorf("the dashboard queries %s, which no binary exports", name)
		}
	}

	// One replica stops: calls go on succeeding on the other.
	s.Stop("reviews")
	servedBefore := reviewsCalls(scrape(t, admin["reviews-2"]))
	for i := range 20 {
		st, body := s.Do("GET", "/v1/rounds/"+w.roundID+"/tallies", "", nil)
		expect(t, "tallies after one replica stopped #"+strconv.Itoa(i), st, body, 200, "")
	}
	// The server records a call's metrics once its answer is on the way: the last call's may land just after
	// the gateway has answered.
	served := reviewsCalls(scrape(t, admin["reviews-2"])) - servedBefore
	for deadline := time.Now().Add(5 * time.Second); served < 20 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		served = reviewsCalls(scrape(t, admin["reviews-2"])) - servedBefore
	}
	if served < 20 {
		t.Errorf("the remaining replica served %v calls of the 20, want all", served)
	}
}

func mapValues(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for _, v := range m {
			if !yield(v) {
				return
			}
		}
	}
}

// dashboardMetrics are the metric names of every query of deploy/grafana/commonweal-dashboard.json: the
// identifiers followed by a label selector (the dashboard writes every metric with one).
func dashboardMetrics(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "deploy", "grafana", "commonweal-dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("dashboard JSON: %v", err)
	}
	re := regexp.MustCompile(`([a-zA-Z_:][a-zA-Z0-9_:]*)\{`)
	var names []string
	for _, p := range dash.Panels {
		for _, target := range p.Targets {
			found := re.FindAllStringSubmatch(target.Expr, -1)
			if len(found) == 0 {
				t.Errorf("panel %q: query %q names no metric with a label selector", p.Title, target.Expr)
			}
			for _, m := range found {
				if !slices.Contains(names, m[1]) {
					names = append(names, m[1])
				}
			}
		}
	}
	if len(names) == 0 {
		t.Fatal("the dashboard has no query")
	}
	return names
}
