package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/commonweal/commonweal/pkg/errs"
)

// Status is where an application stands in submission and initial review.
type Status string

// The statuses.
const (
	StatusDraft     Status = "DRAFT"
	StatusSubmitted Status = "SUBMITTED"
	StatusAccepted  Status = "ACCEPTED"
	StatusReturned  Status = "RETURNED"
	StatusRejected  Status = "REJECTED"
)

// Decision is an initial-review outcome.
type Decision string

// The decisions.
const (
	DecisionAccept Decision = "ACCEPT"
	DecisionReturn Decision = "RETURN"
	DecisionReject Decision = "REJECT"
)

// BudgetItem is one budget line in fen.
type BudgetItem struct {
	Name      string `json:"name"`
	AmountFen int64  `json:"amount_fen"`
}

// TeamMember is one person of the project team.
type TeamMember struct {
	Name          string `json:"name"`
	Role          string `json:"role"`
	Qualification string `json:"qualification"`
}

// Content is what the applicant writes; it is what a revision keeps.
type Content struct {
	PartnerOrgID         string       `json:"partner_org_id,omitempty"`
	Category             Category     `json:"category"`
	Title                string       `json:"title"`
	Summary              string       `json:"summary,omitempty"`
	BudgetItems          []BudgetItem `json:"budget_items,omitempty"`
	DurationMonths       int          `json:"duration_months,omitempty"`
	Special              bool         `json:"special,omitempty"`
	SpecialJustification string       `json:"special_justification,omitempty"`
	ServiceArea          []string     `json:"service_area,omitempty"`
	BeneficiaryGroup     string       `json:"beneficiary_group,omitempty"`
	BeneficiaryCount     int          `json:"beneficiary_count,omitempty"`
	Team                 []TeamMember `json:"team,omitempty"`
	ExpectedOutcomes     []string     `json:"expected_outcomes,omitempty"`
	EvaluationIndicators []string     `json:"evaluation_indicators,omitempty"`
	// CommunityCodes are the communities served, chosen from the communities list.
	CommunityCodes []string `json:"community_codes,omitempty"`
	// NeedIDs are the needs of the catalogue the project answers, published with its round.
	NeedIDs      []string     `json:"need_ids,omitempty"`
	Declarations Declarations `json:"declarations"`
}

// Declarations are the applicant's eligibility declarations (seed 五(三)4).
type Declarations struct {
	// NoGovernmentProvision: government does not already provide the same service to the same group.
	NoGovernmentProvision bool `json:"no_government_provision,omitempty"`
	// NotFundedElsewhere: the project has not already obtained sufficient funding through other channels.
	NotFundedElsewhere bool `json:"not_funded_elsewhere,omitempty"`
	// OtherFunding is the other funding the project has or has applied for.
	OtherFunding []OtherFunding `json:"other_funding,omitempty"`
}

// Made reports whether both declarations were made, as submission requires.
func (d Declarations) Made() bool { return d.NoGovernmentProvision && d.NotFundedElsewhere }

// OtherFunding is one other source of a project's funding.
type OtherFunding struct {
	Source    string `json:"source"`
	AmountFen int64  `json:"amount_fen"`
	Note      string `json:"note,omitempty"`
}

// Limits of an application's catalogue choices and declarations.
const (
	MaxCommunityCodes  = 50
	MaxNeedIDs         = 50
	MaxOtherFunding    = 20
	maxOtherFundingTxt = 500
)

// BudgetTotalFen is the sum of the budget lines; the total is always derived, never typed.
func (c Content) BudgetTotalFen() int64 {
	var total int64
	for _, b := range c.BudgetItems {
		total += b.AmountFen
	}
	return total
}

// maxBudgetLineFen bounds one line so totals can never overflow (one billion yuan).
const maxBudgetLineFen = int64(1_000_000_000_00)

