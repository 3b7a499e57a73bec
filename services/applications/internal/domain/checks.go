package domain

import (
	"fmt"
	"strings"

	"github.com/commonweal/commonweal/pkg/errs"
)

// Check is one automatic check shown to the reviewer before initial review.
type Check struct {
	Name   string
	Passed bool
	Detail string
}

// AutomaticChecks runs the checks of initial review (DOMAIN.md §3): organisation registered, duration within
// policy, budget positive, the minimum donation for full funding (informational: any budget is fully fundable
// with enough donations, so it always passes), required fields present, title unique, eligibility declared
// (with the other funding listed), the share of the chosen communities in the home district, and the needs
// answered (informational); and, when a partner is named, whether its account accepted (PARTNER_CONSENTED).
func AutomaticChecks(a Application, p Policy, applicant Organization, partner *Organization, duplicateTitle bool) []Check {
	var checks []Check
	add := func(name string, ok bool, detail string) { checks = append(checks, Check{name, ok, detail}) }

	switch {
	case applicant.Kind == OrgSocialOrganization:
		add("ORGANIZATION_REGISTERED", applicant.Registered, map[bool]string{true: "registration verified", false: "registration not verified by the operator"}[applicant.Registered])
	case partner != nil && partner.Kind == OrgSocialOrganization && partner.Registered:
		add("ORGANIZATION_REGISTERED", true, "partner social organisation registered")
	default:
		add("ORGANIZATION_REGISTERED", false, "no registered social organisation: eligible for idea prizes only")
	}

	c := a.Content
	durOK := c.DurationMonths >= 1 && (c.DurationMonths <= p.MaxDurationMonths || c.Special && c.DurationMonths <= p.SpecialMaxDurationMonths && strings.TrimSpace(c.SpecialJustification) != "")
	add("DURATION_WITHIN_POLICY", durOK, fmt.Sprintf("%d months (maximum %d, special %d)", c.DurationMonths, p.MaxDurationMonths, p.SpecialMaxDurationMonths))

	total := c.BudgetTotalFen()
	positive := len(c.BudgetItems) > 0
	for _, b := range c.BudgetItems {
		positive = positive && b.AmountFen > 0
	}
	add("BUDGET_POSITIVE", positive, fmt.Sprintf("%d lines totalling %s", len(c.BudgetItems), Yuan(total)))
	add("MIN_DONATION_FOR_FULL_FUNDING", true, minDonationDetail(p, total))

	if err := c.CheckComplete(p); err != nil {
		e, _ := errs.As(err)
		add("REQUIRED_FIELDS_PRESENT", false, e.Message)
	} else {
		add("REQUIRED_FIELDS_PRESENT", true, "all required fields present")
	}
	add("TITLE_UNIQUE_IN_ROUND", !duplicateTitle, map[bool]string{true: "another application in the round has the same title", false: "no other application has this title"}[duplicateTitle])
	add("ELIGIBILITY_DECLARED", c.Declarations.Made(), declarationsDetail(c.Declarations))
	inHome, detail := homeDistrictCheck(a.Catalogue.Communities, p)
	add("SERVICE_AREA_IN_HOME_DISTRICT", inHome, detail)
	add("NEEDS_ANSWERED", true, needsDetail(a.Catalogue.Needs))
	if c.PartnerOrgID != "" {
		add("PARTNER_CONSENTED", a.PartnerConsent == ConsentAccepted, consentDetail(a.PartnerConsent))
	}
	return checks
}

// consentDetail says where a named partner's consent stands.
func consentDetail(c PartnerConsent) string {
	switch c {
	case ConsentAccepted:
		return "the partner organisation accepted"
	case ConsentWithdrawn:
		return "the partner organisation withdrew its consent: the partner does not count"
	default:
		return "the partner organisation has not accepted yet: the partner does not count until it does"
	}
}

// homeDistrictCheck is whether enough of the chosen communities lie in the policy's home district ("以临渭区各社区为
// 主", seed 五(四)): at least HomeDistrictMinPercent of them; it fails when none was chosen from the list.
func homeDistrictCheck(communities []CommunityRef, p Policy) (bool, string) {
	home, minPercent := p.HomeDistrict, DefaultHomeDistrictPercent
	if home == "" {
		home = DefaultHomeDistrict
	}
	if p.HomeDistrictMinPercent != nil {
		minPercent = *p.HomeDistrictMinPercent
	}
	in, total := HomeDistrictShare(communities, home)
	if total == 0 {
		return false, fmt.Sprintf("no community chosen from the communities list; at least %d%% in %s required", minPercent, home)
	}
	noun := "communities"
	if total == 1 {
		noun = "community"
	}
	return in*100 >= minPercent*total, fmt.Sprintf("%d of %d %s (%d%%) in %s; at least %d%% required", in, total, noun, in*100/total, home, minPercent)
}

// needsDetail lists the titles of the needs answered.
func needsDetail(needs []NeedRef) string {
	if len(needs) == 0 {
		return "none"
	}
	titles := make([]string, 0, len(needs))
	for _, n := range needs {
		titles = append(titles, n.Title)
	}
	return fmt.Sprintf("%d of the catalogue: %s", len(needs), strings.Join(titles, "; "))
}

// declarationsDetail says which declarations were made and lists the other funding in yuan.
func declarationsDetail(d Declarations) string {
	var parts []string
	switch {
	case d.Made():
		parts = append(parts, "both declared")
	case !d.NoGovernmentProvision && !d.NotFundedElsewhere:
		parts = append(parts, "not declared: no government provision, not funded elsewhere")
	case !d.NoGovernmentProvision:
		parts = append(parts, "not declared: no government provision")
	default:
		parts = append(parts, "not declared: not funded elsewhere")
	}
	if len(d.OtherFunding) == 0 {
		return strings.Join(append(parts, "no other funding"), "; ")
	}
	var total int64
	var list []string
	for _, f := range d.OtherFunding {
		total += f.AmountFen
		item := f.Source + " " + Yuan(f.AmountFen)
		if n := strings.TrimSpace(f.Note); n != "" {
			item += " (" + n + ")"
		}
		list = append(list, item)
	}
	return strings.Join(parts, "; ") + fmt.Sprintf("; other funding %s: %s", Yuan(total), strings.Join(list, ", "))
}

// minDonationDetail says what a budget needs to be fully funded under the round's terms: the smallest confirmed
// donation by the cutoff with which the funding quote (pkg/money, the one every service uses) leaves no
// shortfall, and the government share the pool then pays.
func minDonationDetail(p Policy, budgetFen int64) string {
	if budgetFen <= 0 {
		return fmt.Sprintf("budget %s: no funding quote for a budget that is not positive", Yuan(budgetFen))
	}
	terms := p.Terms()
	donation, err := terms.MinDonationForFullFunding(budgetFen)
	if err != nil {
		return fmt.Sprintf("budget %s: no funding quote (%v)", Yuan(budgetFen), err)
	}
	q, err := terms.Quote(budgetFen, donation)
	if err != nil {
		return fmt.Sprintf("budget %s: no funding quote (%v)", Yuan(budgetFen), err)
	}
	return fmt.Sprintf("budget %s: fully funded with at least %s confirmed donations by the cutoff (%s from the pool)",
		Yuan(budgetFen), Yuan(donation), Yuan(q.GovernmentFen))
}

// Yuan formats fen as yuan with two decimals, for messages.
func Yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s%d.%02d CNY", sign, fen/100, fen%100)
}
