package clients_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	donationsv1 "github.com/commonweal/commonweal/gen/go/commonweal/donations/v1"
	fundingv1 "github.com/commonweal/commonweal/gen/go/commonweal/funding/v1"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/peer/peertest"
	"github.com/commonweal/commonweal/services/supervision/internal/clients"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
)

// fakeFunding answers err when set, else one plan of project "A" in round "R"; GetPlan of any other project
// is NOT_FOUND. It records who asked.
type fakeFunding struct {
	fundingv1.UnimplementedFundingServiceServer
	err    error
	caller string
}

var planA = &fundingv1.Plan{ApplicationId: "A", RoundId: "R", State: fundingv1.PlanState_PLAN_STATE_SUSPENDED, MatchFen: 1, TopupFen: 2,
	DisbursedFen: 3, ClawbackFen: 4, ClawbackReturnedFen: 5}

func (f *fakeFunding) ListPlans(ctx context.Context, _ *fundingv1.ListPlansRequest) (*fundingv1.ListPlansResponse, error) {
	f.caller = identity.From(ctx).Subject
	if f.err != nil {
		return nil, f.err
	}
	return &fundingv1.ListPlansResponse{Plans: []*fundingv1.Plan{planA}}, nil
}

func (f *fakeFunding) GetPlan(ctx context.Context, req *fundingv1.GetPlanRequest) (*fundingv1.Plan, error) {
	f.caller = identity.From(ctx).Subject
	if f.err != nil {
		return nil, f.err
	}
	if req.GetApplicationId() != "A" {
		return nil, status.Error(codes.NotFound, "no plan")
	}
	return planA, nil
}

func dialFunding(t *testing.T, f *fakeFunding) *clients.Funding {
	return clients.NewFunding(peertest.Dial(t, "supervision", 0, func(s *grpc.Server) { fundingv1.RegisterFundingServiceServer(s, f) }))
}

func TestFundingOverGRPC(t *testing.T) {
	ctx := context.Background()
	f := &fakeFunding{}
	c := dialFunding(t, f)
	want := domain.Plan{ProjectID: "A", State: domain.PlanSuspended, MatchFen: 1, TopupFen: 2, DisbursedFen: 3, ClawbackFen: 4, ClawbackReturnedFen: 5}
	plans, err := c.Plans(ctx, "R")
	if err != nil || len(plans) != 1 || plans[0] != want || f.caller != "service:supervision" {
		t.Fatalf("plans: %v %+v (asked by %s)", err, plans, f.caller)
	}
	if p, ok, err := c.Plan(ctx, "A"); err != nil || !ok || p != want {
		t.Fatalf("plan: %v %v %+v", err, ok, p)
	}
	if _, ok, err := c.Plan(ctx, "B"); err != nil || ok {
		t.Fatalf("a project without a plan: %v %v", err, ok)
	}
	for _, c := range []struct {
		err    error
		reason string
	}{{status.Error(codes.Unavailable, "down"), "FUNDING_UNAVAILABLE"}, {status.Error(codes.PermissionDenied, "no"), "FUNDING_CALL_FAILED"}} {
		f.err = c.err
		_, err := dialFunding(t, f).Plans(ctx, "R")
		if e, ok := errs.As(err); !ok || e.Reason != c.reason {
			t.Errorf("plans when funding answers %v: %v, want %s", c.err, err, c.reason)
		}
		_, _, err = dialFunding(t, f).Plan(ctx, "A")
		if e, ok := errs.As(err); !ok || e.Reason != c.reason {
			t.Errorf("plan when funding answers %v: %v, want %s", c.err, err, c.reason)
		}
	}
	_, err = clients.NewFunding(peertest.Unreachable(t, "supervision")).Plans(ctx, "R")
	if e, ok := errs.As(err); !ok || e.Reason != "FUNDING_UNAVAILABLE" {
		t.Fatalf("unreachable: %v", err)
	}
}

// fakeDonations has project "A" with cash and in kind confirmed and five pledges served one per page.
type fakeDonations struct {
	donationsv1.UnimplementedDonationsServiceServer
	err  error
	asOf time.Time
}

func (f *fakeDonations) GetDonationSummary(_ context.Context, req *donationsv1.GetDonationSummaryRequest) (*donationsv1.DonationSummary, error) {
	if f.err != nil {
		return nil, f.err
	}
	f.asOf = req.GetAsOf().AsTime()
	return &donationsv1.DonationSummary{ApplicationId: "A", ConfirmedTotalFen: 130, ConfirmedCashFen: 100, ConfirmedInKindFen: 30}, nil
}

