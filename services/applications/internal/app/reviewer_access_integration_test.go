package app_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"

	"github.com/commonweal/commonweal/pkg/dbtest"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/applications/internal/app"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
	"github.com/commonweal/commonweal/services/applications/internal/store"
)

// panelsFake stands for the reviews service's ListReviewerPanels: the panels of each reviewer, a failure to
// answer, and the questions asked.
type panelsFake struct {
	mu     sync.Mutex
	panels map[string][]domain.ReviewerPanel
	err    error
	asked  []string
}

func (p *panelsFake) PanelsOf(_ context.Context, reviewerID, roundID string) ([]domain.ReviewerPanel, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.asked = append(p.asked, reviewerID+"@"+roundID)
	if p.err != nil {
		return nil, p.err
	}
	var out []domain.ReviewerPanel
	for _, x := range p.panels[reviewerID] {
		if roundID == "" || x.RoundID == roundID {
			out = append(out, x)
		}
	}
	return out, nil
}

// withPanels returns the fixture's use cases with the reviews service's panels faked by panels (nil: no
// reviews client at all).
func (f *fixture) withPanels(t *testing.T, panels app.ReviewerPanels) *app.Service {
	t.Helper()
	st := store.New(f.pool, dbtest.Box(t))
	return app.New(app.Deps{Rounds: st, Organizations: st, Applications: st, Queries: st, Requests: idempotency.NewPG(f.pool), Now: f.clock.Now,
		Checkers: map[string]app.PreconditionChecker{"reviews": f.reviews, "supervision": f.supervision}, Panels: panels})
}

