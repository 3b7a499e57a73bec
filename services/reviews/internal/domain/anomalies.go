package domain

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/ids"
)

// Errors of vote anomalies and voiding.
var (
	ErrInvalidThreshold    = errs.New(errs.InvalidArgument, "INVALID_THRESHOLD", "an anomaly threshold is out of range")
	ErrInvalidVoteIDs      = errs.New(errs.InvalidArgument, "INVALID_VOTE_IDS", "name 1 to 10,000 votes by ID")
	ErrVoidReasonTooLong   = errs.New(errs.InvalidArgument, "REASON_TOO_LONG", "the reason is longer than 2,000 characters")
	ErrVoteNotInRound      = errs.New(errs.NotFound, "VOTE_NOT_FOUND", "a vote named is not a vote of this round; nothing was voided")
	ErrVoidResultsApproved = errs.New(errs.FailedPrecondition, "RESULTS_ALREADY_APPROVED", "the round's results are approved; its votes can no longer be voided")
)

// AnomalyKind is the kind of a vote anomaly signal.
type AnomalyKind string

// The anomaly kinds.
const (
	// AnomalyNetworkCluster: many distinct voters from one client network.
	AnomalyNetworkCluster AnomalyKind = "NETWORK_CLUSTER"
	// AnomalyBurst: many votes for one application within one burst window.
	AnomalyBurst AnomalyKind = "BURST"
	// AnomalyNewVoters: many votes for one application within an hour by voters verified just before voting.
	AnomalyNewVoters AnomalyKind = "NEW_VOTERS"
)

// NewVoterBucket is the window NEW_VOTERS counts in.
const NewVoterBucket = time.Hour

// MaxAnomalyVoteIDs is how many vote IDs one signal lists.
const MaxAnomalyVoteIDs = 1000

// AnomalyThresholds are what makes a signal. Zero values take the defaults (WithDefaults).
type AnomalyThresholds struct {
	// MinNetworkVoters distinct voters from one client network make a NETWORK_CLUSTER.
	MinNetworkVoters int
	// MinBurstVotes votes for one application within one BurstWindow make a BURST.
	MinBurstVotes int
	BurstWindow   time.Duration
	// NewVoterAge: a voter created at most this long before a vote is new at that vote.
	NewVoterAge time.Duration
	// MinNewVoterVotes votes by new voters for one application within NewVoterBucket make a NEW_VOTERS.
	MinNewVoterVotes int
}

// DefaultAnomalyThresholds are the thresholds of a request that sets none.
var DefaultAnomalyThresholds = AnomalyThresholds{MinNetworkVoters: 20, MinBurstVotes: 100, BurstWindow: time.Minute,
	NewVoterAge: 10 * time.Minute, MinNewVoterVotes: 50}

// Bounds of the thresholds: a count above maxAnomalyCount could never be reached by a real round, and windows
// are bounded so that a bucket stays a meaningful burst.
const (
	maxAnomalyCount     = 1_000_000
	maxBurstWindowSecs  = 86_400
	maxNewVoterAgeSecs  = 7 * 86_400
	anomalyCountRange   = "0 (the default) or 1 to 1,000,000"
	burstWindowRange    = "0 (the default) or 1 to 86,400 seconds"
	newVoterWindowRange = "0 (the default) or 1 to 604,800 seconds"
)

// AnomalyThresholdsOf validates the thresholds of a request, given as counts and seconds, and fills in the
// defaults for zeros. A negative or too large value is INVALID_THRESHOLD on its field.
func AnomalyThresholdsOf(minNetworkVoters, minBurstVotes, burstWindowSecs, newVoterSecs, minNewVoterVotes int) (AnomalyThresholds, error) {
	d := DefaultAnomalyThresholds
	pick := func(field string, v, max int, desc string, def int) (int, error) {
		switch {
		case v < 0 || v > max:
			return 0, ErrInvalidThreshold.Field(field, desc)
		case v == 0:
			return def, nil
		}
		return v, nil
	}
	var t AnomalyThresholds
	var err error
	if t.MinNetworkVoters, err = pick("min_network_voters", minNetworkVoters, maxAnomalyCount, anomalyCountRange, d.MinNetworkVoters); err != nil {
		return AnomalyThresholds{}, err
	}
	if t.MinBurstVotes, err = pick("min_burst_votes", minBurstVotes, maxAnomalyCount, anomalyCountRange, d.MinBurstVotes); err != nil {
		return AnomalyThresholds{}, err
	}
	secs, err := pick("burst_window_seconds", burstWindowSecs, maxBurstWindowSecs, burstWindowRange, int(d.BurstWindow/time.Second))
	if err != nil {
		return AnomalyThresholds{}, err
	}
	t.BurstWindow = time.Duration(secs) * time.Second
	if secs, err = pick("new_voter_seconds", newVoterSecs, maxNewVoterAgeSecs, newVoterWindowRange, int(d.NewVoterAge/time.Second)); err != nil {
		return AnomalyThresholds{}, err
	}
	t.NewVoterAge = time.Duration(secs) * time.Second
	if t.MinNewVoterVotes, err = pick("min_new_voter_votes", minNewVoterVotes, maxAnomalyCount, anomalyCountRange, d.MinNewVoterVotes); err != nil {
		return AnomalyThresholds{}, err
	}
	return t, nil
}

