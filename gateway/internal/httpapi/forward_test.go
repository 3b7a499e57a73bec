package httpapi

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/commonweal/commonweal/gateway/internal/auth"
	applicationsv1 "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1"
	"github.com/commonweal/commonweal/pkg/grpcerr"
	"github.com/commonweal/commonweal/pkg/grpcserver"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/identity/identitytest"
)

// recordingApplications records the metadata and the verified caller of the calls it gets.
type recordingApplications struct {
	applicationsv1.UnimplementedApplicationsServiceServer
	got chan received
}

type received struct {
	md     metadata.MD
	caller identity.Identity
}

func (r *recordingApplications) ListCommunities(ctx context.Context, _ *applicationsv1.ListCommunitiesRequest) (*applicationsv1.ListCommunitiesResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	r.got <- received{md: md, caller: identity.From(ctx)}
	return &applicationsv1.ListCommunitiesResponse{}, nil
}

// serve starts a suite server named name (mutual TLS with the suite's certificates, verifying the gateway's
// identities for name) on loopback and returns its address.
func serve(t *testing.T, suite *identitytest.Suite, name string, register func(*grpc.Server)) string {
	t.Helper()
	srv := grpcserver.New(suite.Server(name), suite.Verifier(name))
	register(srv.GRPC)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Serve(ctx, lis, time.Second); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return lis.Addr().String()
}

// gatewayConn dials the service name at addr as the gateway does (cmd main): its certificate, and the end
// user's identity signed for name on every call.
func gatewayConn(t *testing.T, suite *identitytest.Suite, name, addr string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpcserver.Dial(addr, suite.Client(identity.Gateway, name), suite.Issuer().DialOptions(name)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// forwarded sends an authenticated GET /v1/communities through a gateway to a recording applications service
// and returns what reached it, with the suite used.
func forwarded(t *testing.T, mutate func(*http.Request)) (received, *identitytest.Suite) {
	t.Helper()
	suite := identitytest.New(t)
	backend := &recordingApplications{got: make(chan received, 1)}
	h, token := applicationsGateway(t, suite, backend, Options{})
	req := httptest.NewRequest("GET", "/v1/communities", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if mutate != nil {
		mutate(req)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("GET /v1/communities: %d %s", rec.Code, rec.Body)
	}
	// Sent with its length, not in chunks.
	if got, want := rec.Header().Get("Content-Length"), strconv.Itoa(rec.Body.Len()); got != want {
		t.Errorf("Content-Length %q, the body has %s bytes", got, want)
	}
	if req.Header.Get("Authorization") == "" {
		t.Error("the caller's request was changed")
	}
	return <-backend.got, suite
}

// applicationsGateway serves backend as the applications service and returns the gateway's handler in front of
// it (o with a dev verifier, dev mode and a 1 KiB body limit) and a token of an ORGANIZER for it.
func applicationsGateway(t *testing.T, suite *identitytest.Suite, backend applicationsv1.ApplicationsServiceServer, o Options) (http.Handler, string) {
	t.Helper()
	addr := serve(t, suite, "applications", func(s *grpc.Server) { applicationsv1.RegisterApplicationsServiceServer(s, backend) })
	verifier := auth.NewDevVerifier([]byte("k"))
	o.Verifier, o.DevMode, o.MaxBodyBytes = verifier, true, 1<<10
	o.Backends = []Backend{{Name: "applications", Conn: gatewayConn(t, suite, "applications", addr), Register: applicationsv1.RegisterApplicationsServiceHandler}}
	h, err := New(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	token, err := verifier.IssueDev(identity.Identity{Subject: "u1", Roles: []identity.Role{identity.Organizer}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return h, token
}

// TestForwardedMetadata checks what reaches a service: the identity the gateway signs for it, and neither the
// caller's bearer token nor a client-sent identity header.
func TestForwardedMetadata(t *testing.T) {
	got, _ := forwarded(t, func(req *http.Request) {
		req.Header.Set("X-Commonweal-Identity", "client-made")
		req.Header.Set("Grpc-Metadata-X-Commonweal-Identity", "client-made")
	})
	if v := got.md.Get("authorization"); len(v) != 0 {
		t.Errorf("the bearer token was forwarded: %v", v)
	}
	if ids := got.md.Get(identity.MetadataKey); len(ids) != 1 {
		t.Fatalf("%s = %v, want the gateway's one token", identity.MetadataKey, ids)
	}
	if got.caller.Subject != "u1" || !got.caller.Has(identity.Organizer) {
		t.Errorf("the service saw the caller %+v, want u1 ORGANIZER", got.caller)
	}
}

// TestReplayToAnotherService captures the identity the gateway sent to applications and replays it, over a
// connection with the gateway's own certificate, to donations: refused, as it was signed for applications only.
func TestReplayToAnotherService(t *testing.T) {
	got, suite := forwarded(t, nil)
	captured := got.md.Get(identity.MetadataKey)[0]
	health := func(s *grpc.Server) {} // grpcserver.New serves health: the call goes through the identity check
	replay := func(service string) error {
		addr := serve(t, suite, service, health)
		conn, err := grpcserver.Dial(addr, suite.Client(identity.Gateway, service))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		ctx, cancel := context.WithTimeout(metadata.AppendToOutgoingContext(context.Background(), identity.MetadataKey, captured), 5*time.Second)
		defer cancel()
		_, err = healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
		return err
	}
	for _, service := range []string{"donations", "funding"} {
		if err := replay(service); status.Code(err) != codes.Unauthenticated || grpcerr.Reason(err) != "UNAUTHENTICATED" {
			t.Errorf("the applications identity replayed to %s: %v, want UNAUTHENTICATED", service, err)
		}
	}
	// The control: the same header is good for the service it was signed for (within its short lifetime).
	if err := replay("applications"); err != nil {
		t.Errorf("the captured identity sent to applications itself: %v", err)
	}
}
