package domain

import (
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/money"
)

// Category is an application's service area.
type Category string

// The programme's categories (DOMAIN.md §2).
const (
	CategoryElderly    Category = "ELDERLY"
	CategoryDisability Category = "DISABILITY"
	CategoryYouth      Category = "YOUTH"
	CategoryRelief     Category = "RELIEF"
	CategoryOther      Category = "OTHER"
)

// AllCategories lists the categories in their usual order.
var AllCategories = []Category{CategoryElderly, CategoryDisability, CategoryYouth, CategoryRelief, CategoryOther}

// Criterion is one scoring criterion with its maximum points.
type Criterion struct {
	Name      string `json:"name"`
	MaxPoints int    `json:"max_points"`
}

// IdeaPrizeTier is one tier of idea prizes.
type IdeaPrizeTier struct {
	Tier      int   `json:"tier"`
	AmountFen int64 `json:"amount_fen"`
	Count     int   `json:"count"`
}

// TrancheRule is one disbursement tranche.
type TrancheRule struct {
	Number  int    `json:"number"`
	Percent int    `json:"percent"`
	Gate    string `json:"gate"`
}

// Policy is every rule of a round. Pointer fields distinguish "not given" from an explicit zero.
type Policy struct {
	SubmissionDeadline       time.Time       `json:"submission_deadline"`
	PublicityPeriod          time.Duration   `json:"publicity_period"`
	ShortlistQuota           int             `json:"shortlist_quota"`
	SelectionQuota           int             `json:"selection_quota"`
	Categories               []Category      `json:"categories"`
	MaxDurationMonths        int             `json:"max_duration_months"`
	SpecialMaxDurationMonths int             `json:"special_max_duration_months"`
	ShortlistPanelMin        int             `json:"shortlist_panel_min"`
	FinalPanelMin            int             `json:"final_panel_min"`
	Rubric                   []Criterion     `json:"rubric"`
	TrimExtremes             *bool           `json:"trim_extremes"`
	PanelPercent             int             `json:"panel_percent"`
	DonationPercent          int             `json:"donation_percent"`
	VotePercent              int             `json:"vote_percent"`
	MatchRatioDonation       int             `json:"match_ratio_donation"`
	MatchRatioMatch          int             `json:"match_ratio_match"`
	MatchCapFen              *int64          `json:"match_cap_fen"`
	TopupCapFen              *int64          `json:"topup_cap_fen"`
	NamingRightShareBps      int             `json:"naming_right_share_bps"`
	IdeaPrizeTiers           []IdeaPrizeTier `json:"idea_prize_tiers"`
	Tranches                 []TrancheRule   `json:"tranches"`
	VotesPerVoterPerDay      int             `json:"votes_per_voter_per_day"`
	MonthlyReportDueDay      int             `json:"monthly_report_due_day"`
	TimeZone                 string          `json:"time_zone"`
	// ShortlistPanelMix and FinalPanelMix are the smallest number of members per kind (nil takes the default).
	ShortlistPanelMix []PanelMixRule `json:"shortlist_panel_mix,omitempty"`
	FinalPanelMix     []PanelMixRule `json:"final_panel_mix,omitempty"`
	// PhaseTargets are by when each phase should be finished (optional, not decreasing in phase order).
	PhaseTargets []PhaseTarget `json:"phase_targets,omitempty"`
	// HomeDistrict is the district most communities served must lie in; HomeDistrictMinPercent how many.
	HomeDistrict           string `json:"home_district,omitempty"`
	HomeDistrictMinPercent *int   `json:"home_district_min_percent,omitempty"`
}

// PanelMixRule is the smallest number of panel members of one kind (a reviews MemberKind without prefix).
type PanelMixRule struct {
	Kind string `json:"kind"`
	Min  int    `json:"min"`
}

// PhaseTarget is when a phase should be finished.
type PhaseTarget struct {
	Phase  Phase     `json:"phase"`
	Target time.Time `json:"target"`
}

// MemberKinds are the panel member kinds of the reviews service (DOMAIN.md §3 "Panels").
var MemberKinds = []string{"EXPERT", "DEPARTMENT", "FINANCE_AUDIT", "GRASSROOTS", "MEDIA", "DONOR_REP"}

// DefaultShortlistPanelMix is one member of each kind the seed lists for the shortlist panel (六(二)).
func DefaultShortlistPanelMix() []PanelMixRule {
	return []PanelMixRule{{"EXPERT", 1}, {"DEPARTMENT", 1}, {"FINANCE_AUDIT", 1}, {"GRASSROOTS", 1}, {"MEDIA", 1}}
}