func (f *fakeDonations) ListPledges(_ context.Context, req *donationsv1.ListPledgesRequest) (*donationsv1.ListPledgesResponse, error) {
	if f.err != nil {
		return nil, f.err
	}
	states := []donationsv1.PledgeState{donationsv1.PledgeState_PLEDGE_STATE_PLEDGED, donationsv1.PledgeState_PLEDGE_STATE_DEPOSITED,
		donationsv1.PledgeState_PLEDGE_STATE_APPROVED, donationsv1.PledgeState_PLEDGE_STATE_REFUNDED, donationsv1.PledgeState_PLEDGE_STATE_REDIRECTED}
	i := 0
	fmt.Sscanf(req.GetPageToken(), "p%d", &i)
	out := &donationsv1.ListPledgesResponse{Pledges: []*donationsv1.Pledge{{ApplicationId: req.GetApplicationId(), AmountFen: int64(1000 << i), State: states[i]}}}
	if i+1 < len(states) {
		out.NextPageToken = fmt.Sprintf("p%d", i+1)
	}
	return out, nil
}

func TestDonationsOverGRPC(t *testing.T) {
	ctx := context.Background()
	f := &fakeDonations{}
	dial := func() *clients.Donations {
		return clients.NewDonations(peertest.Dial(t, "supervision", 0, func(s *grpc.Server) { donationsv1.RegisterDonationsServiceServer(s, f) }))
	}
	asOf := time.Date(2026, 6, 1, 4, 0, 0, 0, time.UTC)
	d, err := dial().Donations(ctx, "A", asOf)
	// Pledged: 1000 + 2000 + 4000 (the refunded 8000 and the redirected 16000 are not).
	if err != nil || d != (domain.Donations{PledgedFen: 7000, DepositedFen: 100, InKindFen: 30}) || !f.asOf.Equal(asOf) {
		t.Fatalf("donations: %v %+v as of %v", err, d, f.asOf)
	}
	f.err = status.Error(codes.Unavailable, "down")
	if _, err := dial().Donations(ctx, "A", asOf); func() bool { e, ok := errs.As(err); return !ok || e.Reason != "DONATIONS_UNAVAILABLE" }() {
		t.Fatalf("donations down: %v", err)
	}
}

// batchDonations answers BatchGetDonationTotals with totals derived from each ID's position, recording the
// batch sizes.
type batchDonations struct {
	donationsv1.UnimplementedDonationsServiceServer
	batches []int
	err     error
}

func (b *batchDonations) BatchGetDonationTotals(_ context.Context, req *donationsv1.BatchGetDonationTotalsRequest) (*donationsv1.BatchGetDonationTotalsResponse, error) {
	if b.err != nil {
		return nil, b.err
	}
	if req.GetRoundId() != "R" {
		return nil, status.Error(codes.InvalidArgument, "round")
	}
	b.batches = append(b.batches, len(req.GetApplicationIds()))
	out := &donationsv1.BatchGetDonationTotalsResponse{AsOf: req.GetAsOf()}
	for _, id := range req.GetApplicationIds() {
		var n int64
		fmt.Sscanf(id, "P%d", &n)
		out.Totals = append(out.Totals, &donationsv1.DonationTotals{ApplicationId: id, ConfirmedCashFen: n, ConfirmedInKindFen: 2 * n,
			ConfirmedTotalFen: 3 * n, PledgedFen: 5 * n})
	}
	return out, nil
}

// TestRoundDonationsOverGRPC: the figures of 1,201 projects are read in batches of 500 and mapped as Donations
// maps one summary (cash deposited, in kind, pledged).
func TestRoundDonationsOverGRPC(t *testing.T) {
	ctx := context.Background()
	b := &batchDonations{}
	c := clients.NewDonations(peertest.Dial(t, "supervision", 0, func(s *grpc.Server) { donationsv1.RegisterDonationsServiceServer(s, b) }))
	var ids []string
	for i := range 1201 {
		ids = append(ids, fmt.Sprintf("P%d", i))
	}
	got, err := c.RoundDonations(ctx, "R", ids, time.Now())
	if err != nil || len(got) != 1201 || fmt.Sprint(b.batches) != "[500 500 201]" {
		t.Fatalf("round donations: %v %d %v", err, len(got), b.batches)
	}
	if got["P7"] != (domain.Donations{DepositedFen: 7, InKindFen: 14, PledgedFen: 35}) {
		t.Fatalf("P7: %+v", got["P7"])
	}
	b.err = status.Error(codes.Unavailable, "down")
	if _, err := c.RoundDonations(ctx, "R", ids, time.Now()); func() bool { e, ok := errs.As(err); return !ok || e.Reason != "DONATIONS_UNAVAILABLE" }() {
		t.Fatalf("donations down: %v", err)
	}
}
