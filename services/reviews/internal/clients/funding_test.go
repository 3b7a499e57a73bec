package clients_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	fundingv1 "github.com/commonweal/commonweal/gen/go/commonweal/funding/v1"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/grpcerr"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/services/reviews/internal/clients"
)

// fundingServer is an in-process funding service that records what it is asked and by whom.
type fundingServer struct {
	fundingv1.UnimplementedFundingServiceServer
	mu      sync.Mutex
	asked   []proto.Message
	callers []identity.Identity
	fail    error
}

func (f *fundingServer) record(ctx context.Context, req proto.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, req)
	f.callers = append(f.callers, identity.From(ctx))
	return f.fail
}

func (f *fundingServer) QuoteFunding(ctx context.Context, req *fundingv1.QuoteFundingRequest) (*fundingv1.FundingQuote, error) {
	if err := f.record(ctx, req); err != nil {
		return nil, err
	}
	// A quote whose parts all differ, so the client must pick the government share.
	return &fundingv1.FundingQuote{MatchFen: 20_000_000, TopupFen: 0, GovernmentFen: 20_000_000, TotalFen: 30_000_000, ShortfallFen: 7}, nil
}

func (f *fundingServer) GetPool(ctx context.Context, req *fundingv1.GetPoolRequest) (*fundingv1.Pool, error) {
	if err := f.record(ctx, req); err != nil {
		return nil, err
	}
	return &fundingv1.Pool{RoundId: req.GetRoundId(), AllocatedFen: 90_000_000, CommittedFen: 30_000_000, PaidFen: 10_000_000,
		ReturnedFen: 5_000_000, AvailableFen: 55_000_000}, nil
}

// TestFundingAskedForTheQuoteAndThePool checks what the real funding client sends and reads: the round, budget
// and donations of the quote (its government share, not the total), the round of the pool (what is available,
// not what was allocated), each call made as the reviews service.
func TestFundingAskedForTheQuoteAndThePool(t *testing.T) {
	srv := &fundingServer{}
	c := clients.NewFunding(peer(t, func(s *grpc.Server) { fundingv1.RegisterFundingServiceServer(s, srv) }))
	ctx := context.Background()
	gov, err := c.GovernmentShare(ctx, "round-1", 30_000_000, 10_000_000)
	if err != nil || gov != 20_000_000 {
		t.Fatalf("government share = %d, %v; want 20000000", gov, err)
	}
	pool, err := c.PoolAvailable(ctx, "round-1")
	if err != nil || pool != 55_000_000 {
		t.Fatalf("pool available = %d, %v; want 55000000", pool, err)
	}
	want := []proto.Message{
		&fundingv1.QuoteFundingRequest{RoundId: "round-1", BudgetFen: 30_000_000, DonationsFen: 10_000_000},
		&fundingv1.GetPoolRequest{RoundId: "round-1"},
	}
	if len(srv.asked) != len(want) {
		t.Fatalf("%d requests, want %d", len(srv.asked), len(want))
	}
	for i := range want {
		if !proto.Equal(srv.asked[i], want[i]) {
			t.Errorf("request %d = %v, want %v", i, srv.asked[i], want[i])
		}
		if who := srv.callers[i]; who.Subject != "service:reviews" || !who.Has(identity.Service) {
			t.Errorf("request %d made as %+v, want the reviews service", i, who)
		}
	}
}

// TestFundingFailuresAreOurs checks every failure of the funding service reaches the caller as an error of the
// reviews service (pkg/peer): unavailable and retryable, a missing round, the funding service's own refusal of
// a precondition, anything else a failed call.
func TestFundingFailuresAreOurs(t *testing.T) {
	srv := &fundingServer{}
	c := clients.NewFunding(peer(t, func(s *grpc.Server) { fundingv1.RegisterFundingServiceServer(s, srv) }))
	ctx := context.Background()
	calls := map[string]func() error{
		"quote": func() error { _, err := c.GovernmentShare(ctx, "round-1", 1_000, 0); return err },
		"pool":  func() error { _, err := c.PoolAvailable(ctx, "round-1"); return err },
	}
	// What the funding service answers with a reason, as every suite service does (pkg/grpcerr).
	withReason := func(kind errs.Kind, reason string) error {
		return grpcerr.Status(ctx, errs.New(kind, reason, "funding says no"))
	}
	for _, tc := range []struct {
		name   string
		fail   error
		kind   errs.Kind
		reason string
	}{
		{"down", status.Error(codes.Unavailable, "connection refused"), errs.Unavailable, "FUNDING_UNAVAILABLE"},
		{"slow", status.Error(codes.DeadlineExceeded, "slow"), errs.Unavailable, "FUNDING_UNAVAILABLE"},
		{"round unknown", status.Error(codes.NotFound, "no round"), errs.NotFound, "NOT_FOUND"},
		{"precondition keeps its reason", withReason(errs.FailedPrecondition, "ROUND_TERMS_UNAVAILABLE"), errs.FailedPrecondition, "ROUND_TERMS_UNAVAILABLE"},
		{"funding refuses reviews", withReason(errs.PermissionDenied, "PERMISSION_DENIED"), errs.Internal, "FUNDING_CALL_FAILED"},
		{"funding fails", status.Error(codes.Internal, "boom"), errs.Internal, "FUNDING_CALL_FAILED"},
	} {
		srv.fail = tc.fail
		for name, call := range calls {
			var e *errs.Error
			if err := call(); !errors.As(err, &e) || e.Kind != tc.kind || e.Reason != tc.reason {
				t.Errorf("%s, %s: %v, want kind %d reason %s", tc.name, name, err, tc.kind, tc.reason)
			}
		}
	}
}
