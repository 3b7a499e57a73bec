package domain

import (
	"strings"
	"testing"
	"time"
)

func TestIdeaOnlyNeedsConsent(t *testing.T) {
	registered := Organization{ID: "p", Kind: OrgSocialOrganization, Registered: true}
	unverified := Organization{ID: "p", Kind: OrgSocialOrganization}
	individual := Organization{Kind: OrgIndividual}
	social := Organization{Kind: OrgSocialOrganization, Registered: true}
	tests := []struct {
		name      string
		applicant Organization
		partner   *Organization
		consent   PartnerConsent
		want      bool
	}{
		{"individual, registered partner pending", individual, &registered, ConsentPending, true},
		{"individual, registered partner accepted", individual, &registered, ConsentAccepted, false},
		{"individual, registered partner withdrew", individual, &registered, ConsentWithdrawn, true},
		{"individual, registered partner, no consent state", individual, &registered, ConsentNone, true},
		{"individual, unverified partner accepted", individual, &unverified, ConsentAccepted, true},
		{"individual, no partner", individual, nil, ConsentNone, true},
		// A social organisation applies on its own; its partner's consent does not matter.
		{"social organisation, partner withdrew", social, &registered, ConsentWithdrawn, false},
		{"social organisation, partner pending", social, &registered, ConsentPending, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := IdeaOnly(tc.applicant, tc.partner, tc.consent); got != tc.want {
				t.Errorf("IdeaOnly = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestNamePartner(t *testing.T) {
	tests := []struct {
		name        string
		consent     PartnerConsent
		before, now string
		wantConsent PartnerConsent
		wantAction  ConsentAction // "" = no change recorded
	}{
		{"created with a partner", ConsentNone, "", "p1", ConsentPending, ConsentNamed},
		{"created without", ConsentNone, "", "", ConsentNone, ""},
		{"same partner keeps its consent", ConsentAccepted, "p1", "p1", ConsentAccepted, ""},
		{"another partner starts over", ConsentAccepted, "p1", "p2", ConsentPending, ConsentNamed},
		{"partner named again after withdrawing is asked again", ConsentWithdrawn, "p1", "p2", ConsentPending, ConsentNamed},
		{"partner dropped", ConsentAccepted, "p1", "", ConsentNone, ConsentCleared},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := Application{ID: "a", Content: Content{PartnerOrgID: tc.now}, PartnerConsent: tc.consent, PartnerConsentAt: t0}
			c := a.NamePartner(tc.before, "applicant-1", "org-1", t0.Add(time.Hour))
			if a.PartnerConsent != tc.wantConsent {
				t.Errorf("consent = %q, want %q", a.PartnerConsent, tc.wantConsent)
			}
			if tc.wantAction == "" {
				if c != nil {
					t.Fatalf("recorded %+v for no change", c)
				}
				if !a.PartnerConsentAt.Equal(t0) {
					t.Errorf("consent time changed: %v", a.PartnerConsentAt)
				}
				return
			}
			if c == nil || c.Action != tc.wantAction || c.From != tc.consent || c.To != tc.wantConsent || c.By != "applicant-1" || c.ByOrgID != "org-1" {
				t.Fatalf("change = %+v, want %s %q→%q by applicant-1", c, tc.wantAction, tc.consent, tc.wantConsent)
			}
			if want := map[bool]string{true: tc.before, false: tc.now}[tc.now == ""]; c.PartnerOrgID != want {
				t.Errorf("change names partner %q, want %q", c.PartnerOrgID, want)
			}
			if !a.PartnerConsentAt.IsZero() {
				t.Errorf("a new partner keeps the old consent time %v", a.PartnerConsentAt)
			}
		})
	}
}

func TestAcceptPartnership(t *testing.T) {
	registered := Organization{ID: "p1", Kind: OrgSocialOrganization, Registered: true}
	tests := []struct {
		name        string
		named       string
		consent     PartnerConsent
		stage       string
		partner     Organization
		want        want
		wantChange  bool
		wantConsent PartnerConsent
	}{
		{"pending → accepted", "p1", ConsentPending, "", registered, want{}, true, ConsentAccepted},
		{"withdrawn → accepted again", "p1", ConsentWithdrawn, "SHORTLISTED", registered, want{}, true, ConsentAccepted},
		{"accepting twice changes nothing", "p1", ConsentAccepted, "", registered, want{}, false, ConsentAccepted},
		{"accepted and selected: still nothing to change", "p1", ConsentAccepted, "SELECTED", registered, want{}, false, ConsentAccepted},
		{"another organisation", "p2", ConsentPending, "", registered, want{is: ErrNotThePartner}, false, ConsentPending},
		{"no partner named", "", ConsentNone, "", registered, want{is: ErrNotThePartner}, false, ConsentNone},
		{"partner not verified", "p1", ConsentPending, "", Organization{ID: "p1", Kind: OrgSocialOrganization}, want{is: ErrPartnerNotVerified}, false, ConsentPending},
		{"partner not a social organisation", "p1", ConsentPending, "", Organization{ID: "p1", Kind: OrgOtherUnit, Registered: true}, want{is: ErrPartnerNotVerified}, false, ConsentPending},
		{"final results decided", "p1", ConsentPending, "NOT_SELECTED", registered, want{reason: "PARTNERSHIP_LOCKED"}, false, ConsentPending},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := Application{ID: "a", Stage: tc.stage, Content: Content{PartnerOrgID: tc.named}, PartnerConsent: tc.consent}
			c, err := a.AcceptPartnership(tc.partner, "partner-1", t0)
			checkErr(t, err, tc.want)
			if (c != nil) != tc.wantChange {
				t.Fatalf("change = %+v, want one: %v", c, tc.wantChange)
			}
			if a.PartnerConsent != tc.wantConsent {
				t.Errorf("consent = %q, want %q", a.PartnerConsent, tc.wantConsent)
			}
			if c != nil && (c.Action != ConsentAccept || c.From != tc.consent || c.To != ConsentAccepted || c.By != "partner-1" || c.ByOrgID != "p1" ||
				!c.At.Equal(t0) || !a.PartnerConsentAt.Equal(t0)) {
				t.Errorf("change = %+v, consent time %v", c, a.PartnerConsentAt)
			}
		})
	}
}

