package votes

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/reviews/v1"
)

// fakeReviews answers each vote of a batch: an application ID starting "bad" is refused with its own
// reason, the others are cast with the vote's token as its ID. Calls wait while the gate is shut.
type fakeReviews struct {
	mu      sync.Mutex
	batches [][]Vote
	gate    chan struct{}
	fail    error // the whole call fails
}

func (f *fakeReviews) send(ctx context.Context, votes []Vote) ([]Result, error) {
	f.mu.Lock()
	f.batches = append(f.batches, append([]Vote(nil), votes...))
	gate, fail := f.gate, f.fail
	f.mu.Unlock()
	if gate != nil {
		<-gate
	}
	if fail != nil {
		return nil, fail
	}
	out := make([]Result, len(votes))
	for k, v := range votes {
		if len(v.ApplicationID) >= 3 && v.ApplicationID[:3] == "bad" {
			out[k].Err = status.Error(codes.FailedPrecondition, "refused "+v.VoterToken)
		} else {
			out[k].Vote = &pb.Vote{Id: v.VoterToken, ApplicationId: v.ApplicationID, ClientNetwork: v.ClientNetwork}
		}
	}
	return out, nil
}

func (f *fakeReviews) sizes() []int { return batchSizes(&f.mu, &f.batches) }

// batchSizes is the size of each batch a fake received, read under its lock.
func batchSizes(mu *sync.Mutex, batches *[][]Vote) []int {
	mu.Lock()
	defer mu.Unlock()
	var out []int
	for _, b := range *batches {
		out = append(out, len(b))
	}
	return out
}

func (f *fakeReviews) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.batches)
}

// castAll casts n votes concurrently (token "t<k>"; application "bad…" for every k in bad) and returns each
// answer by k.
func castAll(b *Batcher, n int, bad map[int]bool) ([]*pb.Vote, []error) {
	votes, errs := make([]*pb.Vote, n), make([]error, n)
	var wg sync.WaitGroup
	for k := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			app := "app"
			if bad[k] {
				app = "bad"
			}
			votes[k], errs[k] = b.Cast(context.Background(), Vote{VoterToken: fmt.Sprint("t", k), ApplicationID: app, ClientNetwork: "10.0.0.0/24"})
		}()
	}
	wg.Wait()
	return votes, errs
}

// TestEachVoteGetsItsOwnAnswer: votes batched together are each answered with their own vote or their own
// error, whatever their order in the batch.
func TestEachVoteGetsItsOwnAnswer(t *testing.T) {
	f := &fakeReviews{}
	b := New(f.send, Options{Max: 10, Window: 5 * time.Millisecond})
	defer b.Close()
	bad := map[int]bool{3: true, 7: true, 20: true}
	votes, errs := castAll(b, 25, bad)
	for k := range 25 {
		if bad[k] {
			if status.Code(errs[k]) != codes.FailedPrecondition || status.Convert(errs[k]).Message() != fmt.Sprint("refused t", k) {
				t.Errorf("vote %d: %v, want its own refusal", k, errs[k])
			}
			continue
		}
		if errs[k] != nil || votes[k].GetId() != fmt.Sprint("t", k) || votes[k].GetClientNetwork() != "10.0.0.0/24" {
			t.Errorf("vote %d: %v %v, want its own vote", k, votes[k], errs[k])
		}
	}
	total := 0
	for _, n := range f.sizes() {
		if n > 10 {
			t.Errorf("a batch of %d votes, over Max 10", n)
		}
		total += n
	}
	if total != 25 {
		t.Errorf("%d votes sent, want 25 (each once)", total)
	}
}

