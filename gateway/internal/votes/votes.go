// Package votes batches the gateway's vote requests: the POST .../votes requests that arrive together go to
// the reviews service in one internal CastVotes call instead of one CastVote call each, so the per-call cost
// of the gateway and of reviews (HTTP/2 framing, interceptors, scheduling) is paid once per batch. Each
// request still gets its own answer — its vote, or its own error — and only once reviews has answered for
// its vote, which reviews does once the vote's group commit is durable.
//
// A batch leaves when it holds Options.Max votes, or Options.Window after its first vote arrived, and only
// while fewer than Options.InFlight batches are on their way; votes arriving meanwhile wait for the next one.
// With Options.ShareWait, a batch also waits (that long at most) for its share of the votes while another is
// on its way, so that the batches in flight stay of a size.
// Nothing is retried: a batch whose call fails answers each of its votes with the call's error (a vote of
// a batch that reached reviews may then be stored without its answer, as with any reply lost on the way).
package votes

import (
	"context"
	"errors"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	spb "google.golang.org/genproto/googleapis/rpc/status"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/reviews/v1"
)

// Vote is one vote request: what CastVotes takes of it.
type Vote struct {
	VoterToken    string
	RoundID       string
	ApplicationID string
	// ClientNetwork is the client's /24 or /64 as the gateway saw it ("" when unknown).
	ClientNetwork string
}

// Result is the answer to one vote: the vote cast, or the error CastVote would have returned.
type Result struct {
	Vote *pb.Vote
	Err  error
}

// Send casts one batch and returns one result per vote, in order; an error fails the whole batch.
type Send func(ctx context.Context, votes []Vote) ([]Result, error)

// Options tune a Batcher.
type Options struct {
	// Max is the most votes of one batch (at most 1,000: CastVotes' documented maximum).
	Max int
	// Window is how long a batch waits for more votes after its first one (0: it leaves at once when a
	// call is free).
	Window time.Duration
	// InFlight is the most batches on their way at once (at least 1).
	InFlight int
	// ShareWait, when positive, holds a batch back while other batches are on their way until it has its
	// share of the votes (queued and on their way, divided by InFlight), for at most this long: without it, a
	// call freed just after the previous batch left takes the one or two votes queued since, and the votes
	// answered meanwhile come back to a queue that must wait for the next free call — batches of 1 alternate
	// with batches of nearly every vote, and the second call does little. 0: a batch leaves as soon as a call
	// is free.
	ShareWait time.Duration
	// Timeout bounds one batch call (a caller whose own deadline is earlier stops waiting then).
	Timeout time.Duration
}

// Defaults: no window, and two batches in flight, so reviews has the next batch queued while it commits one
// and the votes arriving meanwhile gather into the batch after (make bench, scenario 1: a 2 ms window gave
// 0.52 of pgbench's rate, 0.5 ms 0.60, none 0.60 — the batches form while the calls are busy; a window only
// adds its wait to every vote). Each batch waits up to 1 ms for its share (ShareWait; scenario 1: about 0.62
// without, 0.68–0.73 with; waiting for 3/8 of the votes instead of 1/2 gave 0.64).
const (
	DefaultMax       = 500
	DefaultWindow    = 0
	DefaultInFlight  = 2
	DefaultShareWait = time.Millisecond
	MaxBatch         = 1000
)

// ErrClosed is Cast's answer once the batcher is closed: the caller takes the per-vote path.
var ErrClosed = errors.New("the vote batcher is closed")

// waiter is a vote waiting for its batch; the batch goroutine writes res before closing done.
type waiter struct {
	ctx  context.Context
	vote Vote
	done chan struct{}
	res  Result
}

// Batcher collects votes into batches.
type Batcher struct {
	send Send
	o    Options

	mu       sync.Mutex
	queue    []*waiter
	armed    bool // a window timer is running for the queue's first vote
	due      bool // the queue's first vote has waited its window: flush as soon as a call is free
	inFlight int
	sent     int  // votes of the batches on their way
	late     bool // the queue has waited Options.ShareWait for its share: it leaves with the next free call
	waiting  bool // a ShareWait timer is running
	closed   bool
	wg       sync.WaitGroup // batches on their way
}

// New returns a batcher sending with send.
func New(send Send, o Options) *Batcher {
	if o.Max <= 0 || o.Max > MaxBatch {
		o.Max = min(max(o.Max, DefaultMax), MaxBatch)
	}
	if o.InFlight <= 0 {
		o.InFlight = DefaultInFlight
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	return &Batcher{send: send, o: o}
}

// Cast queues a vote and waits for its answer: the vote, or its own error (a gRPC status error, as the
// CastVote call would have returned). ErrClosed means the batcher no longer takes votes. When ctx ends first,
// the answer is ctx's status (DEADLINE_EXCEEDED or CANCELED); the vote is then not sent if its batch has not
// left yet, and may be stored if it has.
func (b *Batcher) Cast(ctx context.Context, v Vote) (*pb.Vote, error) {
	if err := ctx.Err(); err != nil {
		return nil, status.FromContextError(err).Err()
	}
	w := &waiter{ctx: ctx, vote: v, done: make(chan struct{})}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, ErrClosed
	}
	b.queue = append(b.queue, w)
	if b.o.Window <= 0 {
		b.due = true
	} else if !b.armed {
		b.startTimerLocked(b.o.Window, &b.armed, &b.due)
	}
	b.flushLocked()
	b.mu.Unlock()
	select {
	case <-w.done:
		return w.res.Vote, w.res.Err
	case <-ctx.Done():
		return nil, status.FromContextError(ctx.Err()).Err()
	}
}

