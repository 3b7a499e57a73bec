package clients

import (
	"context"

	"google.golang.org/grpc"

	reviewsv1 "github.com/commonweal/commonweal/gen/go/commonweal/reviews/v1"
	"github.com/commonweal/commonweal/pkg/peer"
	"github.com/commonweal/commonweal/services/supervision/internal/app"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
)

// Reviews asks the reviews service for a round's panel scores, as this service. Its failures come back as this
// service's own errors: REVIEWS_UNAVAILABLE, REVIEWS_CALL_FAILED, … (see pkg/peer).
type Reviews struct {
	c reviewsv1.ReviewsServiceClient
}

var _ app.PanelScores = (*Reviews)(nil)

// NewReviews returns the client over conn.
func NewReviews(conn grpc.ClientConnInterface) *Reviews {
	return &Reviews{c: reviewsv1.NewReviewsServiceClient(conn)}
}

// maxPanelScoresBytes bounds the one GetRoundPanelScores answer this client accepts. A score takes about 45
// bytes, so gRPC's default 4 MiB stopped at about 93,000 scores (a round of 100,000 applications failed with
// RESOURCE_EXHAUSTED, reported as REVIEWS_UNAVAILABLE); 64 MiB holds about 1.4 million.
const maxPanelScoresBytes = 64 << 20

// RoundPanelScores reads every panel score of a round in one call (GetRoundPanelScores), by application ID.
func (r *Reviews) RoundPanelScores(ctx context.Context, roundID string) (map[string]domain.PanelScores, error) {
	resp, err := r.c.GetRoundPanelScores(ctx, &reviewsv1.GetRoundPanelScoresRequest{RoundId: roundID}, grpc.MaxCallRecvMsgSize(maxPanelScoresBytes))
	if err != nil {
		return nil, peer.Error(ctx, "reviews", err, nil)
	}
	out := make(map[string]domain.PanelScores, len(resp.GetScores()))
	for _, s := range resp.GetScores() {
		ps := out[s.GetApplicationId()]
		switch s.GetStage() {
		case reviewsv1.ReviewStage_REVIEW_STAGE_SHORTLIST:
			ps.Shortlist, ps.HasShortlist = s.GetPanelScore(), true
		case reviewsv1.ReviewStage_REVIEW_STAGE_FINAL:
			ps.Final, ps.HasFinal = s.GetPanelScore(), true
		default:
			continue
		}
		out[s.GetApplicationId()] = ps
	}
	return out, nil
}
