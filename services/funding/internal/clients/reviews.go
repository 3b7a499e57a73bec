package clients

import (
	"context"

	"google.golang.org/grpc"

	reviewsv1 "github.com/commonweal/commonweal/gen/go/commonweal/reviews/v1"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/pbconv"
	"github.com/commonweal/commonweal/pkg/peer"
	"github.com/commonweal/commonweal/services/funding/internal/app"
)

// Reviews is the client of the reviews service: a round's results.
type Reviews struct {
	c reviewsv1.ReviewsServiceClient
}

var _ app.Reviews = (*Reviews)(nil)

// NewReviews returns the reviews client over conn.
func NewReviews(conn grpc.ClientConnInterface) *Reviews {
	return &Reviews{c: reviewsv1.NewReviewsServiceClient(conn)}
}

// GetResults reads a round's results: their state (empty while not computed), the selected projects in rank
// order and the idea-prize winners.
func (r *Reviews) GetResults(ctx context.Context, roundID string) (app.Results, error) {
	res, err := r.c.GetResults(ctx, &reviewsv1.GetResultsRequest{RoundId: roundID})
	if err != nil {
		err = peer.Error(ctx, "reviews", err, nil)
		if e, ok := errs.As(err); ok && e.Reason == "RESULTS_NOT_COMPUTED" {
			return app.Results{}, nil
		}
		return app.Results{}, err
	}
	out := app.Results{State: pbconv.EnumName(res.GetState(), "RESULTS_STATE_")}
	for _, e := range res.GetEntries() {
		if e.GetSelected() {
			out.Selected = append(out.Selected, e.GetApplicationId())
		}
		if e.GetIdeaPrizeTier() > 0 {
			out.IdeaPrizes = append(out.IdeaPrizes, app.IdeaPrizeWinner{ApplicationID: e.GetApplicationId(), Tier: int(e.GetIdeaPrizeTier())})
		}
	}
	return out, nil
}