// Validate checks what is wrong whatever the stage of drafting: unknown category, a budget line that is
// not positive, a duration beyond the policy. Missing parts are allowed in a draft (see CheckComplete).
func (c Content) Validate(p Policy) error {
	if strings.TrimSpace(c.Title) == "" {
		return errs.Invalid("TITLE_REQUIRED", "title", "a title is required")
	}
	if utf8.RuneCountInString(c.Title) > 200 {
		return errs.Invalid("TITLE_TOO_LONG", "title", "a title is at most 200 characters")
	}
	if !p.HasCategory(c.Category) {
		return errs.Invalid("UNKNOWN_CATEGORY", "category", fmt.Sprintf("category %q is not one of this round's categories", c.Category))
	}
	if len(c.BudgetItems) > 200 {
		return errs.Invalid("TOO_MANY_BUDGET_LINES", "budget_items", "at most 200 budget lines")
	}
	for i, b := range c.BudgetItems {
		field := fmt.Sprintf("budget_items[%d].amount_fen", i)
		if b.AmountFen <= 0 {
			return errs.Invalid("BUDGET_LINE_NOT_POSITIVE", field, "every budget line must be a positive amount of fen")
		}
		if b.AmountFen > maxBudgetLineFen {
			return errs.Invalid("BUDGET_LINE_TOO_LARGE", field, "a budget line is at most 1,000,000,000.00 CNY")
		}
		if strings.TrimSpace(b.Name) == "" {
			return errs.Invalid("BUDGET_LINE_NAME_REQUIRED", fmt.Sprintf("budget_items[%d].name", i), "every budget line needs a name")
		}
	}
	if c.DurationMonths < 0 {
		return errs.Invalid("INVALID_DURATION", "duration_months", "duration must not be negative")
	}
	if c.DurationMonths > p.MaxDurationMonths {
		if !c.Special {
			return errs.Invalid("DURATION_EXCEEDS_MAXIMUM", "duration_months",
				fmt.Sprintf("duration %d months exceeds the maximum of %d; a longer project must be marked special with a justification", c.DurationMonths, p.MaxDurationMonths))
		}
		if c.DurationMonths > p.SpecialMaxDurationMonths {
			return errs.Invalid("DURATION_EXCEEDS_SPECIAL_MAXIMUM", "duration_months",
				fmt.Sprintf("duration %d months exceeds the special maximum of %d", c.DurationMonths, p.SpecialMaxDurationMonths))
		}
	}
	if c.BeneficiaryCount < 0 {
		return errs.Invalid("INVALID_BENEFICIARY_COUNT", "beneficiaries.estimated_count", "must not be negative")
	}
	if err := c.validateCatalogue(); err != nil {
		return err
	}
	return c.Declarations.validate()
}

// validateCatalogue checks the shape of the communities and needs chosen; whether they are on the list and
// published with the round is ChooseCommunities' and ChooseNeeds' business.
func (c Content) validateCatalogue() error {
	if len(c.CommunityCodes) > MaxCommunityCodes {
		return errs.Invalid("TOO_MANY_COMMUNITIES", "community_codes", fmt.Sprintf("at most %d communities", MaxCommunityCodes))
	}
	for i, code := range c.CommunityCodes {
		field := fmt.Sprintf("community_codes[%d]", i)
		if err := ValidCommunityCode(field, code); err != nil {
			return err
		}
		if slices.Contains(c.CommunityCodes[:i], code) {
			return errs.Invalid("DUPLICATE_COMMUNITY", field, fmt.Sprintf("community %q is chosen twice", code))
		}
	}
	if len(c.NeedIDs) > MaxNeedIDs {
		return errs.Invalid("TOO_MANY_NEEDS", "need_ids", fmt.Sprintf("at most %d needs", MaxNeedIDs))
	}
	for i, id := range c.NeedIDs {
		if slices.Contains(c.NeedIDs[:i], id) {
			return errs.Invalid("DUPLICATE_NEED", fmt.Sprintf("need_ids[%d]", i), fmt.Sprintf("need %s is named twice", id))
		}
	}
	return nil
}