// DefaultFinalPanelMix adds a donor representative to the shortlist mix (六(四)).
func DefaultFinalPanelMix() []PanelMixRule {
	return append(DefaultShortlistPanelMix(), PanelMixRule{"DONOR_REP", 1})
}

// The programme's default values (DOMAIN.md §2, "Round policy").
const (
	DefaultPublicityPeriod     = 5 * 24 * time.Hour
	DefaultMaxDurationMonths   = 12
	DefaultSpecialMaxDuration  = 24
	DefaultShortlistPanelMin   = 10
	DefaultFinalPanelMin       = 20
	DefaultMatchCapFen         = int64(500_000_00)
	DefaultTopupCapFen         = int64(300_000_00)
	DefaultNamingRightShareBps = 5000
	DefaultMonthlyReportDueDay = 10
	DefaultTimeZone            = "Asia/Shanghai"
	DefaultHomeDistrict        = "临渭区"
	DefaultHomeDistrictPercent = 50
)

// DefaultRubric is the programme's six criteria (五(三)), summing to 100 points.
func DefaultRubric() []Criterion {
	return []Criterion{{"BREADTH", 15}, {"URGENCY", 15}, {"PUBLIC_BENEFIT", 15}, {"INNOVATION", 20}, {"PLANNING", 20}, {"TEAM", 15}}
}

// Upper bounds of policy values, so that no amount the policy feeds into (a match, a top-up, the sum of every
// tier's prizes, a quota times a cap) can overflow int64 fen.
const (
	// MaxPolicyFen bounds every money value of a policy: 1,000,000,000.00 CNY, as a budget line.
	MaxPolicyFen = int64(1_000_000_000_00)
	// MaxRatioSide bounds each side of the match ratio.
	MaxRatioSide = 100
	// MaxQuota bounds the shortlist and selection quotas and the idea prize counts.
	MaxQuota = 10_000
	// MaxPanelMin bounds the smallest panel sizes.
	MaxPanelMin = 1_000
	// MaxVotesPerDay bounds the votes a voter may cast per application and day.
	MaxVotesPerDay = 100
)

// trancheGates are the events that can make a tranche eligible.
var trancheGates = []string{"CONTRACT_SIGNED", "MIDTERM_PASSED", "FINAL_ACCEPTANCE_PASSED"}

// WithDefaults returns p with every value not given replaced by the programme default.
func (p Policy) WithDefaults() Policy {
	if p.PublicityPeriod == 0 {
		p.PublicityPeriod = DefaultPublicityPeriod
	}
	if len(p.Categories) == 0 {
		p.Categories = slices.Clone(AllCategories)
	}
	if p.MaxDurationMonths == 0 {
		p.MaxDurationMonths = DefaultMaxDurationMonths
	}
	if p.SpecialMaxDurationMonths == 0 {
		p.SpecialMaxDurationMonths = DefaultSpecialMaxDuration
	}
	if p.ShortlistPanelMin == 0 {
		p.ShortlistPanelMin = DefaultShortlistPanelMin
	}
	if p.FinalPanelMin == 0 {
		p.FinalPanelMin = DefaultFinalPanelMin
	}
	if len(p.Rubric) == 0 {
		p.Rubric = DefaultRubric()
	}
	if p.TrimExtremes == nil {
		t := true
		p.TrimExtremes = &t
	}
	if p.PanelPercent == 0 && p.DonationPercent == 0 && p.VotePercent == 0 {
		p.PanelPercent, p.DonationPercent, p.VotePercent = 60, 20, 20
	}
	if p.MatchRatioDonation == 0 && p.MatchRatioMatch == 0 {
		p.MatchRatioDonation, p.MatchRatioMatch = 1, 2
	}
	if p.MatchCapFen == nil {
		v := DefaultMatchCapFen
		p.MatchCapFen = &v
	}
	if p.TopupCapFen == nil {
		v := DefaultTopupCapFen
		p.TopupCapFen = &v
	}
	if p.NamingRightShareBps == 0 {
		p.NamingRightShareBps = DefaultNamingRightShareBps
	}
	if len(p.IdeaPrizeTiers) == 0 {
		p.IdeaPrizeTiers = []IdeaPrizeTier{{1, 3_000_00, 0}, {2, 2_000_00, 0}, {3, 1_000_00, 0}}
	}
	if len(p.Tranches) == 0 {
		p.Tranches = []TrancheRule{{1, 50, "CONTRACT_SIGNED"}, {2, 30, "MIDTERM_PASSED"}, {3, 20, "FINAL_ACCEPTANCE_PASSED"}}
	}
	if p.VotesPerVoterPerDay == 0 {
		p.VotesPerVoterPerDay = 1
	}
	if p.MonthlyReportDueDay == 0 {
		p.MonthlyReportDueDay = DefaultMonthlyReportDueDay
	}
	if p.TimeZone == "" {
		p.TimeZone = DefaultTimeZone
	}
	if len(p.ShortlistPanelMix) == 0 {
		p.ShortlistPanelMix = DefaultShortlistPanelMix()
	}
	if len(p.FinalPanelMix) == 0 {
		p.FinalPanelMix = DefaultFinalPanelMix()
	}
	if p.HomeDistrict == "" {
		p.HomeDistrict = DefaultHomeDistrict
	}
	if p.HomeDistrictMinPercent == nil {
		v := DefaultHomeDistrictPercent
		p.HomeDistrictMinPercent = &v
	}
	return p
}

