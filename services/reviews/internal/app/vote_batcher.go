package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/commonweal/commonweal/pkg/groupcommit"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// Group commit of votes. During promotion the public votes in spikes, and one transaction per vote makes the
// commit (its WAL flush) the cost of every vote. CastVote therefore hands a validated vote to the service's
// vote batcher and waits: a runner takes every vote pending (up to Config.VoteBatch), writes them (the first
// votes in one statement, the repeat votes in one unit of work after it: commit) and answers each caller once
// what wrote its vote has committed. A vote is acknowledged only once it is durable; no artificial delay is
// added, batches form while the previous commit runs.
//
// A caller whose context ends while it waits gets its context's error, but its vote may still be stored when
// its batch commits, as with any reply lost on the way (a client that retries sends a request_id).
//
// Votes that carry a request_id, and malformed input, keep the per-vote path (castVoteAlone).

// DefaultVoteBatch is the most votes one group commit writes unless Config.VoteBatch says otherwise.
const DefaultVoteBatch = 500

// DefaultVoteRoundReuse is how long the service's group commits reuse a round read (Config.VoteRoundReuse).
const DefaultVoteRoundReuse = 25 * time.Millisecond

// voteBatchTimeout bounds a batch's reads and unit of work; the batch never runs under a caller's context.
const voteBatchTimeout = 30 * time.Second

// errBatchPanicked answers the votes of a batch whose runner panicked (an internal error; none of them is
// acknowledged).
var errBatchPanicked = errors.New("the vote batch failed")

// BatchVote is a vote of a group commit: the vote (its voter not yet known) and the hash of its voter token.
type BatchVote struct {
	Vote      domain.Vote
	TokenHash []byte
}

// VoteCheck is what the database says of a vote a group commit did not insert.
type VoteCheck struct {
	// VoterID is the token's voter; "" when the token is unknown or expired at the vote's instant.
	VoterID     string
	OnShortlist bool
}

// VoteBatchRepository writes the votes of a group commit, each method one statement for the whole batch.
type VoteBatchRepository interface {
	// InsertVotesInSlot inserts each vote in the given slot of its voter's daily allowance for the
	// application when its token is known and unexpired at the vote's CastAt, its application holds a place
	// on the round's published shortlist and the slot is free; it returns the voter of each vote inserted, by
	// vote ID.
	InsertVotesInSlot(ctx context.Context, votes []BatchVote, slot int) (map[string]string, error)
	// CheckVotes tells, for each vote in order, its token's voter and whether its application is on the
	// round's published shortlist.
	CheckVotes(ctx context.Context, votes []BatchVote) ([]VoteCheck, error)
}

// pendingVote is a vote waiting for its batch. Only the runner writes vote and err, before closing done.
type pendingVote struct {
	bv       BatchVote
	perDay   int
	done     chan struct{}
	answered bool
	vote     domain.Vote
	err      error
}

func (p *pendingVote) answer(v domain.Vote, err error) {
	if p.answered {
		return
	}
	p.answered = true
	p.vote, p.err = v, err
	close(p.done)
}

// voteBatcher is the group commit of votes (pkg/groupcommit: one runner while any are queued).
type voteBatcher struct {
	s     *Service
	repo  VoteBatchRepository
	queue *groupcommit.Queue[*pendingVote]

	reads map[string]*roundState // recent round reads in PROMOTION, by round: only the runner uses it
}

func newVoteBatcher(s *Service, repo VoteBatchRepository, max int) *voteBatcher {
	b := &voteBatcher{s: s, repo: repo}
	b.queue = groupcommit.New(max, b.process)
	return b
}

// cast queues a vote and waits for its answer; queued is false when the batcher is closed (the caller then
// takes the per-vote path).
func (b *voteBatcher) cast(ctx context.Context, bv BatchVote) (v domain.Vote, queued bool, err error) {
	if err := ctx.Err(); err != nil {
		return domain.Vote{}, true, err
	}
	ps, ok := b.enqueue([]BatchVote{bv})
	if !ok {
		return domain.Vote{}, false, nil
	}
	v, err = ps[0].wait(ctx)
	return v, true, err
}

// enqueue queues votes, in order, under one lock (a batch the gateway collected goes into one group commit
// when it fits); ok is false, and nothing is queued, when the batcher is closed.
func (b *voteBatcher) enqueue(bvs []BatchVote) (ps []*pendingVote, ok bool) {
	ps = make([]*pendingVote, len(bvs))
	slab := make([]pendingVote, len(bvs)) // one allocation for the batch's votes
	for k, bv := range bvs {
		slab[k] = pendingVote{bv: bv, done: make(chan struct{})}
		ps[k] = &slab[k]
	}
	if !b.queue.Add(ps...) {
		return nil, false
	}
	return ps, true
}

// wait returns the vote's answer once its batch has committed, or ctx's error first. A vote whose caller
// stops waiting stays queued: it is stored if its batch commits, like a vote whose reply is lost.
func (p *pendingVote) wait(ctx context.Context) (domain.Vote, error) {
	select {
	case <-p.done:
		return p.vote, p.err
	case <-ctx.Done():
		return domain.Vote{}, ctx.Err()
	}
}

