package app

import (
	"context"
	"strings"

	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
	"github.com/commonweal/commonweal/services/reviews/internal/store"
)

// ComputeResults computes the final results while the round is in FINAL_REVIEW (or APPROVAL, before approval), from the final panel's
// scores, the confirmed donations at the round's donation cutoff (asked of donations), the votes, and the
// government shares and pool (asked of funding). It refuses while either service is unavailable, and once the
// results are approved. OPERATOR only.
func (s *Service) ComputeResults(ctx context.Context, roundID string) (domain.Results, error) {
	who := identity.From(ctx)
	if err := require(who, identity.Operator); err != nil {
		return domain.Results{}, err
	}
	if s.cfg.Funding == nil {
		return domain.Results{}, domain.ErrFundingMissing.With("the results need each finalist's government share and the round's pool, quoted by the funding service, which this deployment does not reach yet")
	}
	if s.cfg.Donations == nil {
		return domain.Results{}, domain.ErrDonationsMissing.With("the results need each finalist's confirmed donations at the cutoff, from the donations service")
	}
	r, err := s.round(ctx, roundID)
	if err != nil {
		return domain.Results{}, err
	}
	if r.Phase != domain.PhaseFinalReview && r.Phase != domain.PhaseApproval {
		// Computed in FINAL_REVIEW; recomputing stays possible in APPROVAL until the results are approved.
		return domain.Results{}, domain.ErrWrongPhase.With("the round is in %s; results are computed in FINAL_REVIEW (or recomputed in APPROVAL before approval)", r.Phase)
	}
	if r.DonationCutoff.IsZero() {
		return domain.Results{}, domain.ErrDonationCutoffUnset
	}
	var res domain.Results
	err = s.repo.InTx(ctx, func(ctx context.Context) error {
		// The round's lock is taken before anything is read, so a concurrent score either is in these results or
		// waits and is then refused (STAGE_COMPUTED); never stored but silently left out.
		if err := s.repo.LockRound(ctx, roundID); err != nil {
			return err
		}
		if cur, err := s.repo.GetResults(ctx, roundID, true); err == nil && cur.State != domain.ResultsComputed {
			return domain.ErrResultsState.With("the results are %s; recomputing is allowed only before approval", cur.State)
		} else if err != nil && !domain.ErrResultsNotComputed.Is(err) {
			return err
		}
		var err error
		if res, err = s.computeResults(ctx, r); err != nil {
			return err
		}
		return s.repo.SaveResults(ctx, res, who.Subject)
	})
	return res, err
}

// computeResults reads every input of a round's results and computes them (in the caller's transaction).
func (s *Service) computeResults(ctx context.Context, r domain.Round) (domain.Results, error) {
	roundID := r.ID
	sl, err := s.repo.GetShortlist(ctx, roundID, false)
	if err != nil {
		return domain.Results{}, err
	}
	if _, err := s.repo.PanelFor(ctx, roundID, domain.StageFinal); err != nil {
		return domain.Results{}, err
	}
	scores, err := s.repo.ScoresOfRound(ctx, roundID)
	if err != nil {
		return domain.Results{}, err
	}
	grouped := groupScores(scores)
	// Votes count until voting closed (the donation cutoff): one that passed the PROMOTION check just before the
	// close but landed after it does not.
	tallies, err := s.repo.Tallies(ctx, roundID, r.DonationCutoff)
	if err != nil {
		return domain.Results{}, err
	}
	votes := map[string]int64{}
	for _, t := range tallies {
		votes[t.ApplicationID] = t.Votes
	}
	pool, err := s.cfg.Funding.PoolAvailable(ctx, roundID)
	if err != nil {
		return domain.Results{}, err
	}
	var cands []domain.ResultCandidate
	var missing []string
	for _, e := range sl.Entries {
		if e.Disqualified {
			continue
		}
		c := domain.ResultCandidate{ApplicationID: e.ApplicationID, FirstSubmitAt: e.FirstSubmitAt, Votes: votes[e.ApplicationID],
			Finalist: e.Shortlisted && !e.IdeaOnly}
		for _, g := range grouped[e.ApplicationID] {
			c.IdeaScore = max(c.IdeaScore, domain.IdeaScore(g.ideas))
		}
		if c.Finalist {
			g := grouped[e.ApplicationID][domain.StageFinal]
			if g == nil {
				missing = append(missing, e.ApplicationID)
				continue
			}
			c.FinalTotals = g.totals
			a, err := s.cfg.Apps.GetApplication(ctx, e.ApplicationID)
			if err != nil {
				return domain.Results{}, err
			}
			c.BudgetFen = a.BudgetFen
			if c.DonationsFen, err = s.cfg.Donations.ConfirmedAt(ctx, e.ApplicationID, r.DonationCutoff); err != nil {
				return domain.Results{}, err
			}
			if c.GovernmentFen, err = s.cfg.Funding.GovernmentShare(ctx, roundID, c.BudgetFen, c.DonationsFen); err != nil {
				return domain.Results{}, err
			}
		}
		cands = append(cands, c)
	}
	if len(missing) > 0 {
		return domain.Results{}, domain.ErrScoresMissing.With("%d finalist(s) have no final score: %s", len(missing), strings.Join(missing, ", "))
	}
	return domain.Results{RoundID: roundID, State: domain.ResultsComputed, Entries: domain.ComputeResults(r.Policy, cands, pool),
		DonationCutoff: r.DonationCutoff, PoolFen: pool, ComputedAt: s.now()}, nil
}

