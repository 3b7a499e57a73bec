package domain

import (
	"errors"
	"fmt"
	"testing"
)

func TestAutomaticChecks(t *testing.T) {
	p := Policy{}.WithDefaults()
	registered := Organization{Kind: OrgSocialOrganization, Registered: true}
	unverified := Organization{Kind: OrgSocialOrganization}
	individual := Organization{Kind: OrgIndividual}
	other := Organization{Kind: OrgOtherUnit}
	names := []string{"ORGANIZATION_REGISTERED", "DURATION_WITHIN_POLICY", "BUDGET_POSITIVE",
		"MIN_DONATION_FOR_FULL_FUNDING", "REQUIRED_FIELDS_PRESENT", "TITLE_UNIQUE_IN_ROUND"}

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
			BudgetItems:    []BudgetItem{{"a", 105_000_001}, {"b", 0}},
			DurationMonths: 30,
		}, individual, nil, true, result{false, false, false, true, false, false}}, // the minimum donation only informs
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
		// The old BUDGET_WITHIN_CAPS failed any budget above 1,050,000 yuan; the quote funds any budget fully
		// with enough donations, so the check informs and passes.
		{"budget 2,000,000 yuan", contentWith(func(c *Content) { c.BudgetItems = []BudgetItem{{"a", 200_000_000}} }),
			registered, nil, false, all},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checks := AutomaticChecks(Application{Content: tc.c}, p, tc.applicant, tc.partner, tc.dup)
			// The catalogue's three checks come last (TestCatalogueChecks).
			if len(checks) != len(names)+3 {
				t.Fatalf("got %d checks %+v, want %d", len(checks), checks, len(names)+3)
			}
			checks = checks[:len(names)]
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
		if got, want := checks[3].Detail, "budget 20000.00 CNY: fully funded with at least 0.00 CNY confirmed donations by the cutoff (20000.00 CNY from the pool)"; got != want {
			t.Errorf("MIN_DONATION_FOR_FULL_FUNDING detail = %q, want %q", got, want)
		}
		if got, want := checks[1].Detail, "12 months (maximum 12, special 24)"; got != want {
			t.Errorf("DURATION_WITHIN_POLICY detail = %q, want %q", got, want)
		}
	})
}

// TestMinDonationForFullFunding checks the detail of MIN_DONATION_FOR_FULL_FUNDING on budgets around the
// caps. Expected values are worked by hand from DOMAIN.md's quote (match = min(D × ratio, match cap,
// B − D), top-up = min(B − D − match, top-up cap)): the smallest D with D + match + top-up = B, and the
// government share match + top-up at that D.
func TestMinDonationForFullFunding(t *testing.T) {
	defaults := Policy{}.WithDefaults() // 1 : 2, match cap 500,000 yuan, top-up cap 300,000 yuan
	tests := []struct {
		name   string
		p      Policy
		budget int64
		want   string
	}{
		// Top-up alone covers it.
		{"20,000 yuan", defaults, 2_000_000, "budget 20000.00 CNY: fully funded with at least 0.00 CNY confirmed donations by the cutoff (20000.00 CNY from the pool)"},
		{"exactly the top-up cap", defaults, 30_000_000, "budget 300000.00 CNY: fully funded with at least 0.00 CNY confirmed donations by the cutoff (300000.00 CNY from the pool)"},
		// D = 0 leaves 1 fen short; D = 1 fen earns 2 fen of match and the top-up covers the other 29,999,998.
		{"one fen above the top-up cap", defaults, 30_000_001, "budget 300000.01 CNY: fully funded with at least 0.01 CNY confirmed donations by the cutoff (300000.00 CNY from the pool)"},
		// 3D + 300,000 ≥ 400,000 yuan: D = 3,333,334 fen, match 6,666,668, top-up 29,999,998 (D = 3,333,333 is 1 fen short).
		{"400,000 yuan", defaults, 40_000_000, "budget 400000.00 CNY: fully funded with at least 33333.34 CNY confirmed donations by the cutoff (366666.66 CNY from the pool)"},
		// D = 250,000 earns the whole match cap; 250,000 + 500,000 + 300,000.
		{"1,050,000 yuan", defaults, 105_000_000, "budget 1050000.00 CNY: fully funded with at least 250000.00 CNY confirmed donations by the cutoff (800000.00 CNY from the pool)"},
		{"1,050,000.01 yuan", defaults, 105_000_001, "budget 1050000.01 CNY: fully funded with at least 250000.01 CNY confirmed donations by the cutoff (800000.00 CNY from the pool)"},
		// The example: 1,200,000 donated funds 2,000,000 (500,000 match, 300,000 top-up).
		{"2,000,000 yuan", defaults, 200_000_000, "budget 2000000.00 CNY: fully funded with at least 1200000.00 CNY confirmed donations by the cutoff (800000.00 CNY from the pool)"},
		// 3 : 2, match cap 10 yuan, no top-up: D = 1,500 fen earns 1,000 fen; D = 1,499 earns 999 (rounded down).
		{"ratio 3 : 2", Policy{MatchRatioDonation: 3, MatchRatioMatch: 2, MatchCapFen: ptr(int64(1_000)), TopupCapFen: ptr(int64(0))}.WithDefaults(), 2_500,
			"budget 25.00 CNY: fully funded with at least 15.00 CNY confirmed donations by the cutoff (10.00 CNY from the pool)"},
		// No matching: the donation covers what the top-up does not.
		{"no matching", Policy{MatchRatioDonation: 1, MatchRatioMatch: 0, TopupCapFen: ptr(int64(300))}.WithDefaults(), 1_000,
			"budget 10.00 CNY: fully funded with at least 7.00 CNY confirmed donations by the cutoff (3.00 CNY from the pool)"},
		{"no budget", defaults, 0, "budget 0.00 CNY: no funding quote for a budget that is not positive"},
	}
	registered := Organization{Kind: OrgSocialOrganization, Registered: true}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := contentWith(func(c *Content) { c.BudgetItems = nil })
			if tc.budget > 0 {
				c.BudgetItems = []BudgetItem{{"all", tc.budget}}
			}
			got := AutomaticChecks(Application{Content: c}, tc.p, registered, nil, false)[3]
			if got.Name != "MIN_DONATION_FOR_FULL_FUNDING" || !got.Passed || got.Detail != tc.want {
				t.Errorf("got %+v, want passed with detail %q", got, tc.want)
			}
		})
	}
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
		ErrOrganizationNotOwned, ErrNotSocialOrganization, ErrPartnerNotRegistered, ErrRoundChanged, ErrNotAccepted, errPolicy,
		ErrCommunityExists, ErrUnknownCommunity, ErrNeedPublishedElsewhere, ErrRoundClosedToNeeds, ErrNeedNotInRound}
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

