package clients

import (
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	reviewsv1 "github.com/commonweal/commonweal/gen/go/commonweal/reviews/v1"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/grpcerr"
	"github.com/commonweal/commonweal/pkg/peer/peertest"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

type fakeReviews struct {
	reviewsv1.ReviewsServiceClient
	st  *reviewsv1.RoundReviewStatus
	err error
}

func (f fakeReviews) GetRoundReviewStatus(context.Context, *reviewsv1.GetRoundReviewStatusRequest, ...grpc.CallOption) (*reviewsv1.RoundReviewStatus, error) {
	return f.st, f.err
}

func pre(phase domain.Phase) domain.Precondition { return domain.RemotePreconditions[phase][0] }

// withReason is a status as another suite service sends it: a code and an ErrorInfo reason.
func withReason(code codes.Code, reason string) error {
	st, _ := status.New(code, "reviews says no").WithDetails(&errdetails.ErrorInfo{Reason: reason, Domain: "commonweal"})
	return st.Err()
}

func TestCheck(t *testing.T) {
	published := &reviewsv1.RoundReviewStatus{ShortlistPublished: true}
	for _, c := range []struct {
		name   string
		st     *reviewsv1.RoundReviewStatus
		err    error
		p      domain.Precondition
		kind   errs.Kind
		reason string // "" when the precondition holds
	}{
		{"shortlist not published", &reviewsv1.RoundReviewStatus{}, nil, pre(domain.PhasePublicity), errs.FailedPrecondition, "SHORTLIST_NOT_PUBLISHED"},
		{"shortlist published", published, nil, pre(domain.PhasePublicity), 0, ""},
		{"complaint open", &reviewsv1.RoundReviewStatus{ShortlistPublished: true, OpenComplaints: 1}, nil, pre(domain.PhasePromotion), errs.FailedPrecondition, "COMPLAINTS_OPEN"},
		{"no complaint open", published, nil, pre(domain.PhasePromotion), 0, ""},
		{"results not computed", published, nil, pre(domain.PhaseApproval), errs.FailedPrecondition, "RESULTS_NOT_COMPUTED"},
		{"results computed", &reviewsv1.RoundReviewStatus{ResultsState: reviewsv1.ResultsState_RESULTS_STATE_COMPUTED}, nil, pre(domain.PhaseApproval), 0, ""},
		{"results approved, not signed off", &reviewsv1.RoundReviewStatus{ResultsState: reviewsv1.ResultsState_RESULTS_STATE_APPROVED}, nil, pre(domain.PhaseImplementation), errs.FailedPrecondition, "RESULTS_NOT_SIGNED_OFF"},
		{"signed off", &reviewsv1.RoundReviewStatus{ResultsState: reviewsv1.ResultsState_RESULTS_STATE_SIGNED_OFF}, nil, pre(domain.PhaseImplementation), 0, ""},
		{"unknown precondition", published, nil, domain.Precondition{Reason: "SOMETHING_ELSE", Owner: "reviews"}, errs.FailedPrecondition, "PRECONDITION_UNVERIFIABLE"},
		// The reviews service's failures become this service's own errors; none lets the change pass.
		{"reviews unreachable", nil, status.Error(codes.Unavailable, "connection refused"), pre(domain.PhasePublicity), errs.Unavailable, "REVIEWS_UNAVAILABLE"},
		{"reviews too slow", nil, status.Error(codes.DeadlineExceeded, "deadline"), pre(domain.PhasePromotion), errs.Unavailable, "REVIEWS_UNAVAILABLE"},
		{"reviews refuses this service", nil, withReason(codes.PermissionDenied, "PERMISSION_DENIED"), pre(domain.PhasePromotion), errs.Internal, "REVIEWS_CALL_FAILED"},
		{"reviews does not know the round", nil, withReason(codes.NotFound, "NOT_FOUND"), pre(domain.PhasePromotion), errs.FailedPrecondition, "PRECONDITION_UNVERIFIABLE"},
	} {
		r := &Reviews{c: fakeReviews{st: c.st, err: c.err}}
		err := r.Check(context.Background(), "round", c.p)
		if c.reason == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		e, ok := errs.As(err)
		if !ok || e.Reason != c.reason || e.Kind != c.kind {
			t.Errorf("%s: err = %v, want kind %d reason %s", c.name, err, c.kind, c.reason)
		}
	}
}

// reviewsServer answers GetRoundReviewStatus as a real reviews service would, over gRPC.
type reviewsServer struct {
	reviewsv1.UnimplementedReviewsServiceServer
	answer func(ctx context.Context) (*reviewsv1.RoundReviewStatus, error)
}

func (s reviewsServer) GetRoundReviewStatus(ctx context.Context, _ *reviewsv1.GetRoundReviewStatusRequest) (*reviewsv1.RoundReviewStatus, error) {
	return s.answer(ctx)
}

// dialReviews serves answer on a free port and returns the checker dialled the way the service dials its
// peers (its own certificate, the peer call timeout).
func dialReviews(t *testing.T, callTimeout time.Duration, answer func(ctx context.Context) (*reviewsv1.RoundReviewStatus, error)) *Reviews {
	t.Helper()
	return NewReviews(peertest.Dial(t, "applications", callTimeout, func(s *grpc.Server) {
		reviewsv1.RegisterReviewsServiceServer(s, reviewsServer{answer: answer})
	}))
}

// What the caller of :advance sees (the status this service answers) for each answer of a real reviews
// server: a refused precondition keeps its reason; a failure of the reviews service is this service's own.
func TestCheckOverGRPC(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name    string
		answer  func(ctx context.Context) (*reviewsv1.RoundReviewStatus, error)
		code    codes.Code
		reason  string
		message string
	}{
		{"open complaints", func(context.Context) (*reviewsv1.RoundReviewStatus, error) {
			return &reviewsv1.RoundReviewStatus{ShortlistPublished: true, OpenComplaints: 2}, nil
		}, codes.FailedPrecondition, "COMPLAINTS_OPEN", "2 complaint(s) still open"},
		{"reviews refuses the caller", func(context.Context) (*reviewsv1.RoundReviewStatus, error) {
			return nil, withReason(codes.PermissionDenied, "PERMISSION_DENIED")
		}, codes.Internal, "REVIEWS_CALL_FAILED", "no complaint is open must hold"},
		{"reviews slower than the peer call timeout", func(ctx context.Context) (*reviewsv1.RoundReviewStatus, error) {
			// Answers only if the caller's timeout was not applied; a real slow server's call ends with the deadline.
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(5 * time.Second):
				return &reviewsv1.RoundReviewStatus{}, nil
			}
		}, codes.Unavailable, "REVIEWS_UNAVAILABLE", "could not confirm it"},
	} {
		t.Run(c.name, func(t *testing.T) {
			// The short peer call timeout only where it is the subject: the first call also connects (TLS
			// handshake), which on a loaded 2-core CI machine has taken longer than 200 ms.
			timeout := 10 * time.Second
			if c.code == codes.Unavailable {
				timeout = 200 * time.Millisecond
			}
			r := dialReviews(t, timeout, c.answer)
			err := r.Check(ctx, "round", pre(domain.PhasePromotion))
			st := status.Convert(grpcerr.Status(ctx, err))
			if st.Code() != c.code || grpcerr.Reason(st.Err()) != c.reason || !strings.Contains(st.Message(), c.message) {
				t.Errorf("status %v %s %q, want %v %s containing %q", st.Code(), grpcerr.Reason(st.Err()), st.Message(), c.code, c.reason, c.message)
			}
		})
	}
}
