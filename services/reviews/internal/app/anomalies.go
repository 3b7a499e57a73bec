package app

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// VoteAnomalyRepository finds signals of vote stuffing in the stored votes and keeps the record of voided
// votes (append-only; a vote itself is never changed nor deleted).
type VoteAnomalyRepository interface {
	// VoteAnomalies computes a round's signals from its non-voided votes, reading only.
	VoteAnomalies(ctx context.Context, roundID string, t domain.AnomalyThresholds) ([]domain.VoteAnomaly, error)
	// VoteVoidStates says, for each ID that is a vote of the round, whether it is already void; an ID
	// missing from the answer is not a vote of the round.
	VoteVoidStates(ctx context.Context, roundID string, voteIDs []string) (map[string]bool, error)
	// InsertVoteVoids records votes of the round as void and returns how many it recorded.
	InsertVoteVoids(ctx context.Context, roundID string, voteIDs []string, reason, by string, at time.Time) (int, error)
	// ListVoidedVotes returns a page of a round's voided votes, oldest void first.
	ListVoidedVotes(ctx context.Context, f VoidedVoteFilter) ([]domain.VoidedVote, error)
}

func (s *Service) anomalies() VoteAnomalyRepository { return s.cfg.Repo }

// VoteAnomalyQuery asks for a round's anomaly signals with the request's thresholds (zero: the default).
type VoteAnomalyQuery struct {
	RoundID            string
	MinNetworkVoters   int
	MinBurstVotes      int
	BurstWindowSeconds int
	NewVoterSeconds    int
	MinNewVoterVotes   int
}

// ListVoteAnomalies computes the signals of possible vote stuffing in a round from its stored votes, voided
// ones left out (so a voided burst no longer shows), largest first. It writes nothing and takes no lock.
func (s *Service) ListVoteAnomalies(ctx context.Context, q VoteAnomalyQuery) ([]domain.VoteAnomaly, error) {
	if err := ids.Parse("round_id", q.RoundID); err != nil {
		return nil, err
	}
	t, err := domain.AnomalyThresholdsOf(q.MinNetworkVoters, q.MinBurstVotes, q.BurstWindowSeconds, q.NewVoterSeconds, q.MinNewVoterVotes)
	if err != nil {
		return nil, err
	}
	if _, err := s.round(ctx, q.RoundID); err != nil {
		return nil, err
	}
	out, err := s.anomalies().VoteAnomalies(ctx, q.RoundID, t)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Description = out[i].Describe(t)
	}
	domain.SortAnomalies(out)
	return out, nil
}

// VoidVotes is the input of VoidVotes.
type VoidVotes struct {
	Key     idempotency.Key
	RoundID string
	VoteIDs []string
	Reason  string
}

// VoidVotes voids votes of a round with a reason, all or nothing: when one ID is not a vote of the round,
// nothing is voided (VOTE_NOT_FOUND). A vote already void keeps its first record and counts in AlreadyVoid.
// Refused once the round's results are approved (RESULTS_ALREADY_APPROVED): the unit of work takes the
// round's lock, so a void either lands before results are computed and approved, or waits and is refused.
// Results computed before a void still count the voided votes until they are computed again.
func (s *Service) VoidVotes(ctx context.Context, cmd VoidVotes) (domain.VoidOutcome, error) {
	if err := ids.Parse("round_id", cmd.RoundID); err != nil {
		return domain.VoidOutcome{}, err
	}
	voteIDs, reason, err := domain.VoidRequest(cmd.VoteIDs, cmd.Reason)
	if err != nil {
		return domain.VoidOutcome{}, err
	}
	if out, done, err := idempotency.Replay[domain.VoidOutcome](ctx, s.requests, cmd.Key); done || err != nil {
		return out, err
	}
	if _, err := s.round(ctx, cmd.RoundID); err != nil {
		return domain.VoidOutcome{}, err
	}
	now, by := s.now(), subjectOf(ctx)
	return inRound(ctx, s, cmd.Key, cmd.RoundID, func(ctx context.Context) (domain.VoidOutcome, error) {
		var state domain.ResultsState
		switch res, err := s.results.GetResults(ctx, cmd.RoundID, false); {
		case err == nil:
			state = res.State
		case !domain.ErrResultsNotComputed.Is(err):
			return domain.VoidOutcome{}, err
		}
		if err := domain.VoidsAllowed(state); err != nil {
			return domain.VoidOutcome{}, err
		}
		void, err := s.anomalies().VoteVoidStates(ctx, cmd.RoundID, voteIDs)
		if err != nil {
			return domain.VoidOutcome{}, err
		}
		var missing, fresh []string
		for _, id := range voteIDs {
			switch already, ok := void[id]; {
			case !ok:
				missing = append(missing, id)
			case !already:
				fresh = append(fresh, id)
			}
		}
		if len(missing) > 0 {
			return domain.VoidOutcome{}, domain.ErrVoteNotInRound.With("%d of the %d votes named are not votes of round %s (e.g. %s); nothing was voided",
				len(missing), len(voteIDs), cmd.RoundID, strings.Join(missing[:min(len(missing), 5)], ", "))
		}
		out := domain.VoidOutcome{AlreadyVoid: len(voteIDs) - len(fresh)}
		if len(fresh) == 0 {
			return out, nil
		}
		slices.Sort(fresh)
		n, err := s.anomalies().InsertVoteVoids(ctx, cmd.RoundID, fresh, reason, by, now)
		out.Voided = n
		return out, err
	})
}

// VoidedVoteFilter selects a page of a round's voided votes after a cursor.
type VoidedVoteFilter struct {
	RoundID   string
	AfterTime time.Time
	AfterID   string
	Limit     int
}

// ListVoidedVotes returns a page of a round's voided votes with who voided them, when and why, oldest first.
func (s *Service) ListVoidedVotes(ctx context.Context, f VoidedVoteFilter) ([]domain.VoidedVote, error) {
	if err := ids.Parse("round_id", f.RoundID); err != nil {
		return nil, err
	}
	return s.anomalies().ListVoidedVotes(ctx, f)
}