// TestCatalogueChecks covers the three checks of the catalogue and the declarations, which come after the
// first six: ELIGIBILITY_DECLARED, SERVICE_AREA_IN_HOME_DISTRICT and NEEDS_ANSWERED (informational).
func TestCatalogueChecks(t *testing.T) {
	p := Policy{}.WithDefaults() // home district 临渭区, at least 50%
	registered := Organization{Kind: OrgSocialOrganization, Registered: true}
	in := func(districts ...string) []CommunityRef {
		var out []CommunityRef
		for i, d := range districts {
			out = append(out, CommunityRef{Code: fmt.Sprint("c", i), District: d})
		}
		return out
	}
	type check struct {
		passed bool
		detail string
	}
	tests := []struct {
		name           string
		p              Policy
		d              Declarations
		communities    []CommunityRef
		needs          []NeedRef
		declared, area check
		answered       string
	}{
		{"everything", p, Declarations{NoGovernmentProvision: true, NotFundedElsewhere: true}, in("临渭区", "临渭区", "华州区"),
			[]NeedRef{{ID: "n1", Title: "独居老人助餐"}, {ID: "n2", Title: "留守儿童课后辅导"}},
			check{true, "both declared; no other funding"},
			check{true, "2 of 3 communities (66%) in 临渭区; at least 50% required"},
			"2 of the catalogue: 独居老人助餐; 留守儿童课后辅导"},
		{"nothing", p, Declarations{}, nil, nil,
			check{false, "not declared: no government provision, not funded elsewhere; no other funding"},
			check{false, "no community chosen from the communities list; at least 50% in 临渭区 required"},
			"none"},
		{"one declaration, other funding listed", p, Declarations{NoGovernmentProvision: true, OtherFunding: []OtherFunding{
			{Source: "陕西省慈善基金会", AmountFen: 5_000_000, Note: "已获得"}, {Source: "区财政", AmountFen: 1_234_56}}},
			in("华州区"), nil,
			check{false, "not declared: not funded elsewhere; other funding 51234.56 CNY: 陕西省慈善基金会 50000.00 CNY (已获得), 区财政 1234.56 CNY"},
			check{false, "0 of 1 community (0%) in 临渭区; at least 50% required"},
			"none"},
		{"the other declaration", p, Declarations{NotFundedElsewhere: true}, in("临渭区"), nil,
			check{false, "not declared: no government provision; no other funding"},
			check{true, "1 of 1 community (100%) in 临渭区; at least 50% required"},
			"none"},
		{"exactly half", p, Declarations{NoGovernmentProvision: true, NotFundedElsewhere: true}, in("临渭区", "华州区"), nil,
			check{true, "both declared; no other funding"},
			check{true, "1 of 2 communities (50%) in 临渭区; at least 50% required"}, "none"},
		{"just under the policy's share", Policy{HomeDistrict: "华州区", HomeDistrictMinPercent: ptr(67)}.WithDefaults(),
			Declarations{NoGovernmentProvision: true, NotFundedElsewhere: true}, in("华州区", "华州区", "临渭区"), nil,
			check{true, "both declared; no other funding"},
			check{false, "2 of 3 communities (66%) in 华州区; at least 67% required"}, "none"},
		{"a round stored before the home district existed takes the defaults", func() Policy {
			old := p
			old.HomeDistrict, old.HomeDistrictMinPercent = "", nil
			return old
		}(), Declarations{NoGovernmentProvision: true, NotFundedElsewhere: true},
			in("临渭区"), nil, check{true, "both declared; no other funding"},
			check{true, "1 of 1 community (100%) in 临渭区; at least 50% required"}, "none"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := Application{Content: contentWith(func(c *Content) { c.Declarations = tc.d }), Catalogue: Catalogue{Communities: tc.communities, Needs: tc.needs}}
			checks := AutomaticChecks(a, tc.p, registered, nil, false)
			if len(checks) != 9 {
				t.Fatalf("%d checks", len(checks))
			}
			got := checks[6:]
			for i, w := range []struct {
				name string
				check
			}{{"ELIGIBILITY_DECLARED", tc.declared}, {"SERVICE_AREA_IN_HOME_DISTRICT", tc.area}, {"NEEDS_ANSWERED", check{true, tc.answered}}} {
				if got[i].Name != w.name || got[i].Passed != w.passed || got[i].Detail != w.detail {
					t.Errorf("check %d = %+v, want %s %v %q", 6+i, got[i], w.name, w.passed, w.detail)
				}
			}
			// REQUIRED_FIELDS_PRESENT agrees with the declarations.
			if checks[4].Passed != tc.d.Made() {
				t.Errorf("REQUIRED_FIELDS_PRESENT = %+v with declarations %+v", checks[4], tc.d)
			}
		})
	}
}
