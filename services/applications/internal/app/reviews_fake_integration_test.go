package app_test

import (
	"context"
	"sync"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

// reviewsFake stands for the reviews service: it counts the questions, refuses the preconditions whose
// reason is in refuse, and runs during (when set) while it is asked.
type reviewsFake struct {
	mu     sync.Mutex
	calls  int
	refuse map[string]bool
	during func()
}

func (f *reviewsFake) Check(ctx context.Context, roundID string, p domain.Precondition) error {
	f.mu.Lock()
	f.calls++
	refuse, during := f.refuse[p.Reason], f.during
	f.mu.Unlock()
	if during != nil {
		during()
	}
	if refuse {
		return errs.New(errs.FailedPrecondition, p.Reason, p.Description)
	}
	return nil
}

func (f *reviewsFake) Calls() int { f.mu.Lock(); defer f.mu.Unlock(); return f.calls }

func (f *reviewsFake) set(refuse map[string]bool, during func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refuse, f.during = refuse, during
}