// DrainVotes is a background task of the service: when ctx ends (the service stops), it closes the vote
// batcher and returns once every queued vote has been written and answered, so the graceful stop ends no
// group commit half way. Votes arriving after that take the per-vote path.
func (s *Service) DrainVotes(ctx context.Context) {
	<-ctx.Done()
	if s.votes != nil {
		s.votes.queue.Close()
	}
}

// roundState is a round as one batch read it.
type roundState struct {
	at   time.Time // the service's instant just before the read
	r    domain.Round
	loc  *time.Location
	err  error
	read time.Time // the machine's instant before the read (its monotonic reading bounds the reuse too)
}

// reused returns the round read of an earlier batch that began at or after the votes' stamp and is at most
// Config.VoteRoundReuse old on the machine's clock too: only the runner calls it.
func (b *voteBatcher) reused(id string, stamp time.Time) (*roundState, bool) {
	reuse := b.s.cfg.VoteRoundReuse
	st, ok := b.reads[id]
	if reuse <= 0 || !ok {
		return nil, false
	}
	if st.at.Before(stamp) || time.Since(st.read) > reuse {
		delete(b.reads, id)
		return nil, false
	}
	return st, true
}

// keep remembers a read of a round in PROMOTION for the next batches (Config.VoteRoundReuse).
func (b *voteBatcher) keep(id string, st *roundState) {
	if b.s.cfg.VoteRoundReuse <= 0 {
		return
	}
	if b.reads == nil || len(b.reads) > 64 {
		b.reads = map[string]*roundState{}
	}
	b.reads[id] = st
}

