package domain

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/money"
)

func TestWithDefaultsFillsEveryDefault(t *testing.T) {
	p := Policy{}.WithDefaults()

	rubricSum := 0
	for _, c := range p.Rubric {
		rubricSum += c.MaxPoints
	}

	tests := []struct {
		name      string
		got, want any
	}{
		{"publicity period 5 days", p.PublicityPeriod, 120 * time.Hour},
		{"categories", p.Categories, []Category{"ELDERLY", "DISABILITY", "YOUTH", "RELIEF", "OTHER"}},
		{"max duration months", p.MaxDurationMonths, 12},
		{"special max duration months", p.SpecialMaxDurationMonths, 24},
		{"shortlist panel min", p.ShortlistPanelMin, 10},
		{"final panel min", p.FinalPanelMin, 20},
		{"rubric", p.Rubric, []Criterion{
			{"BREADTH", 15}, {"URGENCY", 15}, {"PUBLIC_BENEFIT", 15},
			{"INNOVATION", 20}, {"PLANNING", 20}, {"TEAM", 15},
		}},
		{"rubric has six criteria", len(p.Rubric), 6},
		{"rubric sums to 100", rubricSum, 100},
		{"trim extremes set", p.TrimExtremes != nil, true},
		{"panel percent", p.PanelPercent, 60},
		{"donation percent", p.DonationPercent, 20},
		{"vote percent", p.VotePercent, 20},
		{"match ratio donation side", p.MatchRatioDonation, 1},
		{"match ratio match side", p.MatchRatioMatch, 2},
		{"match cap set", p.MatchCapFen != nil, true},
		{"topup cap set", p.TopupCapFen != nil, true},
		{"naming right share bps", p.NamingRightShareBps, 5000},
		{"idea prize tiers", p.IdeaPrizeTiers, []IdeaPrizeTier{
			{Tier: 1, AmountFen: 300000}, {Tier: 2, AmountFen: 200000}, {Tier: 3, AmountFen: 100000},
		}},
		{"tranches", p.Tranches, []TrancheRule{
			{1, 50, "CONTRACT_SIGNED"}, {2, 30, "MIDTERM_PASSED"}, {3, 20, "FINAL_ACCEPTANCE_PASSED"},
		}},
		{"votes per voter per day", p.VotesPerVoterPerDay, 1},
		{"monthly report due day", p.MonthlyReportDueDay, 10},
		{"time zone", p.TimeZone, "Asia/Shanghai"},
		{"shortlist panel mix: one of each listed kind", p.ShortlistPanelMix, []PanelMixRule{{"EXPERT", 1}, {"DEPARTMENT", 1}, {"FINANCE_AUDIT", 1}, {"GRASSROOTS", 1}, {"MEDIA", 1}}},
		{"final panel mix: and a donor representative", p.FinalPanelMix, []PanelMixRule{{"EXPERT", 1}, {"DEPARTMENT", 1}, {"FINANCE_AUDIT", 1}, {"GRASSROOTS", 1}, {"MEDIA", 1}, {"DONOR_REP", 1}}},
		{"no phase targets", len(p.PhaseTargets), 0},
		{"home district", p.HomeDistrict, "临渭区"},
		{"home district share", *p.HomeDistrictMinPercent, 50},
		// Values only the organiser can set stay unset.
		{"no deadline", p.SubmissionDeadline.IsZero(), true},
		{"no shortlist quota", p.ShortlistQuota, 0},
		{"no selection quota", p.SelectionQuota, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !reflect.DeepEqual(tc.got, tc.want) {
				t.Errorf("got %v, want %v", tc.got, tc.want)
			}
		})
	}
	// Pointer values, checked separately so a nil pointer fails cleanly.
	if p.TrimExtremes == nil || !*p.TrimExtremes {
		t.Errorf("trim extremes = %v, want true", p.TrimExtremes)
	}
	if p.MatchCapFen == nil || *p.MatchCapFen != 50_000_000 {
		t.Errorf("match cap = %v, want 50,000,000 fen (500,000.00 CNY)", p.MatchCapFen)
	}
	if p.TopupCapFen == nil || *p.TopupCapFen != 30_000_000 {
		t.Errorf("topup cap = %v, want 30,000,000 fen (300,000.00 CNY)", p.TopupCapFen)
	}
	if err := p.Validate(); err != nil {
		t.Errorf("defaults do not validate: %v", err)
	}
}

