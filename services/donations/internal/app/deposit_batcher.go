package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"runtime/debug"
	"slices"
	"time"

	"github.com/commonweal/commonweal/pkg/groupcommit"
	"github.com/commonweal/commonweal/pkg/pgerr"
	"github.com/commonweal/commonweal/services/donations/internal/domain"
)

// Group commit of cash deposit confirmations. Every confirmation serialises on locks all of them share (the
// ledger's chain, the pledge events' chain, the year's receipt counter) held until its commit's WAL flush, so
// with one transaction per confirmation the flush is the cost of each. ConfirmDeposit therefore does its
// pre-reads (its request record, the pledge, the round's cutoff) and hands the confirmation to the service's
// deposit batcher, then waits: a runner takes every confirmation pending (up to DEPOSIT_BATCH), confirms them
// in one transaction and answers each once that transaction has committed. No artificial delay is added:
// batches form while the previous commit runs.
//
// The batch's transaction takes its locks in the order every unit of work does, pledges before the ledger's
// accounts before the chains: (1) the batch's pledges, by one statement in ID order, and the pledges holding
// the batch's bank references, by another; (2) the ledger accounts the confirmations will use (predicted from
// the locked pledges), those that exist, in code order; (3) then each confirmation runs the unit of work of a
// confirmation alone (bookDeposit), finding its pledge read and its accounts locked. A confirmation refused
// (a domain error: a retry, another amount, a bank reference another pledge holds, …) is refused before it
// writes anything: no receipt number is consumed and the others go on, so the numbers stay gapless. One with a
// request_id writes its request record first and so runs in a savepoint of its own, rolled back when it is
// refused; one without fails the whole batch if it fails in its writes (the transaction is lost: a statement
// failed), and the batch's confirmations then run alone. Without savepoints a confirmation costs the batch
// three round trips (the ledger's two, then the events, counter and pledge in one). Confirmations that need an account not yet in the ledger do not take part (a
// transfer creates its accounts before it locks any: creating one after locking others could deadlock): they,
// and those whose savepoint failed transiently (deadlock, serialization, lock not available), run alone once
// the batch has ended, as does every confirmation of a batch whose transaction failed (confirming is
// idempotent on the bank reference: a batch whose commit's outcome is unknown then answers as retries).
//
// A caller whose context ends while it waits gets its context's error, but its confirmation may still be
// stored when its batch commits, as with any reply lost on the way (the bank reference makes a retry safe).

// DefaultDepositBatch is the most confirmations one group commit takes unless WithDepositBatch says otherwise.
// Each confirmation is a subtransaction (its savepoint) with an XID of its own: PostgreSQL caches up to 64 of a
// transaction's subtransaction XIDs in shared memory, and a transaction with more makes every other
// transaction's visibility checks slower until it ends, so larger batches are not advised.
const DefaultDepositBatch = 64

// depositBatchTimeout bounds a batch's unit of work; a batch never runs under a caller's context.
const depositBatchTimeout = 30 * time.Second

// errDepositBatchPanicked answers the confirmations of a batch whose runner panicked (an internal error; none
// of them is acknowledged).
var errDepositBatchPanicked = errors.New("the deposit confirmation batch failed")

// DepositBatches is what a group commit of deposit confirmations locks before its confirmations run.
type DepositBatches interface {
	// LockPledges reads and locks the pledges with the given IDs in ID order, in the unit of work; IDs of no
	// pledge are left out of the answer, which is by ID.
	LockPledges(ctx context.Context, ids []string) (map[string]domain.Pledge, error)
	// PledgesByBankReference reads the pledges confirmed under any of the bank references, by reference, in
	// the unit of work.
	PledgesByBankReference(ctx context.Context, refs []string) (map[string]domain.Pledge, error)
	// LockAccounts locks those of the ledger's accounts that exist, in code order, in the unit of work, and
	// returns their codes; it creates none.
	LockAccounts(ctx context.Context, codes ...string) ([]string, error)
	// InSavepoint runs fn in a savepoint of the unit of work: fn's failure rolls back its own writes only.
	// broken reports that the savepoint itself failed: the unit of work cannot go on.
	InSavepoint(ctx context.Context, fn func(ctx context.Context) error) (broken bool, err error)
}