// process writes one batch and answers each of its votes.
func (b *voteBatcher) process(batch []*pendingVote) {
	defer func() {
		if r := recover(); r != nil {
			slog.Error("vote batch panicked", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			for _, p := range batch {
				p.answer(domain.Vote{}, errBatchPanicked)
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), voteBatchTimeout)
	defer cancel()

	// The votes' instant is taken before the reads of their rounds. The applications service stamps the close
	// of voting (the donation cutoff) in the unit of work that takes the round out of PROMOTION, and a read that
	// still sees PROMOTION began before that unit of work committed; so a vote stamped before the read is, but
	// for the milliseconds between the close's stamp and its commit, before the cutoff, and the results (which
	// count the votes cast before the cutoff) count it. Stamping after the read would leave every vote of a
	// batch whose read overlapped the close acknowledged but not counted.
	//
	// With Config.VoteRoundReuse, a read in PROMOTION serves the batches of the next VoteRoundReuse too (under
	// load, a round read per batch is most of a vote's cost in the applications service). Every vote is then
	// stamped VoteRoundReuse before its batch is written, so that a read that old still began after the stamp:
	// the rule holds for every vote, and castTime keeps the order in which the batches were written.
	stamp := b.s.now().Add(-b.s.cfg.VoteRoundReuse)
	// (1) Each round of the batch is read once from the applications service, before any unit of work.
	rounds := map[string]*roundState{}
	for _, p := range batch {
		id := p.bv.Vote.RoundID
		if _, ok := rounds[id]; ok {
			continue
		}
		if st, ok := b.reused(id, stamp); ok {
			rounds[id] = st
			continue
		}
		st := &roundState{at: b.s.now(), read: time.Now()}
		rounds[id] = st
		if st.r, st.err = b.s.cfg.Apps.GetRound(ctx, id); st.err != nil {
			continue
		}
		if st.r.Phase != domain.PhasePromotion {
			st.err = domain.ErrVotingClosed.With("the round is in %s", st.r.Phase)
			continue
		}
		if st.loc, st.err = loadLocation(st.r.Policy.TimeZone); st.err != nil {
			st.err = fmt.Errorf("round %s time zone: %w", st.r.ID, st.err)
			continue
		}
		b.keep(id, st)
	}
	open := make([]*pendingVote, 0, len(batch))
	var refused []*pendingVote
	days := make(map[*roundState]string, len(rounds)) // every vote of the batch has the same stamp
	for _, p := range batch {
		p.bv.Vote.CastAt = stamp
		st := rounds[p.bv.Vote.RoundID]
		if st.err != nil {
			refused = append(refused, p)
			continue
		}
		day, ok := days[st]
		if !ok {
			day = domain.VoteDay(stamp, st.loc)
			days[st] = day
		}
		p.bv.Vote.Day = day
		p.perDay = max(1, st.r.Policy.VotesPerVoterPerDay)
		open = append(open, p)
	}
	b.refuse(ctx, refused, rounds)
	b.commit(ctx, open)
}

// refuse answers the votes of rounds that cannot take votes: an unknown or expired token first, as the
// per-vote path does, then the round's error.
func (b *voteBatcher) refuse(ctx context.Context, votes []*pendingVote, rounds map[string]*roundState) {
	if len(votes) == 0 {
		return
	}
	checks, err := b.repo.CheckVotes(ctx, batchVotes(votes))
	for k, p := range votes {
		switch {
		case err != nil:
			p.answer(domain.Vote{}, err)
		case checks[k].VoterID == "":
			p.answer(domain.Vote{}, errTokenInvalid())
		default:
			p.answer(domain.Vote{}, rounds[p.bv.Vote.RoundID].err)
		}
	}
}

// commit is (2) and (3) of a batch: every vote inserted in the first free slot of its voter's allowance, then,
// once committed, the answers. Slot 1 is one statement on its own (PostgreSQL commits a statement sent outside
// a transaction as its own unit of work, durable before the statement's answer is complete), so a batch of
// first votes — the usual batch — takes one round trip instead of begin, insert and commit. The votes it did
// not insert (a token, an application off the shortlist, or slot 1 taken) go on in one unit of work: why each
// was not inserted, then the next slots. A statement or unit of work that fails answers every vote it was
// writing with the error and stores none of them; the votes an earlier statement stored keep their answers.
func (b *voteBatcher) commit(ctx context.Context, votes []*pendingVote) {
	if len(votes) == 0 {
		return
	}
	out := make([]voteOutcome, len(votes))
	all := make([]int, len(votes))
	for k := range all {
		all[k] = k
	}
	missed, err := b.insertSlot(ctx, votes, all, 1, out)
	if err != nil {
		for _, k := range all {
			out[k] = voteOutcome{err: err}
		}
	} else if len(missed) > 0 {
		next := make([]voteOutcome, len(votes))
		_, err := idempotency.Run(ctx, b.s.requests, idempotency.Key{}, func(ctx context.Context) (struct{}, error) {
			clear(next)
			return struct{}{}, b.nextSlots(ctx, votes, missed, next)
		})
		for _, k := range missed {
			if err != nil {
				out[k] = voteOutcome{err: err}
			} else {
				out[k] = next[k]
			}
		}
	}
	stored := int64(0)
	for k, p := range votes {
		p.answer(out[k].vote, out[k].err)
		if out[k].err == nil {
			stored++
		}
	}
	votesCast.Add(ctx, stored) // committed (metrics.go)
}

// voteOutcome is a vote's answer as its batch wrote it.
type voteOutcome struct {
	vote domain.Vote
	err  error
}

// insertSlot inserts the votes at the indexes pending in the slot, records the answer of each inserted one in
// out, and returns the indexes of the others.
func (b *voteBatcher) insertSlot(ctx context.Context, votes []*pendingVote, pending []int, slot int, out []voteOutcome) (missed []int, err error) {
	bvs := make([]BatchVote, len(pending))
	for j, k := range pending {
		bvs[j] = votes[k].bv
	}
	inserted, err := b.repo.InsertVotesInSlot(ctx, bvs, slot)
	if err != nil {
		return nil, err
	}
	for _, k := range pending {
		v := votes[k].bv.Vote
		if voter, ok := inserted[v.ID]; ok {
			v.VoterID = voter
			out[k] = voteOutcome{vote: v}
		} else {
			missed = append(missed, k)
		}
	}
	return missed, nil
}

// nextSlots is the unit of work of the votes slot 1 did not take (the indexes missed): why each was not
// inserted, then the next slot for those whose slot was taken, until each is inserted or answered.
func (b *voteBatcher) nextSlots(ctx context.Context, votes []*pendingVote, missed []int, out []voteOutcome) error {
	for slot := 1; len(missed) > 0; slot++ {
		if slot > 1 {
			var err error
			if missed, err = b.insertSlot(ctx, votes, missed, slot, out); err != nil || len(missed) == 0 {
				return err
			}
		}
		// Why a vote was not inserted: its token, its application, or the slot was taken.
		mv := make([]BatchVote, len(missed))
		for j, k := range missed {
			mv[j] = votes[k].bv
		}
		checks, err := b.repo.CheckVotes(ctx, mv)
		if err != nil {
			return err
		}
		var pending []int
		for j, k := range missed {
			p := votes[k]
			switch {
			case checks[j].VoterID == "":
				out[k] = voteOutcome{err: errTokenInvalid()}
			case !checks[j].OnShortlist:
				out[k] = voteOutcome{err: errNotOnShortlist(p.bv.Vote.ApplicationID)}
			case slot >= p.perDay:
				out[k] = voteOutcome{err: domain.ErrAlreadyVoted.With("this voter already cast %d vote(s) for this application on %s", p.perDay, p.bv.Vote.Day)}
			default:
				pending = append(pending, k) // the next slot
			}
		}
		missed = pending
	}
	return nil
}

func batchVotes(ps []*pendingVote) []BatchVote {
	out := make([]BatchVote, len(ps))
	for k, p := range ps {
		out[k] = p.bv
	}
	return out
}

func errTokenInvalid() error {
	return domain.ErrVoterTokenInvalid.With("the voter token is unknown or expired")
}

func errNotOnShortlist(applicationID string) error {
	return domain.ErrNotOnShortlist.With("application %s is not on the round's published shortlist", applicationID)
}

// locations caches the time zones of rounds: time.LoadLocation reads the zone database each call.
var locations sync.Map

func loadLocation(name string) (*time.Location, error) {
	if l, ok := locations.Load(name); ok {
		return l.(*time.Location), nil
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	locations.Store(name, l)
	return l, nil
}