func TestWithDefaultsKeepsGivenValues(t *testing.T) {
	deadline := t0.Add(30 * 24 * time.Hour)
	given := Policy{
		SubmissionDeadline:       deadline,
		PublicityPeriod:          2 * time.Second,
		ShortlistQuota:           30,
		SelectionQuota:           12,
		Categories:               []Category{CategoryYouth, CategoryElderly},
		MaxDurationMonths:        6,
		SpecialMaxDurationMonths: 9,
		ShortlistPanelMin:        3,
		FinalPanelMin:            5,
		Rubric:                   []Criterion{{"A", 40}, {"B", 60}},
		TrimExtremes:             ptr(false),
		PanelPercent:             50,
		DonationPercent:          30,
		VotePercent:              20,
		MatchRatioDonation:       1,
		MatchRatioMatch:          1,
		MatchCapFen:              ptr(int64(10_000_000)),
		TopupCapFen:              ptr(int64(0)),
		NamingRightShareBps:      3000,
		IdeaPrizeTiers:           []IdeaPrizeTier{{1, 500000, 2}},
		Tranches:                 []TrancheRule{{1, 100, "CONTRACT_SIGNED"}},
		VotesPerVoterPerDay:      3,
		MonthlyReportDueDay:      15,
		TimeZone:                 "UTC",
		ShortlistPanelMix:        []PanelMixRule{{"EXPERT", 2}},
		FinalPanelMix:            []PanelMixRule{{"EXPERT", 3}, {"DONOR_REP", 0}},
		PhaseTargets:             []PhaseTarget{{PhaseSolicitation, deadline}},
		HomeDistrict:             "华州区",
		HomeDistrictMinPercent:   ptr(80),
	}
	got := given.WithDefaults()
	if !reflect.DeepEqual(got, given) {
		t.Errorf("WithDefaults changed given values:\n got %+v\nwant %+v", got, given)
	}
	if got.TopupCapFen == nil || *got.TopupCapFen != 0 {
		t.Errorf("explicit topup cap 0 not kept: %v", got.TopupCapFen)
	}
	if got.TrimExtremes == nil || *got.TrimExtremes {
		t.Errorf("explicit trim_extremes false not kept: %v", got.TrimExtremes)
	}
	if err := got.Validate(); err != nil {
		t.Errorf("given policy does not validate: %v", err)
	}
}

func TestWithDefaultsPartialGroups(t *testing.T) {
	tests := []struct {
		name  string
		in    Policy
		check func(Policy) bool
	}{
		{"only topup cap 0 given: match cap defaulted, topup 0 kept",
			Policy{TopupCapFen: ptr(int64(0))},
			func(p Policy) bool { return *p.MatchCapFen == 50_000_000 && *p.TopupCapFen == 0 }},
		{"only match cap 0 given: kept, topup defaulted",
			Policy{MatchCapFen: ptr(int64(0))},
			func(p Policy) bool { return *p.MatchCapFen == 0 && *p.TopupCapFen == 30_000_000 }},
		{"weights 100/0/0 kept",
			Policy{PanelPercent: 100},
			func(p Policy) bool { return p.PanelPercent == 100 && p.DonationPercent == 0 && p.VotePercent == 0 }},
		{"weights 0/50/50 kept",
			Policy{DonationPercent: 50, VotePercent: 50},
			func(p Policy) bool { return p.PanelPercent == 0 && p.DonationPercent == 50 && p.VotePercent == 50 }},
		{"match ratio 1:0 kept",
			Policy{MatchRatioDonation: 1},
			func(p Policy) bool { return p.MatchRatioDonation == 1 && p.MatchRatioMatch == 0 }},
		{"trim true explicit kept",
			Policy{TrimExtremes: ptr(true)},
			func(p Policy) bool { return *p.TrimExtremes }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.in.WithDefaults(); !tc.check(got) {
				t.Errorf("unexpected result %+v", got)
			}
		})
	}
}