// validate checks the other funding listed.
func (d Declarations) validate() error {
	if len(d.OtherFunding) > MaxOtherFunding {
		return errs.Invalid("TOO_MANY_OTHER_FUNDING", "declarations.other_funding", fmt.Sprintf("at most %d entries", MaxOtherFunding))
	}
	for i, f := range d.OtherFunding {
		field := fmt.Sprintf("declarations.other_funding[%d]", i)
		switch {
		case strings.TrimSpace(f.Source) == "":
			return errs.Invalid("OTHER_FUNDING_SOURCE_REQUIRED", field+".source", "who funds it is required")
		case utf8.RuneCountInString(f.Source) > maxOtherFundingTxt:
			return errs.Invalid("OTHER_FUNDING_TOO_LONG", field+".source", fmt.Sprintf("at most %d characters", maxOtherFundingTxt))
		case utf8.RuneCountInString(f.Note) > maxOtherFundingTxt:
			return errs.Invalid("OTHER_FUNDING_TOO_LONG", field+".note", fmt.Sprintf("at most %d characters", maxOtherFundingTxt))
		case f.AmountFen <= 0:
			return errs.Invalid("OTHER_FUNDING_AMOUNT_NOT_POSITIVE", field+".amount_fen", "must be a positive amount of fen")
		case f.AmountFen > maxBudgetLineFen:
			return errs.Invalid("OTHER_FUNDING_AMOUNT_TOO_LARGE", field+".amount_fen", "at most 1,000,000,000.00 CNY")
		}
	}
	return nil
}

// CheckComplete lists the required parts a submission still misses (DOMAIN.md §3 "Applications").
func (c Content) CheckComplete(p Policy) error {
	var missing []string
	if strings.TrimSpace(c.Summary) == "" {
		missing = append(missing, "summary")
	}
	if len(c.BudgetItems) == 0 {
		missing = append(missing, "budget_items")
	}
	if c.DurationMonths < 1 {
		missing = append(missing, "duration_months")
	}
	if c.Special && c.DurationMonths > p.MaxDurationMonths && strings.TrimSpace(c.SpecialJustification) == "" {
		missing = append(missing, "special_justification")
	}
	// The service area is free text or communities of the list.
	if len(c.ServiceArea) == 0 && len(c.CommunityCodes) == 0 {
		missing = append(missing, "service_area")
	}
	if strings.TrimSpace(c.BeneficiaryGroup) == "" || c.BeneficiaryCount < 1 {
		missing = append(missing, "beneficiaries")
	}
	if len(c.Team) == 0 {
		missing = append(missing, "team")
	}
	if !c.Declarations.Made() {
		missing = append(missing, "declarations")
	}
	if len(missing) == 0 {
		return nil
	}
	e := ErrIncomplete.With("missing: %s", strings.Join(missing, ", "))
	for _, m := range missing {
		e = e.Field(m, "required to submit")
	}
	return e
}

// Review is one initial-review decision.
type Review struct {
	Decision Decision  `json:"decision"`
	Reasons  []string  `json:"reasons"`
	Reviewer string    `json:"reviewer"`
	At       time.Time `json:"at"`
	Revision int       `json:"revision"`
}

// Application is a project proposal in a round.
type Application struct {
	ID               string
	RoundID          string
	OrgID            string
	Content          Content
	Status           Status
	Stage            string
	IdeaOnly         bool
	Revision         int
	Version          int
	CreatedAt        time.Time
	UpdatedAt        time.Time
	FirstSubmitAt    time.Time
	LastSubmitAt     time.Time
	LastReview       *Review
	CreatedBySubject string
	// Catalogue is what the lists said of the communities and needs the content names when it was last saved.
	Catalogue Catalogue
	// PartnerConsent is where the named partner's consent stands (partnership.go); PartnerConsentAt is when
	// the partner last accepted or withdrew.
	PartnerConsent   PartnerConsent
	PartnerConsentAt time.Time
}

