package app

import (
	"context"

	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// StatusRepository reads what the round coordinator asks of reviews.
type StatusRepository interface {
	RoundCounts(ctx context.Context, roundID string) (RoundCounts, error)
}

// RoundCounts are a round's review state in one read: the shortlist's and the results' states (empty when
// missing), the open complaints and the stages not yet delivered to the applications service.
type RoundCounts struct {
	ShortlistState    domain.ShortlistState
	UndeliveredStages int
	OpenComplaints    int
	ResultsState      domain.ResultsState
}

// RoundReviewStatus is what the applications service asks before a phase change.
type RoundReviewStatus struct {
	ShortlistPublished bool
	OpenComplaints     int
	ResultsState       domain.ResultsState
}

// GetRoundReviewStatus reports the reviews preconditions of a round: the shortlist counts as published, a
// complaint as closed and the results as signed off only once every stage they set is delivered to the
// applications service. That is also what keeps the stages of one application in order: each outcome's phase
// is entered only once the previous outcome's stages are delivered.
func (s *Service) GetRoundReviewStatus(ctx context.Context, roundID string) (RoundReviewStatus, error) {
	if err := ids.Parse("round_id", roundID); err != nil {
		return RoundReviewStatus{}, err
	}
	st, err := s.status.RoundCounts(ctx, roundID)
	if err != nil {
		return RoundReviewStatus{}, err
	}
	out := RoundReviewStatus{
		ShortlistPublished: st.ShortlistState == domain.ShortlistPublished && st.UndeliveredStages == 0,
		OpenComplaints:     st.OpenComplaints,
		ResultsState:       st.ResultsState,
	}
	if st.UndeliveredStages > 0 {
		// An upheld complaint is not done until the application's DISQUALIFIED stage is delivered, nor are
		// results signed off until every final stage is.
		out.OpenComplaints += st.UndeliveredStages
		if out.ResultsState == domain.ResultsSignedOff {
			out.ResultsState = domain.ResultsApproved
		}
	}
	return out, nil
}