var errPolicy = errs.New(errs.InvalidArgument, "INVALID_POLICY", "")

// Validate checks a policy (with defaults applied) for values that can never make sense.
func (p Policy) Validate() error {
	bad := func(field, format string, args ...any) error {
		return errPolicy.Field("policy."+field, fmt.Sprintf(format, args...))
	}
	switch {
	case p.PublicityPeriod < 0:
		return bad("publicity_period", "must not be negative")
	case p.ShortlistQuota < 0:
		return bad("shortlist_quota", "must not be negative")
	case p.SelectionQuota < 0:
		return bad("selection_quota", "must not be negative")
	case p.MaxDurationMonths < 1:
		return bad("max_duration_months", "must be at least 1")
	case p.SpecialMaxDurationMonths < p.MaxDurationMonths:
		return bad("special_max_duration_months", "must be at least max_duration_months (%d)", p.MaxDurationMonths)
	case p.ShortlistPanelMin < 1:
		return bad("shortlist_panel_min", "must be at least 1")
	case p.FinalPanelMin < 1:
		return bad("final_panel_min", "must be at least 1")
	case p.PanelPercent < 0 || p.DonationPercent < 0 || p.VotePercent < 0 || p.PanelPercent+p.DonationPercent+p.VotePercent != 100:
		return bad("weights", "panel, donation and vote percents must be non-negative and sum to 100")
	case p.MatchRatioDonation < 1 || p.MatchRatioMatch < 0:
		return bad("match_ratio", "donation side must be at least 1 and match side non-negative")
	case *p.MatchCapFen < 0 || *p.MatchCapFen > MaxPolicyFen:
		return bad("match_cap_fen", "must be between 0 and %d fen", MaxPolicyFen)
	case *p.TopupCapFen < 0 || *p.TopupCapFen > MaxPolicyFen:
		return bad("topup_cap_fen", "must be between 0 and %d fen", MaxPolicyFen)
	case p.MatchRatioDonation > MaxRatioSide || p.MatchRatioMatch > MaxRatioSide:
		return bad("match_ratio", "each side is at most %d", MaxRatioSide)
	case p.ShortlistQuota > MaxQuota:
		return bad("shortlist_quota", "must be at most %d", MaxQuota)
	case p.SelectionQuota > MaxQuota:
		return bad("selection_quota", "must be at most %d", MaxQuota)
	case p.ShortlistPanelMin > MaxPanelMin:
		return bad("shortlist_panel_min", "must be at most %d", MaxPanelMin)
	case p.FinalPanelMin > MaxPanelMin:
		return bad("final_panel_min", "must be at most %d", MaxPanelMin)
	case p.VotesPerVoterPerDay > MaxVotesPerDay:
		return bad("votes_per_voter_per_day", "must be at most %d", MaxVotesPerDay)
	case p.NamingRightShareBps < 1 || p.NamingRightShareBps > 10000:
		return bad("naming_right_share_bps", "must be between 1 and 10000")
	case p.VotesPerVoterPerDay < 1:
		return bad("votes_per_voter_per_day", "must be at least 1")
	case p.MonthlyReportDueDay < 1 || p.MonthlyReportDueDay > 28:
		return bad("monthly_report_due_day", "must be between 1 and 28")
	}
	if _, err := time.LoadLocation(p.TimeZone); err != nil {
		return bad("time_zone", "unknown time zone %q", p.TimeZone)
	}
	seen := map[Category]bool{}
	for _, c := range p.Categories {
		if !slices.Contains(AllCategories, c) || seen[c] {
			return bad("categories", "unknown or repeated category %q", c)
		}
		seen[c] = true
	}
	sum := 0
	names := map[string]bool{}
	for _, c := range p.Rubric {
		if c.Name == "" || c.MaxPoints < 1 || names[c.Name] {
			return bad("rubric", "each criterion needs a unique name and positive maximum")
		}
		names[c.Name] = true
		sum += c.MaxPoints
	}
	if sum != 100 {
		return bad("rubric", "criteria maxima must sum to 100, not %d", sum)
	}
	pct := 0
	for i, t := range p.Tranches {
		if t.Number != i+1 || t.Percent < 0 || t.Percent > 100 {
			return bad("tranches", "tranches are numbered from 1 with percents between 0 and 100")
		}
		if !slices.Contains(trancheGates, t.Gate) {
			return bad("tranches", "tranche %d needs a gate: CONTRACT_SIGNED, MIDTERM_PASSED or FINAL_ACCEPTANCE_PASSED", t.Number)
		}
		pct += t.Percent
	}
	if pct != 100 {
		return bad("tranches", "tranche percents must sum to 100, not %d", pct)
	}
	for i, t := range p.IdeaPrizeTiers {
		if t.Tier != i+1 || t.AmountFen < 0 || t.Count < 0 {
			return bad("idea_prize_tiers", "tiers are numbered from 1 with non-negative amounts and counts")
		}
		if t.AmountFen > MaxPolicyFen || t.Count > MaxQuota {
			return bad("idea_prize_tiers", "a tier's amount is at most %d fen and its count at most %d", MaxPolicyFen, MaxQuota)
		}
	}
	// A panel mix names known member kinds, each once, with a minimum between 0 and 100.
	for _, m := range []struct {
		field string
		rules []PanelMixRule
	}{{"shortlist_panel_mix", p.ShortlistPanelMix}, {"final_panel_mix", p.FinalPanelMix}} {
		field, seen := m.field, map[string]bool{}
		for _, r := range m.rules {
			switch {
			case !slices.Contains(MemberKinds, r.Kind):
				return bad(field, "unknown member kind %q (one of %v)", r.Kind, MemberKinds)
			case seen[r.Kind]:
				return bad(field, "member kind %s is listed twice", r.Kind)
			case r.Min < 0 || r.Min > 100:
				return bad(field, "the minimum of %s must be between 0 and 100", r.Kind)
			}
			seen[r.Kind] = true
		}
	}
	if field, description := checkTargets(p.PhaseTargets); description != "" {
		return bad(field, "%s", description)
	}
	switch {
	case utf8.RuneCountInString(p.HomeDistrict) > 50:
		return bad("home_district", "at most 50 characters")
	case p.HomeDistrictMinPercent != nil && (*p.HomeDistrictMinPercent < 1 || *p.HomeDistrictMinPercent > 100):
		return bad("home_district_min_percent", "must be between 1 and 100")
	}
	return nil
}

