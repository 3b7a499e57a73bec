// Package e2e starts every service and the gateway as separate processes on free ports, against a fresh
// PostgreSQL database, and speaks HTTP to the gateway the way a partner system does.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"

	"github.com/commonweal/commonweal/pkg/pgtest"
	"github.com/commonweal/commonweal/pkg/tlsconf/devpki"
)

var binDir string

// certDir holds the dev CA and each binary's certificate (devpki).
var certDir string

// suiteServices are the suite's services, each started as its own process: one entry each.
var suiteServices = []string{"applications", "donations", "funding", "reviews", "supervision"}

func TestMain(m *testing.M) { os.Exit(run(m)) }

// run builds the binaries, runs the tests and deletes the binaries (about 120 MB). It returns the exit code
// rather than exiting so that its deferred cleanup runs: os.Exit skips deferred calls.
func run(m *testing.M) int {
	flag.Parse()
	if testing.Short() {
		// Every test needs the suite, hence PostgreSQL: they skip themselves (pgtest skips in -short mode)
		// before anything is built or started.
		return pgtest.Run(m)
	}
	sweepStaleBinDirs()
	dir, err := os.MkdirTemp("", binDirPrefix)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "owner"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	binDir = dir
	pkgs := []string{"github.com/commonweal/commonweal/gateway"}
	for _, svc := range suiteServices {
		pkgs = append(pkgs, "github.com/commonweal/commonweal/services/"+svc)
	}
	build := exec.Command("go", append([]string{"build", "-o", binDir + string(filepath.Separator)}, pkgs...)...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: building the binaries failed:", err)
		return 1
	}
	// mTLS: a throwaway CA and a certificate per binary, shared by every suite of this test process.
	certDir = filepath.Join(binDir, "certs")
	if err := devpki.Write(certDir, devpki.Names...); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: dev certificates:", err)
		return 1
	}
	return pgtest.Run(m)
}

// binDirPrefix names the temporary directories the binaries are built into. Each holds an "owner" file with
// the test process's PID, so that a later run deletes those left by a process that died before its cleanup
// (a panicking test or go test's -timeout end the process without returning from TestMain).
const binDirPrefix = "commonweal-e2e-bin-"

func sweepStaleBinDirs() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), binDirPrefix+"*"))
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "owner"))
		if err != nil {
			continue // no owner recorded: leave it alone
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 || syscall.Kill(pid, 0) != syscall.ESRCH {
			continue // the owner may still be running
		}
		os.RemoveAll(d)
	}
}

var emptyDB = pgtest.NewTemplate("e2e_empty_v1", func(ctx context.Context, adminURL, dbURL string) error { return nil })

// Suite is a running suite: the services, the gateway and the span collector.
type Suite struct {
	t       testing.TB
	URL     string
	DBURL   string
	Spans   *collector
	Client  *http.Client
	logsDir string
	procs   map[string]*proc
}

// proc is a running process of the suite.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error // Wait's result, once done is closed
}

// Stop sends SIGTERM to a process and waits for it to exit, failing the test unless it exits cleanly
// (graceful shutdown) within 15 seconds.
func (s *Suite) Stop(name string) {
	s.t.Helper()
	p := s.procs[name]
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		if p.err != nil {
			s.t.Fatalf("%s exited uncleanly after SIGTERM: %v", name, p.err)
		}
	case <-time.After(15 * time.Second):
		s.t.Fatalf("%s did not stop within 15s of SIGTERM", name)
	}
}

