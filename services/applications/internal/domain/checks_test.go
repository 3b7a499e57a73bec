package domain

import (
	"errors"
	"testing"
)

func TestAutomaticChecks(t *testing.T) {
	p := Policy{}.WithDefaults()
	registered := Organization{Kind: OrgSocialOrganization, Registered: true}
	unverified := Organization{Kind: OrgSocialOrganization}
	individual := Organization{Kind: OrgIndividual}
	other := Organization{Kind: OrgOtherUnit}
	names := []string{"ORGANIZATION_REGISTERED", "DURATION_WITHIN_POLICY", "BUDGET_POSITIVE",
		"BUDGET_WITHIN_CAPS", "REQUIRED_FIELDS_PRESENT", "TITLE_UNIQUE_IN_ROUND"}
	const maxFund = int64(105_000_000) // 25,000,000 + 50,000,000 + 30,000,000 fen

	type result = [6]bool // in the order of names
	all := result{true, true, true, true, true, true}
	tests := []struct {
		name      string
		c         Content
		applicant Organization
		partner   *Organization
		dup       bool
		want      result
	}{
		{"good application", goodContent(), registered, nil, false, all},
		{"bad application", Content{
			Category:       CategoryElderly,
			Title:          "t",
			BudgetItems:    []BudgetItem{{"a", maxFund + 1}, {"b", 0}},
			DurationMonths: 30,
		}, individual, nil, true, result{}},
		{"unverified social org", goodContent(), unverified, nil, false, result{false, true, true, true, true, true}},
		{"individual with registered partner", goodContent(), individual, &registered, false, all},
		{"other unit with unverified partner", goodContent(), other, &unverified, false, result{false, true, true, true, true, true}},
		{"other unit with other unit partner", goodContent(), other, &other, false, result{false, true, true, true, true, true}},
		{"duplicate title only", goodContent(), registered, nil, true, result{true, true, true, true, true, false}},
		{"duration 0", contentWith(func(c *Content) { c.DurationMonths = 0 }), registered, nil, false,
			result{true, false, true, true, false, true}},
		{"duration 13 not special", contentWith(func(c *Content) { c.DurationMonths = 13 }), registered, nil, false,
			result{true, false, true, true, true, true}},
		{"special 24 with justification", contentWith(func(c *Content) { c.DurationMonths, c.Special, c.SpecialJustification = 24, true, "why" }),
			registered, nil, false, all},
		{"special 24 without justification", contentWith(func(c *Content) { c.DurationMonths, c.Special = 24, true }),
			registered, nil, false, result{true, false, true, true, false, true}},
		{"special 25 with justification", contentWith(func(c *Content) { c.DurationMonths, c.Special, c.SpecialJustification = 25, true, "why" }),
			registered, nil, false, result{true, false, true, true, true, true}},
		{"no budget lines", contentWith(func(c *Content) { c.BudgetItems = nil }), registered, nil, false,
			result{true, true, false, true, false, true}},
		{"negative budget line", contentWith(func(c *Content) { c.BudgetItems[0].AmountFen = -5 }), registered, nil, false,
			result{true, true, false, true, true, true}},
		{"budget exactly the fundable maximum", contentWith(func(c *Content) { c.BudgetItems = []BudgetItem{{"a", maxFund}} }),
			registered, nil, false, all},
		{"budget 1 fen above the fundable maximum", contentWith(func(c *Content) { c.BudgetItems = []BudgetItem{{"a", maxFund - 10}, {"b", 11}} }),
			registered, nil, false, result{true, true, true, false, true, true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checks := AutomaticChecks(Application{Content: tc.c}, p, tc.applicant, tc.partner, tc.dup)
			if len(checks) != len(names) {
				t.Fatalf("got %d checks %+v, want %d", len(checks), checks, len(names))
			}
			for i, c := range checks {
				if c.Name != names[i] {
					t.Errorf("check %d named %s, want %s", i, c.Name, names[i])
				}
				if c.Passed != tc.want[i] {
					t.Errorf("%s passed = %v, want %v (%s)", c.Name, c.Passed, tc.want[i], c.Detail)
				}
				if c.Detail == "" {
					t.Errorf("%s has no detail", c.Name)
				}
			}
		})
	}

	t.Run("details", func(t *testing.T) {
		checks := AutomaticChecks(Application{Content: contentWith(func(c *Content) { c.Summary, c.Team = "", nil })}, p, registered, nil, false)
		if got, want := checks[4].Detail, "missing: summary, team"; got != want {
			t.Errorf("REQUIRED_FIELDS_PRESENT detail = %q, want %q", got, want)
		}
		if got, want := checks[2].Detail, "2 lines totalling 20000.00 CNY"; got != want {
			t.Errorf("BUDGET_POSITIVE detail = %q, want %q", got, want)
		}
		if got, want := checks[3].Detail, "budget 20000.00 CNY, at most 1050000.00 CNY fundable with full matching and top-up"; got != want {
			t.Errorf("BUDGET_WITHIN_CAPS detail = %q, want %q", got, want)
		}
		if got, want := checks[1].Detail, "12 months (maximum 12, special 24)"; got != want {
			t.Errorf("DURATION_WITHIN_POLICY detail = %q, want %q", got, want)
		}
	})
}

