package clients

import (
	"context"
	"fmt"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	reviewsv1 "github.com/commonweal/commonweal/gen/go/commonweal/reviews/v1"
	"github.com/commonweal/commonweal/pkg/errs"
)

// panelsFake answers ListReviewerPanels and records what it was asked.
type panelsFake struct {
	reviewsv1.ReviewsServiceClient
	asked *reviewsv1.ListReviewerPanelsRequest
	resp  *reviewsv1.ListReviewerPanelsResponse
	err   error
}

func (f *panelsFake) ListReviewerPanels(_ context.Context, req *reviewsv1.ListReviewerPanelsRequest, _ ...grpc.CallOption) (*reviewsv1.ListReviewerPanelsResponse, error) {
	f.asked = req
	return f.resp, f.err
}

func TestPanelsOf(t *testing.T) {
	f := &panelsFake{resp: &reviewsv1.ListReviewerPanelsResponse{Panels: []*reviewsv1.ReviewerPanel{
		{PanelId: "p1", RoundId: "r1", Stage: reviewsv1.ReviewStage_REVIEW_STAGE_SHORTLIST},
		{PanelId: "p2", RoundId: "r1", Stage: reviewsv1.ReviewStage_REVIEW_STAGE_FINAL},
	}}}
	r := &Reviews{c: f}
	got, err := r.PanelsOf(context.Background(), "rev-1", "r1")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[{p1 r1 SHORTLIST} {p2 r1 FINAL}]" {
		t.Errorf("panels = %v", got)
	}
	if f.asked.GetReviewerId() != "rev-1" || f.asked.GetRoundId() != "r1" {
		t.Errorf("asked %v", f.asked)
	}

	// The reviews service's failures become this service's own errors.
	for _, c := range []struct {
		name   string
		err    error
		kind   errs.Kind
		reason string
	}{
		{"reviews unreachable", status.Error(codes.Unavailable, "connection refused"), errs.Unavailable, "REVIEWS_UNAVAILABLE"},
		{"reviews too slow", status.Error(codes.DeadlineExceeded, "deadline"), errs.Unavailable, "REVIEWS_UNAVAILABLE"},
		{"reviews refuses this service", withReason(codes.PermissionDenied, "PERMISSION_DENIED"), errs.Internal, "REVIEWS_CALL_FAILED"},
	} {
		r := &Reviews{c: &panelsFake{err: c.err}}
		_, err := r.PanelsOf(context.Background(), "rev-1", "")
		if e, ok := errs.As(err); !ok || e.Kind != c.kind || e.Reason != c.reason {
			t.Errorf("%s: err = %v, want kind %d reason %s", c.name, err, c.kind, c.reason)
		}
	}
}
