package app

import (
	"context"
	"strings"

	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// ResultsRepository keeps the rounds' final results.
type ResultsRepository interface {
	// GetResults reads a round's results, locking them when forUpdate; RESULTS_NOT_COMPUTED when missing.
	GetResults(ctx context.Context, roundID string, forUpdate bool) (domain.Results, error)
	// SaveResults creates or replaces a round's results.
	SaveResults(ctx context.Context, r domain.Results) error
	// UpdateResults is the load → lock → change → save of a round's results.
	UpdateResults(ctx context.Context, roundID string, change func(*domain.Results) error) (domain.Results, error)
}

// finalistFacts are what other services say of one finalist.
type finalistFacts struct {
	budgetFen, donationsFen, governmentFen int64
}

// resultFacts are the results' inputs owned by other services, read before the unit of work.
type resultFacts struct {
	round     domain.Round
	poolFen   int64
	finalists map[string]finalistFacts
	// ideaOnlyNow holds the shortlisted applications that are idea-only now although they were not when the
	// shortlist was computed (the partner organisation withdrew its consent): they compete for idea prizes only.
	ideaOnlyNow map[string]bool
}

// ComputeResults computes the final results while the round is in FINAL_REVIEW (or APPROVAL, before
// approval), from the final panel's scores, the confirmed donations at the round's donation cutoff (asked of
// donations), the votes cast before the cutoff, and the government shares and pool (asked of funding). It
// refuses while either service is unavailable, and once the results are approved.
//
// Donations and funding are asked first, with no lock held; the unit of work then takes the round's lock, so
// a concurrent score either is in these results or waits and is refused (STAGE_COMPUTED), reads the scores
// and votes, and checks that every finalist is one the other services were asked about.
func (s *Service) ComputeResults(ctx context.Context, cmd RoundCommand) (domain.Results, error) {
	if out, done, err := idempotency.Replay[domain.Results](ctx, s.requests, cmd.Key); done || err != nil {
		return out, err
	}
	if s.cfg.Funding == nil {
		return domain.Results{}, domain.ErrFundingMissing.With("the results need each finalist's government share and the round's pool, quoted by the funding service, which this deployment does not reach yet")
	}
	if s.cfg.Donations == nil {
		return domain.Results{}, domain.ErrDonationsMissing.With("the results need each finalist's confirmed donations at the cutoff, from the donations service")
	}
	facts, err := s.resultFacts(ctx, cmd.RoundID)
	if err != nil {
		return domain.Results{}, err
	}
	return inRound(ctx, s, cmd.Key, cmd.RoundID, func(ctx context.Context) (domain.Results, error) {
		if err := s.checkRecomputable(ctx, cmd.RoundID, true); err != nil {
			return domain.Results{}, err
		}
		return s.computeResults(ctx, facts)
	})
}

// checkRecomputable refuses once the results are approved.
func (s *Service) checkRecomputable(ctx context.Context, roundID string, forUpdate bool) error {
	cur, err := s.results.GetResults(ctx, roundID, forUpdate)
	switch {
	case err == nil && cur.State != domain.ResultsComputed:
		return domain.ErrResultsState.With("the results are %s; recomputing is allowed only before approval", cur.State)
	case err != nil && !domain.ErrResultsNotComputed.Is(err):
		return err
	}
	return nil
}

// resultFacts checks the round and reads the finalists (without a lock), then asks the other services about
// them: budgets, confirmed donations at the cutoff, government shares and the pool.
func (s *Service) resultFacts(ctx context.Context, roundID string) (resultFacts, error) {
	r, err := s.round(ctx, roundID)
	if err != nil {
		return resultFacts{}, err
	}
	if r.Phase != domain.PhaseFinalReview && r.Phase != domain.PhaseApproval {
		// Computed in FINAL_REVIEW; recomputing stays possible in APPROVAL until the results are approved.
		return resultFacts{}, domain.ErrWrongPhase.With("the round is in %s; results are computed in FINAL_REVIEW (or recomputed in APPROVAL before approval)", r.Phase)
	}
	if r.DonationCutoff.IsZero() {
		return resultFacts{}, domain.ErrDonationCutoffUnset
	}
	if err := s.checkRecomputable(ctx, roundID, false); err != nil {
		return resultFacts{}, err
	}
	// The same reads as under the lock, so a missing score or panel is refused without asking anyone.
	cands, err := s.resultCandidates(ctx, roundID, nil)
	if err != nil {
		return resultFacts{}, err
	}
	facts := resultFacts{round: r, finalists: map[string]finalistFacts{}, ideaOnlyNow: map[string]bool{}}
	if facts.poolFen, err = s.cfg.Funding.PoolAvailable(ctx, roundID); err != nil {
		return resultFacts{}, err
	}
	for _, c := range cands {
		if !c.Finalist {
			continue
		}
		a, err := s.cfg.Apps.GetApplication(ctx, c.ApplicationID)
		if err != nil {
			return resultFacts{}, err
		}
		if a.IdeaOnly {
			facts.ideaOnlyNow[c.ApplicationID] = true
			continue
		}
		f := finalistFacts{budgetFen: a.BudgetFen}
		if f.donationsFen, err = s.cfg.Donations.ConfirmedAt(ctx, c.ApplicationID, r.DonationCutoff); err != nil {
			return resultFacts{}, err
		}
		if f.governmentFen, err = s.cfg.Funding.GovernmentShare(ctx, roundID, f.budgetFen, f.donationsFen); err != nil {
			return resultFacts{}, err
		}
		facts.finalists[c.ApplicationID] = f
	}
	return facts, nil
}

// resultCandidates reads the shortlist, the final panel, the scores and the votes cast before the cutoff,
// and returns every candidate of the results; with facts, the finalists carry what other services said of
// them (RESULTS_INPUTS_CHANGED when one was not asked about).
func (s *Service) resultCandidates(ctx context.Context, roundID string, facts *resultFacts) ([]domain.ResultCandidate, error) {
	sl, err := s.shortlists.GetShortlist(ctx, roundID, false)
	if err != nil {
		return nil, err
	}
	if _, err := s.panels.PanelFor(ctx, roundID, domain.StageFinal); err != nil {
		return nil, err
	}
	scores, err := s.scores.ScoresOfRound(ctx, roundID)
	if err != nil {
		return nil, err
	}
	grouped := groupScores(scores)
	votes := map[string]int64{}
	if facts != nil {
		// Votes count until voting closed (the donation cutoff): one that passed the PROMOTION check just
		// before the close but landed after it does not.
		tallies, err := s.voters.Tallies(ctx, roundID, facts.round.DonationCutoff)
		if err != nil {
			return nil, err
		}
		for _, t := range tallies {
			votes[t.ApplicationID] = t.Votes
		}
	}
	var cands []domain.ResultCandidate
	var missing []string
	for _, e := range sl.Entries {
		if e.Disqualified {
			continue
		}
		c := domain.ResultCandidate{ApplicationID: e.ApplicationID, FirstSubmitAt: e.FirstSubmitAt, Votes: votes[e.ApplicationID],
			Finalist: e.Shortlisted && !e.IdeaOnly && (facts == nil || !facts.ideaOnlyNow[e.ApplicationID])}
		for _, g := range grouped[e.ApplicationID] {
			c.IdeaScore = max(c.IdeaScore, domain.IdeaScore(g.ideas))
		}
		if c.Finalist && facts != nil {
			f, ok := facts.finalists[e.ApplicationID]
			if !ok {
				return nil, domain.ErrResultsInputsChanged.With("application %s became a finalist while the other services were asked about the finalists", e.ApplicationID)
			}
			c.BudgetFen, c.DonationsFen, c.GovernmentFen = f.budgetFen, f.donationsFen, f.governmentFen
		}
		if c.Finalist {
			g := grouped[e.ApplicationID][domain.StageFinal]
			if g == nil {
				missing = append(missing, e.ApplicationID)
				continue
			}
			c.FinalTotals = g.totals
		}
		cands = append(cands, c)
	}
	if len(missing) > 0 {
		return nil, domain.ErrScoresMissing.With("%d finalist(s) have no final score: %s", len(missing), strings.Join(missing, ", "))
	}
	return cands, nil
}

// computeResults computes and saves the results under the round's lock.
func (s *Service) computeResults(ctx context.Context, facts resultFacts) (domain.Results, error) {
	cands, err := s.resultCandidates(ctx, facts.round.ID, &facts)
	if err != nil {
		return domain.Results{}, err
	}
	res := domain.Results{RoundID: facts.round.ID, State: domain.ResultsComputed, Entries: domain.ComputeResults(facts.round.Policy, cands, facts.poolFen),
		DonationCutoff: facts.round.DonationCutoff, PoolFen: facts.poolFen, ComputedAt: s.now(), ComputedBy: subjectOf(ctx)}
	return res, s.results.SaveResults(ctx, res)
}

// ApproveResults approves computed results while the round is in APPROVAL.
func (s *Service) ApproveResults(ctx context.Context, cmd RoundCommand) (domain.Results, error) {
	return s.advanceResults(ctx, cmd, domain.ResultsComputed, domain.ResultsApproved)
}

// SignOffResults signs off approved results while the round is in APPROVAL, which publishes them and sets
// every application's final stage (recorded, then pushed; signing off again pushes at once what is still
// undelivered).
func (s *Service) SignOffResults(ctx context.Context, cmd RoundCommand) (domain.Results, error) {
	res, err := s.advanceResults(ctx, cmd, domain.ResultsApproved, domain.ResultsSignedOff)
	if err != nil {
		return res, err
	}
	return res, s.pushStages(ctx, cmd.RoundID)
}

func (s *Service) advanceResults(ctx context.Context, cmd RoundCommand, from, to domain.ResultsState) (domain.Results, error) {
	if out, done, err := idempotency.Replay[domain.Results](ctx, s.requests, cmd.Key); done || err != nil {
		return out, err
	}
	r, err := s.round(ctx, cmd.RoundID)
	if err != nil {
		return domain.Results{}, err
	}
	return inRound(ctx, s, cmd.Key, cmd.RoundID, func(ctx context.Context) (domain.Results, error) {
		var stages []domain.StagePush
		res, err := s.results.UpdateResults(ctx, cmd.RoundID, func(res *domain.Results) error {
			var err error
			stages, err = res.Advance(r.Phase, from, to, s.now(), subjectOf(ctx))
			return err
		})
		if err != nil {
			return domain.Results{}, err
		}
		return res, s.queueStages(ctx, cmd.RoundID, stages)
	})
}

// GetResults returns the results: to staff with every entry and input; to anyone once signed off, the
// finalists and the idea-prize winners, without each reviewer's total (like the public shortlist, which lists
// neither the applications left off it nor the reviewers' scores).
func (s *Service) GetResults(ctx context.Context, roundID string) (domain.Results, error) {
	if err := ids.Parse("round_id", roundID); err != nil {
		return domain.Results{}, err
	}
	res, err := s.results.GetResults(ctx, roundID, false)
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
