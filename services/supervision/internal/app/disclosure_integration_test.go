package app_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/supervision/internal/app"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
	"github.com/commonweal/commonweal/services/supervision/internal/store"
)

// fakeSources stands in for reviews, funding and donations as the feeds read them.
type fakeSources struct {
	mu        sync.Mutex
	shortlist domain.Shortlist
	results   domain.Results
	plans     []domain.FundedPlan
	pledges   []domain.Pledge
	down      error
}

func (f *fakeSources) Shortlist(context.Context, string) (domain.Shortlist, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.shortlist, f.down
}

func (f *fakeSources) Results(context.Context, string) (domain.Results, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.results, f.down
}

func (f *fakeSources) FundedPlans(context.Context, string) ([]domain.FundedPlan, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.plans), f.down
}

func (f *fakeSources) FundedPlan(_ context.Context, projectID string) (domain.FundedPlan, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.plans {
		if p.ProjectID == projectID {
			return p, true, f.down
		}
	}
	return domain.FundedPlan{}, false, f.down
}

func (f *fakeSources) DonorPledges(_ context.Context, donorID string) ([]domain.Pledge, error) {
	return f.pledgesWhere(func(p domain.Pledge) bool { return p.DonorID == donorID })
}

func (f *fakeSources) ProjectPledges(_ context.Context, projectID string) ([]domain.Pledge, error) {
	return f.pledgesWhere(func(p domain.Pledge) bool { return p.ProjectID == projectID })
}

func (f *fakeSources) pledgesWhere(keep func(domain.Pledge) bool) ([]domain.Pledge, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []domain.Pledge
	for _, p := range f.pledges {
		if keep(p) {
			out = append(out, p)
		}
	}
	return out, f.down
}

func (f *fakeSources) set(change func(*fakeSources)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	change(f)
}

// feedFixture is the supervision fixture's round with the feeds over fake sources.
type feedFixture struct {
	*fixture
	feeds *app.Disclosures
	src   *fakeSources
}

func setupFeeds(t *testing.T) *feedFixture {
	f := setup(t)
	src := &fakeSources{}
	return &feedFixture{fixture: f, src: src, feeds: app.NewDisclosures(store.New(f.pool), f.apps, src, f.clock.Now)}
}

// walk reads the whole feed from cursor (a zero page: the start), pageSize items at a time, as the api's
// keyset paging does, and returns the items and the position after the last one.
func (f *feedFixture) walk(t *testing.T, ctx context.Context, cursor app.DisclosurePage, pageSize int) ([]domain.Disclosure, app.DisclosurePage) {
	t.Helper()
	var out []domain.Disclosure
	for {
		cursor.RoundID, cursor.Limit = f.round, pageSize
		page, err := f.feeds.PublicDisclosures(ctx, app.PublicFeed{DisclosurePage: cursor})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page...)
		if len(page) == 0 {
			return out, cursor
		}
		last := page[len(page)-1]
		cursor.AfterTime, cursor.AfterID = last.PublishedAt, last.ID
	}
}

func itemIDs(items []domain.Disclosure) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