// Option configures the use cases.
type Option func(*Service)

// WithDepositBatch makes deposit confirmations group commits of at most n (0 or less: each confirmation its
// own transaction).
func WithDepositBatch(n int) Option {
	return func(s *Service) { s.depositBatchMax = n }
}

// pendingDeposit is a confirmation waiting for its batch. Only the runner writes its answer, before closing
// done.
type pendingDeposit struct {
	w        depositWork
	done     chan struct{}
	answered bool
	alone    bool // the batch did not settle it: the caller runs it alone
	out      domain.Pledge
	err      error
}

func (p *pendingDeposit) answer(out domain.Pledge, err error) {
	if p.answered {
		return
	}
	p.answered = true
	p.out, p.err = out, err
	close(p.done)
}

func (p *pendingDeposit) sendAlone() {
	if p.answered {
		return
	}
	p.alone = true
	p.answer(domain.Pledge{}, nil)
}

// depositBatcher is the group commit of confirmations (pkg/groupcommit: one runner while any are queued).
type depositBatcher struct {
	s     *Service
	repo  DepositBatches
	queue *groupcommit.Queue[*pendingDeposit]
}

func newDepositBatcher(s *Service, repo DepositBatches, max int) *depositBatcher {
	b := &depositBatcher{s: s, repo: repo}
	b.queue = groupcommit.New(max, b.process)
	return b
}

// confirm queues a confirmation and waits for its answer. queued is false when the batcher is closed, alone
// true when the batch did not settle it: in both cases the caller runs it alone.
func (b *depositBatcher) confirm(ctx context.Context, w depositWork) (out domain.Pledge, queued, alone bool, err error) {
	if err := ctx.Err(); err != nil {
		return domain.Pledge{}, true, false, err
	}
	p := &pendingDeposit{w: w, done: make(chan struct{})}
	if !b.queue.Add(p) {
		return domain.Pledge{}, false, false, nil
	}
	select {
	case <-p.done:
		return p.out, true, p.alone, p.err
	case <-ctx.Done():
		return domain.Pledge{}, true, false, ctx.Err()
	}
}

// DrainDeposits is a background task of the service: when ctx ends (the service stops), it closes the deposit
// batcher and returns once every queued confirmation has been confirmed and answered, so the graceful stop
// ends no group commit half way. Confirmations arriving after that run alone.
func (s *Service) DrainDeposits(ctx context.Context) {
	<-ctx.Done()
	if s.depositBatch != nil {
		s.depositBatch.queue.Close()
	}
}

// depositOutcome is what a batch's unit of work settled for one confirmation.
type depositOutcome struct {
	out    domain.Pledge
	booked bool
	err    error
	alone  bool
}