func TestWithDefaultsDoesNotAliasPackageDefaults(t *testing.T) {
	p := Policy{}.WithDefaults()
	p.Categories[0] = "CHANGED"
	p.Rubric[0].MaxPoints = 99
	p.Tranches[0].Percent = 99
	p.IdeaPrizeTiers[0].AmountFen = 1
	q := Policy{}.WithDefaults()
	if AllCategories[0] != CategoryElderly || q.Categories[0] != CategoryElderly {
		t.Errorf("categories shared between policies: %v / %v", AllCategories, q.Categories)
	}
	if q.Rubric[0].MaxPoints != 15 || DefaultRubric()[0].MaxPoints != 15 {
		t.Errorf("rubric shared between policies: %v", q.Rubric)
	}
	if q.Tranches[0].Percent != 50 || q.IdeaPrizeTiers[0].AmountFen != 300000 {
		t.Errorf("tranches or tiers shared between policies: %v %v", q.Tranches, q.IdeaPrizeTiers)
	}
}

func TestValidate(t *testing.T) {
	invalid := func(field string) want {
		return want{is: errPolicy, reason: "INVALID_POLICY", field: "policy." + field}
	}
	tests := []struct {
		name string
		in   Policy // WithDefaults is applied before Validate
		want want
	}{
		{"defaults", Policy{}, want{}},
		{"match cap at the bound", Policy{MatchCapFen: ptr(MaxPolicyFen)}, want{}},
		{"match cap above the bound", Policy{MatchCapFen: ptr(MaxPolicyFen + 1)}, invalid("match_cap_fen")},
		{"top-up cap above the bound", Policy{TopupCapFen: ptr(MaxPolicyFen + 1)}, invalid("topup_cap_fen")},
		{"match ratio side above the bound", Policy{MatchRatioDonation: 1, MatchRatioMatch: MaxRatioSide + 1}, invalid("match_ratio")},
		{"shortlist quota above the bound", Policy{ShortlistQuota: MaxQuota + 1}, invalid("shortlist_quota")},
		{"selection quota above the bound", Policy{SelectionQuota: MaxQuota + 1}, invalid("selection_quota")},
		{"panel minimum above the bound", Policy{FinalPanelMin: MaxPanelMin + 1}, invalid("final_panel_min")},
		{"votes per day above the bound", Policy{VotesPerVoterPerDay: MaxVotesPerDay + 1}, invalid("votes_per_voter_per_day")},
		{"idea prize above the bound", Policy{IdeaPrizeTiers: []IdeaPrizeTier{{1, MaxPolicyFen + 1, 1}}}, invalid("idea_prize_tiers")},
		{"idea prize count above the bound", Policy{IdeaPrizeTiers: []IdeaPrizeTier{{1, 100, MaxQuota + 1}}}, invalid("idea_prize_tiers")},
		{"weights 100/0/0", Policy{PanelPercent: 100}, want{}},
		{"weights sum 99", Policy{PanelPercent: 60, DonationPercent: 20, VotePercent: 19}, invalid("weights")},
		{"weights sum 101", Policy{PanelPercent: 61, DonationPercent: 20, VotePercent: 20}, invalid("weights")},
		{"weights only panel 60", Policy{PanelPercent: 60}, invalid("weights")},
		{"negative weight summing to 100", Policy{PanelPercent: 120, DonationPercent: -20}, invalid("weights")},
		{"rubric sums to 90", Policy{Rubric: []Criterion{{"A", 50}, {"B", 40}}}, invalid("rubric")},
		{"rubric sums to 101", Policy{Rubric: []Criterion{{"A", 50}, {"B", 51}}}, invalid("rubric")},
		{"rubric single criterion 100", Policy{Rubric: []Criterion{{"ALL", 100}}}, want{}},
		{"rubric repeated name", Policy{Rubric: []Criterion{{"A", 50}, {"A", 50}}}, invalid("rubric")},
		{"rubric zero maximum", Policy{Rubric: []Criterion{{"A", 100}, {"B", 0}}}, invalid("rubric")},
		{"rubric unnamed", Policy{Rubric: []Criterion{{"", 100}}}, invalid("rubric")},
		{"unknown category", Policy{Categories: []Category{CategoryElderly, "SPORTS"}}, invalid("categories")},
		{"lower-case category", Policy{Categories: []Category{"elderly"}}, invalid("categories")},
		{"repeated category", Policy{Categories: []Category{CategoryYouth, CategoryRelief, CategoryYouth}}, invalid("categories")},
		{"subset of categories", Policy{Categories: []Category{CategoryRelief}}, want{}},
		{"tranches sum 90", Policy{Tranches: []TrancheRule{{1, 50, "CONTRACT_SIGNED"}, {2, 30, "MIDTERM_PASSED"}, {3, 10, "FINAL_ACCEPTANCE_PASSED"}}}, invalid("tranches")},
		{"tranches sum 110", Policy{Tranches: []TrancheRule{{1, 60, "CONTRACT_SIGNED"}, {2, 30, "MIDTERM_PASSED"}, {3, 20, "FINAL_ACCEPTANCE_PASSED"}}}, invalid("tranches")},
		{"tranches misnumbered", Policy{Tranches: []TrancheRule{{2, 50, "CONTRACT_SIGNED"}, {1, 50, "MIDTERM_PASSED"}}}, invalid("tranches")},
		{"tranche without a known gate", Policy{Tranches: []TrancheRule{{1, 50, "CONTRACT_SIGNED"}, {2, 50, "UNSPECIFIED"}}}, invalid("tranches")},
		{"tranches negative percent", Policy{Tranches: []TrancheRule{{1, 120, "CONTRACT_SIGNED"}, {2, -20, "MIDTERM_PASSED"}}}, invalid("tranches")},
		{"special max below max", Policy{SpecialMaxDurationMonths: 6}, invalid("special_max_duration_months")},
		{"special max below given max", Policy{MaxDurationMonths: 18, SpecialMaxDurationMonths: 17}, invalid("special_max_duration_months")},
		{"special max equal to max", Policy{MaxDurationMonths: 18, SpecialMaxDurationMonths: 18}, want{}},
		{"max below default special", Policy{MaxDurationMonths: 30}, invalid("special_max_duration_months")},
		{"negative max duration", Policy{MaxDurationMonths: -1}, invalid("max_duration_months")},
		{"bad time zone", Policy{TimeZone: "Mars/Olympus_Mons"}, invalid("time_zone")},
		{"other valid time zone", Policy{TimeZone: "Europe/Berlin"}, want{}},
		{"negative publicity period", Policy{PublicityPeriod: -time.Second}, invalid("publicity_period")},
		{"negative shortlist quota", Policy{ShortlistQuota: -1}, invalid("shortlist_quota")},
		{"negative selection quota", Policy{SelectionQuota: -1}, invalid("selection_quota")},
		{"negative shortlist panel min", Policy{ShortlistPanelMin: -1}, invalid("shortlist_panel_min")},
		// The final-panel violation is reported on policy.shortlist_panel_min too; only the error is pinned.
		{"negative final panel min", Policy{FinalPanelMin: -1}, want{is: errPolicy}},
		{"match ratio donation side 0", Policy{MatchRatioMatch: 2}, invalid("match_ratio")},
		{"negative match cap", Policy{MatchCapFen: ptr(int64(-1))}, invalid("match_cap_fen")},
		// The topup-cap violation is reported on policy.match_cap_fen; only the error is pinned.
		{"negative topup cap", Policy{TopupCapFen: ptr(int64(-1))}, want{is: errPolicy}},
		{"zero caps", Policy{MatchCapFen: ptr(int64(0)), TopupCapFen: ptr(int64(0))}, want{}},
		{"naming share above 100%", Policy{NamingRightShareBps: 10001}, invalid("naming_right_share_bps")},
		{"naming share 100%", Policy{NamingRightShareBps: 10000}, want{}},
		{"negative votes per day", Policy{VotesPerVoterPerDay: -1}, invalid("votes_per_voter_per_day")},
		{"due day 29", Policy{MonthlyReportDueDay: 29}, invalid("monthly_report_due_day")},
		{"due day 28", Policy{MonthlyReportDueDay: 28}, want{}},
		{"idea tier misnumbered", Policy{IdeaPrizeTiers: []IdeaPrizeTier{{2, 100, 1}}}, invalid("idea_prize_tiers")},
		{"idea tier negative count", Policy{IdeaPrizeTiers: []IdeaPrizeTier{{1, 100, -1}}}, invalid("idea_prize_tiers")},

		// Panel mixes: known kinds, each once, minimum 0 to 100.
		{"mix of every kind", Policy{FinalPanelMix: []PanelMixRule{{"EXPERT", 5}, {"DEPARTMENT", 1}, {"FINANCE_AUDIT", 1}, {"GRASSROOTS", 1}, {"MEDIA", 1}, {"DONOR_REP", 2}}}, want{}},
		{"mix minimum 0", Policy{ShortlistPanelMix: []PanelMixRule{{"MEDIA", 0}}}, want{}},
		{"mix minimum 100", Policy{ShortlistPanelMix: []PanelMixRule{{"EXPERT", 100}}}, want{}},
		{"mix minimum 101", Policy{ShortlistPanelMix: []PanelMixRule{{"EXPERT", 101}}}, invalid("shortlist_panel_mix")},
		{"mix negative minimum", Policy{FinalPanelMix: []PanelMixRule{{"EXPERT", -1}}}, invalid("final_panel_mix")},
		{"mix unknown kind", Policy{ShortlistPanelMix: []PanelMixRule{{"JOURNALIST", 1}}}, invalid("shortlist_panel_mix")},
		{"mix kind with prefix", Policy{ShortlistPanelMix: []PanelMixRule{{"MEMBER_KIND_EXPERT", 1}}}, invalid("shortlist_panel_mix")},
		{"mix lower-case kind", Policy{FinalPanelMix: []PanelMixRule{{"expert", 1}}}, invalid("final_panel_mix")},
		{"mix empty kind", Policy{FinalPanelMix: []PanelMixRule{{"", 1}}}, invalid("final_panel_mix")},
		{"mix kind twice", Policy{FinalPanelMix: []PanelMixRule{{"EXPERT", 1}, {"MEDIA", 1}, {"EXPERT", 2}}}, invalid("final_panel_mix")},
		{"same kind in both mixes", Policy{ShortlistPanelMix: []PanelMixRule{{"EXPERT", 1}}, FinalPanelMix: []PanelMixRule{{"EXPERT", 1}}}, want{}},

		// Phase targets: DRAFT to CLOSING, once each, with a time, not decreasing in phase order.
		{"targets of every scheduled phase", Policy{PhaseTargets: everyTarget()}, want{}},
		{"targets given out of order, times in order", Policy{PhaseTargets: []PhaseTarget{{PhasePromotion, t0.Add(3 * day)}, {PhaseDraft, t0}}}, want{}},
		{"equal targets", Policy{PhaseTargets: []PhaseTarget{{PhaseSolicitation, t0}, {PhaseShortlisting, t0}}}, want{}},
		{"target decreasing", Policy{PhaseTargets: []PhaseTarget{{PhaseSolicitation, t0.Add(day)}, {PhaseShortlisting, t0}}}, invalid("phase_targets")},
		{"target decreasing across a gap", Policy{PhaseTargets: []PhaseTarget{{PhaseDraft, t0.Add(day)}, {PhaseClosing, t0}}}, invalid("phase_targets")},
		{"target of CLOSED", Policy{PhaseTargets: []PhaseTarget{{PhaseClosed, t0}}}, invalid("phase_targets")},
		{"target of an unknown phase", Policy{PhaseTargets: []PhaseTarget{{"ARCHIVED", t0}}}, invalid("phase_targets")},
		{"target without a phase", Policy{PhaseTargets: []PhaseTarget{{"", t0}}}, invalid("phase_targets")},
		{"target without a time", Policy{PhaseTargets: []PhaseTarget{{PhaseSolicitation, time.Time{}}}}, invalid("phase_targets")},
		{"two targets of a phase", Policy{PhaseTargets: []PhaseTarget{{PhaseSolicitation, t0}, {PhaseSolicitation, t0.Add(day)}}}, invalid("phase_targets")},

		// Home district.
		{"home district of 50 characters", Policy{HomeDistrict: strings.Repeat("区", 50)}, want{}},
		{"home district of 51 characters", Policy{HomeDistrict: strings.Repeat("区", 51)}, invalid("home_district")},
		{"home district share 1", Policy{HomeDistrictMinPercent: ptr(1)}, want{}},
		{"home district share 100", Policy{HomeDistrictMinPercent: ptr(100)}, want{}},
		{"home district share 0", Policy{HomeDistrictMinPercent: ptr(0)}, invalid("home_district_min_percent")},
		{"home district share 101", Policy{HomeDistrictMinPercent: ptr(101)}, invalid("home_district_min_percent")},
		{"home district share negative", Policy{HomeDistrictMinPercent: ptr(-5)}, invalid("home_district_min_percent")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.in.WithDefaults().Validate()
			checkErr(t, err, tc.want)
			if err != nil {
				if e, _ := errs.As(err); e.Kind != errs.InvalidArgument {
					t.Errorf("kind = %v, want InvalidArgument", e.Kind)
				}
			}
		})
	}
}

