// Package clients holds the applications service's gRPC clients of the services that own phase
// preconditions, behind app.PreconditionChecker, and of the reviews service's panels, behind app.ReviewerPanels.
package clients

import (
	"context"
	"strings"

	"google.golang.org/grpc"

	reviewsv1 "github.com/commonweal/commonweal/gen/go/commonweal/reviews/v1"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/peer"
	"github.com/commonweal/commonweal/services/applications/internal/app"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

var (
	_ app.PreconditionChecker = (*Reviews)(nil)
	_ app.ReviewerPanels      = (*Reviews)(nil)
)

// Reviews asks the reviews service whether its phase preconditions hold, and which panels a reviewer sits on.
type Reviews struct {
	c reviewsv1.ReviewsServiceClient
}

// NewReviews returns the checker over conn (dialled with this service's identity and the peer call timeout).
func NewReviews(conn grpc.ClientConnInterface) *Reviews {
	return &Reviews{c: reviewsv1.NewReviewsServiceClient(conn)}
}

// Check returns nil when the precondition holds and FAILED_PRECONDITION with the precondition's reason when
// it does not. A reviews service that cannot answer never lets the change pass: its failure becomes this
// service's own error (REVIEWS_UNAVAILABLE, …), never the reviews service's status.
func (r *Reviews) Check(ctx context.Context, roundID string, p domain.Precondition) error {
	st, err := r.c.GetRoundReviewStatus(ctx, &reviewsv1.GetRoundReviewStatusRequest{RoundId: roundID})
	if err != nil {
		unknown := domain.ErrPreconditionUnverified.With("%s must hold, and the reviews service does not know the round", p.Description)
		err = peer.Error(ctx, "reviews", err, unknown)
		if e, ok := errs.As(err); ok && e != unknown {
			return e.With("%s must hold, and the reviews service could not confirm it: %s", p.Description, e.Message)
		}
		return err
	}
	var holds bool
	switch p.Reason {
	case "SHORTLIST_NOT_PUBLISHED":
		holds = st.GetShortlistPublished()
	case "COMPLAINTS_OPEN":
		holds = st.GetOpenComplaints() == 0
	case "RESULTS_NOT_COMPUTED":
		holds = st.GetResultsState() != reviewsv1.ResultsState_RESULTS_STATE_UNSPECIFIED
	case "RESULTS_NOT_SIGNED_OFF":
		holds = st.GetResultsState() == reviewsv1.ResultsState_RESULTS_STATE_SIGNED_OFF
	default:
		return domain.ErrPreconditionUnverified.With("the reviews service does not know the precondition %s", p.Reason)
	}
	if holds {
		return nil
	}
	e := errs.New(errs.FailedPrecondition, p.Reason, p.Description)
	if p.Reason == "COMPLAINTS_OPEN" {
		return e.With("%s: %d complaint(s) still open", p.Description, st.GetOpenComplaints())
	}
	return e
}

// PanelsOf lists the panels a reviewer sits on, of one round or (roundID empty) of every round. A reviews
// service that cannot answer is this service's error (REVIEWS_UNAVAILABLE, …), never the reviews service's
// status.
func (r *Reviews) PanelsOf(ctx context.Context, reviewerID, roundID string) ([]domain.ReviewerPanel, error) {
	resp, err := r.c.ListReviewerPanels(ctx, &reviewsv1.ListReviewerPanelsRequest{ReviewerId: reviewerID, RoundId: roundID})
	if err != nil {
		return nil, peer.Error(ctx, "reviews", err, nil)
	}
	out := make([]domain.ReviewerPanel, 0, len(resp.GetPanels()))
	for _, p := range resp.GetPanels() {
		out = append(out, domain.ReviewerPanel{PanelID: p.GetPanelId(), RoundID: p.GetRoundId(),
			Stage: domain.ReviewStage(strings.TrimPrefix(p.GetStage().String(), "REVIEW_STAGE_"))})
	}
	return out, nil
}
