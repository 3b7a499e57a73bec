package clients_test

import (
	"context"
	"fmt"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	reviewsv1 "github.com/commonweal/commonweal/gen/go/commonweal/reviews/v1"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/peer/peertest"
	"github.com/commonweal/commonweal/services/supervision/internal/clients"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
)

// fakeReviews answers GetRoundPanelScores with scores (or err), recording the rounds asked.
type fakeReviews struct {
	reviewsv1.UnimplementedReviewsServiceServer
	scores []*reviewsv1.ApplicationPanelScore
	err    error
	asked  chan string
}

func (f *fakeReviews) GetRoundPanelScores(_ context.Context, req *reviewsv1.GetRoundPanelScoresRequest) (*reviewsv1.RoundPanelScores, error) {
	f.asked <- req.GetRoundId()
	if f.err != nil {
		return nil, f.err
	}
	return &reviewsv1.RoundPanelScores{RoundId: req.GetRoundId(), Scores: f.scores}, nil
}

func reviewsClient(t *testing.T, fake *fakeReviews) *clients.Reviews {
	t.Helper()
	conn := peertest.Dial(t, "supervision", 0, func(s *grpc.Server) { reviewsv1.RegisterReviewsServiceServer(s, fake) })
	return clients.NewReviews(conn)
}

// TestRoundPanelScores: one call for the round; each application's SHORTLIST and FINAL scores land in its
// PanelScores, a stage not scored stays unset.
func TestRoundPanelScores(t *testing.T) {
	shortlist, final := reviewsv1.ReviewStage_REVIEW_STAGE_SHORTLIST, reviewsv1.ReviewStage_REVIEW_STAGE_FINAL
	fake := &fakeReviews{asked: make(chan string, 2), scores: []*reviewsv1.ApplicationPanelScore{
		{ApplicationId: "A", Stage: shortlist, PanelScore: 8125}, {ApplicationId: "B", Stage: shortlist, PanelScore: 0},
		{ApplicationId: "A", Stage: final, PanelScore: 7000}, {ApplicationId: "C", Stage: reviewsv1.ReviewStage_REVIEW_STAGE_UNSPECIFIED, PanelScore: 1},
	}}
	got, err := reviewsClient(t, fake).RoundPanelScores(context.Background(), "R")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]domain.PanelScores{"A": {Shortlist: 8125, HasShortlist: true, Final: 7000, HasFinal: true}, "B": {HasShortlist: true}}
	if len(got) != len(want) || got["A"] != want["A"] || got["B"] != want["B"] {
		t.Fatalf("scores %+v, want %+v", got, want)
	}
	if r := <-fake.asked; r != "R" || len(fake.asked) != 0 {
		t.Fatalf("asked for %q, then %d more calls", r, len(fake.asked))
	}
}

// TestRoundPanelScoresFailuresAreOurs: the peer's failure is this service's own error.
func TestRoundPanelScoresFailuresAreOurs(t *testing.T) {
	fake := &fakeReviews{asked: make(chan string, 1), err: status.Error(codes.Unavailable, "down")}
	_, err := reviewsClient(t, fake).RoundPanelScores(context.Background(), "R")
	if e, ok := errs.As(err); !ok || e.Reason != "REVIEWS_UNAVAILABLE" || e.Kind != errs.Unavailable {
		t.Fatalf("%v", err)
	}
}

// TestRoundPanelScoresOfALargeRound: the scores of a round of 110,000 applications (about 5 MB, more than
// gRPC's default 4 MiB) come back in the one call.
func TestRoundPanelScoresOfALargeRound(t *testing.T) {
	fake := &fakeReviews{asked: make(chan string, 1)}
	for i := range 110_000 {
		fake.scores = append(fake.scores, &reviewsv1.ApplicationPanelScore{ApplicationId: fmt.Sprintf("%036d", i),
			Stage: reviewsv1.ReviewStage_REVIEW_STAGE_SHORTLIST, PanelScore: 8000})
	}
	got, err := reviewsClient(t, fake).RoundPanelScores(context.Background(), "R")
	if err != nil || len(got) != 110_000 {
		t.Fatalf("large round: %v, %d scores", err, len(got))
	}
}