func TestCheckPublishable(t *testing.T) {
	now := t0
	complete := Policy{SubmissionDeadline: now.Add(30 * 24 * time.Hour), ShortlistQuota: 30, SelectionQuota: 12}.WithDefaults()
	with := func(f func(*Policy)) Policy { p := complete; f(&p); return p }
	tests := []struct {
		name string
		p    Policy
		want want
	}{
		{"ok", complete, want{}},
		{"ok, deadline 1ns ahead", with(func(p *Policy) { p.SubmissionDeadline = now.Add(time.Nanosecond) }), want{}},
		{"missing deadline", with(func(p *Policy) { p.SubmissionDeadline = time.Time{} }),
			want{is: ErrPolicyIncomplete, reason: "POLICY_INCOMPLETE", field: "policy.submission_deadline"}},
		{"past deadline", with(func(p *Policy) { p.SubmissionDeadline = now.Add(-time.Hour) }),
			want{is: ErrDeadlinePassed, reason: "SUBMISSION_DEADLINE_PASSED"}},
		{"deadline is now", with(func(p *Policy) { p.SubmissionDeadline = now }),
			want{is: ErrDeadlinePassed}},
		{"missing shortlist quota", with(func(p *Policy) { p.ShortlistQuota = 0 }),
			want{is: ErrPolicyIncomplete, field: "policy.shortlist_quota"}},
		{"missing selection quota", with(func(p *Policy) { p.SelectionQuota = 0 }),
			want{is: ErrPolicyIncomplete, field: "policy.selection_quota"}},
		{"missing both quotas", with(func(p *Policy) { p.ShortlistQuota, p.SelectionQuota = 0, 0 }),
			want{is: ErrPolicyIncomplete}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkErr(t, tc.p.CheckPublishable(now), tc.want)
		})
	}
}

