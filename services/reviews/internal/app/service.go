// Package app holds the reviews service's use cases. Each mutating use case asks the applications, donations
// and funding services for what reviews does not own first, then runs one unit of work (its request_id record
// included) that re-checks under the round's lock and writes; effects on the applications service follow the
// commit through the outbox. The role part of authorisation is the api's table; use cases check objects
// (panel membership, "a reviewer for itself", what the public sees).
package app

import (
	"context"
	"time"

	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// Repository is every repository the use cases need; the store implements it. Each use case file declares
// and uses only its own narrow part.
type Repository interface {
	RoundLocker
	PanelRepository
	ReviewerPanelRepository
	RecusalRepository
	ScoreRepository
	ShortlistRepository
	ComplaintRepository
	VoterRepository
	VoteBatchRepository
	VoterPurgeRepository
	ResultsRepository
	StatusRepository
	PanelScoreRepository
	VoteAnomalyRepository
	VoterPrivacyRepository
}

// RoundLocker serialises the changes to one round's review state that must not interleave (scores against
// computing, computing against publishing) until the unit of work ends. Votes never take it.
type RoundLocker interface {
	LockRound(ctx context.Context, roundID string) error
}

// Outbox carries effects on other services after a commit: Enqueue records a message in the unit of work;
// Flush delivers a key's undelivered messages at once (failed ones included) and returns the first delivery
// error. What Flush does not deliver, a background relay retries until it is delivered.
type Outbox interface {
	Enqueue(ctx context.Context, topic, key string, payload []byte) error
	Flush(ctx context.Context, key string) error
}

// Config holds the collaborators and secrets of the use cases. Donations and Funding are nil while those
// services are not available, Sender while no code sender is configured: what needs them then refuses,
// never guesses.
type Config struct {
	Repo      Repository
	Requests  idempotency.Store
	Outbox    Outbox
	Apps      Applications
	Donations Donations
	Funding   Funding
	Sender    CodeSender
	PhoneKey  []byte
	TokenTTL  time.Duration
	// ComplaintsPerDay is how many complaints one phone or organisation may lodge in any 24 hours
	// (0: DefaultComplaintsPerDay).
	ComplaintsPerDay int
	// VoteBatch is the most votes one group commit writes (0: DefaultVoteBatch; negative: no group commit,
	// each vote its own unit of work).
	VoteBatch int
	// VoteRoundReuse is how long a group commit may reuse the round another batch read (0: every batch reads
	// it): the votes of a batch that reuses a read take that read's instant as their castTime (vote_batcher.go).
	VoteRoundReuse time.Duration
	Now            func() time.Time
}

// Service is the use cases.
type Service struct {
	requests   idempotency.Store
	rounds     RoundLocker
	panels     PanelRepository
	revPanels  ReviewerPanelRepository
	recusals   RecusalRepository
	scores     ScoreRepository
	shortlists ShortlistRepository
	complaints ComplaintRepository
	voters     VoterRepository
	purge      VoterPurgeRepository
	results    ResultsRepository
	status     StatusRepository
	panelScore PanelScoreRepository
	privacy    VoterPrivacyRepository
	outbox     Outbox
	votes      *voteBatcher // nil without group commit
	cfg        Config
}

// New returns the use cases.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.TokenTTL == 0 {
		cfg.TokenTTL = 24 * time.Hour
	}
	if cfg.ComplaintsPerDay == 0 {
		cfg.ComplaintsPerDay = DefaultComplaintsPerDay
	}
	if cfg.VoteBatch == 0 {
		cfg.VoteBatch = DefaultVoteBatch
	}
	r := cfg.Repo
	s := &Service{requests: cfg.Requests, rounds: r, panels: r, revPanels: r, recusals: r, scores: r, shortlists: r, complaints: r,
		voters: r, purge: r, results: r, status: r, panelScore: r, privacy: r, outbox: cfg.Outbox, cfg: cfg}
	if cfg.VoteBatch > 0 {
		s.votes = newVoteBatcher(s, r, cfg.VoteBatch)
	}
	return s
}

func (s *Service) now() time.Time { return s.cfg.Now() }

// inRound is the unit of work of a change to a round's review state: the request record, then the round's
// lock, then fn, committed together. fn re-checks under the lock what it read before and must not call other
// services.
func inRound[T any](ctx context.Context, s *Service, key idempotency.Key, roundID string, fn func(ctx context.Context) (T, error)) (T, error) {
	return idempotency.Run(ctx, s.requests, key, func(ctx context.Context) (T, error) {
		if err := s.rounds.LockRound(ctx, roundID); err != nil {
			var zero T
			return zero, err
		}
		return fn(ctx)
	})
}

// subjectOf names the caller in the records ("anonymous" for the public).
func subjectOf(ctx context.Context) string {
	if id := identity.From(ctx); id.Subject != "" {
		return id.Subject
	}
	return "anonymous"
}

// round reads a round from the applications service.
func (s *Service) round(ctx context.Context, id string) (domain.Round, error) {
	if err := ids.Parse("round_id", id); err != nil {
		return domain.Round{}, err
	}
	return s.cfg.Apps.GetRound(ctx, id)
}

func requirePhase(r domain.Round, want domain.Phase) error {
	if r.Phase != want {
		return domain.ErrWrongPhase.With("the round is in %s; this needs %s", r.Phase, want)
	}
	return nil
}
