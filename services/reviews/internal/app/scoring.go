package app

import (
	"context"
	"time"

	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// ScoreRepository keeps the members' scores.
type ScoreRepository interface {
	// UpsertScore records or amends a member's score.
	UpsertScore(ctx context.Context, sc domain.Score) error
	// ScoresOfRound lists every score of a round's panels.
	ScoresOfRound(ctx context.Context, roundID string) ([]domain.Score, error)
}

// SubmitScore is the input of SubmitScore.
type SubmitScore struct {
	Key           idempotency.Key
	PanelID       string
	ApplicationID string
	ReviewerID    string
	Criteria      map[string]int
}

// SubmitScore records or amends a member's score of an application until the stage is computed: a reviewer
// for itself, an OPERATOR for any member, on a panel that has the round's mix of member kinds. The conflicts
// the member has on the application are recorded first (and stay recorded when the score is refused).
func (s *Service) SubmitScore(ctx context.Context, cmd SubmitScore) (domain.Score, error) {
	if out, done, err := idempotency.Replay[domain.Score](ctx, s.requests, cmd.Key); done || err != nil {
		return out, err
	}
	p, m, err := s.memberPanel(ctx, cmd.PanelID, cmd.ReviewerID, true)
	if err != nil {
		return domain.Score{}, err
	}
	a, err := s.applicationIn(ctx, p.RoundID, cmd.ApplicationID)
	if err != nil {
		return domain.Score{}, err
	}
	if err := s.detectConflicts(ctx, p, m, a); err != nil {
		return domain.Score{}, err
	}
	r, err := s.cfg.Apps.GetRound(ctx, p.RoundID)
	if err != nil {
		return domain.Score{}, err
	}
	if want := domain.ScoringPhase(p.Stage); r.Phase != want {
		return domain.Score{}, domain.ErrScoringClosed.With("the %s panel scores while the round is in %s; it is in %s", p.Stage, want, r.Phase)
	}
	if err := domain.CheckCanScore(p, r.Policy); err != nil {
		return domain.Score{}, err
	}
	total, err := domain.CheckCriteria(r.Policy.Rubric, cmd.Criteria)
	if err != nil {
		return domain.Score{}, err
	}
	sc := domain.Score{PanelID: p.ID, RoundID: p.RoundID, Stage: p.Stage, ApplicationID: a.ID, ReviewerID: cmd.ReviewerID,
		Criteria: cmd.Criteria, Total: total, IdeaPoints: domain.IdeaPoints(cmd.Criteria), UpdatedAt: s.now(), UpdatedBy: subjectOf(ctx)}
	return inRound(ctx, s, cmd.Key, p.RoundID, func(ctx context.Context) (domain.Score, error) {
		if err := s.checkStageOpen(ctx, p, a.ID); err != nil {
			return domain.Score{}, err
		}
		recs, err := s.recusals.RecusalsOf(ctx, p.ID, cmd.ReviewerID, a.ID)
		if err != nil {
			return domain.Score{}, err
		}
		if len(recs) > 0 {
			return domain.Score{}, domain.ErrRecused.With("reviewer %s is recused from application %s: %s", cmd.ReviewerID, a.ID, recs[0].Reason)
		}
		return sc, s.scores.UpsertScore(ctx, sc)
	})
}

// checkStageOpen refuses scores once the stage is computed, and final scores for non-finalists.
func (s *Service) checkStageOpen(ctx context.Context, p domain.Panel, applicationID string) error {
	if err := s.checkNotComputed(ctx, p); err != nil {
		return err
	}
	if p.Stage == domain.StageShortlist {
		return nil
	}
	sl, err := s.shortlists.GetShortlist(ctx, p.RoundID, false)
	if err != nil && !domain.ErrShortlistNotFound.Is(err) {
		return err
	}
	if e, ok := sl.Entry(applicationID); err != nil || sl.State != domain.ShortlistPublished || !ok || !e.Shortlisted || e.IdeaOnly {
		return domain.ErrNotFinalist.With("application %s is not on the published shortlist", applicationID)
	}
	return nil
}

// checkNotComputed refuses once the panel's stage is computed (the shortlist, or the final results): its
// scores no longer change, neither by an amendment nor by a recusal removing one. Callers hold the round's
// lock, which computing takes too.
func (s *Service) checkNotComputed(ctx context.Context, p domain.Panel) error {
	if p.Stage == domain.StageShortlist {
		sl, err := s.shortlists.GetShortlist(ctx, p.RoundID, false)
		if err == nil {
			return domain.ErrStageComputed.With("the shortlist was computed at %s", sl.ComputedAt.Format(time.RFC3339))
		}
		if !domain.ErrShortlistNotFound.Is(err) {
			return err
		}
		return nil
	}
	if _, err := s.results.GetResults(ctx, p.RoundID, false); err == nil {
		return domain.ErrStageComputed.With("the final results are computed")
	} else if !domain.ErrResultsNotComputed.Is(err) {
		return err
	}
	return nil
}

// stageScores are one application's member totals and idea points at one stage.
type stageScores struct {
	totals []domain.MemberTotal
	ideas  []int64
}

// groupScores groups a round's scores: application → stage → member totals and idea points.
func groupScores(scores []domain.Score) map[string]map[domain.Stage]*stageScores {
	out := map[string]map[domain.Stage]*stageScores{}
	for _, sc := range scores {
		if out[sc.ApplicationID] == nil {
			out[sc.ApplicationID] = map[domain.Stage]*stageScores{}
		}
		g := out[sc.ApplicationID][sc.Stage]
		if g == nil {
			g = &stageScores{}
			out[sc.ApplicationID][sc.Stage] = g
		}
		g.totals = append(g.totals, domain.MemberTotal{ReviewerID: sc.ReviewerID, Total: int64(sc.Total)})
		g.ideas = append(g.ideas, int64(sc.IdeaPoints))
	}
	return out
}
