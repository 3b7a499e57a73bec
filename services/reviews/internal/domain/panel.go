package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// MemberKind is what a panel member represents.
type MemberKind string

// The member kinds.
const (
	KindExpert       MemberKind = "EXPERT"
	KindDepartment   MemberKind = "DEPARTMENT"
	KindFinanceAudit MemberKind = "FINANCE_AUDIT"
	KindGrassroots   MemberKind = "GRASSROOTS"
	KindMedia        MemberKind = "MEDIA"
	KindDonorRep     MemberKind = "DONOR_REP"
)

var memberKinds = []MemberKind{KindExpert, KindDepartment, KindFinanceAudit, KindGrassroots, KindMedia, KindDonorRep}

// Member is one panel member.
type Member struct {
	ReviewerID       string
	Name             string
	Kind             MemberKind
	AffiliationOrgID string
	DonorID          string
}

// RecusalSource says how a conflict became known.
type RecusalSource string

// The recusal sources.
const (
	SourceDeclared    RecusalSource = "DECLARED"
	SourceAffiliation RecusalSource = "AFFILIATION"
	SourceDonorPledge RecusalSource = "DONOR_PLEDGE"
)

// Recusal excludes one member from scoring one application.
type Recusal struct {
	PanelID       string
	ReviewerID    string
	ApplicationID string
	Source        RecusalSource
	Reason        string
	// CreatedAt is when it was recorded; CreatedBy who recorded it ("detected" for a detected conflict).
	CreatedAt time.Time
	CreatedBy string
}

// Detected is the recorder of the conflicts the service finds itself.
const Detected = "detected"

// Panel is the panel of a round for one stage.
type Panel struct {
	ID       string
	RoundID  string
	Stage    Stage
	Members  []Member
	Recusals []Recusal
	// CreatedAt is when the panel was created, by CreatedBy.
	CreatedAt time.Time
	CreatedBy string
}

// MinMembers is the policy minimum for a stage's panel.
func (p Policy) MinMembers(s Stage) int {
	if s == StageFinal {
		return p.FinalPanelMin
	}
	return p.ShortlistPanelMin
}

// PanelMixRule is the smallest number of a panel's members of one kind (seed 六(二), 六(四)).
type PanelMixRule struct {
	Kind MemberKind
	Min  int
}

// Mix is the policy's mix of member kinds for a stage's panel.
func (p Policy) Mix(s Stage) []PanelMixRule {
	if s == StageFinal {
		return p.FinalPanelMix
	}
	return p.ShortlistPanelMix
}

// DefaultPanelMix is the mix a round's policy takes when it states none (the contract's default): one member
// of each kind the seed lists for the panel, a donor representative on the final panel too.
func DefaultPanelMix(s Stage) []PanelMixRule {
	mix := []PanelMixRule{{KindExpert, 1}, {KindDepartment, 1}, {KindFinanceAudit, 1}, {KindGrassroots, 1}, {KindMedia, 1}}
	if s == StageFinal {
		mix = append(mix, PanelMixRule{KindDonorRep, 1})
	}
	return mix
}

// MissingKinds lists, in the mix's order, each kind of which members has fewer than the mix asks, with its
// counts ("MEDIA (0 of 1)"); nothing when the members make up the mix.
func MissingKinds(mix []PanelMixRule, members []Member) []string {
	have := map[MemberKind]int{}
	for _, m := range members {
		have[m.Kind]++
	}
	var out []string
	for _, r := range mix {
		if have[r.Kind] < r.Min {
			out = append(out, fmt.Sprintf("%s (%d of %d)", r.Kind, have[r.Kind], r.Min))
		}
	}
	return out
}

// CheckPanelMix refuses members short of the policy's mix for the stage (PANEL_MIX_INCOMPLETE), naming each
// kind missing with its counts.
func CheckPanelMix(stage Stage, members []Member, p Policy) error {
	missing := MissingKinds(p.Mix(stage), members)
	if len(missing) == 0 {
		return nil
	}
	list := strings.Join(missing, ", ")
	return ErrPanelMixIncomplete.With("a %s panel needs the policy's mix of member kinds: missing %s", stage, list).Field("members", "missing "+list)
}

// CheckCanScore refuses scores from a panel short of the round's mix (PANEL_MIX_INCOMPLETE): it cannot score
// until it has the members the policy asks for.
func CheckCanScore(panel Panel, p Policy) error {
	missing := MissingKinds(p.Mix(panel.Stage), panel.Members)
	if len(missing) == 0 {
		return nil
	}
	return ErrPanelMixIncomplete.With("the %s panel %s cannot score while short of the policy's mix of member kinds: missing %s", panel.Stage, panel.ID,
		strings.Join(missing, ", "))
}

// ReviewerPanel is one panel a reviewer sits on.
type ReviewerPanel struct {
	PanelID string
	RoundID string
	Stage   Stage
}

// ScoringPhase is the phase in which a stage's panel scores.
func ScoringPhase(s Stage) Phase {
	if s == StageFinal {
		return PhaseFinalReview
	}
	return PhaseShortlisting
}

// maxMemberText bounds a panel member's reviewer ID, name, affiliation and donor.
const maxMemberText = 200

