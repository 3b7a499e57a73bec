package app

import (
	"context"
	"time"

	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

// PreconditionChecker asks the service owning a phase precondition whether it holds; it returns nil when it
// does and an error with the precondition's reason when it does not.
type PreconditionChecker interface {
	Check(ctx context.Context, roundID string, p domain.Precondition) error
}

// AdvanceRound is an organizer's request to move a round to its next phase.
type AdvanceRound struct {
	Key     idempotency.Key
	RoundID string
	To      domain.Phase
}

// AdvanceRound moves a round to the next phase once every precondition holds. The rules this service owns
// are checked first, so a change they refuse never asks another service; the owners of the other
// preconditions are asked while no transaction is open; then the round is locked, checked again and moved.
func (s *Service) AdvanceRound(ctx context.Context, cmd AdvanceRound) (domain.Round, error) {
	if out, done, err := idempotency.Replay[domain.Round](ctx, s.requests, cmd.Key); done || err != nil {
		return out, err
	}
	if err := ids.Parse("round_id", cmd.RoundID); err != nil {
		return domain.Round{}, err
	}
	seen, err := s.rounds.GetRound(ctx, cmd.RoundID)
	if err != nil {
		return domain.Round{}, err
	}
	if err := s.checkLocal(ctx, seen, cmd.To, s.now()); err != nil {
		return domain.Round{}, err
	}
	remote := domain.RemotePreconditions[cmd.To]
	if err := s.checkRemote(ctx, seen.ID, remote); err != nil {
		return domain.Round{}, err
	}
	by := identity.From(ctx).Subject
	return idempotency.Run(ctx, s.requests, cmd.Key, func(ctx context.Context) (domain.Round, error) {
		now := s.now()
		var from domain.Phase
		r, err := s.rounds.UpdateRound(ctx, cmd.RoundID, func(r *domain.Round) error {
			if err := s.checkLocal(ctx, *r, cmd.To, now); err != nil {
				return err
			}
			if len(remote) > 0 && r.Version != seen.Version {
				// The other services answered about the round as it was.
				return domain.ErrRoundChanged
			}
			from = r.Phase
			r.Enter(cmd.To, now)
			return nil
		})
		if err != nil {
			return domain.Round{}, err
		}
		return r, s.rounds.RecordPhaseChange(ctx, domain.PhaseChange{RoundID: r.ID, From: from, To: cmd.To, At: now, By: by})
	})
}

// checkLocal checks the preconditions of r entering phase to that this service owns.
func (s *Service) checkLocal(ctx context.Context, r domain.Round, to domain.Phase, now time.Time) error {
	if err := domain.CheckAdvance(r.Phase, to); err != nil {
		return err
	}
	awaiting := 0
	if to == domain.PhaseShortlisting {
		var err error
		if awaiting, err = s.queries.CountAwaitingReview(ctx, r.ID); err != nil {
			return err
		}
	}
	return r.LocalPreconditions(to, now, awaiting)
}

// checkRemote asks the owner of each precondition; an owner that cannot be asked refuses the change.
func (s *Service) checkRemote(ctx context.Context, roundID string, preconditions []domain.Precondition) error {
	for _, p := range preconditions {
		checker, ok := s.checkers[p.Owner]
		if !ok {
			return domain.ErrPreconditionUnverified.With("%s must hold, and the %s service that owns it is not available to confirm it", p.Description, p.Owner)
		}
		if err := checker.Check(ctx, roundID, p); err != nil {
			return err
		}
	}
	return nil
}
