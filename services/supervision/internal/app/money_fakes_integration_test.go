package app_test

import (
	"context"
	"sync"
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
)

// fakeFunding stands in for the funding service: the plans the test sets, by project; down, when set, is the
// error every call answers.
type fakeFunding struct {
	mu    sync.Mutex
	plans map[string]domain.Plan
	round map[string]string // project → round, for Plans
	down  error
	calls int
}

func (f *fakeFunding) setPlan(roundID string, p domain.Plan) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.round == nil {
		f.round = map[string]string{}
	}
	f.plans[p.ProjectID], f.round[p.ProjectID] = p, roundID
}

func (f *fakeFunding) Plans(_ context.Context, roundID string) ([]domain.Plan, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.down != nil {
		return nil, f.down
	}
	var out []domain.Plan
	for id, p := range f.plans {
		if f.round[id] == roundID {
			out = append(out, p)
		}
	}
	return out, nil
}

func (f *fakeFunding) Plan(_ context.Context, projectID string) (domain.Plan, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.down != nil {
		return domain.Plan{}, false, f.down
	}
	p, ok := f.plans[projectID]
	return p, ok, nil
}

// fakeDonations stands in for the donations service: each project's figures as the test sets them.
type fakeDonations struct {
	mu   sync.Mutex
	of   map[string]domain.Donations
	asOf []time.Time
	down error
}

func (f *fakeDonations) Donations(_ context.Context, projectID string, asOf time.Time) (domain.Donations, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asOf = append(f.asOf, asOf)
	if f.down != nil {
		return domain.Donations{}, f.down
	}
	return f.of[projectID], nil
}

func (f *fakeDonations) RoundDonations(ctx context.Context, _ string, projectIDs []string, asOf time.Time) (map[string]domain.Donations, error) {
	out := map[string]domain.Donations{}
	for _, id := range projectIDs {
		d, err := f.Donations(ctx, id, asOf)
		if err != nil {
			return nil, err
		}
		out[id] = d
	}
	return out, nil
}

// unavailable is a peer's failure as its client reports it.
func unavailable(name string) error {
	return errs.New(errs.Unavailable, name+"_UNAVAILABLE", "the service is unavailable; retry later")
}
