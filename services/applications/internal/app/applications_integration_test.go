package app_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/services/applications/internal/app"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

func TestConcurrentUpdatesLoseNothing(t *testing.T) {
	f := setup(t)
	r, o := f.published(t)
	a := f.draft(t, r, o, "Meals")
	etag := domain.Etag(a.ID, a.Version)
	var wg sync.WaitGroup
	results := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.svc.UpdateApplication(applicant, app.UpdateApplication{ApplicationID: a.ID, Etag: etag,
				Change: func(c *domain.Content) { c.Summary = "writer " + string(rune('A'+i)) }})
			results <- err
		}()
	}
	wg.Wait()
	close(results)
	ok, conflicts := 0, 0
	for err := range results {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, errs.ErrEtagMismatch):
			conflicts++
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if ok != 1 || conflicts != 7 {
		t.Fatalf("with one etag, exactly one writer wins: %d ok, %d conflicts", ok, conflicts)
	}
}

func TestIdeaOnlyFollowsPartnerRegistration(t *testing.T) {
	f := setup(t)
	r, partner := f.published(t)
	unitOwner := as("unit", identity.Applicant)
	unit, err := f.svc.CreateOrganization(unitOwner, app.CreateOrganization{Name: "Street Committee", Kind: domain.OrgOtherUnit, USCC: usccStreetUnit})
	if err != nil {
		t.Fatal(err)
	}
	alone, err := f.svc.CreateApplication(unitOwner, app.CreateApplication{RoundID: r.ID, OrgID: unit.ID, Content: content("Idea alone")})
	if err != nil || !alone.IdeaOnly {
		t.Fatalf("unit without partner: idea_only=%v %v", alone.IdeaOnly, err)
	}
	withPartner := content("With partner")
	withPartner.PartnerOrgID = partner.ID
	a, err := f.svc.CreateApplication(unitOwner, app.CreateApplication{RoundID: r.ID, OrgID: unit.ID, Content: withPartner})
	if err != nil || !a.IdeaOnly || a.PartnerConsent != domain.ConsentPending {
		t.Fatalf("unit naming a registered partner that has not accepted: idea_only=%v consent=%q %v", a.IdeaOnly, a.PartnerConsent, err)
	}
	// The partner's own account (its owner) accepts: now it counts.
	if a, err = f.svc.AcceptPartnership(applicant, app.AcceptPartnership{ApplicationID: a.ID}); err != nil || a.IdeaOnly {
		t.Fatalf("unit with a registered partner that accepted: idea_only=%v %v", a.IdeaOnly, err)
	}
	if _, err := f.svc.CreateApplication(unitOwner, app.CreateApplication{RoundID: r.ID, OrgID: partner.ID, Content: content("Not mine")}); !errors.Is(err, domain.ErrOrganizationNotOwned) {
		t.Fatalf("applying for another's organisation: %v", err)
	}
}

func TestSubmitKeepsRevisions(t *testing.T) {
	f := setup(t)
	r, o := f.published(t)
	a := f.submitted(t, r, o, "Meals")
	a, err := f.svc.ReviewApplication(operator, app.ReviewApplication{ApplicationID: a.ID, Decision: domain.DecisionReturn, Reasons: []string{"itemise"},
		Etag: domain.Etag(a.ID, a.Version)})
	if err != nil || a.Status != domain.StatusReturned {
		t.Fatalf("return: %v %v", a.Status, err)
	}
	a, err = f.svc.UpdateApplication(applicant, app.UpdateApplication{ApplicationID: a.ID, Etag: domain.Etag(a.ID, a.Version),
		Change: func(c *domain.Content) { c.Summary = "itemised" }})
	if err != nil {
		t.Fatal(err)
	}
	if a, err = f.svc.SubmitApplication(applicant, app.SubmitApplication{ApplicationID: a.ID, Etag: domain.Etag(a.ID, a.Version)}); err != nil || a.Revision != 2 {
		t.Fatalf("resubmit: revision %d %v", a.Revision, err)
	}
	revs, err := f.svc.ListRevisions(applicant, a.ID)
	if err != nil || len(revs.Revisions) != 2 || revs.Revisions[0].Content.Summary != "visits" || revs.Revisions[1].Content.Summary != "itemised" ||
		revs.Revisions[1].SubmittedBy != "applicant" {
		t.Fatalf("revisions: %+v %v", revs.Revisions, err)
	}
	if _, err := f.svc.ListRevisions(as("stranger", identity.Applicant), a.ID); !errors.Is(err, errs.ErrNotFound) {
		t.Fatalf("another applicant's revisions: %v", err)
	}
}

// Only the reviews service sets stages; setting the stage an application already has changes nothing; a
// shortlisted application's public fields are anyone's.
func TestSetStage(t *testing.T) {
	f := setup(t)
	r, o := f.published(t)
	a := f.accepted(t, r, o, "Meals")
	reviews := identity.With(applicant, identity.ServiceIdentity("reviews"))

	if _, err := f.svc.SetStage(identity.With(applicant, identity.ServiceIdentity("donations")), app.SetStage{ApplicationID: a.ID, Stage: "SHORTLISTED"}); !errors.Is(err, errs.ErrPermissionDenied) {
		t.Fatalf("another service sets a stage: %v", err)
	}
	if _, err := f.svc.SetStage(reviews, app.SetStage{ApplicationID: a.ID, Stage: "FAMOUS"}); err == nil {
		t.Fatal("an unknown stage was set")
	}
	set, err := f.svc.SetStage(reviews, app.SetStage{ApplicationID: a.ID, Stage: "SHORTLISTED"})
	if err != nil || set.Stage != "SHORTLISTED" || set.Version != a.Version+1 {
		t.Fatalf("set: %q v%d %v", set.Stage, set.Version, err)
	}
	again, err := f.svc.SetStage(reviews, app.SetStage{ApplicationID: a.ID, Stage: "SHORTLISTED"})
	if err != nil || again.Version != set.Version || !again.UpdatedAt.Equal(set.UpdatedAt) {
		t.Fatalf("setting the same stage again changed the application: v%d → v%d %v", set.Version, again.Version, err)
	}

	public, err := f.svc.GetApplication(as("", identity.Public), a.ID)
	if err != nil || !public.PublicOnly || public.Content.Title != "Meals" {
		t.Fatalf("anonymous reads a shortlisted application: %+v %v", public, err)
	}
	full, err := f.svc.GetApplication(applicant, a.ID)
	if err != nil || full.PublicOnly || len(full.Checks) == 0 {
		t.Fatalf("owner reads: public=%v %d checks %v", full.PublicOnly, len(full.Checks), err)
	}

	draft := f.draft(t, r, o, "Draft")
	if _, err := f.svc.SetStage(reviews, app.SetStage{ApplicationID: draft.ID, Stage: "SHORTLISTED"}); !errors.Is(err, domain.ErrNotAccepted) {
		t.Fatalf("stage of a draft: %v", err)
	}
	if _, err := f.svc.GetApplication(as("", identity.Public), draft.ID); !errors.Is(err, errs.ErrNotFound) {
		t.Fatalf("anonymous reads a draft: %v", err)
	}
}