func TestYuan(t *testing.T) {
	tests := []struct {
		fen  int64
		want string
	}{
		{0, "0.00 CNY"},
		{1, "0.01 CNY"},
		{10, "0.10 CNY"},
		{99, "0.99 CNY"},
		{100, "1.00 CNY"},
		{123456, "1234.56 CNY"},
		{300_000_00, "300000.00 CNY"},
		{105_000_000, "1050000.00 CNY"},
		{-1, "-0.01 CNY"},
		{-150, "-1.50 CNY"},
		{-123456, "-1234.56 CNY"},
		{9_223_372_036_854_775_807, "92233720368547758.07 CNY"},
	}
	for _, tc := range tests {
		if got := Yuan(tc.fen); got != tc.want {
			t.Errorf("Yuan(%d) = %q, want %q", tc.fen, got, tc.want)
		}
	}
}

func TestEtag(t *testing.T) {
	tests := []struct {
		id      string
		version int
		want    string
	}{
		// FNV-1a 32-bit: offset basis 0x811c9dc5 for "", 0xe40c292c for "a" (standard test vectors).
		{"", 3, `W/"811c9dc5-3"`},
		{"a", 1, `W/"e40c292c-1"`},
		{"a", 2, `W/"e40c292c-2"`},
	}
	for _, tc := range tests {
		if got := Etag(tc.id, tc.version); got != tc.want {
			t.Errorf("Etag(%q, %d) = %s, want %s", tc.id, tc.version, got, tc.want)
		}
	}

	id := "0193f3a2-7c1e-7d4a-9b8e-2f6a1c3d5e7f"
	seen := map[string]int{}
	for v := 0; v < 50; v++ {
		e := Etag(id, v)
		if e != Etag(id, v) {
			t.Errorf("Etag not deterministic for version %d", v)
		}
		if prev, dup := seen[e]; dup {
			t.Errorf("versions %d and %d share etag %s", prev, v, e)
		}
		seen[e] = v
	}
	if Etag(id, 1) == Etag(id+"x", 1) {
		t.Errorf("different IDs share an etag")
	}
}

// Sentinels stay distinct from each other under errors.Is.
func TestSentinelsDistinct(t *testing.T) {
	sentinels := []error{ErrRoundNotDraft, ErrPhaseNotNext, ErrInvalidPhase, ErrPolicyIncomplete, ErrDeadlineNotPassed,
		ErrAwaitingReview, ErrPublicityNotElapsed, ErrPreconditionUnverified, ErrRoundNotSoliciting, ErrDeadlinePassed,
		ErrNotEditable, ErrNotSubmittable, ErrIncomplete, ErrNotReviewable, ErrReasonsRequired, ErrInvalidDecision,
		ErrOrganizationNotOwned, ErrNotSocialOrganization, ErrPartnerNotRegistered, ErrRoundChanged, ErrNotAccepted, errPolicy}
	for i, a := range sentinels {
		for j, b := range sentinels {
			if got := errors.Is(a, b); got != (i == j) {
				t.Errorf("errors.Is(%v, %v) = %v", a, b, got)
			}
		}
	}
}

// DOMAIN.md §3: a duration beyond max_duration_months needs `special` with a justification. CheckComplete
// treats a blank justification as missing; DURATION_WITHIN_POLICY should agree.
func TestAutomaticChecksBlankJustification(t *testing.T) {
	p := Policy{}.WithDefaults()
	c := contentWith(func(c *Content) { c.DurationMonths, c.Special, c.SpecialJustification = 24, true, "   " })
	checks := AutomaticChecks(Application{Content: c}, p, Organization{Kind: OrgSocialOrganization, Registered: true}, nil, false)
	if checks[1].Name != "DURATION_WITHIN_POLICY" || checks[1].Passed {
		t.Errorf("DURATION_WITHIN_POLICY = %+v, want failed: a blank justification is no justification", checks[1])
	}
	if checks[4].Name != "REQUIRED_FIELDS_PRESENT" || checks[4].Passed {
		t.Errorf("REQUIRED_FIELDS_PRESENT = %+v, want failed", checks[4])
	}
}