// Catalogue is an application's references to the communities list and the needs catalogue, in the order
// of its content's codes and IDs; the automatic checks read it.
type Catalogue struct {
	Communities []CommunityRef `json:"communities,omitempty"`
	Needs       []NeedRef      `json:"needs,omitempty"`
}

// Revision is one submitted version of an application, kept forever (初审 → 修改完善 → 再度申报).
type Revision struct {
	ApplicationID string
	Number        int
	Content       Content
	IdeaOnly      bool
	SubmittedAt   time.Time
	SubmittedBy   string
}

// LatestRevision is the version a submission just made, as kept in the application's history.
func (a Application) LatestRevision(by string) Revision {
	return Revision{ApplicationID: a.ID, Number: a.Revision, Content: a.Content, IdeaOnly: a.IdeaOnly, SubmittedAt: a.LastSubmitAt, SubmittedBy: by}
}

// Editable reports whether the applicant may still change the application.
func (a Application) Editable() bool { return a.Status == StatusDraft || a.Status == StatusReturned }

// IdeaOnly says whether an applicant competes for idea prizes only: an individual or other unit without a
// registered social organisation as partner that accepted to partner it (只能获评为优秀创意). Naming a partner
// alone counts for nothing until the partner's account accepts (consent).
func IdeaOnly(applicant Organization, partner *Organization, consent PartnerConsent) bool {
	if applicant.Kind == OrgSocialOrganization {
		return false
	}
	return !Partnered(partner, consent)
}

// CheckOpen says whether applications may be created, changed or submitted in a round at now.
func CheckOpen(phase Phase, p Policy, now time.Time) error {
	if phase != PhaseSolicitation {
		return ErrRoundNotSoliciting.With("the round is in phase %s", phase)
	}
	if !now.Before(p.SubmissionDeadline) {
		return ErrDeadlinePassed.With("the deadline was %s", p.SubmissionDeadline.Format(time.RFC3339))
	}
	return nil
}

// Submit moves a draft or returned application to SUBMITTED and starts a new revision.
func (a *Application) Submit(phase Phase, p Policy, now time.Time) error {
	if !a.Editable() {
		return ErrNotSubmittable.With("the application is %s", a.Status)
	}
	if err := CheckOpen(phase, p, now); err != nil {
		return err
	}
	if err := a.Content.Validate(p); err != nil {
		return err
	}
	if err := a.Content.CheckComplete(p); err != nil {
		return err
	}
	a.Status = StatusSubmitted
	a.Revision++
	if a.FirstSubmitAt.IsZero() {
		a.FirstSubmitAt = now
	}
	a.LastSubmitAt = now
	a.UpdatedAt = now
	return nil
}

// ApplyReview records an initial-review decision on a submitted application.
func (a *Application) ApplyReview(d Decision, reasons []string, reviewer string, now time.Time) error {
	if a.Status != StatusSubmitted {
		return ErrNotReviewable.With("the application is %s", a.Status)
	}
	var kept []string
	for _, r := range reasons {
		if r = strings.TrimSpace(r); r != "" {
			kept = append(kept, r)
		}
	}
	switch d {
	case DecisionAccept:
		a.Status = StatusAccepted
	case DecisionReturn, DecisionReject:
		if len(kept) == 0 {
			return ErrReasonsRequired.Field("reasons", "give at least one reason")
		}
		a.Status = StatusReturned
		if d == DecisionReject {
			a.Status = StatusRejected
		}
	default:
		return ErrInvalidDecision.Field("decision", "must be ACCEPT, RETURN or REJECT")
	}
	a.LastReview = &Review{Decision: d, Reasons: kept, Reviewer: reviewer, At: now, Revision: a.Revision}
	a.UpdatedAt = now
	return nil
}

// Etag is the opaque version tag of an object at a version.
func Etag(id string, version int) string {
	return fmt.Sprintf(`W/"%s-%d"`, shortHash(id), version)
}

func shortHash(s string) string {
	var h uint32 = 2166136261
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return fmt.Sprintf("%08x", h)
}