// VoteAnomaly is one signal of possible vote stuffing and the (non-voided) votes it concerns.
type VoteAnomaly struct {
	Kind AnomalyKind
	// Network is the client network of a NETWORK_CLUSTER.
	Network string
	// ApplicationID is the application of a BURST or NEW_VOTERS, and of a NETWORK_CLUSTER when more than
	// half its votes went to one application.
	ApplicationID string
	// WindowStart and WindowEnd bound the votes: a NETWORK_CLUSTER's first and last vote; the bucket
	// [start, end) of a BURST or NEW_VOTERS.
	WindowStart, WindowEnd time.Time
	Voters, Votes          int
	// VoteIDs are the first MaxAnomalyVoteIDs votes, oldest first; VotesTruncated when there are more.
	VoteIDs        []string
	VotesTruncated bool
	Description    string
}

// Describe is a readable sentence about the signal, e.g. "42 voters from 203.0.113.0/24 cast 57 votes".
func (a VoteAnomaly) Describe(t AnomalyThresholds) string {
	when := func(at time.Time) string { return at.UTC().Format("2006-01-02 15:04:05Z") }
	switch a.Kind {
	case AnomalyNetworkCluster:
		s := fmt.Sprintf("%s from %s cast %s between %s and %s", plural(a.Voters, "voter"), a.Network, plural(a.Votes, "vote"), when(a.WindowStart), when(a.WindowEnd))
		if a.ApplicationID != "" {
			s += ", most of them for application " + a.ApplicationID
		}
		return s
	case AnomalyBurst:
		return fmt.Sprintf("%s by %s for application %s within %s from %s", plural(a.Votes, "vote"), plural(a.Voters, "voter"), a.ApplicationID,
			seconds(t.BurstWindow), when(a.WindowStart))
	case AnomalyNewVoters:
		return fmt.Sprintf("%s for application %s in the hour from %s by %s created at most %s before voting", plural(a.Votes, "vote"), a.ApplicationID,
			when(a.WindowStart), plural(a.Voters, "voter"), seconds(t.NewVoterAge))
	}
	return fmt.Sprintf("%s: %s by %s", a.Kind, plural(a.Votes, "vote"), plural(a.Voters, "voter"))
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func seconds(d time.Duration) string { return fmt.Sprintf("%d s", int64(d/time.Second)) }

var anomalyKindOrder = map[AnomalyKind]int{AnomalyNetworkCluster: 0, AnomalyBurst: 1, AnomalyNewVoters: 2}

// SortAnomalies orders signals largest first: most votes, then most voters, then kind, window, network and
// application so the order is stable.
func SortAnomalies(as []VoteAnomaly) {
	slices.SortStableFunc(as, func(a, b VoteAnomaly) int {
		return cmp.Or(
			cmp.Compare(b.Votes, a.Votes),
			cmp.Compare(b.Voters, a.Voters),
			cmp.Compare(anomalyKindOrder[a.Kind], anomalyKindOrder[b.Kind]),
			a.WindowStart.Compare(b.WindowStart),
			strings.Compare(a.Network, b.Network),
			strings.Compare(a.ApplicationID, b.ApplicationID),
		)
	})
}

// Bounds of a VoidVotes request.
const (
	MaxVoidVotes      = 10_000
	MaxVoidReasonRune = 2_000 // as every reviews reason (the API's bound)
)

// VoidRequest checks what a VoidVotes request names and returns its vote IDs without repeats (a vote named
// twice is voided once) and the trimmed reason.
func VoidRequest(voteIDs []string, reason string) ([]string, string, error) {
	if len(voteIDs) == 0 || len(voteIDs) > MaxVoidVotes {
		return nil, "", ErrInvalidVoteIDs.Field("vote_ids", fmt.Sprintf("name 1 to %d votes, got %d", MaxVoidVotes, len(voteIDs)))
	}
	seen := make(map[string]bool, len(voteIDs))
	out := make([]string, 0, len(voteIDs))
	for i, id := range voteIDs {
		field := fmt.Sprintf("vote_ids[%d]", i)
		if err := ids.Parse(field, id); err != nil {
			return nil, "", err
		}
		if len(id) != 36 { // the braced and urn: forms would name one vote twice
			return nil, "", errs.ErrInvalidID.Field(field, "an ID as the API writes it (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)")
		}
		id = strings.ToLower(id)
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, "", ErrReasonRequired.Field("reason", "say why the votes are voided")
	}
	if utf8.RuneCountInString(reason) > MaxVoidReasonRune {
		return nil, "", ErrVoidReasonTooLong.Field("reason", fmt.Sprintf("at most %d characters", MaxVoidReasonRune))
	}
	return out, reason, nil
}

// VoidsAllowed refuses voiding once the round's results are approved or signed off: the results published
// or about to be published must be those the votes gave. state is "" when no results exist.
func VoidsAllowed(state ResultsState) error {
	if state == ResultsApproved || state == ResultsSignedOff {
		return ErrVoidResultsApproved.With("the results are %s", state)
	}
	return nil
}

// VoidedVote is a voided vote and who voided it, when and why.
type VoidedVote struct {
	Vote     Vote
	Reason   string
	VoidedBy string
	VoidedAt time.Time
}

// VoidOutcome counts what a VoidVotes request did.
type VoidOutcome struct {
	Voided      int
	AlreadyVoid int
}
