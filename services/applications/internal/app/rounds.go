package app

import (
	"context"
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
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
	// ListRounds returns up to f.Limit rounds after the keyset position, newest first.
	ListRounds(ctx context.Context, f RoundFilter) ([]domain.Round, error)
	RecordPhaseChange(ctx context.Context, c domain.PhaseChange) error
	// ListPhaseChanges returns up to f.Limit of a round's phase changes after the keyset position, oldest first.
	ListPhaseChanges(ctx context.Context, f PhaseChangeFilter) ([]domain.PhaseChange, error)
	// Chains reads the phase changes' hash chain (chains.go).
	Chains
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

// RoundFilter selects a page of rounds, newest first: in Phase and of Year (when given), drafts only when
// Drafts, only those due before OverdueAt when it is not zero, after the keyset position (AfterTime, AfterID)
// in that order, at most Limit.
type RoundFilter struct {
	Phase     domain.Phase
	Year      int
	Drafts    bool
	OverdueAt time.Time
	AfterTime time.Time
	AfterID   string
	Limit     int
}

// ListRounds asks for a page of rounds.
type ListRounds struct {
	Phase       domain.Phase
	Year        int
	OverdueOnly bool
	AfterTime   time.Time
	AfterID     string
	Limit       int
}

// ListRounds lists rounds, newest first. Staff and suite services see every round; anyone else the
// published ones (asking them for DRAFT rounds finds none). Only staff may ask for the overdue rounds.
func (s *Service) ListRounds(ctx context.Context, q ListRounds) ([]domain.Round, error) {
	who := identity.From(ctx)
	if q.Phase != "" && !q.Phase.Valid() {
		return nil, domain.ErrInvalidPhase.Field("phase", "unknown phase")
	}
	if q.OverdueOnly && !who.IsStaff() {
		return nil, domain.ErrOverdueStaffOnly
	}
	if q.Phase == domain.PhaseDraft && !who.ReadsAll() {
		return nil, nil
	}
	f := RoundFilter{Phase: q.Phase, Year: q.Year, Drafts: who.ReadsAll(), AfterTime: q.AfterTime, AfterID: q.AfterID, Limit: q.Limit}
	if q.OverdueOnly {
		f.OverdueAt = s.now()
	}
	return s.rounds.ListRounds(ctx, f)
}

// Now is the service's clock: the instant a round's schedule is shown at.
func (s *Service) Now() time.Time { return s.now() }

// CreateRound is an organizer's new draft round.
type CreateRound struct {
	Key      idempotency.Key
	Name     string
	Year     int
	Policy   domain.Policy
	Notice   domain.Document
	Guidance domain.Document
}

// CreateRound creates a draft round.
func (s *Service) CreateRound(ctx context.Context, cmd CreateRound) (domain.Round, error) {
	if out, done, err := idempotency.Replay[domain.Round](ctx, s.requests, cmd.Key); done || err != nil {
		return out, err
	}
	r, err := domain.NewRound(cmd.Name, cmd.Year, cmd.Policy, cmd.Notice, cmd.Guidance, s.now())
	if err != nil {
		return domain.Round{}, err
	}
	r.ID, r.Version, r.CreatedBy = ids.New(), 1, identity.From(ctx).Subject
	return idempotency.Run(ctx, s.requests, cmd.Key, func(ctx context.Context) (domain.Round, error) {
		return r, s.rounds.InsertRound(ctx, r)
	})
}

// GetRound returns a round. Published rounds are public; a draft is NOT_FOUND to everyone but staff and the
// suite services.
func (s *Service) GetRound(ctx context.Context, id string) (domain.Round, error) {
	if err := ids.Parse("round_id", id); err != nil {
		return domain.Round{}, err
	}
	r, err := s.rounds.GetRound(ctx, id)
	if err != nil {
		return domain.Round{}, err
	}
	if r.Phase == domain.PhaseDraft && !identity.From(ctx).ReadsAll() {
		return domain.Round{}, errs.ErrNotFound.With("round %s not found", id)
	}
	return r, nil
}

// UpdateRound is an organizer's edit of a draft round's name (unless empty) and policy, and of its notice and
// guidance when given (nil keeps them).
type UpdateRound struct {
	Key     idempotency.Key
	RoundID string
	Name    string
	// Policy replaces the whole policy, unless PolicyChange is set: then PolicyChange derives the new policy
	// from the current one (an update_mask naming single policy fields, or no policy given: kept).
	Policy       domain.Policy
	PolicyChange func(current domain.Policy) domain.Policy
	Notice       *domain.Document
	Guidance     *domain.Document
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
			p := cmd.Policy
			if cmd.PolicyChange != nil {
				p = cmd.PolicyChange(r.Policy)
			}
			return r.Edit(cmd.Name, p, cmd.Notice, cmd.Guidance)
		})
	})
}
