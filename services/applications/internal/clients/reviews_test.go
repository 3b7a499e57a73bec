package clients

import (
	"context"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	reviewsv1 "github.com/commonweal/commonweal/gen/go/commonweal/reviews/v1"
	"github.com/commonweal/commonweal/pkg/errs"
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

func TestCheck(t *testing.T) {
	pre := func(phase domain.Phase) domain.Precondition { return domain.RemotePreconditions[phase][0] }
	published := &reviewsv1.RoundReviewStatus{ShortlistPublished: true}
	for _, c := range []struct {
		name   string
		st     *reviewsv1.RoundReviewStatus
		err    error
		p      domain.Precondition
		reason string // "" when the precondition holds
	}{
		{"shortlist not published", &reviewsv1.RoundReviewStatus{}, nil, pre(domain.PhasePublicity), "SHORTLIST_NOT_PUBLISHED"},
		{"shortlist published", published, nil, pre(domain.PhasePublicity), ""},
		{"complaint open", &reviewsv1.RoundReviewStatus{ShortlistPublished: true, OpenComplaints: 1}, nil, pre(domain.PhasePromotion), "COMPLAINTS_OPEN"},
		{"no complaint open", published, nil, pre(domain.PhasePromotion), ""},
		{"results not computed", published, nil, pre(domain.PhaseApproval), "RESULTS_NOT_COMPUTED"},
		{"results computed", &reviewsv1.RoundReviewStatus{ResultsState: reviewsv1.ResultsState_RESULTS_STATE_COMPUTED}, nil, pre(domain.PhaseApproval), ""},
		{"results approved, not signed off", &reviewsv1.RoundReviewStatus{ResultsState: reviewsv1.ResultsState_RESULTS_STATE_APPROVED}, nil, pre(domain.PhaseImplementation), "RESULTS_NOT_SIGNED_OFF"},
		{"signed off", &reviewsv1.RoundReviewStatus{ResultsState: reviewsv1.ResultsState_RESULTS_STATE_SIGNED_OFF}, nil, pre(domain.PhaseImplementation), ""},
		{"reviews unreachable", nil, status.Error(codes.Unavailable, "connection refused"), pre(domain.PhasePublicity), "PRECONDITION_UNVERIFIABLE"},
		{"reviews unreachable, complaints", nil, status.Error(codes.DeadlineExceeded, "deadline"), pre(domain.PhasePromotion), "PRECONDITION_UNVERIFIABLE"},
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
		if !ok || e.Reason != c.reason || e.Kind != errs.FailedPrecondition {
			t.Errorf("%s: err = %v, want FAILED_PRECONDITION %s", c.name, err, c.reason)
		}
	}
}