// TestBatchOrderIsArrivalOrder: the votes of a batch are sent in the order they arrived.
func TestBatchOrderIsArrivalOrder(t *testing.T) {
	f := &fakeReviews{}
	b := New(f.send, Options{Max: 100, Window: time.Hour})
	for k := range 5 {
		go b.Cast(context.Background(), Vote{VoterToken: fmt.Sprint("t", k), ApplicationID: "app"})
		waitFor(t, queued(b, k+1))
	}
	b.Close() // sends the queue without waiting for the window
	if len(f.batches) != 1 {
		t.Fatalf("batches %v, want one", f.sizes())
	}
	for k, v := range f.batches[0] {
		if v.VoterToken != fmt.Sprint("t", k) {
			t.Errorf("position %d holds %s, want t%d", k, v.VoterToken, k)
		}
	}
}

// TestFlushOnSize: a batch that reaches Max leaves at once, without waiting for its window.
func TestFlushOnSize(t *testing.T) {
	f := &fakeReviews{}
	b := New(f.send, Options{Max: 4, Window: time.Hour})
	defer b.Close()
	_, errs := castAll(b, 8, nil) // would hang for an hour unless size flushes
	for k, err := range errs {
		if err != nil {
			t.Errorf("vote %d: %v", k, err)
		}
	}
	if got := f.sizes(); len(got) != 2 || got[0] != 4 || got[1] != 4 {
		t.Errorf("batches %v, want [4 4]", got)
	}
}

// TestFlushOnTime: a vote alone leaves once its window has passed.
func TestFlushOnTime(t *testing.T) {
	f := &fakeReviews{}
	b := New(f.send, Options{Max: 100, Window: 20 * time.Millisecond})
	defer b.Close()
	v, err := b.Cast(context.Background(), Vote{VoterToken: "t0", ApplicationID: "app"})
	if err != nil || v.GetId() != "t0" {
		t.Fatalf("%v %v", v, err)
	}
	if got := f.sizes(); len(got) != 1 || got[0] != 1 {
		t.Errorf("batches %v, want [1]", got)
	}
}

// TestInFlightLimit: no more than InFlight batches are on their way; the votes arriving meanwhile leave
// together once a call is free.
func TestInFlightLimit(t *testing.T) {
	f := &fakeReviews{gate: make(chan struct{})}
	b := New(f.send, Options{Max: 100, Window: time.Millisecond, InFlight: 1})
	defer b.Close()
	first := make(chan error, 1)
	go func() {
		_, err := b.Cast(context.Background(), Vote{VoterToken: "t0", ApplicationID: "app"})
		first <- err
	}()
	waitFor(t, func() bool { return f.calls() == 1 })
	var wg sync.WaitGroup
	for k := 1; k <= 5; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.Cast(context.Background(), Vote{VoterToken: fmt.Sprint("t", k), ApplicationID: "app"})
		}()
	}
	waitFor(t, queued(b, 5))
	time.Sleep(10 * time.Millisecond) // the window passes; the call is still busy
	if n := f.calls(); n != 1 {
		t.Fatalf("%d calls while the first is on its way, want 1", n)
	}
	f.mu.Lock()
	gate := f.gate
	f.gate = nil // later calls go straight through
	f.mu.Unlock()
	close(gate)
	wg.Wait()
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if got := f.sizes(); len(got) != 2 || got[1] != 5 {
		t.Errorf("batches %v, want [1 5]", got)
	}
}

// TestCallFailureAnswersEveryVote: a batch whose call fails answers each of its votes with that error.
func TestCallFailureAnswersEveryVote(t *testing.T) {
	f := &fakeReviews{fail: status.Error(codes.Unavailable, "reviews is down")}
	b := New(f.send, Options{Max: 10, Window: time.Millisecond})
	defer b.Close()
	_, errs := castAll(b, 12, nil)
	for k, err := range errs {
		if status.Code(err) != codes.Unavailable {
			t.Errorf("vote %d: %v, want UNAVAILABLE", k, err)
		}
	}
}

// TestShortAnswerFailsTheBatch: a CastVotes answer with fewer results than votes answers none as cast.
func TestShortAnswerFailsTheBatch(t *testing.T) {
	b := New(func(ctx context.Context, votes []Vote) ([]Result, error) { return []Result{{Vote: &pb.Vote{}}}, nil },
		Options{Max: 10, Window: time.Millisecond})
	defer b.Close()
	_, errs := castAll(b, 3, nil)
	for k, err := range errs {
		if status.Code(err) != codes.Internal {
			t.Errorf("vote %d: %v, want INTERNAL", k, err)
		}
	}
}