// TestPublicFeedPollsIncrementally: items in feed order with stable IDs and times; a poller's cursor keeps
// working while new items arrive, even ones that happened before items already served; re-reads never
// duplicate; the project filter and after_item_id select; an unknown round is NOT_FOUND.
func TestPublicFeedPollsIncrementally(t *testing.T) {
	f := setupFeeds(t)
	anyone := identity.With(context.Background(), identity.Anonymous)
	other := f.addProject("SELECTED", 12)
	t0 := implementationStart.Add(-30 * 24 * time.Hour)
	f.src.set(func(s *fakeSources) {
		s.shortlist = domain.Shortlist{Published: true, PublishedAt: t0, Entries: []domain.ShortlistEntry{
			{ProjectID: f.project.ID, Rank: 1, Shortlisted: true}, {ProjectID: other.ID, Rank: 2, Shortlisted: true}}}
		s.results = domain.Results{SignedOff: true, SignedOffAt: t0.Add(time.Hour), Entries: []domain.ResultEntry{
			{ProjectID: f.project.ID, Rank: 1, Selected: true}, {ProjectID: other.ID, Rank: 2, Selected: true}}}
	})
	first, cursor := f.walk(t, anyone, app.DisclosurePage{}, 3)
	if len(first) != 4 || first[0].Kind != domain.KindShortlistPublished || first[3].Kind != domain.KindResultsSignedOff {
		t.Fatalf("first read: %+v", first)
	}
	for i := 1; i < len(first); i++ {
		if !first[i].PublishedAt.After(first[i-1].PublishedAt) {
			t.Fatalf("feed not in time order: %+v", first)
		}
	}

	// Tranche 1 of the project was paid an hour after the results (earlier than the feed's latest publish
	// time), and a clawback was computed on the other project: both come after the poller's cursor.
	f.clock.Add(time.Hour)
	planA, planB := ids.New(), ids.New()
	f.src.set(func(s *fakeSources) {
		s.plans = []domain.FundedPlan{{Plan: domain.Plan{ProjectID: f.project.ID}, ID: planA, Tranches: []domain.Tranche{
			{Number: 1, AmountFen: 100, Paid: true, PaidAt: t0.Add(2 * time.Hour)}}},
			{Plan: domain.Plan{ProjectID: other.ID, State: domain.PlanSuspended, ClawbackFen: 7}, ID: planB}}
	})
	more, cursor := f.walk(t, anyone, cursor, 1)
	if len(more) != 2 || more[0].Kind != domain.KindTranchePaid || more[1].Kind != domain.KindClawback || !more[1].OccurredAt.Equal(f.clock.Now()) {
		t.Fatalf("new items after the cursor: %+v", more)
	}
	if rest, _ := f.walk(t, anyone, cursor, 5); len(rest) != 0 {
		t.Fatalf("polling again at the end gave %+v", rest)
	}

	// A re-read from the start, later, gives every item once with the same IDs and times.
	f.clock.Add(time.Hour)
	all, _ := f.walk(t, anyone, app.DisclosurePage{}, 100)
	if want := append(itemIDs(first), itemIDs(more)...); !slices.Equal(itemIDs(all), want) {
		t.Fatalf("re-read %v, want %v", itemIDs(all), want)
	}
	for i, it := range append(first, more...) {
		if !all[i].PublishedAt.Equal(it.PublishedAt) || !all[i].OccurredAt.Equal(it.OccurredAt) {
			t.Fatalf("item %s changed: %+v then %+v", it.ID, it, all[i])
		}
	}

	// after_item_id continues after an item; the project filter keeps one project's items.
	after, err := f.feeds.PublicDisclosures(anyone, app.PublicFeed{AfterItemID: first[3].ID, DisclosurePage: app.DisclosurePage{RoundID: f.round, Limit: 100}})
	if err != nil || !slices.Equal(itemIDs(after), itemIDs(more)) {
		t.Fatalf("after %s: %v, %v", first[3].ID, itemIDs(after), err)
	}
	mine, err := f.feeds.PublicDisclosures(anyone, app.PublicFeed{DisclosurePage: app.DisclosurePage{RoundID: f.round, ProjectID: f.project.ID, Limit: 100}})
	if err != nil || len(mine) != 3 {
		t.Fatalf("project filter: %+v, %v", mine, err)
	}
	for _, it := range mine {
		if it.ProjectID != f.project.ID {
			t.Fatalf("another project's item: %+v", it)
		}
	}
	for name, q := range map[string]app.PublicFeed{
		"unknown item":   {AfterItemID: ids.New(), DisclosurePage: app.DisclosurePage{RoundID: f.round, Limit: 5}},
		"malformed item": {AfterItemID: "x", DisclosurePage: app.DisclosurePage{RoundID: f.round, Limit: 5}},
	} {
		if _, err := f.feeds.PublicDisclosures(anyone, q); reason(err) != "UNKNOWN_DISCLOSURE_ITEM" {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := f.feeds.PublicDisclosures(anyone, app.PublicFeed{DisclosurePage: app.DisclosurePage{RoundID: ids.New(), Limit: 5}}); reason(err) != "NOT_FOUND" {
		t.Errorf("unknown round: %v", err)
	}
}

// TestPublicFeedConcurrentReadsAddOnce: readers refreshing at once add each item once.
func TestPublicFeedConcurrentReadsAddOnce(t *testing.T) {
	f := setupFeeds(t)
	f.src.set(func(s *fakeSources) {
		s.shortlist = domain.Shortlist{Published: true, PublishedAt: implementationStart, Entries: []domain.ShortlistEntry{{ProjectID: f.project.ID, Shortlisted: true}}}
	})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := f.feeds.PublicDisclosures(context.Background(), app.PublicFeed{DisclosurePage: app.DisclosurePage{RoundID: f.round, Limit: 10}}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if all, _ := f.walk(t, context.Background(), app.DisclosurePage{}, 100); len(all) != 1 {
		t.Fatalf("items: %+v", all)
	}
}

// TestDonorFeed: a donor sees its own pledges with its part of the match and of the paid tranches; another
// donor's feed is NOT_FOUND; staff read any.
func TestDonorFeed(t *testing.T) {
	f := setupFeeds(t)
	me, them := ids.New(), ids.New()
	pledge := func(id, donor string, fen int64) domain.Pledge {
		return domain.Pledge{ID: id, DonorID: donor, ProjectID: f.project.ID, RoundID: f.round, Kind: "CASH", State: "DEPOSITED", AmountFen: fen,
			DepositedFen: fen, CreatedAt: implementationStart.Add(-time.Duration(fen) * time.Hour)}
	}
	f.src.set(func(s *fakeSources) {
		s.pledges = []domain.Pledge{pledge(ids.New(), me, 3), pledge(ids.New(), them, 1)}
		s.plans = []domain.FundedPlan{{Plan: domain.Plan{ProjectID: f.project.ID, MatchFen: 8}, DonationFen: 4,
			Tranches: []domain.Tranche{{Number: 1, DonationFen: 2, DonationPaid: true}}}}
	})
	donor := identity.With(context.Background(), identity.Identity{Subject: "d", Roles: []identity.Role{identity.Donor}, DonorID: me})
	lines, err := f.feeds.DonorDisclosures(donor, me)
	if err != nil || len(lines) != 1 || lines[0].DonorID != me || lines[0].MatchedFen != 6 || lines[0].DisbursedFen != 2 {
		t.Fatalf("own feed: %+v, %v", lines, err)
	}
	if _, err := f.feeds.DonorDisclosures(donor, them); reason(err) != "DONOR_NOT_FOUND" {
		t.Fatalf("another donor's feed: %v", err)
	}
	unbound := identity.With(context.Background(), identity.Identity{Subject: "d", Roles: []identity.Role{identity.Donor}})
	if _, err := f.feeds.DonorDisclosures(unbound, me); reason(err) != "DONOR_NOT_FOUND" {
		t.Fatalf("a donor user bound to no donor: %v", err)
	}
	if lines, err := f.feeds.DonorDisclosures(auditor, them); err != nil || len(lines) != 1 || lines[0].MatchedFen != 2 {
		t.Fatalf("staff: %+v, %v", lines, err)
	}
}