// process confirms one batch and answers each of its confirmations.
func (b *depositBatcher) process(batch []*pendingDeposit) {
	defer func() {
		if r := recover(); r != nil {
			slog.Error("deposit batch panicked", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			for _, p := range batch {
				p.answer(domain.Pledge{}, errDepositBatchPanicked)
			}
		}
	}()
	if b.s.depositBatchHook != nil {
		b.s.depositBatchHook(len(batch)) // tests: hold the runner, see the batch's size
	}
	ctx, cancel := context.WithTimeout(context.Background(), depositBatchTimeout)
	defer cancel()
	// The global order of pledges (a stable sort: the same pledge twice keeps its callers' order).
	slices.SortStableFunc(batch, func(x, y *pendingDeposit) int { return cmp.Compare(x.w.pledgeID, y.w.pledgeID) })
	outcomes := make([]depositOutcome, len(batch))
	err := b.s.requests.InTx(ctx, func(ctx context.Context) error {
		clear(outcomes)
		ids := make([]string, len(batch))
		for k, p := range batch {
			ids[k] = p.w.pledgeID
		}
		pledges, err := b.repo.LockPledges(ctx, slices.Compact(slices.Clone(ids)))
		if err != nil {
			return err
		}
		// One instant for the batch: the accounts a confirmation uses depend on it (lateness), and it must be
		// the one predicted.
		now := b.s.now()
		need := make([][]string, len(batch))
		var codes []string
		for k, p := range batch {
			var ok bool
			if need[k], ok = depositAccounts(pledges, p.w, now); !ok {
				outcomes[k].alone = true
			}
			codes = append(codes, need[k]...)
		}
		locked, err := b.repo.LockAccounts(ctx, codes...)
		if err != nil {
			return err
		}
		reads, err := b.prefetched(ctx, batch, pledges)
		if err != nil {
			return err
		}
		for k, p := range batch {
			if outcomes[k].alone || !isSubset(need[k], locked) {
				outcomes[k].alone = true
				continue
			}
			o := &outcomes[k]
			clock := func() time.Time { return now }
			if p.w.key.RequestID == "" {
				// No savepoint: a confirmation without a request_id that fails before its writes (every refusal)
				// leaves the transaction as it was; one that fails in them fails the batch, whose confirmations
				// then run alone.
				var wrote bool
				o.out, o.booked, wrote, o.err = b.s.bookDeposit(ctx, p.w, clock, reads[k])
				if o.err != nil && wrote {
					return fmt.Errorf("confirming pledge %s: %w", p.w.pledgeID, o.err)
				}
				continue
			}
			// A request record is written first: a refusal must not leave it claimed without an answer.
			broken, err := b.repo.InSavepoint(ctx, func(ctx context.Context) error {
				o.out, o.booked, _, o.err = b.s.bookDeposit(ctx, p.w, clock, reads[k])
				return o.err
			})
			switch {
			case broken:
				return err // the transaction failed: the whole batch
			case pgerr.Transient(o.err):
				*o = depositOutcome{alone: true}
			case o.err != nil:
				o.booked = false
			}
		}
		return nil
	})
	if err != nil {
		slog.Warn("deposit batch failed: its confirmations run alone", "confirmations", len(batch), "error", err)
		for _, p := range batch {
			p.sendAlone()
		}
		return
	}
	booked := int64(0)
	for k, p := range batch {
		o := outcomes[k]
		switch {
		case o.alone:
			p.sendAlone()
		default:
			if o.booked {
				booked++
			}
			p.answer(o.out, o.err)
		}
	}
	depositsConfirmed.Add(ctx, booked) // committed (metrics.go)
}

// prefetched returns, for each confirmation of the batch, its pledge as locked and the pledge holding its bank
// reference, read for the whole batch by one statement; nil for a confirmation whose pledge or bank reference
// another confirmation of the batch shares (it reads them itself, after the other's writes).
func (b *depositBatcher) prefetched(ctx context.Context, batch []*pendingDeposit, pledges map[string]domain.Pledge) ([]*depositReads, error) {
	ids, refs := map[string]int{}, map[string]int{}
	for _, p := range batch {
		ids[p.w.pledgeID]++
		refs[p.w.bankRef]++
	}
	byRef, err := b.repo.PledgesByBankReference(ctx, slices.Collect(maps.Keys(refs)))
	if err != nil {
		return nil, err
	}
	out := make([]*depositReads, len(batch))
	for k, p := range batch {
		mine, ok := pledges[p.w.pledgeID]
		if !ok || ids[p.w.pledgeID] > 1 || refs[p.w.bankRef] > 1 {
			continue
		}
		other, found := byRef[p.w.bankRef]
		out[k] = &depositReads{p: mine, other: other, found: found}
	}
	return out, nil
}

// depositAccounts is the ledger accounts w's confirmation moves money between, predicted from its pledge as
// locked and the batch's instant: none when it will move none (a retry, or a refusal); ok is false when its
// pledge was not locked.
func depositAccounts(pledges map[string]domain.Pledge, w depositWork, now time.Time) (codes []string, ok bool) {
	p, ok := pledges[w.pledgeID]
	if !ok {
		return nil, false
	}
	if p.BankReference != "" && p.BankReference == w.bankRef {
		return nil, true // a retry or a conflict: no transfer
	}
	if err := p.ConfirmDeposit(w.bankRef, w.amount, w.depositedAt, now, w.cutoff); err != nil {
		return nil, true
	}
	return []string{domain.SourceAccount(p), domain.ConfirmedAccount(p)}, true
}

// isSubset reports whether every code of need is in have.
func isSubset(need, have []string) bool {
	for _, c := range need {
		if !slices.Contains(have, c) {
			return false
		}
	}
	return true
}