// ApproveResults approves computed results while the round is in APPROVAL. ORGANIZER only.
func (s *Service) ApproveResults(ctx context.Context, roundID string) (domain.Results, error) {
	return s.advanceResults(ctx, roundID, identity.Organizer, domain.ResultsComputed, domain.ResultsApproved)
}

// SignOffResults signs off approved results while the round is in APPROVAL, which publishes them and sets every
// application's final stage (recorded first, then pushed; signing off again pushes what was not confirmed).
// COMMITTEE only.
func (s *Service) SignOffResults(ctx context.Context, roundID string) (domain.Results, error) {
	res, err := s.advanceResults(ctx, roundID, identity.Committee, domain.ResultsApproved, domain.ResultsSignedOff)
	if err != nil {
		return res, err
	}
	return res, s.PushStages(ctx, roundID)
}

func (s *Service) advanceResults(ctx context.Context, roundID string, role identity.Role, from, to domain.ResultsState) (domain.Results, error) {
	who := identity.From(ctx)
	if err := require(who, role); err != nil {
		return domain.Results{}, err
	}
	r, err := s.round(ctx, roundID)
	if err != nil {
		return domain.Results{}, err
	}
	var res domain.Results
	err = s.repo.InTx(ctx, func(ctx context.Context) error {
		if err := s.repo.LockRound(ctx, roundID); err != nil {
			return err
		}
		if res, err = s.repo.GetResults(ctx, roundID, true); err != nil {
			return err
		}
		if res.State == to {
			return nil // idempotent
		}
		if res.State != from {
			return domain.ErrResultsState.With("the results are %s; %s needs %s", res.State, to, from)
		}
		if err := requirePhase(r, domain.PhaseApproval); err != nil {
			return err
		}
		now := s.now()
		if err := s.repo.SetResultsState(ctx, roundID, to, now, who.Subject); err != nil {
			return err
		}
		res.State = to
		if to == domain.ResultsApproved {
			res.ApprovedAt = now
			return nil
		}
		res.SignedOffAt = now
		var stages []store.StagePush
		for _, e := range res.Entries {
			if st := e.FinalStage(); st != "" {
				stages = append(stages, store.StagePush{ApplicationID: e.ApplicationID, Stage: st})
			}
		}
		return s.repo.QueueStages(ctx, roundID, stages, now)
	})
	return res, err
}

// GetResults returns the results: to staff with every entry and input; to anyone once signed off, the
// finalists and the idea-prize winners, without each reviewer's total (like the public shortlist, which lists
// neither the applications left off it nor the reviewers' scores).
func (s *Service) GetResults(ctx context.Context, roundID string) (domain.Results, error) {
	if err := store.ParseID("round_id", roundID); err != nil {
		return domain.Results{}, err
	}
	res, err := s.repo.GetResults(ctx, roundID, false)
	if identity.From(ctx).ReadsAll() {
		return res, err
	}
	if err != nil || res.State != domain.ResultsSignedOff {
		return domain.Results{}, domain.ErrResultsNotPublic.With("round %s has no signed-off results", roundID)
	}
	var public []domain.ResultEntry
	for _, e := range res.Entries {
		if e.Finalist || e.IdeaPrizeTier > 0 {
			e.Inputs.Panel = domain.PanelInputs{Sum: e.Inputs.Panel.Sum, Count: e.Inputs.Panel.Count}
			public = append(public, e)
		}
	}
	res.Entries = public
	return res, nil
}