// listIDs lists the round's applications as ctx sees them, page by page of size, as their IDs sorted (the
// fixture's clock stands still, so the list's own order is by ID).
func listIDs(t *testing.T, svc *app.Service, ctx context.Context, f app.ApplicationFilter, size int) []string {
	t.Helper()
	var out []string
	f.Limit = size
	for {
		page, err := svc.ListApplications(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range page {
			out = append(out, a.ID)
		}
		if len(page) < size {
			sort.Strings(out)
			return out
		}
		last := page[len(page)-1]
		f.AfterTime, f.AfterID = last.CreatedAt, last.ID
	}
}

func sorted(ids ...string) []string { sort.Strings(ids); return ids }

// TestReviewerAccess checks what a panel member reads: the whole application (with the automatic checks) of
// every application its panel scores (ACCEPTED ones for the shortlist panel, finalists for the final panel),
// listed exactly, with whole pages; the organisations applying to or partnering them, masked; and nothing
// else: what an anonymous caller gets.
func TestReviewerAccess(t *testing.T) {
	f := setup(t)
	r, o := f.published(t)
	panels := &panelsFake{panels: map[string][]domain.ReviewerPanel{
		"rev-short": {{PanelID: ids.New(), RoundID: r.ID, Stage: domain.ReviewShortlist}},
		"rev-final": {{PanelID: ids.New(), RoundID: r.ID, Stage: domain.ReviewFinal}},
		"rev-other": {{PanelID: ids.New(), RoundID: ids.New(), Stage: domain.ReviewShortlist}},
	}}
	svc := f.withPanels(t, panels)
	short, final := as("rev-short", identity.Reviewer), as("rev-final", identity.Reviewer)
	other, none := as("rev-other", identity.Reviewer), as("rev-none", identity.Reviewer)

	// A: o's application, submitted but not accepted. B: an individual's, partnering o, accepted.
	a := f.submitted(t, r, o, "Meals")
	applicant2 := as("applicant-2", identity.Applicant)
	person, err := f.svc.CreateOrganization(applicant2, app.CreateOrganization{Name: "Zhang San", Kind: domain.OrgIndividual, IDNumber: residentID, ContactPhone: phone})
	if err != nil {
		t.Fatal(err)
	}
	c := content("Visits")
	c.PartnerOrgID = o.ID
	b, err := f.svc.CreateApplication(applicant2, app.CreateApplication{RoundID: r.ID, OrgID: person.ID, Content: c})
	if err != nil {
		t.Fatal(err)
	}
	if b, err = f.svc.SubmitApplication(applicant2, app.SubmitApplication{ApplicationID: b.ID, Etag: domain.Etag(b.ID, b.Version)}); err != nil {
		t.Fatal(err)
	}
	if b, err = f.svc.ReviewApplication(operator, app.ReviewApplication{ApplicationID: b.ID, Decision: domain.DecisionAccept, Etag: domain.Etag(b.ID, b.Version)}); err != nil {
		t.Fatal(err)
	}

	// The shortlist panel member reads B whole, not A.
	v, err := svc.GetApplication(short, b.ID)
	if err != nil || v.PublicOnly || len(v.Checks) == 0 || v.Content.Title != "Visits" {
		t.Fatalf("shortlist member reads B: %+v %v", v, err)
	}
	staff, err := svc.GetApplication(operator, b.ID)
	if err != nil || !sameJSON(t, v, staff) {
		t.Fatalf("the member's view differs from staff's:\n%+v\n%+v (%v)", v, staff, err)
	}
	for name, ctx := range map[string]context.Context{"shortlist member": short, "final member": final, "member of another round": other, "member of no panel": none} {
		if _, err := svc.GetApplication(ctx, a.ID); !errors.Is(err, errs.ErrNotFound) {
			t.Errorf("%s reads A, not accepted: %v", name, err)
		}
	}
	for name, ctx := range map[string]context.Context{"final member": final, "member of another round": other, "member of no panel": none} {
		if _, err := svc.GetApplication(ctx, b.ID); !errors.Is(err, errs.ErrNotFound) {
			t.Errorf("%s reads B, accepted but not shortlisted: %v", name, err)
		}
	}

	// Organisations: o partners B, the individual applies with B; masked.
	for _, id := range []string{o.ID, person.ID} {
		got, err := svc.GetOrganization(short, id)
		if err != nil || got.ContactPhone == "" || got.ContactPhone == phone || got.ContactPhone == "13812345678" {
			t.Fatalf("shortlist member reads organisation %s: %+v %v", id, got, err)
		}
		if id == person.ID && got.IDNumber != residentIDMasked {
			t.Fatalf("the individual's ID number unmasked to a panel member: %s", got.IDNumber)
		}
		for name, ctx := range map[string]context.Context{"final member": final, "member of another round": other, "member of no panel": none} {
			if _, err := svc.GetOrganization(ctx, id); !errors.Is(err, errs.ErrNotFound) {
				t.Errorf("%s reads organisation %s: %v", name, id, err)
			}
		}
	}

	// More accepted applications, listed whole page after page; a status filter still applies.
	c1 := f.accepted(t, r, o, "Clinic")
	c2 := f.accepted(t, r, o, "Library")
	f.draft(t, r, o, "Draft")
	all := app.ApplicationFilter{RoundID: r.ID}
	want := fmt.Sprint(sorted(b.ID, c1.ID, c2.ID))
	for _, size := range []int{1, 2, 100} {
		if got := fmt.Sprint(listIDs(t, svc, short, all, size)); got != want {
			t.Errorf("shortlist member lists %s by pages of %d, want %s", got, size, want)
		}
	}
	if got := listIDs(t, svc, short, app.ApplicationFilter{RoundID: r.ID, Status: domain.StatusSubmitted}, 10); len(got) != 0 {
		t.Errorf("shortlist member lists submitted ones: %v", got)
	}
	for name, ctx := range map[string]context.Context{"final member": final, "member of another round": other, "member of no panel": none} {
		if got := listIDs(t, svc, ctx, all, 10); len(got) != 0 {
			t.Errorf("%s lists %v", name, got)
		}
	}

	// The shortlist is published: B and c1 shortlisted, c2 disqualified. The final panel member reads and
	// lists the finalists; the public the finalists' public fields.
	reviews := identity.With(context.Background(), identity.ServiceIdentity("reviews"))
	for id, stage := range map[string]string{b.ID: "SHORTLISTED", c1.ID: "SHORTLISTED", c2.ID: "DISQUALIFIED"} {
		if _, err := f.svc.SetStage(reviews, app.SetStage{ApplicationID: id, Stage: stage}); err != nil {
			t.Fatal(err)
		}
	}
	if v, err := svc.GetApplication(final, c1.ID); err != nil || v.PublicOnly || len(v.Checks) == 0 {
		t.Fatalf("final member reads a finalist: %+v %v", v, err)
	}
	if _, err := svc.GetApplication(final, c2.ID); !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("final member reads a disqualified application: %v", err)
	}
	if v, err := svc.GetApplication(none, c1.ID); err != nil || !v.PublicOnly {
		t.Errorf("member of no panel reads a finalist: %+v %v, want the public fields", v, err)
	}
	if got, want := fmt.Sprint(listIDs(t, svc, final, all, 1)), fmt.Sprint(sorted(b.ID, c1.ID)); got != want {
		t.Errorf("final member lists %s, want %s", got, want)
	}
	if got := fmt.Sprint(listIDs(t, svc, short, all, 2)); got != want {
		t.Errorf("shortlist member lists %s after the shortlist", got)
	}
	if _, err := svc.GetOrganization(final, o.ID); err != nil {
		t.Errorf("final member reads the organisation of a finalist: %v", err)
	}

	// Staff never ask the reviews service; a reviews service that cannot answer refuses a member's read.
	panels.mu.Lock()
	asked := len(panels.asked)
	panels.mu.Unlock()
	if _, err := svc.GetApplication(operator, b.ID); err != nil {
		t.Fatal(err)
	}
	listIDs(t, svc, operator, all, 10)
	if _, err := svc.GetOrganization(operator, o.ID); err != nil {
		t.Fatal(err)
	}
	if len(panels.asked) != asked {
		t.Errorf("staff reads asked the reviews service: %v", panels.asked[asked:])
	}
	down := errs.New(errs.Unavailable, "REVIEWS_UNAVAILABLE", "the reviews service is unavailable; retry later")
	panels.err = down
	if _, err := svc.GetApplication(short, b.ID); !errors.Is(err, down) {
		t.Errorf("member reads while reviews is down: %v", err)
	}
	if _, err := svc.ListApplications(short, app.ApplicationFilter{RoundID: r.ID, Limit: 10}); !errors.Is(err, down) {
		t.Errorf("member lists while reviews is down: %v", err)
	}
	if _, err := f.withPanels(t, nil).GetApplication(short, b.ID); !errors.Is(err, domain.ErrReviewsMissing) {
		t.Errorf("member reads without a reviews client: %v", err)
	}
}
