package api

import (
	"strings"
	"time"

	"github.com/commonweal/commonweal/pkg/pbconv"

	"google.golang.org/protobuf/types/known/durationpb"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1"
	"github.com/commonweal/commonweal/services/applications/internal/app"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

// ts converts a time for output; the zero time is absent.
var ts = pbconv.Timestamp

func enumName(full, prefix string) string { return strings.TrimPrefix(full, prefix) }

func phaseFromPB(p pb.Phase) domain.Phase {
	return domain.Phase(pbconv.EnumName(p, "PHASE_"))
}

func phaseToPB(p domain.Phase) pb.Phase { return pb.Phase(pb.Phase_value["PHASE_"+string(p)]) }

func categoryFromPB(c pb.Category) domain.Category {
	return domain.Category(pbconv.EnumName(c, "CATEGORY_"))
}

func categoryToPB(c domain.Category) pb.Category {
	return pb.Category(pb.Category_value["CATEGORY_"+string(c)])
}

func policyFromPB(p *pb.Policy) domain.Policy {
	if p == nil {
		return domain.Policy{}
	}
	d := domain.Policy{
		ShortlistQuota:           int(p.GetShortlistQuota()),
		SelectionQuota:           int(p.GetSelectionQuota()),
		MaxDurationMonths:        int(p.GetMaxDurationMonths()),
		SpecialMaxDurationMonths: int(p.GetSpecialMaxDurationMonths()),
		ShortlistPanelMin:        int(p.GetShortlistPanelMin()),
		FinalPanelMin:            int(p.GetFinalPanelMin()),
		TrimExtremes:             p.TrimExtremes,
		PanelPercent:             int(p.GetWeights().GetPanelPercent()),
		DonationPercent:          int(p.GetWeights().GetDonationPercent()),
		VotePercent:              int(p.GetWeights().GetVotePercent()),
		MatchRatioDonation:       int(p.GetMatchRatio().GetDonation()),
		MatchRatioMatch:          int(p.GetMatchRatio().GetMatch()),
		MatchCapFen:              p.MatchCapFen,
		TopupCapFen:              p.TopupCapFen,
		NamingRightShareBps:      int(p.GetNamingRightShareBps()),
		VotesPerVoterPerDay:      int(p.GetVotesPerVoterPerDay()),
		MonthlyReportDueDay:      int(p.GetMonthlyReportDueDay()),
		TimeZone:                 p.GetTimeZone(),
	}
	if p.SubmissionDeadline != nil {
		d.SubmissionDeadline = p.SubmissionDeadline.AsTime()
	}
	if p.PublicityPeriod != nil {
		d.PublicityPeriod = p.PublicityPeriod.AsDuration()
	}
	for _, c := range p.GetCategories() {
		d.Categories = append(d.Categories, domain.Category(enumName(c.String(), "CATEGORY_")))
	}
	for _, c := range p.GetRubric() {
		d.Rubric = append(d.Rubric, domain.Criterion{Name: c.GetName(), MaxPoints: int(c.GetMaxPoints())})
	}
	for _, t := range p.GetIdeaPrizeTiers() {
		d.IdeaPrizeTiers = append(d.IdeaPrizeTiers, domain.IdeaPrizeTier{Tier: int(t.GetTier()), AmountFen: t.GetAmountFen(), Count: int(t.GetCount())})
	}
	for _, t := range p.GetTranches() {
		d.Tranches = append(d.Tranches, domain.TrancheRule{Number: int(t.GetNumber()), Percent: int(t.GetPercent()), Gate: enumName(t.GetGate().String(), "TRANCHE_GATE_")})
	}
	d.ShortlistPanelMix = mixFromPB(p.GetShortlistPanelMix())
	d.FinalPanelMix = mixFromPB(p.GetFinalPanelMix())
	for _, t := range p.GetPhaseTargets() {
		target := domain.PhaseTarget{Phase: phaseFromPB(t.GetPhase())}
		if t.TargetTime != nil {
			target.Target = t.TargetTime.AsTime()
		}
		d.PhaseTargets = append(d.PhaseTargets, target)
	}
	d.HomeDistrict = strings.TrimSpace(p.GetHomeDistrict())
	if p.HomeDistrictMinPercent != nil {
		v := int(p.GetHomeDistrictMinPercent())
		d.HomeDistrictMinPercent = &v
	}
	return d
}

func mixFromPB(rules []*pb.PanelMixRule) []domain.PanelMixRule {
	var out []domain.PanelMixRule
	for _, r := range rules {
		out = append(out, domain.PanelMixRule{Kind: strings.TrimSpace(r.GetKind()), Min: int(r.GetMin())})
	}
	return out
}

func mixToPB(rules []domain.PanelMixRule) []*pb.PanelMixRule {
	var out []*pb.PanelMixRule
	for _, r := range rules {
		out = append(out, &pb.PanelMixRule{Kind: r.Kind, Min: int32(r.Min)})
	}
	return out
}

func policyToPB(d domain.Policy) *pb.Policy {
	p := &pb.Policy{
		SubmissionDeadline:       ts(d.SubmissionDeadline),
		PublicityPeriod:          durationpb.New(d.PublicityPeriod),
		ShortlistQuota:           int32(d.ShortlistQuota),
		SelectionQuota:           int32(d.SelectionQuota),
		MaxDurationMonths:        int32(d.MaxDurationMonths),
		SpecialMaxDurationMonths: int32(d.SpecialMaxDurationMonths),
		ShortlistPanelMin:        int32(d.ShortlistPanelMin),
		FinalPanelMin:            int32(d.FinalPanelMin),
		TrimExtremes:             d.TrimExtremes,
		Weights:                  &pb.Weights{PanelPercent: int32(d.PanelPercent), DonationPercent: int32(d.DonationPercent), VotePercent: int32(d.VotePercent)},
		MatchRatio:               &pb.MatchRatio{Donation: int32(d.MatchRatioDonation), Match: int32(d.MatchRatioMatch)},
		MatchCapFen:              d.MatchCapFen,
		TopupCapFen:              d.TopupCapFen,
		NamingRightShareBps:      int32(d.NamingRightShareBps),
		VotesPerVoterPerDay:      int32(d.VotesPerVoterPerDay),
		MonthlyReportDueDay:      int32(d.MonthlyReportDueDay),
		TimeZone:                 d.TimeZone,
	}
	for _, c := range d.Categories {
		p.Categories = append(p.Categories, categoryToPB(c))
	}
	for _, c := range d.Rubric {
		p.Rubric = append(p.Rubric, &pb.RubricCriterion{Name: c.Name, MaxPoints: int32(c.MaxPoints)})
	}
	for _, t := range d.IdeaPrizeTiers {
		p.IdeaPrizeTiers = append(p.IdeaPrizeTiers, &pb.IdeaPrizeTier{Tier: int32(t.Tier), AmountFen: t.AmountFen, Count: int32(t.Count)})
	}
	for _, t := range d.Tranches {
		p.Tranches = append(p.Tranches, &pb.TrancheRule{Number: int32(t.Number), Percent: int32(t.Percent), Gate: pb.TrancheGate(pb.TrancheGate_value["TRANCHE_GATE_"+t.Gate])})
	}
	p.ShortlistPanelMix = mixToPB(d.ShortlistPanelMix)
	p.FinalPanelMix = mixToPB(d.FinalPanelMix)
	for _, t := range d.PhaseTargets {
		p.PhaseTargets = append(p.PhaseTargets, &pb.PhaseTarget{Phase: phaseToPB(t.Phase), TargetTime: ts(t.Target)})
	}
	p.HomeDistrict = d.HomeDistrict
	if d.HomeDistrictMinPercent != nil {
		v := int32(*d.HomeDistrictMinPercent)
		p.HomeDistrictMinPercent = &v
	}
	return p
}

// roundToPB shows a round with its timetable as it stands at now.
func roundToPB(r domain.Round, now time.Time) *pb.Round {
	out := &pb.Round{
		Id: r.ID, Name: r.Name, Year: int32(r.Year), Phase: phaseToPB(r.Phase), Policy: policyToPB(r.Policy),
		CreateTime: ts(r.CreatedAt), PhaseEnterTime: ts(r.PhaseEnteredAt), PublishTime: ts(r.PublishedAt),
		DonationCutoff: ts(r.DonationCutoff), Etag: domain.Etag(r.ID, r.Version),
		Notice: documentToPB(r.Notice, r.PublishedAt), Guidance: documentToPB(r.Guidance, r.PublishedAt),
	}
	schedule := r.Schedule(now)
	for _, e := range schedule {
		out.Schedule = append(out.Schedule, &pb.PhaseSchedule{Phase: phaseToPB(e.Phase), TargetTime: ts(e.Target), EnterTime: ts(e.Entered),
			LeaveTime: ts(e.Left), Overdue: e.Overdue, Late: e.Late})
	}
	out.Overdue = domain.AnyOverdue(schedule)
	return out
}

// documentFromPB reads a notice or guidance; nil (not given) stays nil.
func documentFromPB(d *pb.Document) *domain.Document {
	if d == nil {
		return nil
	}
	out := &domain.Document{Title: strings.TrimSpace(d.GetTitle()), Body: d.GetBody()}
	for _, a := range d.GetAttachments() {
		out.Attachments = append(out.Attachments, domain.Attachment{Name: strings.TrimSpace(a.GetName()), URI: strings.TrimSpace(a.GetUri()),
			SHA256: a.GetSha256(), MediaType: a.GetMediaType(), SizeBytes: a.GetSizeBytes()})
	}
	return out
}

// documentToPB shows a document published at published (zero: not yet); an empty one is absent.
func documentToPB(d domain.Document, published time.Time) *pb.Document {
	if d.Empty() {
		return nil
	}
	out := &pb.Document{Title: d.Title, Body: d.Body, PublishTime: ts(published)}
	for _, a := range d.Attachments {
		out.Attachments = append(out.Attachments, &pb.Attachment{Name: a.Name, Uri: a.URI, Sha256: a.SHA256, MediaType: a.MediaType, SizeBytes: a.SizeBytes})
	}
	return out
}

func orgKindFromPB(k pb.OrganizationKind) domain.OrgKind {
	return domain.OrgKind(pbconv.EnumName(k, "ORGANIZATION_KIND_"))
}

func orgToPB(o domain.Organization) *pb.Organization {
	return &pb.Organization{
		Id: o.ID, Name: o.Name, Kind: pb.OrganizationKind(pb.OrganizationKind_value["ORGANIZATION_KIND_"+string(o.Kind)]),
		Uscc: o.USCC, IdNumber: o.IDNumber, ContactPhone: o.ContactPhone, Registered: o.Registered,
		CreateTime: ts(o.CreatedAt), VerifyTime: ts(o.VerifiedAt),
		FoundingDate: o.FoundingDate, StaffSize: int32(o.StaffSize), VerifiedBy: o.VerifiedBy, VerificationEvidence: o.VerificationEvidence,
	}
}

// contentSource is a request that carries an application's content (create and update).
type contentSource interface {
	GetPartnerOrgId() string
	GetCategory() pb.Category
	GetTitle() string
	GetSummary() string
	GetBudgetItems() []*pb.BudgetItem
	GetDurationMonths() int32
	GetSpecial() bool
	GetSpecialJustification() string
	GetServiceArea() []string
	GetBeneficiaries() *pb.Beneficiaries
	GetTeam() []*pb.TeamMember
	GetExpectedOutcomes() []string
	GetEvaluationIndicators() []string
	GetCommunityCodes() []string
	GetNeedIds() []string
	GetDeclarations() *pb.EligibilityDeclarations
}

func budgetFromPB(items []*pb.BudgetItem) []domain.BudgetItem {
	var out []domain.BudgetItem
	for _, b := range items {
		out = append(out, domain.BudgetItem{Name: strings.TrimSpace(b.GetName()), AmountFen: b.GetAmountFen()})
	}
	return out
}

func teamFromPB(items []*pb.TeamMember) []domain.TeamMember {
	var out []domain.TeamMember
	for _, m := range items {
		out = append(out, domain.TeamMember{Name: m.GetName(), Role: m.GetRole(), Qualification: m.GetQualification()})
	}
	return out
}

func contentFromPB(src contentSource) domain.Content {
	return domain.Content{
		PartnerOrgID:         src.GetPartnerOrgId(),
		Category:             categoryFromPB(src.GetCategory()),
		Title:                strings.TrimSpace(src.GetTitle()),
		Summary:              src.GetSummary(),
		BudgetItems:          budgetFromPB(src.GetBudgetItems()),
		DurationMonths:       int(src.GetDurationMonths()),
		Special:              src.GetSpecial(),
		SpecialJustification: src.GetSpecialJustification(),
		ServiceArea:          src.GetServiceArea(),
		BeneficiaryGroup:     src.GetBeneficiaries().GetGroup(),
		BeneficiaryCount:     int(src.GetBeneficiaries().GetEstimatedCount()),
		Team:                 teamFromPB(src.GetTeam()),
		ExpectedOutcomes:     src.GetExpectedOutcomes(),
		EvaluationIndicators: src.GetEvaluationIndicators(),
		CommunityCodes:       trimmedAll(src.GetCommunityCodes(), strings.TrimSpace),
		NeedIDs:              trimmedAll(src.GetNeedIds(), func(id string) string { return strings.ToLower(strings.TrimSpace(id)) }),
		Declarations:         declarationsFromPB(src.GetDeclarations()),
	}
}

// trimmedAll is list with norm applied to every element (nil stays nil).
func trimmedAll(list []string, norm func(string) string) []string {
	var out []string
	for _, v := range list {
		out = append(out, norm(v))
	}
	return out
}

func declarationsFromPB(d *pb.EligibilityDeclarations) domain.Declarations {
	out := domain.Declarations{NoGovernmentProvision: d.GetNoGovernmentProvision(), NotFundedElsewhere: d.GetNotFundedElsewhere()}
	for _, f := range d.GetOtherFunding() {
		out.OtherFunding = append(out.OtherFunding, domain.OtherFunding{Source: strings.TrimSpace(f.GetSource()), AmountFen: f.GetAmountFen(), Note: strings.TrimSpace(f.GetNote())})
	}
	return out
}

func declarationsToPB(d domain.Declarations) *pb.EligibilityDeclarations {
	out := &pb.EligibilityDeclarations{NoGovernmentProvision: d.NoGovernmentProvision, NotFundedElsewhere: d.NotFundedElsewhere}
	for _, f := range d.OtherFunding {
		out.OtherFunding = append(out.OtherFunding, &pb.OtherFunding{Source: f.Source, AmountFen: f.AmountFen, Note: f.Note})
	}
	return out
}

func contentIntoPB(a *pb.Application, c domain.Content) {
	a.PartnerOrgId = c.PartnerOrgID
	a.Category = categoryToPB(c.Category)
	a.Title = c.Title
	a.Summary = c.Summary
	for _, b := range c.BudgetItems {
		a.BudgetItems = append(a.BudgetItems, &pb.BudgetItem{Name: b.Name, AmountFen: b.AmountFen})
	}
	a.BudgetTotalFen = c.BudgetTotalFen()
	a.DurationMonths = int32(c.DurationMonths)
	a.Special = c.Special
	a.SpecialJustification = c.SpecialJustification
	a.ServiceArea = c.ServiceArea
	if c.BeneficiaryGroup != "" || c.BeneficiaryCount != 0 {
		a.Beneficiaries = &pb.Beneficiaries{Group: c.BeneficiaryGroup, EstimatedCount: int32(c.BeneficiaryCount)}
	}
	for _, m := range c.Team {
		a.Team = append(a.Team, &pb.TeamMember{Name: m.Name, Role: m.Role, Qualification: m.Qualification})
	}
	a.ExpectedOutcomes = c.ExpectedOutcomes
	a.EvaluationIndicators = c.EvaluationIndicators
	a.CommunityCodes = c.CommunityCodes
	a.NeedIds = c.NeedIDs
	a.Declarations = declarationsToPB(c.Declarations)
}

func statusToPB(s domain.Status) pb.ApplicationStatus {
	return pb.ApplicationStatus(pb.ApplicationStatus_value["APPLICATION_STATUS_"+string(s)])
}

func statusFromPB(s pb.ApplicationStatus) domain.Status {
	return domain.Status(pbconv.EnumName(s, "APPLICATION_STATUS_"))
}

func decisionFromPB(d pb.ReviewDecision) domain.Decision {
	return domain.Decision(pbconv.EnumName(d, "REVIEW_DECISION_"))
}

func applicationToPB(v app.ApplicationView) *pb.Application {
	a := v.Application
	out := &pb.Application{
		Id: a.ID, RoundId: a.RoundID, Status: statusToPB(a.Status), Stage: pb.Stage(pb.Stage_value["STAGE_"+a.Stage]),
		IdeaOnly: a.IdeaOnly, FirstSubmitTime: ts(a.FirstSubmitAt),
	}
	if v.PublicOnly {
		out.Category = categoryToPB(a.Content.Category)
		out.Title = a.Content.Title
		out.Summary = a.Content.Summary
		out.OrgId = a.OrgID
		out.BudgetTotalFen = a.Content.BudgetTotalFen()
		out.DurationMonths = int32(a.Content.DurationMonths)
		out.ServiceArea = a.Content.ServiceArea
		out.CommunityCodes = a.Content.CommunityCodes
		out.NeedIds = a.Content.NeedIDs
		return out
	}
	out.OrgId = a.OrgID
	contentIntoPB(out, a.Content)
	out.PartnerConsent, out.PartnerConsentTime = consentToPB(a.PartnerConsent), ts(a.PartnerConsentAt)
	out.Revision = int32(a.Revision)
	out.Etag = domain.Etag(a.ID, a.Version)
	out.CreateTime = ts(a.CreatedAt)
	out.UpdateTime = ts(a.UpdatedAt)
	out.SubmitTime = ts(a.LastSubmitAt)
	if r := a.LastReview; r != nil {
		out.LastReview = &pb.Review{Decision: pb.ReviewDecision(pb.ReviewDecision_value["REVIEW_DECISION_"+string(r.Decision)]),
			Reasons: r.Reasons, Reviewer: r.Reviewer, ReviewTime: ts(r.At), Revision: int32(r.Revision)}
	}
	for _, c := range v.Checks {
		out.AutomaticChecks = append(out.AutomaticChecks, &pb.AutomaticCheck{Name: c.Name, Passed: c.Passed, Detail: c.Detail})
	}
	return out
}
