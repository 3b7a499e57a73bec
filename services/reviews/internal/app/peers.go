package app

import (
	"context"
	"encoding/json"
	"time"

	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// Applications is what reviews asks of the applications service.
type Applications interface {
	GetRound(ctx context.Context, id string) (domain.Round, error)
	GetApplication(ctx context.Context, id string) (domain.Application, error)
	// ListAccepted lists every ACCEPTED application of a round.
	ListAccepted(ctx context.Context, roundID string) ([]domain.Application, error)
	// SetStage sets an application's stage; idempotent.
	SetStage(ctx context.Context, applicationID, stage string) error
}

// Donations is what reviews asks of the donations service.
type Donations interface {
	// ConfirmedAt is an application's confirmed donations at an instant, in fen.
	ConfirmedAt(ctx context.Context, applicationID string, at time.Time) (int64, error)
	// Donors lists the donors with a pledge to an application.
	Donors(ctx context.Context, applicationID string) ([]string, error)
}

// Funding is what reviews asks of the funding service.
type Funding interface {
	// GovernmentShare quotes the government share (match + top-up) for a budget and confirmed donations.
	GovernmentShare(ctx context.Context, roundID string, budgetFen, donationsFen int64) (int64, error)
	// PoolAvailable is the round's pool available for selection, in fen.
	PoolAvailable(ctx context.Context, roundID string) (int64, error)
}

// StageTopic is the outbox topic of the stages pushed to the applications service; the key of its messages
// is the round, so GetRoundReviewStatus can count a round's undelivered stages.
const StageTopic = "applications.set_stage"

// queueStages records, in the unit of work, the stages an outcome gives applications.
func (s *Service) queueStages(ctx context.Context, roundID string, stages []domain.StagePush) error {
	for _, p := range stages {
		payload, err := json.Marshal(p)
		if err != nil {
			return err
		}
		if err := s.outbox.Enqueue(ctx, StageTopic, roundID, payload); err != nil {
			return err
		}
	}
	return nil
}

// pushStages delivers a round's undelivered stages after the commit, so the applications service usually
// has them when the use case answers; what fails is retried in the background, and reported.
func (s *Service) pushStages(ctx context.Context, roundID string) error {
	if err := s.outbox.Flush(ctx, roundID); err != nil {
		return domain.ErrStagePushFailed.With("the outcome is recorded; the applications service has not confirmed every stage yet (%v): they are pushed again in the background, or at once by repeating the request", err)
	}
	return nil
}

// DeliverStage returns the outbox handler of StageTopic: it sets one application's stage in the applications
// service (idempotent there, so a message delivered twice does no harm).
func DeliverStage(apps Applications) func(ctx context.Context, payload []byte) error {
	return func(ctx context.Context, payload []byte) error {
		var p domain.StagePush
		if err := json.Unmarshal(payload, &p); err != nil {
			return err
		}
		return apps.SetStage(ctx, p.ApplicationID, p.Stage)
	}
}
