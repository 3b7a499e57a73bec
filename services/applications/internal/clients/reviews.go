// Package clients holds the applications service's gRPC clients of the services that own phase
// preconditions, behind app.PreconditionChecker.
package clients

import (
	"context"
	"time"

	"google.golang.org/grpc"

	reviewsv1 "github.com/commonweal/commonweal/gen/go/commonweal/reviews/v1"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

// callTimeout bounds the question; the round stays locked while it is asked.
const callTimeout = 5 * time.Second

// Reviews asks the reviews service whether its phase preconditions hold.
type Reviews struct {
	c reviewsv1.ReviewsServiceClient
}

// NewReviews returns the checker over conn (dialled with this service's identity).
func NewReviews(conn grpc.ClientConnInterface) *Reviews {
	return &Reviews{c: reviewsv1.NewReviewsServiceClient(conn)}
}

// Check returns nil when the precondition holds, an error with its reason when it does not, and
// PRECONDITION_UNVERIFIABLE when the reviews service cannot answer: an unanswered question never passes.
func (r *Reviews) Check(ctx context.Context, roundID string, p domain.Precondition) error {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	st, err := r.c.GetRoundReviewStatus(ctx, &reviewsv1.GetRoundReviewStatusRequest{RoundId: roundID})
	if err != nil {
		return domain.ErrPreconditionUnverified.With("%s must hold, and the reviews service could not confirm it: %v", p.Description, err)
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
	return e.With("%s", p.Description)
}