// CheckNewPanel validates a new panel against the policy: a known stage, unique well-formed members, a donor
// named by every donor representative, at least the policy minimum of members and the policy's mix of kinds.
func CheckNewPanel(stage Stage, members []Member, p Policy) error {
	if !stage.Valid() {
		return ErrInvalidStage.Field("stage", "must be SHORTLIST or FINAL")
	}
	seen := map[string]bool{}
	for i, m := range members {
		field := fmt.Sprintf("members[%d]", i)
		switch {
		case strings.TrimSpace(m.ReviewerID) == "":
			return ErrInvalidMember.Field(field+".reviewer_id", "required")
		case seen[m.ReviewerID]:
			return ErrInvalidMember.Field(field+".reviewer_id", "a reviewer sits on a panel once")
		case strings.TrimSpace(m.Name) == "":
			return ErrInvalidMember.Field(field+".name", "required")
		case !slices.Contains(memberKinds, m.Kind):
			return ErrInvalidMember.Field(field+".kind", "unknown member kind")
		case m.Kind == KindDonorRep && m.DonorID == "":
			return ErrInvalidMember.Field(field+".donor_id", "a donor representative names its donor")
		case m.Kind != KindDonorRep && m.DonorID != "":
			// It would be stored but never checked for a pledge conflict.
			return ErrInvalidMember.Field(field+".donor_id", "only a donor representative (DONOR_REP) names a donor")
		case utf8.RuneCountInString(m.ReviewerID) > maxMemberText:
			return ErrInvalidMember.Field(field+".reviewer_id", fmt.Sprintf("at most %d characters", maxMemberText))
		case utf8.RuneCountInString(m.Name) > maxMemberText || utf8.RuneCountInString(m.AffiliationOrgID) > maxMemberText || utf8.RuneCountInString(m.DonorID) > maxMemberText:
			return ErrInvalidMember.Field(field, fmt.Sprintf("name, affiliation_org_id and donor_id are at most %d characters", maxMemberText))
		}
		seen[m.ReviewerID] = true
	}
	if min := p.MinMembers(stage); len(members) < min {
		return ErrPanelBelowMinimum.With("a %s panel needs at least %d members, not %d", stage, min, len(members)).Field("members", fmt.Sprintf("at least %d members", min))
	}
	return CheckPanelMix(stage, members, p)
}

// Member returns the panel's member with the reviewer ID.
func (p Panel) Member(reviewerID string) (Member, bool) {
	for _, m := range p.Members {
		if m.ReviewerID == reviewerID {
			return m, true
		}
	}
	return Member{}, false
}

// HasMember reports whether a subject sits on the panel.
func (p Panel) HasMember(subject string) bool {
	_, ok := p.Member(subject)
	return ok
}

// DetectConflicts returns the recusals a member has on an application: affiliated with the applicant or its
// partner organisation, or representing a donor that pledged to it (donors lists the application's donors).
func DetectConflicts(panelID string, m Member, a Application, donors []string) []Recusal {
	var out []Recusal
	if m.AffiliationOrgID != "" && (m.AffiliationOrgID == a.OrgID || m.AffiliationOrgID == a.PartnerOrgID) {
		out = append(out, Recusal{PanelID: panelID, ReviewerID: m.ReviewerID, ApplicationID: a.ID, Source: SourceAffiliation,
			Reason: "affiliated with the applicant or its partner organisation " + m.AffiliationOrgID})
	}
	if m.Kind == KindDonorRep && slices.Contains(donors, m.DonorID) {
		out = append(out, Recusal{PanelID: panelID, ReviewerID: m.ReviewerID, ApplicationID: a.ID, Source: SourceDonorPledge,
			Reason: "represents donor " + m.DonorID + ", which pledged to the application"})
	}
	return out
}

// CheckCriteria checks one score against the rubric (every criterion present, each an integer from 0 to its
// maximum, nothing else) and returns the total.
func CheckCriteria(rubric []Criterion, criteria map[string]int) (int, error) {
	total := 0
	for _, c := range rubric {
		v, ok := criteria[c.Name]
		if !ok {
			return 0, ErrInvalidCriteria.Field("criteria."+c.Name, "required")
		}
		if v < 0 || v > c.MaxPoints {
			return 0, ErrInvalidCriteria.Field("criteria."+c.Name, fmt.Sprintf("must be between 0 and %d", c.MaxPoints))
		}
		total += v
	}
	for name := range criteria {
		if !slices.ContainsFunc(rubric, func(c Criterion) bool { return c.Name == name }) {
			return 0, ErrInvalidCriteria.Field("criteria."+name, "not a criterion of the round's rubric")
		}
	}
	return total, nil
}

// IdeaCriteria are the criteria idea prizes rank by (优秀项目创意).
var IdeaCriteria = []string{"BREADTH", "URGENCY", "PUBLIC_BENEFIT", "INNOVATION"}

// IdeaPoints is the sum of a score's idea criteria.
func IdeaPoints(criteria map[string]int) int {
	sum := 0
	for _, c := range IdeaCriteria {
		sum += criteria[c]
	}
	return sum
}
