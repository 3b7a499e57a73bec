package app

import (
	"context"
	"strings"
	"time"

	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// ShortlistRepository keeps the rounds' shortlists.
type ShortlistRepository interface {
	// GetShortlist reads a round's shortlist, locking it when forUpdate; SHORTLIST_NOT_COMPUTED when missing.
	GetShortlist(ctx context.Context, roundID string, forUpdate bool) (domain.Shortlist, error)
	// SaveShortlist creates or replaces a round's shortlist.
	SaveShortlist(ctx context.Context, sl domain.Shortlist) error
	// UpdateShortlist is the load → lock → change → save of a computed shortlist: change runs on the locked
	// shortlist and what it leaves is saved (nothing when it fails).
	UpdateShortlist(ctx context.Context, roundID string, change func(*domain.Shortlist) error) (domain.Shortlist, error)
	// OnPublishedShortlist reports whether an application holds a place on its round's published shortlist.
	OnPublishedShortlist(ctx context.Context, roundID, applicationID string) (bool, error)
}

// RoundCommand is the input of the use cases that act on a whole round (compute, publish, approve, sign off).
type RoundCommand struct {
	Key     idempotency.Key
	RoundID string
}

// ComputeShortlist ranks every accepted application by its shortlist panel score, while the round is in
// SHORTLISTING and until the shortlist is published.
func (s *Service) ComputeShortlist(ctx context.Context, cmd RoundCommand) (domain.Shortlist, error) {
	if out, done, err := idempotency.Replay[domain.Shortlist](ctx, s.requests, cmd.Key); done || err != nil {
		return out, err
	}
	r, err := s.round(ctx, cmd.RoundID)
	if err != nil {
		return domain.Shortlist{}, err
	}
	if err := requirePhase(r, domain.PhaseShortlisting); err != nil {
		return domain.Shortlist{}, err
	}
	accepted, err := s.cfg.Apps.ListAccepted(ctx, cmd.RoundID)
	if err != nil {
		return domain.Shortlist{}, err
	}
	return inRound(ctx, s, cmd.Key, cmd.RoundID, func(ctx context.Context) (domain.Shortlist, error) {
		if cur, err := s.shortlists.GetShortlist(ctx, cmd.RoundID, true); err == nil && cur.State == domain.ShortlistPublished {
			return domain.Shortlist{}, domain.ErrShortlistPublished.With("published at %s", cur.PublishedAt.Format(time.RFC3339))
		} else if err != nil && !domain.ErrShortlistNotFound.Is(err) {
			return domain.Shortlist{}, err
		}
		if _, err := s.panels.PanelFor(ctx, cmd.RoundID, domain.StageShortlist); err != nil {
			return domain.Shortlist{}, err
		}
		scores, err := s.scores.ScoresOfRound(ctx, cmd.RoundID)
		if err != nil {
			return domain.Shortlist{}, err
		}
		grouped := groupScores(scores)
		var cands []domain.ShortlistCandidate
		var missing []string
		for _, a := range accepted {
			g := grouped[a.ID][domain.StageShortlist]
			if g == nil {
				missing = append(missing, a.ID)
				continue
			}
			score, inputs := domain.PanelScore(g.totals, r.Policy.TrimExtremes)
			cands = append(cands, domain.ShortlistCandidate{ApplicationID: a.ID, PanelScore: score, FirstSubmitAt: a.FirstSubmitAt, IdeaOnly: a.IdeaOnly, Inputs: inputs})
		}
		if len(missing) > 0 {
			return domain.Shortlist{}, domain.ErrScoresMissing.With("%d accepted application(s) have no shortlist score: %s", len(missing), strings.Join(missing, ", "))
		}
		sl := domain.Shortlist{RoundID: cmd.RoundID, State: domain.ShortlistComputed, Entries: domain.RankShortlist(cands, r.Policy.ShortlistQuota),
			ComputedAt: s.now(), ComputedBy: subjectOf(ctx)}
		return sl, s.shortlists.SaveShortlist(ctx, sl)
	})
}

// PublishShortlist publishes the computed shortlist while the round is in SHORTLISTING and records every
// application's stage for the applications service, then pushes the stages. Publishing again pushes at once
// whatever stage is still undelivered.
func (s *Service) PublishShortlist(ctx context.Context, cmd RoundCommand) (domain.Shortlist, error) {
	sl, err := s.publishShortlist(ctx, cmd)
	if err != nil {
		return sl, err
	}
	return sl, s.pushStages(ctx, cmd.RoundID)
}

func (s *Service) publishShortlist(ctx context.Context, cmd RoundCommand) (domain.Shortlist, error) {
	if out, done, err := idempotency.Replay[domain.Shortlist](ctx, s.requests, cmd.Key); done || err != nil {
		return out, err
	}
	r, err := s.round(ctx, cmd.RoundID)
	if err != nil {
		return domain.Shortlist{}, err
	}
	return inRound(ctx, s, cmd.Key, cmd.RoundID, func(ctx context.Context) (domain.Shortlist, error) {
		var stages []domain.StagePush
		sl, err := s.shortlists.UpdateShortlist(ctx, cmd.RoundID, func(sl *domain.Shortlist) error {
			if sl.State == domain.ShortlistPublished {
				return nil
			}
			if err := requirePhase(r, domain.PhaseShortlisting); err != nil {
				return err
			}
			stages = sl.Publish(s.now(), subjectOf(ctx))
			return nil
		})
		if err != nil {
			return domain.Shortlist{}, err
		}
		return sl, s.queueStages(ctx, cmd.RoundID, stages)
	})
}

// GetShortlist returns the shortlist: the whole ranking to staff once computed; the shortlisted and
// disqualified entries, without inputs, to anyone once published.
func (s *Service) GetShortlist(ctx context.Context, roundID string) (domain.Shortlist, error) {
	if err := ids.Parse("round_id", roundID); err != nil {
		return domain.Shortlist{}, err
	}
	sl, err := s.shortlists.GetShortlist(ctx, roundID, false)
	if identity.From(ctx).ReadsAll() {
		return sl, err
	}
	if err != nil || sl.State != domain.ShortlistPublished {
		return domain.Shortlist{}, domain.ErrShortlistNotPublic.With("round %s has no published shortlist", roundID)
	}
	var public []domain.ShortlistEntry
	for _, e := range sl.Entries {
		if e.Shortlisted || e.Disqualified {
			e.Inputs = domain.PanelInputs{}
			public = append(public, e)
		}
	}
	sl.Entries = public
	return sl, nil
}

// onPublishedShortlist refuses an application without a place on the round's published shortlist.
func (s *Service) onPublishedShortlist(ctx context.Context, roundID, applicationID string) error {
	on, err := s.shortlists.OnPublishedShortlist(ctx, roundID, applicationID)
	if err != nil {
		return err
	}
	if !on {
		return domain.ErrNotOnShortlist.With("application %s is not on the round's published shortlist", applicationID)
	}
	return nil
}