// freeAddr picks a loopback port for a process to listen on. Ports come from below the kernel's ephemeral
// range (32768-60999), so no outgoing connection can take one between the pick and the process's bind, and
// each is handed out once per test process, so parallel suites never collide.
func freeAddr(t testing.TB) string {
	t.Helper()
	portsMu.Lock()
	defer portsMu.Unlock()
	for tries := 0; tries < 1000; tries++ {
		port := 10000 + mathrand.IntN(10000) // pgtest's private servers use 20000-31999
		if portsGiven[port] {
			continue
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		l.Close()
		portsGiven[port] = true
		return l.Addr().String()
	}
	t.Fatal("no free port in 10000-19999")
	return ""
}

var (
	portsMu    sync.Mutex
	portsGiven = map[int]bool{}
)

// Start launches every service and the gateway with extra environment for the gateway.
func Start(t testing.TB, gatewayEnv ...string) *Suite {
	t.Helper()
	_, dbURL := emptyDB.Database(t)
	return StartWith(t, Options{DBURL: dbURL, GatewayEnv: gatewayEnv})
}

// Options say where a suite keeps its data and what extra environment its processes get.
type Options struct {
	DBURL      string   // the database every service uses (one schema each)
	Env        []string // extra environment of every service
	GatewayEnv []string // extra environment of the gateway
	// ServiceEnv, when set, adds environment to one service (after Env): e.g. its own ADMIN_ADDR.
	ServiceEnv func(svc string) []string
}

// StartWith launches every service and the gateway on the given database.
func StartWith(t testing.TB, o Options) *Suite {
	t.Helper()
	dbURL := o.DBURL
	spans := startCollector(t)
	s := &Suite{t: t, DBURL: dbURL, Spans: spans, Client: &http.Client{Timeout: 30 * time.Second}, logsDir: t.TempDir(), procs: map[string]*proc{}}
	common := []string{
		"COMMONWEAL_MODE=dev", // dev keys and conveniences; production is what a binary does when told nothing
		"DATABASE_URL=" + dbURL,
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://" + spans.addr,
		"OTEL_EXPORTER_OTLP_INSECURE=true",
		"OTEL_BSP_SCHEDULE_DELAY=100",
		// No GATEWAY_IDENTITY_KEY / GATEWAY_IDENTITY_PUBLIC_KEY: dev mode uses the dev pair (identity.DevPrivateKey).
		"LOG_LEVEL=warn",
	}
	t.Cleanup(func() { // runs after every process has stopped
		if t.Failed() {
			s.dumpLogs()
		}
	})
	// Every process learns every service's address, so services can call each other.
	listen := map[string]string{}
	for _, svc := range suiteServices {
		addr := freeAddr(t)
		listen[svc] = addr
		common = append(common, strings.ToUpper(svc)+"_ADDR="+addr)
	}
	for _, svc := range suiteServices {
		env := append(append([]string{}, common...), strings.ToUpper(svc)+"_GRPC_ADDR="+listen[svc])
		env = append(env, devpki.Env(certDir, svc)...)
		env = append(env, o.Env...)
		if o.ServiceEnv != nil {
			env = append(env, o.ServiceEnv(svc)...)
		}
		s.spawn(svc, nil, env...)
	}
	gwAddr := freeAddr(t)
	// Complaints are not rate-limited unless a test asks (GatewayEnv comes last and wins): tests lodge several
	// from one address.
	env := append(common, "GATEWAY_ADDR="+gwAddr, "AUTH_MODE=dev", "DEV_JWT_KEY=e2e-dev-key", "COMPLAINT_RATE_LIMIT=0")
	env = append(env, devpki.Env(certDir, "gateway")...)
	s.spawn("gateway", nil, append(env, o.GatewayEnv...)...)
	s.URL = "http://" + gwAddr
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(s.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		if time.Now().After(deadline) {
			s.dumpLogs()
			t.Fatalf("suite not healthy after 60s: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *Suite) spawn(name string, args []string, env ...string) {
	t := s.t
	logFile, err := os.Create(filepath.Join(s.logsDir, name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(binDir, name), args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	s.procs[name] = p
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-p.done
			t.Errorf("%s did not stop within 15s of SIGTERM", name)
		}
		logFile.Close()
	})
}

func (s *Suite) dumpLogs() {
	files, _ := filepath.Glob(filepath.Join(s.logsDir, "*.log"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if len(b) > 4000 {
			b = b[len(b)-4000:]
		}
		s.t.Logf("--- %s (tail)\n%s", filepath.Base(f), b)
	}
}

// Token gets a dev bearer token for an identity.
func (s *Suite) Token(subject string, roles []string, orgID string) string {
	s.t.Helper()
	status, body := s.Do("POST", "/v1/dev/tokens", "", map[string]any{"subject": subject, "roles": roles, "org_id": orgID})
	if status != 200 {
		s.t.Fatalf("dev token: %d %v", status, body)
	}
	return body["token"].(string)
}

// Do sends a JSON request and decodes the JSON answer.
func (s *Suite) Do(method, path, token string, body any, headers ...string) (int, map[string]any) {
	s.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.URL+path, r)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	badInput := markedInvalid(req) // DoInvalid: only the answer is checked against the document
	resp, err := s.Client.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	s.checkAPI(req, badInput, resp, raw) // openapi_validate_test.go
	out := map[string]any{}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			s.t.Fatalf("%s %s: answer is not a JSON object: %s", method, path, raw)
		}
	}
	return resp.StatusCode, out
}

// Reason returns the ErrorInfo reason of an error body.
func Reason(body map[string]any) string {
	details, _ := body["details"].([]any)
	for _, d := range details {
		m, _ := d.(map[string]any)
		if strings.HasSuffix(fmt.Sprint(m["@type"]), "google.rpc.ErrorInfo") {
			return fmt.Sprint(m["reason"])
		}
	}
	return ""
}

// Count runs a counting query against the suite's database.
func (s *Suite) Count(query string, args ...any) int {
	s.t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.DBURL)
	if err != nil {
		s.t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, query, args...).Scan(&n); err != nil {
		s.t.Fatalf("%s: %v", query, err)
	}
	return n
}

// collector is an OTLP/gRPC trace receiver that keeps every span in memory.
type collector struct {
	collectortrace.UnimplementedTraceServiceServer
	addr  string
	mu    sync.Mutex
	spans []Span
}

// Span is a received span with the service that sent it.
type Span struct {
	Service, Name, TraceID string
}

func startCollector(t testing.TB) *collector {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &collector{addr: l.Addr().String()}
	srv := grpc.NewServer()
	collectortrace.RegisterTraceServiceServer(srv, c)
	go srv.Serve(l)
	t.Cleanup(srv.Stop)
	return c
}

func (c *collector) Export(_ context.Context, req *collectortrace.ExportTraceServiceRequest) (*collectortrace.ExportTraceServiceResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rs := range req.GetResourceSpans() {
		service := ""
		for _, a := range rs.GetResource().GetAttributes() {
			if a.GetKey() == "service.name" {
				service = a.GetValue().GetStringValue()
			}
		}
		for _, ss := range rs.GetScopeSpans() {
			for _, sp := range ss.GetSpans() {
				c.spans = append(c.spans, Span{Service: service, Name: sp.GetName(), TraceID: fmt.Sprintf("%x", sp.GetTraceId())})
			}
		}
	}
	return &collectortrace.ExportTraceServiceResponse{}, nil
}

// Trace returns the spans received so far for a trace ID.
func (c *collector) Trace(traceID string) []Span {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Span
	for _, s := range c.spans {
		if s.TraceID == traceID {
			out = append(out, s)
		}
	}
	return out
}
