package clients_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	applicationsv1 "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/peer/peertest"
	"github.com/commonweal/commonweal/services/donations/internal/clients"
)

// fakeApplications answers every call with err, or with one application and round when err is nil.
type fakeApplications struct {
	applicationsv1.UnimplementedApplicationsServiceServer
	err error
}

var cutoff = time.Date(2026, 6, 1, 16, 0, 0, 0, time.UTC)

func (f fakeApplications) GetApplication(context.Context, *applicationsv1.GetApplicationRequest) (*applicationsv1.Application, error) {
	if f.err != nil {
		return nil, f.err
	}
	return &applicationsv1.Application{Id: "A", RoundId: "R", Stage: applicationsv1.Stage_STAGE_SHORTLISTED, BudgetTotalFen: 2_000}, nil
}

func (f fakeApplications) GetRound(context.Context, *applicationsv1.GetRoundRequest) (*applicationsv1.Round, error) {
	if f.err != nil {
		return nil, f.err
	}
	return &applicationsv1.Round{Id: "R", Phase: applicationsv1.Phase_PHASE_PROMOTION, DonationCutoff: timestamppb.New(cutoff),
		Policy: &applicationsv1.Policy{NamingRightShareBps: 5000}}, nil
}

// client serves fake on a free port and returns the client of it, dialled as the donations service dials.
func client(t *testing.T, fake fakeApplications) *clients.Applications {
	t.Helper()
	return clients.NewApplications(peertest.Dial(t, "donations", 0, func(s *grpc.Server) {
		applicationsv1.RegisterApplicationsServiceServer(s, fake)
	}))
}

func TestApplicationsAnswers(t *testing.T) {
	c := client(t, fakeApplications{})
	a, err := c.GetApplication(context.Background(), "A")
	if err != nil || a.ID != "A" || a.RoundID != "R" || a.Stage != "SHORTLISTED" || a.BudgetTotalFen != 2_000 {
		t.Fatalf("application: %v %+v", err, a)
	}
	r, err := c.GetRound(context.Background(), "R")
	if err != nil || r.Phase != "PROMOTION" || !r.DonationCutoff.Equal(cutoff) || r.NamingRightShareBps != 5000 {
		t.Fatalf("round: %v %+v", err, r)
	}
}

// TestApplicationsFailuresAreOurs: whatever the applications service answers, the caller gets one of this
// service's errors: a missing object named as the donations API names it, an outage as a retryable
// APPLICATIONS_UNAVAILABLE, and the peer's refusal of this service never as if it refused the caller.
func TestApplicationsFailuresAreOurs(t *testing.T) {
	type want struct {
		reason string
		kind   errs.Kind
	}
	unavailable := want{"APPLICATIONS_UNAVAILABLE", errs.Unavailable}
	failed := want{"APPLICATIONS_CALL_FAILED", errs.Internal}
	tests := []struct {
		name       string
		peer       error
		app, round want
	}{
		{"not found", status.Error(codes.NotFound, "no such thing"), want{"APPLICATION_NOT_FOUND", errs.InvalidArgument}, want{"NOT_FOUND", errs.NotFound}},
		{"unavailable", status.Error(codes.Unavailable, "down"), unavailable, unavailable},
		{"deadline", status.Error(codes.DeadlineExceeded, "slow"), unavailable, unavailable},
		{"peer refuses this service", status.Error(codes.PermissionDenied, "no"), failed, failed},
		{"peer fails", status.Error(codes.Internal, "boom"), failed, failed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := client(t, fakeApplications{err: tt.peer})
			_, errApp := c.GetApplication(context.Background(), "A")
			_, errRound := c.GetRound(context.Background(), "R")
			for _, got := range []struct {
				err  error
				want want
			}{{errApp, tt.app}, {errRound, tt.round}} {
				if e, ok := errs.As(got.err); !ok || e.Reason != got.want.reason || e.Kind != got.want.kind {
					t.Fatalf("got %v, want %s (kind %v)", got.err, got.want.reason, got.want.kind)
				}
			}
		})
	}
}

func TestApplicationsUnreachable(t *testing.T) {
	conn := peertest.Unreachable(t, "donations") // nothing listens there
	_, err := clients.NewApplications(conn).GetRound(context.Background(), "R")
	if e, ok := errs.As(err); !ok || e.Reason != "APPLICATIONS_UNAVAILABLE" || e.Kind != errs.Unavailable {
		t.Fatalf("unreachable peer: %v", err)
	}
}
