package clients_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	applicationsv1 "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1"
	donationsv1 "github.com/commonweal/commonweal/gen/go/commonweal/donations/v1"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/peer/peertest"
	"github.com/commonweal/commonweal/services/reviews/internal/clients"
)

// donationsServer is an in-process donations service that records what it is asked.
type donationsServer struct {
	donationsv1.UnimplementedDonationsServiceServer
	mu      sync.Mutex
	asked   []*donationsv1.GetDonationSummaryRequest
	callers []identity.Identity
	fail    error
}

func (d *donationsServer) GetDonationSummary(ctx context.Context, req *donationsv1.GetDonationSummaryRequest) (*donationsv1.DonationSummary, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.asked = append(d.asked, req)
	d.callers = append(d.callers, identity.From(ctx))
	if d.fail != nil {
		return nil, d.fail
	}
	// What the donations service answers for "now" differs from the total at the cutoff: late money.
	total := int64(6_000_000)
	if req.GetAsOf() != nil {
		total = 5_000_000
	}
	return &donationsv1.DonationSummary{ApplicationId: req.GetApplicationId(), ConfirmedTotalFen: total, AsOf: req.GetAsOf()}, nil
}

func (d *donationsServer) ListApplicationDonors(_ context.Context, req *donationsv1.ListApplicationDonorsRequest) (*donationsv1.ListApplicationDonorsResponse, error) {
	if d.fail != nil {
		return nil, d.fail
	}
	return &donationsv1.ListApplicationDonorsResponse{DonorIds: []string{"donor-1"}}, nil
}

// applicationsServer is an in-process applications service.
type applicationsServer struct {
	applicationsv1.UnimplementedApplicationsServiceServer
	mu     sync.Mutex
	stages []applicationsv1.Stage
	fail   error
	round  *applicationsv1.Round
}

func (a *applicationsServer) GetRound(context.Context, *applicationsv1.GetRoundRequest) (*applicationsv1.Round, error) {
	if a.fail != nil {
		return nil, a.fail
	}
	return a.round, nil
}

func (a *applicationsServer) SetApplicationStage(_ context.Context, req *applicationsv1.SetApplicationStageRequest) (*applicationsv1.Application, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fail != nil {
		return nil, a.fail
	}
	a.stages = append(a.stages, req.GetStage())
	return &applicationsv1.Application{Id: req.GetApplicationId(), Stage: req.GetStage()}, nil
}

// peer serves register on a local port behind the suite's identity interceptor and returns a connection
// dialled as the reviews service (its certificate), as main dials its peers.
func peer(t *testing.T, register func(*grpc.Server)) *grpc.ClientConn {
	t.Helper()
	return peertest.Dial(t, "reviews", 5*time.Second, register)
}

// TestDonationsAskedAtTheCutoff checks the real donations client sends the instant it is given as as_of:
// asking for the total "now" would count money confirmed after the cutoff.
func TestDonationsAskedAtTheCutoff(t *testing.T) {
	srv := &donationsServer{}
	c := clients.NewDonations(peer(t, func(s *grpc.Server) { donationsv1.RegisterDonationsServiceServer(s, srv) }))
	cutoff := time.Date(2026, 9, 30, 16, 0, 0, 123456789, time.UTC)
	got, err := c.ConfirmedAt(context.Background(), "app-1", cutoff)
	if err != nil {
		t.Fatal(err)
	}
	if got != 5_000_000 {
		t.Fatalf("confirmed = %d, want the 5000000 at the cutoff", got)
	}
	if len(srv.asked) != 1 {
		t.Fatalf("%d requests", len(srv.asked))
	}
	req := srv.asked[0]
	if req.GetApplicationId() != "app-1" || req.GetAsOf() == nil || !req.GetAsOf().AsTime().Equal(cutoff) {
		t.Fatalf("asked %v as of %v, want app-1 as of the cutoff %s", req.GetApplicationId(), req.GetAsOf(), cutoff)
	}
	if who := srv.callers[0]; who.Subject != "service:reviews" || !who.Has(identity.Service) {
		t.Fatalf("called as %+v, want the reviews service", who)
	}
}

// TestPeerFailuresAreOurs checks a peer's failure reaches the caller as this service's error: a partner must
// not read another service's refusal as if reviews had said it.
func TestPeerFailuresAreOurs(t *testing.T) {
	don := &donationsServer{}
	apps := &applicationsServer{}
	d := clients.NewDonations(peer(t, func(s *grpc.Server) { donationsv1.RegisterDonationsServiceServer(s, don) }))
	a := clients.NewApplications(peer(t, func(s *grpc.Server) { applicationsv1.RegisterApplicationsServiceServer(s, apps) }))
	ctx := context.Background()

	for _, c := range []struct {
		name   string
		fail   error
		call   func() error
		kind   errs.Kind
		reason string
	}{
		{"donations down", status.Error(codes.Unavailable, "down"), func() error { _, err := d.ConfirmedAt(ctx, "app-1", time.Now()); return err }, errs.Unavailable, "DONATIONS_UNAVAILABLE"},
		{"donations refuses reviews", status.Error(codes.PermissionDenied, "no"), func() error { _, err := d.Donors(ctx, "app-1"); return err }, errs.Internal, "DONATIONS_CALL_FAILED"},
		{"round unknown", status.Error(codes.NotFound, "no round"), func() error { _, err := a.GetRound(ctx, "r-1"); return err }, errs.NotFound, "NOT_FOUND"},
		{"applications slow", status.Error(codes.DeadlineExceeded, "slow"), func() error { return a.SetStage(ctx, "app-1", "SHORTLISTED") }, errs.Unavailable, "APPLICATIONS_UNAVAILABLE"},
	} {
		don.fail, apps.fail = c.fail, c.fail
		err := c.call()
		var e *errs.Error
		if !errors.As(err, &e) || e.Kind != c.kind || e.Reason != c.reason {
			t.Errorf("%s: %v, want kind %d reason %s", c.name, err, c.kind, c.reason)
		}
	}

	apps.fail = nil
	if err := a.SetStage(ctx, "app-1", "DISQUALIFIED"); err != nil {
		t.Fatal(err)
	}
	if len(apps.stages) != 1 || apps.stages[0] != applicationsv1.Stage_STAGE_DISQUALIFIED {
		t.Fatalf("stages set: %v", apps.stages)
	}
}
