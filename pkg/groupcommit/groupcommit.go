// Package groupcommit queues the items of a group commit and runs one runner goroutine while any are queued:
// the runner hands the items to the use case's process function in batches, in arrival order, each batch
// everything pending up to a maximum. No artificial delay is added: a batch forms while the previous one is
// being processed (its commit's WAL flush, typically), so under load batches grow and when idle an item
// goes alone at once.
//
// What a batch means, and how its items are answered, is the process function's: reviews writes votes with
// it, donations confirms deposits.
package groupcommit

import "sync"

// Queue is a group commit's queue of items of type T.
type Queue[T any] struct {
	max     int
	process func(batch []T)

	mu      sync.Mutex
	queue   []T
	running bool
	idle    chan struct{} // closed when the current runner has exited
	closed  bool
}

// New returns a queue handing process batches of at most size items (at least one).
func New[T any](size int, process func(batch []T)) *Queue[T] {
	return &Queue[T]{max: max(size, 1), process: process}
}

// Add queues items, in order and under one lock (items added together go into one batch when they fit), and
// starts the runner when none runs; ok is false, and nothing is queued, once the queue is closed.
func (q *Queue[T]) Add(items ...T) (ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return false
	}
	q.queue = append(q.queue, items...)
	if !q.running && len(q.queue) > 0 {
		q.running, q.idle = true, make(chan struct{})
		go q.run(q.idle)
	}
	return true
}

// Len is the number of items queued and not yet handed to process.
func (q *Queue[T]) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.queue)
}

// run processes batches until the queue is empty.
func (q *Queue[T]) run(idle chan struct{}) {
	for {
		q.mu.Lock()
		if len(q.queue) == 0 {
			q.running = false
			close(idle)
			q.mu.Unlock()
			return
		}
		n := min(len(q.queue), q.max)
		batch := q.queue[:n:n]
		if n == len(q.queue) {
			q.queue = nil
		} else {
			q.queue = append([]T(nil), q.queue[n:]...)
		}
		q.mu.Unlock()
		q.process(batch)
	}
}

// Close makes later Adds fail and returns once every item queued before it has been processed.
func (q *Queue[T]) Close() {
	q.mu.Lock()
	q.closed = true
	running, idle := q.running, q.idle
	q.mu.Unlock()
	if running {
		<-idle
	}
}