// fairLocked tells whether the queue may leave now that a call is free: when no batch is on its way, when it
// is full, when it holds its share of the votes the batcher has — queued and on their way — divided by
// Options.InFlight, or when it has waited Options.ShareWait for that; b.mu is held.
func (b *Batcher) fairLocked() bool {
	if b.o.ShareWait <= 0 || b.inFlight == 0 || b.closed || b.late || len(b.queue) >= b.o.Max {
		return true
	}
	return len(b.queue)*b.o.InFlight >= b.sent+len(b.queue)
}

// startTimerLocked sets *running and, after d, clears it, sets *passed when votes are queued, and flushes: the
// Window (armed, due) and ShareWait (waiting, late) timers; b.mu is held.
func (b *Batcher) startTimerLocked(d time.Duration, running, passed *bool) {
	*running = true
	time.AfterFunc(d, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		*running = false
		if len(b.queue) > 0 {
			*passed = true
		}
		b.flushLocked()
	})
}

// flushLocked starts batches while some are due and calls are free; b.mu is held.
func (b *Batcher) flushLocked() {
	for len(b.queue) > 0 && b.inFlight < b.o.InFlight && (b.due || b.closed || len(b.queue) >= b.o.Max) {
		if !b.fairLocked() {
			if !b.waiting {
				b.startTimerLocked(b.o.ShareWait, &b.waiting, &b.late)
			}
			break
		}
		n := min(len(b.queue), b.o.Max)
		batch := b.queue[:n:n]
		b.queue = b.queue[n:]
		if len(b.queue) == 0 {
			b.queue = nil
			b.due = false // a vote arriving next starts a new window
		}
		b.inFlight++
		b.sent += n
		b.late = false
		b.wg.Add(1)
		go b.run(batch)
	}
	if len(b.queue) > 0 && !b.due && !b.armed && !b.closed {
		// Votes left behind by a full batch start their own window.
		b.startTimerLocked(b.o.Window, &b.armed, &b.due)
	}
}

// run sends one batch, answers each of its votes, then lets the next batch go.
func (b *Batcher) run(batch []*waiter) {
	defer b.wg.Done()
	defer func() {
		b.mu.Lock()
		b.inFlight--
		b.sent -= len(batch)
		b.flushLocked()
		b.mu.Unlock()
	}()
	// Votes whose callers stopped waiting are not sent: their callers were answered with their context's error.
	live := batch[:0:0]
	for _, w := range batch {
		if err := w.ctx.Err(); err != nil {
			w.answer(Result{Err: status.FromContextError(err).Err()})
		} else {
			live = append(live, w)
		}
	}
	if len(live) == 0 {
		return
	}
	votes := make([]Vote, len(live))
	for k, w := range live {
		votes[k] = w.vote
	}
	ctx, cancel := context.WithTimeout(context.Background(), b.o.Timeout)
	defer cancel()
	results, err := b.send(ctx, votes)
	if err == nil && len(results) != len(live) {
		err = status.Errorf(codes.Internal, "CastVotes answered %d votes of %d", len(results), len(live))
	}
	for k, w := range live {
		if err != nil {
			w.answer(Result{Err: err})
		} else {
			w.answer(results[k])
		}
	}
}

func (w *waiter) answer(r Result) {
	w.res = r
	close(w.done)
}

// Close stops taking votes (Cast answers ErrClosed) and returns once every queued vote has been sent and
// answered.
func (b *Batcher) Close() {
	b.mu.Lock()
	b.closed = true
	b.flushLocked()
	b.mu.Unlock()
	b.wg.Wait()
}

// Client is the Send of the reviews service's CastVotes.
func Client(c pb.ReviewsServiceClient) Send {
	return func(ctx context.Context, votes []Vote) ([]Result, error) {
		req := &pb.CastVotesRequest{Votes: make([]*pb.BatchedVote, len(votes))}
		for k, v := range votes {
			req.Votes[k] = &pb.BatchedVote{VoterToken: v.VoterToken, RoundId: v.RoundID, ApplicationId: v.ApplicationID, ClientNetwork: v.ClientNetwork}
		}
		resp, err := c.CastVotes(ctx, req)
		if err != nil {
			return nil, err
		}
		out := make([]Result, len(resp.GetResults()))
		for k, r := range resp.GetResults() {
			if r.GetVote() != nil && len(r.GetStatus()) == 0 {
				out[k].Vote = r.GetVote()
				continue
			}
			st := &spb.Status{}
			if err := proto.Unmarshal(r.GetStatus(), st); err != nil || st.GetCode() == int32(codes.OK) {
				out[k].Err = status.Error(codes.Internal, "CastVotes answered a vote with neither a vote nor an error")
				continue
			}
			out[k].Err = status.FromProto(st).Err()
		}
		return out, nil
	}
}
