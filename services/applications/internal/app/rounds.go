package app

import (
	"context"
	"time"

	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

// RoundStore keeps rounds. Its methods join the transaction carried by ctx.
type RoundStore interface {
	InsertRound(ctx context.Context, r domain.Round) error
	GetRound(ctx context.Context, id string) (domain.Round, error)
	// UpdateRound locks the round, lets change apply the rules and saves the round if change altered it.
	UpdateRound(ctx context.Context, id string, change func(*domain.Round) error) (domain.Round, error)
	RecordPhaseChange(ctx context.Context, c domain.PhaseChange) error
	// ListPhaseChanges returns up to f.Limit of a round's phase changes after the keyset position, oldest first.
	ListPhaseChanges(ctx context.Context, f PhaseChangeFilter) ([]domain.PhaseChange, error)
}

// PhaseChangeFilter selects a page of a round's phase changes: made in [From, To) (a zero bound is open), after
// (AfterTime, AfterPhase) — a round enters each phase once —, at most Limit.
type PhaseChangeFilter struct {
	RoundID    string
	From, To   time.Time
	AfterTime  time.Time
	AfterPhase string
	Limit      int
}

// ListPhaseChanges lists a round's phase changes (its audit trail), oldest first; NOT_FOUND for an unknown
// round.
func (s *Service) ListPhaseChanges(ctx context.Context, f PhaseChangeFilter) ([]domain.PhaseChange, error) {
	if _, err := s.GetRound(ctx, f.RoundID); err != nil {
		return nil, err
	}
	return s.rounds.ListPhaseChanges(ctx, f)
}

// CreateRound is an organizer's new draft round.
type CreateRound struct {
	Key    idempotency.Key
	Name   string
	Year   int
	Policy domain.Policy
}

// CreateRound creates a draft round.
func (s *Service) CreateRound(ctx context.Context, cmd CreateRound) (domain.Round, error) {
	if out, done, err := idempotency.Replay[domain.Round](ctx, s.requests, cmd.Key); done || err != nil {
		return out, err
	}
	r, err := domain.NewRound(cmd.Name, cmd.Year, cmd.Policy, s.now())
	if err != nil {
		return domain.Round{}, err
	}
	r.ID, r.Version, r.CreatedBy = ids.New(), 1, identity.From(ctx).Subject
	return idempotency.Run(ctx, s.requests, cmd.Key, func(ctx context.Context) (domain.Round, error) {
		return r, s.rounds.InsertRound(ctx, r)
	})
}

// GetRound returns a round; rounds are public.
func (s *Service) GetRound(ctx context.Context, id string) (domain.Round, error) {
	if err := ids.Parse("round_id", id); err != nil {
		return domain.Round{}, err
	}
	return s.rounds.GetRound(ctx, id)
}

// UpdateRound is an organizer's edit of a draft round's name and policy.
type UpdateRound struct {
	Key     idempotency.Key
	RoundID string
	Name    string
	Policy  domain.Policy
	// Etag is the round's etag as last read.
	Etag string
}

// UpdateRound edits a draft round.
func (s *Service) UpdateRound(ctx context.Context, cmd UpdateRound) (domain.Round, error) {
	if out, done, err := idempotency.Replay[domain.Round](ctx, s.requests, cmd.Key); done || err != nil {
		return out, err
	}
	if err := ids.Parse("round_id", cmd.RoundID); err != nil {
		return domain.Round{}, err
	}
	return idempotency.Run(ctx, s.requests, cmd.Key, func(ctx context.Context) (domain.Round, error) {
		return s.rounds.UpdateRound(ctx, cmd.RoundID, func(r *domain.Round) error {
			if err := checkEtag(cmd.Etag, r.ID, r.Version); err != nil {
				return err
			}
			return r.Edit(cmd.Name, cmd.Policy)
		})
	})
}