// TestCloseDrainsAndAnswersEveryWaiter: Close sends every queued vote, waits for every batch on its way and
// answers every waiter; later votes get ErrClosed.
func TestCloseDrainsAndAnswersEveryWaiter(t *testing.T) {
	f := &fakeReviews{gate: make(chan struct{})}
	b := New(f.send, Options{Max: 3, Window: time.Hour, InFlight: 1})
	const n = 10
	answered := make(chan error, n)
	for k := range n {
		go func() {
			_, err := b.Cast(context.Background(), Vote{VoterToken: fmt.Sprint("t", k), ApplicationID: "app"})
			answered <- err
		}()
	}
	// One batch of 3 on its way (held at the gate), the other 7 queued.
	waitFor(t, func() bool { b.mu.Lock(); defer b.mu.Unlock(); return b.inFlight == 1 && len(b.queue) == n-3 })
	closed := make(chan struct{})
	go func() { b.Close(); close(closed) }()
	select {
	case <-closed:
		t.Fatal("Close returned while a batch was on its way")
	case <-time.After(20 * time.Millisecond):
	}
	close(f.gate)
	<-closed
	for range n {
		if err := <-answered; err != nil {
			t.Errorf("a queued vote: %v", err)
		}
	}
	total := 0
	for _, s := range f.sizes() {
		total += s
	}
	if total != n {
		t.Errorf("%d votes sent, want %d", total, n)
	}
	if _, err := b.Cast(context.Background(), Vote{VoterToken: "late"}); err != ErrClosed {
		t.Errorf("a vote after Close: %v, want ErrClosed", err)
	}
}

// TestCallerGivesUp: a caller whose context ends gets its context's status; a vote whose caller gave up
// before its batch left is not sent.
func TestCallerGivesUp(t *testing.T) {
	f := &fakeReviews{}
	b := New(f.send, Options{Max: 10, Window: 50 * time.Millisecond})
	defer b.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	if _, err := b.Cast(ctx, Vote{VoterToken: "gone", ApplicationID: "app"}); status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("%v, want DEADLINE_EXCEEDED", err)
	}
	if v, err := b.Cast(context.Background(), Vote{VoterToken: "stays", ApplicationID: "app"}); err != nil || v.GetId() != "stays" {
		t.Fatalf("%v %v", v, err)
	}
	for _, batch := range f.batches {
		for _, v := range batch {
			if v.VoterToken == "gone" {
				t.Error("the vote of a caller who gave up was sent")
			}
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(time.Millisecond)
	}
}

// heldReviews answers each batch once the test releases it, by its first vote's token.
type heldReviews struct {
	mu      sync.Mutex
	batches [][]Vote
	gates   map[string]chan struct{}
	open    bool // every batch answered at once (openAll)
}

func (h *heldReviews) gate(token string) chan struct{} {
	if h.gates == nil {
		h.gates = map[string]chan struct{}{}
	}
	g, ok := h.gates[token]
	if !ok {
		g = make(chan struct{})
		h.gates[token] = g
	}
	return g
}

func (h *heldReviews) send(ctx context.Context, votes []Vote) ([]Result, error) {
	h.mu.Lock()
	h.batches = append(h.batches, append([]Vote(nil), votes...))
	g := h.gate(votes[0].VoterToken)
	open := h.open
	h.mu.Unlock()
	if !open {
		<-g
	}
	out := make([]Result, len(votes))
	for k, v := range votes {
		out[k].Vote = &pb.Vote{Id: v.VoterToken}
	}
	return out, nil
}

func (h *heldReviews) release(token string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	close(h.gate(token))
}

// openAll answers every batch held, and the later ones at once.
func (h *heldReviews) openAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.open = true
	for _, g := range h.gates {
		select {
		case <-g: // released already
		default:
			close(g)
		}
	}
}

