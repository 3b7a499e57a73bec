package groupcommit

import (
	"runtime"
	"slices"
	"sync"
	"testing"
)

// Items queued while a batch is processed form the next batch, in arrival order, never more than max; every
// item is processed exactly once.
func TestBatchesFormWhileOneIsProcessed(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	var batches [][]int
	q := New(3, func(batch []int) {
		mu.Lock()
		first := len(batches) == 0
		batches = append(batches, slices.Clone(batch))
		mu.Unlock()
		if first {
			<-release // hold the runner: the next items queue up
		}
	})
	q.Add(1)
	for q.Len() != 0 { // the runner has taken item 1 and holds
		runtime.Gosched()
	}
	q.Add(2, 3)
	q.Add(4)
	q.Add(5)
	if got := q.Len(); got != 4 {
		t.Fatalf("%d items queued while the runner holds, want 4", got)
	}
	close(release)
	q.Close()
	want := [][]int{{1}, {2, 3, 4}, {5}}
	if !slices.EqualFunc(batches, want, slices.Equal) {
		t.Errorf("batches %v, want %v", batches, want)
	}
	if q.Add(6) {
		t.Error("Add after Close queued an item")
	}
	if len(batches) != 3 {
		t.Errorf("an item added after Close was processed: %v", batches)
	}
}

// Close waits for the items queued before it; concurrent adders lose nothing.
func TestCloseWaitsForQueuedItems(t *testing.T) {
	var mu sync.Mutex
	seen := map[int]int{}
	q := New(0, func(batch []int) { // max below 1 means 1
		if len(batch) != 1 {
			t.Errorf("batch of %d with max 0", len(batch))
		}
		mu.Lock()
		for _, i := range batch {
			seen[i]++
		}
		mu.Unlock()
	})
	var wg sync.WaitGroup
	added := make(chan int, 1000)
	for w := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				if q.Add(w*100 + i) {
					added <- w*100 + i
				}
			}
		}()
	}
	wg.Wait()
	q.Close()
	close(added)
	n := 0
	for i := range added {
		n++
		if seen[i] != 1 {
			t.Errorf("item %d processed %d times", i, seen[i])
		}
	}
	if n != 1000 || len(seen) != 1000 {
		t.Errorf("%d added, %d processed, want 1000", n, len(seen))
	}
}
