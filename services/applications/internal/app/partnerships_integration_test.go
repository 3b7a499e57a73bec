package app_test

import (
	"context"
	"testing"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/services/applications/internal/app"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

// accountOf is the context of a call by an APPLICANT account acting for organisation orgID.
func accountOf(subject, orgID string) context.Context {
	return identity.With(context.Background(), identity.Identity{Subject: subject, Roles: []identity.Role{identity.Applicant}, OrgID: orgID})
}

// The partner an individual names counts only while its own account accepts: idea_only and the automatic check
// follow the consent, on a draft and on a submitted application alike; others cannot answer for the partner;
// every change is in the consent trail; the partnership is locked once the final result is decided.
func TestPartnerConsent(t *testing.T) {
	f := setup(t)
	r, partner := f.published(t) // a verified social organisation
	person := as("person", identity.Applicant)
	individual, err := f.svc.CreateOrganization(person, app.CreateOrganization{Name: "Wang Wu", Kind: domain.OrgIndividual, IDNumber: residentID})
	if err != nil {
		t.Fatal(err)
	}
	c := content("Garden for the elderly")
	c.PartnerOrgID = partner.ID
	a, err := f.svc.CreateApplication(person, app.CreateApplication{RoundID: r.ID, OrgID: individual.ID, Content: c})
	if err != nil || !a.IdeaOnly || a.PartnerConsent != domain.ConsentPending {
		t.Fatalf("named, not accepted: idea_only=%v consent=%q %v", a.IdeaOnly, a.PartnerConsent, err)
	}
	v, err := f.svc.GetApplication(person, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ch := checkNamed(v.Checks, "PARTNER_CONSENTED"); ch.Passed {
		t.Fatalf("PARTNER_CONSENTED before the partner accepted: %+v", ch)
	}

	// Another organisation's account finds nothing; the applicant itself may not answer for its partner.
	unitAccount := as("unit", identity.Applicant)
	unit, err := f.svc.CreateOrganization(unitAccount, app.CreateOrganization{Name: "Street Committee", Kind: domain.OrgOtherUnit, USCC: usccStreetUnit})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.AcceptPartnership(accountOf("unit-staff", unit.ID), app.AcceptPartnership{ApplicationID: a.ID})
	refused(t, "another organisation accepts", err, errs.NotFound, "NOT_FOUND")
	_, err = f.svc.AcceptPartnership(person, app.AcceptPartnership{ApplicationID: a.ID})
	refused(t, "the applicant accepts for its partner", err, errs.PermissionDenied, "NOT_THE_PARTNER")
	_, err = f.svc.ListPartnerships(unitAccount, app.ListPartnerships{OrgID: partner.ID, Limit: 10})
	refused(t, "another organisation lists the partner's partnerships", err, errs.NotFound, "NOT_FOUND")

	// The partner's account (acting for it, not its owner) lists what awaits it.
	partnerAccount := accountOf("partner-staff", partner.ID)
	list, err := f.svc.ListPartnerships(partnerAccount, app.ListPartnerships{OrgID: partner.ID, Consent: domain.ConsentPending, Limit: 10})
	if err != nil || len(list) != 1 || list[0].ID != a.ID {
		t.Fatalf("pending partnerships: %d %v", len(list), err)
	}
	if list, err = f.svc.ListPartnerships(partnerAccount, app.ListPartnerships{OrgID: partner.ID, Consent: domain.ConsentAccepted, Limit: 10}); err != nil || len(list) != 0 {
		t.Fatalf("accepted partnerships before accepting: %d %v", len(list), err)
	}

	// Submitted while pending: still idea-only. The partner accepts the submitted application: it counts.
	a, err = f.svc.SubmitApplication(person, app.SubmitApplication{ApplicationID: a.ID, Etag: domain.Etag(a.ID, a.Version)})
	if err != nil || !a.IdeaOnly {
		t.Fatalf("submitted while pending: idea_only=%v %v", a.IdeaOnly, err)
	}
	before := a.Version
	a, err = f.svc.AcceptPartnership(partnerAccount, app.AcceptPartnership{ApplicationID: a.ID})
	if err != nil || a.IdeaOnly || a.PartnerConsent != domain.ConsentAccepted || !a.PartnerConsentAt.Equal(f.clock.Now()) || a.Version != before+1 {
		t.Fatalf("accepted: idea_only=%v consent=%q at %v version %d→%d %v", a.IdeaOnly, a.PartnerConsent, a.PartnerConsentAt, before, a.Version, err)
	}
	again, err := f.svc.AcceptPartnership(partnerAccount, app.AcceptPartnership{ApplicationID: a.ID})
	if err != nil || again.Version != a.Version {
		t.Fatalf("accepting twice: version %d→%d %v", a.Version, again.Version, err)
	}
	v, err = f.svc.GetApplication(operator, a.ID)
	if err != nil || v.IdeaOnly || v.Status != domain.StatusSubmitted {
		t.Fatalf("operator reads: idea_only=%v %s %v", v.IdeaOnly, v.Status, err)
	}
	if ch := checkNamed(v.Checks, "PARTNER_CONSENTED"); !ch.Passed {
		t.Fatalf("PARTNER_CONSENTED after the partner accepted: %+v", ch)
	}
	// What the reviews service reads (ListApplications as a suite service) is the live flag.
	listed, err := f.svc.ListApplications(as("service:reviews", identity.Service), app.ApplicationFilter{RoundID: r.ID, Limit: 10})
	if err != nil || len(listed) != 1 || listed[0].IdeaOnly {
		t.Fatalf("reviews reads: %+v %v", listed, err)
	}

	// Withdrawing needs a reason; then the application is idea-only again.
	_, err = f.svc.WithdrawPartnership(partnerAccount, app.WithdrawPartnership{ApplicationID: a.ID, Reason: " "})
	refused(t, "withdraw without a reason", err, errs.InvalidArgument, "REASON_REQUIRED")
	f.clock.Add(1)
	a, err = f.svc.WithdrawPartnership(partnerAccount, app.WithdrawPartnership{ApplicationID: a.ID, Reason: "our board declined"})
	if err != nil || !a.IdeaOnly || a.PartnerConsent != domain.ConsentWithdrawn {
		t.Fatalf("withdrawn: idea_only=%v consent=%q %v", a.IdeaOnly, a.PartnerConsent, err)
	}

	// Accepted again, accepted at initial review and selected: the partnership is locked.
	if a, err = f.svc.AcceptPartnership(partnerAccount, app.AcceptPartnership{ApplicationID: a.ID}); err != nil || a.IdeaOnly {
		t.Fatalf("accepted again: %v %v", a.IdeaOnly, err)
	}
	if a, err = f.svc.ReviewApplication(operator, app.ReviewApplication{ApplicationID: a.ID, Decision: domain.DecisionAccept, Etag: domain.Etag(a.ID, a.Version)}); err != nil {
		t.Fatal(err)
	}
	reviews := identity.With(context.Background(), identity.ServiceIdentity("reviews"))
	if _, err = f.svc.SetStage(reviews, app.SetStage{ApplicationID: a.ID, Stage: "SELECTED"}); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.WithdrawPartnership(partnerAccount, app.WithdrawPartnership{ApplicationID: a.ID, Reason: "too late"})
	refused(t, "withdraw once selected", err, errs.FailedPrecondition, "PARTNERSHIP_LOCKED")

	// The trail: who, what, when, why — and it cannot be rewritten.
	trail, err := f.svc.ListConsentChanges(operator, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		action domain.ConsentAction
		to     domain.PartnerConsent
		by     string
		reason string
	}{
		{domain.ConsentNamed, domain.ConsentPending, "person", ""},
		{domain.ConsentAccept, domain.ConsentAccepted, "partner-staff", ""},
		{domain.ConsentWithdraws, domain.ConsentWithdrawn, "partner-staff", "our board declined"},
		{domain.ConsentAccept, domain.ConsentAccepted, "partner-staff", ""},
	}
	if len(trail) != len(want) {
		t.Fatalf("trail: %+v", trail)
	}
	for i, w := range want {
		if got := trail[i]; got.Action != w.action || got.To != w.to || got.By != w.by || got.Reason != w.reason || got.PartnerOrgID != partner.ID || got.At.IsZero() {
			t.Errorf("trail[%d] = %+v, want %s → %s by %s (%q)", i, got, w.action, w.to, w.by, w.reason)
		}
	}
	if _, err := f.pool.Exec(context.Background(), `UPDATE application_partner_consents SET reason = 'rewritten'`); err == nil {
		t.Fatal("the consent trail was rewritten")
	}
	if _, err := f.pool.Exec(context.Background(), `DELETE FROM application_partner_consents`); err == nil {
		t.Fatal("the consent trail was deleted")
	}
}

// Naming another partner, or none, in an update starts the consent over and is recorded.
func TestPartnerChangeRestartsConsent(t *testing.T) {
	f := setup(t)
	r, partner := f.published(t)
	person := as("person", identity.Applicant)
	individual, err := f.svc.CreateOrganization(person, app.CreateOrganization{Name: "Wang Wu", Kind: domain.OrgIndividual, IDNumber: residentID})
	if err != nil {
		t.Fatal(err)
	}
	a, err := f.svc.CreateApplication(person, app.CreateApplication{RoundID: r.ID, OrgID: individual.ID, Content: content("Alone")})
	if err != nil || !a.IdeaOnly || a.PartnerConsent != domain.ConsentNone {
		t.Fatalf("no partner: %v %q %v", a.IdeaOnly, a.PartnerConsent, err)
	}
	a, err = f.svc.UpdateApplication(person, app.UpdateApplication{ApplicationID: a.ID, Etag: domain.Etag(a.ID, a.Version),
		Change: func(c *domain.Content) { c.PartnerOrgID = partner.ID }})
	if err != nil || !a.IdeaOnly || a.PartnerConsent != domain.ConsentPending {
		t.Fatalf("partner named in an update: %v %q %v", a.IdeaOnly, a.PartnerConsent, err)
	}
	if a, err = f.svc.AcceptPartnership(accountOf("partner-staff", partner.ID), app.AcceptPartnership{ApplicationID: a.ID}); err != nil || a.IdeaOnly {
		t.Fatalf("accepted: %v %v", a.IdeaOnly, err)
	}
	// An unrelated change keeps the consent.
	if a, err = f.svc.UpdateApplication(person, app.UpdateApplication{ApplicationID: a.ID, Etag: domain.Etag(a.ID, a.Version),
		Change: func(c *domain.Content) { c.Summary = "more visits" }}); err != nil || a.IdeaOnly || a.PartnerConsent != domain.ConsentAccepted {
		t.Fatalf("summary changed: %v %q %v", a.IdeaOnly, a.PartnerConsent, err)
	}
	a, err = f.svc.UpdateApplication(person, app.UpdateApplication{ApplicationID: a.ID, Etag: domain.Etag(a.ID, a.Version),
		Change: func(c *domain.Content) { c.PartnerOrgID = "" }})
	if err != nil || !a.IdeaOnly || a.PartnerConsent != domain.ConsentNone || !a.PartnerConsentAt.IsZero() {
		t.Fatalf("partner dropped: %v %q %v", a.IdeaOnly, a.PartnerConsent, err)
	}
	trail, err := f.svc.ListConsentChanges(person, a.ID)
	if err != nil || len(trail) != 3 || trail[0].Action != domain.ConsentNamed || trail[2].Action != domain.ConsentCleared || trail[2].PartnerOrgID != partner.ID {
		t.Fatalf("trail: %+v %v", trail, err)
	}
	// The former partner no longer answers for it.
	_, err = f.svc.AcceptPartnership(accountOf("partner-staff", partner.ID), app.AcceptPartnership{ApplicationID: a.ID})
	refused(t, "the former partner accepts", err, errs.NotFound, "NOT_FOUND")
}