func (h *heldReviews) sizes() []int { return batchSizes(&h.mu, &h.batches) }

// unevenStart makes a batcher with two calls and the given ShareWait and brings it to: one batch of 10 votes
// on its way (t2…t11), the other call free, nothing queued. cast casts votes (each waiting for its answer);
// finish answers every batch, waits for every vote's answer and closes the batcher.
func unevenStart(t *testing.T, shareWait time.Duration) (b *Batcher, h *heldReviews, cast func(from, to int), finish func()) {
	t.Helper()
	h = &heldReviews{}
	b = New(h.send, Options{Max: 100, InFlight: 2, ShareWait: shareWait})
	var wg sync.WaitGroup
	finish = func() {
		h.openAll()
		wg.Wait()
		b.Close()
	}
	cast = func(from, to int) {
		for k := from; k <= to; k++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := b.Cast(context.Background(), Vote{VoterToken: fmt.Sprint("t", k), ApplicationID: "app"}); err != nil {
					t.Errorf("vote t%d: %v", k, err)
				}
			}()
		}
	}
	calls := func(n int) func() bool { return func() bool { return len(h.sizes()) == n } }
	cast(0, 0)
	waitFor(t, calls(1)) // alone: nothing else on its way
	cast(1, 1)
	waitFor(t, calls(2)) // its share: one of the two votes held
	cast(2, 11)
	waitFor(t, queued(b, 10)) // both calls busy
	h.release("t0")
	waitFor(t, calls(3))
	h.release("t1")
	waitFor(t, func() bool { b.mu.Lock(); defer b.mu.Unlock(); return b.inFlight == 1 })
	if got := h.sizes(); fmt.Sprint(got) != "[1 1 10]" {
		t.Fatalf("batches %v, want [1 1 10]", got)
	}
	return b, h, cast, finish
}

// TestShareWaitKeepsBatchesEven: while a batch of 10 is on its way, the free call waits for a batch holding
// half of the votes the batcher has (10 queued against 10 on their way), not for the first vote queued.
func TestShareWaitKeepsBatchesEven(t *testing.T) {
	b, h, cast, finish := unevenStart(t, time.Minute)
	defer finish()
	cast(12, 20)
	waitFor(t, queued(b, 9))
	time.Sleep(20 * time.Millisecond)
	if got := h.sizes(); len(got) != 3 {
		t.Fatalf("batches %v: 9 votes queued against 10 on their way left early", got)
	}
	cast(21, 21)
	waitFor(t, func() bool { return len(h.sizes()) == 4 })
	if got := h.sizes(); got[3] != 10 {
		t.Errorf("batches %v, want the fourth of 10", got)
	}
}

// TestShareWaitIsBounded: a batch short of its share leaves once it has waited ShareWait.
func TestShareWaitIsBounded(t *testing.T) {
	_, h, cast, finish := unevenStart(t, 30*time.Millisecond)
	defer finish()
	start := time.Now()
	cast(12, 12)
	waitFor(t, func() bool { return len(h.sizes()) == 4 })
	if waited := time.Since(start); waited < 25*time.Millisecond {
		t.Errorf("the lone vote left after %s, before its ShareWait", waited)
	}
	if got := h.sizes(); got[3] != 1 {
		t.Errorf("batches %v, want the fourth of 1", got)
	}
}

// TestCloseSendsAHeldBatch: Close sends a batch held for its share at once.
func TestCloseSendsAHeldBatch(t *testing.T) {
	b, h, cast, finish := unevenStart(t, time.Hour)
	defer finish()
	cast(12, 12)
	waitFor(t, queued(b, 1))
	closed := make(chan struct{})
	go func() { b.Close(); close(closed) }()
	waitFor(t, func() bool { return len(h.sizes()) == 4 })
	h.openAll()
	<-closed
}

// queued is the condition that n votes wait in b's queue.
func queued(b *Batcher, n int) func() bool {
	return func() bool { b.mu.Lock(); defer b.mu.Unlock(); return len(b.queue) == n }
}