func TestWithdrawPartnership(t *testing.T) {
	tests := []struct {
		name        string
		consent     PartnerConsent
		stage       string
		partner     string
		reason      string
		want        want
		wantChange  bool
		wantConsent PartnerConsent
	}{
		{"accepted → withdrawn", ConsentAccepted, "SHORTLISTED", "p1", "our board declined", want{}, true, ConsentWithdrawn},
		{"pending → declined", ConsentPending, "", "p1", "we do not know this team", want{}, true, ConsentWithdrawn},
		{"withdrawing twice changes nothing", ConsentWithdrawn, "", "p1", "again", want{}, false, ConsentWithdrawn},
		{"reason required", ConsentAccepted, "", "p1", "  ", want{is: ErrWithdrawReasonRequired, field: "reason"}, false, ConsentAccepted},
		{"reason too long", ConsentAccepted, "", "p1", strings.Repeat("理", MaxConsentReason+1), want{reason: "REASON_TOO_LONG"}, false, ConsentAccepted},
		{"another organisation", ConsentAccepted, "", "p2", "not mine", want{is: ErrNotThePartner}, false, ConsentAccepted},
		{"selected: locked", ConsentAccepted, "SELECTED", "p1", "too late", want{is: ErrPartnershipLocked}, false, ConsentAccepted},
		{"idea prize: locked", ConsentPending, "IDEA_PRIZE", "p1", "too late", want{is: ErrPartnershipLocked}, false, ConsentPending},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := Application{ID: "a", Stage: tc.stage, Content: Content{PartnerOrgID: "p1"}, PartnerConsent: tc.consent}
			c, err := a.WithdrawPartnership(tc.partner, tc.reason, "partner-1", t0)
			checkErr(t, err, tc.want)
			if (c != nil) != tc.wantChange {
				t.Fatalf("change = %+v, want one: %v", c, tc.wantChange)
			}
			if a.PartnerConsent != tc.wantConsent {
				t.Errorf("consent = %q, want %q", a.PartnerConsent, tc.wantConsent)
			}
			if c != nil && (c.Action != ConsentWithdraws || c.Reason != strings.TrimSpace(tc.reason) || c.From != tc.consent || c.To != ConsentWithdrawn ||
				!a.PartnerConsentAt.Equal(t0)) {
				t.Errorf("change = %+v", c)
			}
		})
	}
}

func TestPartnerConsentedCheck(t *testing.T) {
	p := Policy{}.WithDefaults()
	individual := Organization{Kind: OrgIndividual}
	registered := Organization{ID: "p1", Kind: OrgSocialOrganization, Registered: true}
	for _, tc := range []struct {
		consent PartnerConsent
		passed  bool
	}{{ConsentPending, false}, {ConsentAccepted, true}, {ConsentWithdrawn, false}} {
		a := Application{Content: contentWith(func(c *Content) { c.PartnerOrgID = "p1" }), PartnerConsent: tc.consent}
		checks := AutomaticChecks(a, p, individual, &registered, false)
		last := checks[len(checks)-1]
		if last.Name != "PARTNER_CONSENTED" || last.Passed != tc.passed || last.Detail == "" {
			t.Errorf("%s: last check %+v, want PARTNER_CONSENTED passed=%v", tc.consent, last, tc.passed)
		}
	}
	// No partner named: no consent to check.
	for _, c := range AutomaticChecks(Application{Content: goodContent()}, p, individual, nil, false) {
		if c.Name == "PARTNER_CONSENTED" {
			t.Errorf("a check of consent without a partner: %+v", c)
		}
	}
}
