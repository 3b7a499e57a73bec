package app

import (
	"cmp"
	"context"
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
)

// DisclosureSources are what the feeds read from the other services, with this service's identity (failures are
// already this service's errors: REVIEWS_UNAVAILABLE, FUNDING_UNAVAILABLE, DONATIONS_UNAVAILABLE, …).
type DisclosureSources interface {
	// Shortlist reads a round's shortlist (reviews); none yet is an unpublished zero value.
	Shortlist(ctx context.Context, roundID string) (domain.Shortlist, error)
	// Results reads a round's results (reviews); none yet is an unsigned zero value.
	Results(ctx context.Context, roundID string) (domain.Results, error)
	// FundedPlans lists a round's plans with their tranches (funding ListPlans).
	FundedPlans(ctx context.Context, roundID string) ([]domain.FundedPlan, error)
	// FundedPlan reads a project's plan with its tranches (funding GetPlan); ok is false without one.
	FundedPlan(ctx context.Context, projectID string) (plan domain.FundedPlan, ok bool, err error)
	// DonorPledges lists every pledge of a donor, oldest first (donations ListPledges).
	DonorPledges(ctx context.Context, donorID string) ([]domain.Pledge, error)
	// ProjectPledges lists every pledge to a project (donations ListPledges).
	ProjectPledges(ctx context.Context, projectID string) ([]domain.Pledge, error)
}

// DisclosureStore keeps the public feed: items are only ever added, never changed or removed.
type DisclosureStore interface {
	// PublishDisclosures adds the items of round roundID the feed does not hold yet (by ID), stamped with
	// domain.Publish after the round's latest item, in one transaction under the round's lock.
	PublishDisclosures(ctx context.Context, roundID string, items []domain.Disclosure, now time.Time) error
	// Disclosures returns a page of a round's feed in feed order after the page's position.
	Disclosures(ctx context.Context, q DisclosurePage) ([]domain.Disclosure, error)
	// Disclosure reads one item of a round's feed; ok is false when the feed holds none with that ID.
	Disclosure(ctx context.Context, roundID, id string) (item domain.Disclosure, ok bool, err error)
	// QuarterlyReports returns a round's quarterly reports, earliest quarter first.
	QuarterlyReports(ctx context.Context, roundID string) ([]domain.QuarterlyReport, error)
}

// DisclosurePage selects a page of a round's feed (optionally one project's items) after a keyset position.
type DisclosurePage struct {
	RoundID   string
	ProjectID string
	AfterTime time.Time // publish time of the last item served
	AfterID   string
	Limit     int
}

// Disclosures are the feeds' use cases.
type Disclosures struct {
	store   DisclosureStore
	apps    Applications
	sources DisclosureSources
	now     func() time.Time
}

// NewDisclosures returns the feeds over store, asking apps about rounds and sources about everything disclosed.
func NewDisclosures(store DisclosureStore, apps Applications, sources DisclosureSources, now func() time.Time) *Disclosures {
	return &Disclosures{store: store, apps: apps, sources: sources, now: now}
}

// PublicFeed is a request for a page of a round's public feed. AfterItemID, when set and the page has no
// position of its own, starts the page after that item.
type PublicFeed struct {
	DisclosurePage
	AfterItemID string
}

// PublicDisclosures brings round's feed up to date, then returns a page of it. The round must exist
// (applications). Every remote read (reviews' shortlist and results, funding's plans) happens with nothing
// open; the new items are then added in one short transaction, so a re-read never duplicates an item and a
// new item always sorts after those already served.
func (d *Disclosures) PublicDisclosures(ctx context.Context, q PublicFeed) ([]domain.Disclosure, error) {
	if err := ids.Parse("round_id", q.RoundID); err != nil {
		return nil, err
	}
	if q.ProjectID != "" {
		if err := ids.Parse("project_id", q.ProjectID); err != nil {
			return nil, err
		}
	}
	if _, err := d.apps.GetRound(ctx, q.RoundID); err != nil {
		return nil, err
	}
	if err := d.refresh(ctx, q.RoundID); err != nil {
		return nil, err
	}
	if q.AfterID == "" && q.AfterItemID != "" {
		unknown := errs.New(errs.InvalidArgument, "UNKNOWN_DISCLOSURE_ITEM", "after_item_id names no item of this round's feed")
		if ids.Parse("after_item_id", q.AfterItemID) != nil {
			return nil, unknown
		}
		after, ok, err := d.store.Disclosure(ctx, q.RoundID, q.AfterItemID)
		if err != nil || !ok {
			return nil, cmp.Or(err, error(unknown))
		}
		q.AfterTime, q.AfterID = after.PublishedAt, after.ID
	}
	return d.store.Disclosures(ctx, q.DisclosurePage)
}

// refresh adds to round's feed what its sources disclose now.
func (d *Disclosures) refresh(ctx context.Context, roundID string) error {
	shortlist, err := d.sources.Shortlist(ctx, roundID)
	if err != nil {
		return err
	}
	results, err := d.sources.Results(ctx, roundID)
	if err != nil {
		return err
	}
	plans, err := d.sources.FundedPlans(ctx, roundID)
	if err != nil {
		return err
	}
	reports, err := d.store.QuarterlyReports(ctx, roundID)
	if err != nil {
		return err
	}
	now := d.now()
	return d.store.PublishDisclosures(ctx, roundID, domain.PublicDisclosures(roundID, shortlist, results, plans, reports, now), now)
}

// DonorDisclosures is a donor's feed: what happened to each of its pledges. Its own DONOR (the donor_id of its
// identity) and staff; any other caller gets NOT_FOUND, as an unknown donor would.
func (d *Disclosures) DonorDisclosures(ctx context.Context, donorID string) ([]domain.PledgeDisclosure, error) {
	if err := ids.Parse("donor_id", donorID); err != nil {
		return nil, err
	}
	if who := identity.From(ctx); !who.IsStaff() && !(who.Has(identity.Donor) && who.DonorID == donorID) {
		return nil, errs.New(errs.NotFound, "DONOR_NOT_FOUND", "donor "+donorID+" not found")
	}
	pledges, err := d.sources.DonorPledges(ctx, donorID)
	if err != nil {
		return nil, err
	}
	plans, projectPledges := map[string]domain.FundedPlan{}, map[string][]domain.Pledge{}
	for _, p := range pledges {
		if _, seen := projectPledges[p.ProjectID]; seen {
			continue
		}
		projectPledges[p.ProjectID] = nil
		plan, ok, err := d.sources.FundedPlan(ctx, p.ProjectID)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		plans[p.ProjectID] = plan
		if projectPledges[p.ProjectID], err = d.sources.ProjectPledges(ctx, p.ProjectID); err != nil {
			return nil, err
		}
	}
	return domain.DonorDisclosures(pledges, plans, projectPledges)
}
