package clients

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	supervisionv1 "github.com/commonweal/commonweal/gen/go/commonweal/supervision/v1"
	"github.com/commonweal/commonweal/pkg/grpcerr"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/peer/peertest"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

// supervisionServer answers GetRoundClosingStatus as a real supervision service would, over gRPC, and records
// who asked.
type supervisionServer struct {
	supervisionv1.UnimplementedSupervisionServiceServer
	st     *supervisionv1.RoundClosingStatus
	err    error
	caller *string
}

func (s supervisionServer) GetRoundClosingStatus(ctx context.Context, _ *supervisionv1.GetRoundClosingStatusRequest) (*supervisionv1.RoundClosingStatus, error) {
	*s.caller = identity.From(ctx).Subject
	return s.st, s.err
}

// What the caller of :advance sees for each answer of a supervision server over the wire: a precondition held,
// one refused with supervision's reason, and supervision's failures as this service's own.
func TestSupervisionCheckOverGRPC(t *testing.T) {
	ctx := context.Background()
	closing, closed := pre(domain.PhaseClosing), pre(domain.PhaseClosed)
	unfinished := &supervisionv1.RoundClosingStatus{ClosingUnmetReason: "PROJECTS_NOT_FINISHED", ClosedUnmetReason: "ROUND_SUMMARY_MISSING",
		UnfinishedProjectIds: []string{"p-1", "p-2"}}
	finished := &supervisionv1.RoundClosingStatus{ClosedUnmetReason: "ROUND_SUMMARY_MISSING"}
	for _, c := range []struct {
		name    string
		st      *supervisionv1.RoundClosingStatus
		err     error
		p       domain.Precondition
		code    codes.Code
		reason  string // "" when the precondition holds
		message string
	}{
		{"plans not finished", unfinished, nil, closing, codes.FailedPrecondition, "PROJECTS_NOT_FINISHED", "not yet p-1, p-2"},
		{"every plan finished", finished, nil, closing, codes.OK, "", ""},
		{"no round summary", finished, nil, closed, codes.FailedPrecondition, "ROUND_SUMMARY_MISSING", "round summary is filed"},
		{"round summary filed", &supervisionv1.RoundClosingStatus{RoundSummaryFiled: true}, nil, closed, codes.OK, "", ""},
		{"a precondition supervision does not own", finished, nil, pre(domain.PhasePublicity), codes.FailedPrecondition, "PRECONDITION_UNVERIFIABLE", ""},
		{"supervision (or its funding) unavailable", nil, status.Error(codes.Unavailable, "FUNDING_UNAVAILABLE"), closing, codes.Unavailable,
			"SUPERVISION_UNAVAILABLE", "could not confirm it"},
		{"supervision refuses this service", nil, withReason(codes.PermissionDenied, "PERMISSION_DENIED"), closed, codes.Internal, "SUPERVISION_CALL_FAILED", ""},
		{"supervision does not know the round", nil, withReason(codes.NotFound, "NOT_FOUND"), closed, codes.FailedPrecondition, "PRECONDITION_UNVERIFIABLE", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			var caller string
			conn := peertest.Dial(t, "applications", 0, func(s *grpc.Server) {
				supervisionv1.RegisterSupervisionServiceServer(s, supervisionServer{st: c.st, err: c.err, caller: &caller})
			})
			err := NewSupervision(conn).Check(ctx, "round", c.p)
			if c.reason == "" {
				if err != nil {
					t.Fatalf("precondition holds, got %v", err)
				}
			} else {
				st := status.Convert(grpcerr.Status(ctx, err))
				if st.Code() != c.code || grpcerr.Reason(st.Err()) != c.reason || !strings.Contains(st.Message(), c.message) {
					t.Fatalf("status %v %s %q, want %v %s containing %q", st.Code(), grpcerr.Reason(st.Err()), st.Message(), c.code, c.reason, c.message)
				}
			}
			if c.p.Owner == "supervision" && caller != "service:applications" {
				t.Fatalf("supervision was asked by %q", caller)
			}
		})
	}
	err := NewSupervision(peertest.Unreachable(t, "applications")).Check(ctx, "round", closed)
	if grpcerr.Reason(grpcerr.Status(ctx, err)) != "SUPERVISION_UNAVAILABLE" {
		t.Fatalf("unreachable supervision: %v", err)
	}
}