// CheckPublishable says whether a round may be published at now: the values only its organiser can set are
// present and the deadline lies ahead.
func (p Policy) CheckPublishable(now time.Time) error {
	switch {
	case p.SubmissionDeadline.IsZero():
		return ErrPolicyIncomplete.Field("policy.submission_deadline", "a submission deadline is required to publish")
	case !p.SubmissionDeadline.After(now):
		return ErrDeadlinePassed.With("the submission deadline %s is not in the future", p.SubmissionDeadline.Format(time.RFC3339))
	case p.ShortlistQuota < 1:
		return ErrPolicyIncomplete.Field("policy.shortlist_quota", "a shortlist quota is required to publish")
	case p.SelectionQuota < 1:
		return ErrPolicyIncomplete.Field("policy.selection_quota", "a selection quota is required to publish")
	}
	return nil
}

// Terms are the round's matching terms as the funding quote (pkg/money) takes them: match ratio donation :
// match, match cap and top-up cap. p must have its defaults applied.
func (p Policy) Terms() money.Terms {
	return money.Terms{RatioDonation: int64(p.MatchRatioDonation), RatioMatch: int64(p.MatchRatioMatch),
		MatchCapFen: *p.MatchCapFen, TopupCapFen: *p.TopupCapFen}
}

// HasCategory reports whether applications may choose c.
func (p Policy) HasCategory(c Category) bool { return slices.Contains(p.Categories, c) }