// TestTerms checks the policy's matching terms reach the quote unchanged.
func TestTerms(t *testing.T) {
	tests := []struct {
		name string
		p    Policy
		want money.Terms
	}{
		{"defaults", Policy{}, money.Terms{RatioDonation: 1, RatioMatch: 2, MatchCapFen: 50_000_000, TopupCapFen: 30_000_000}},
		{"given", Policy{MatchRatioDonation: 3, MatchRatioMatch: 2, MatchCapFen: ptr(int64(1000)), TopupCapFen: ptr(int64(0))},
			money.Terms{RatioDonation: 3, RatioMatch: 2, MatchCapFen: 1000, TopupCapFen: 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.WithDefaults().Terms(); got != tc.want {
				t.Errorf("Terms = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestHasCategory(t *testing.T) {
	p := Policy{Categories: []Category{CategoryYouth}}.WithDefaults()
	for _, c := range AllCategories {
		if got, want := p.HasCategory(c), c == CategoryYouth; got != want {
			t.Errorf("HasCategory(%s) = %v, want %v", c, got, want)
		}
	}
	d := Policy{}.WithDefaults()
	if !slices.Equal(d.Categories, AllCategories) || d.HasCategory("SPORTS") {
		t.Errorf("default categories wrong: %v", d.Categories)
	}
}
