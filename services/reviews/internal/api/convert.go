package api

import (
	"strings"

	"github.com/commonweal/commonweal/pkg/pbconv"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/reviews/v1"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// ts converts a time for output; the zero time is absent.
var ts = pbconv.Timestamp

func stageFromPB(s pb.ReviewStage) domain.Stage {
	return domain.Stage(pbconv.EnumName(s, "REVIEW_STAGE_"))
}

func stageToPB(s domain.Stage) pb.ReviewStage {
	return pb.ReviewStage(pb.ReviewStage_value["REVIEW_STAGE_"+string(s)])
}

func kindFromPB(k pb.MemberKind) domain.MemberKind {
	return domain.MemberKind(pbconv.EnumName(k, "MEMBER_KIND_"))
}

func kindToPB(k domain.MemberKind) pb.MemberKind {
	return pb.MemberKind(pb.MemberKind_value["MEMBER_KIND_"+string(k)])
}

func membersFromPB(ms []*pb.PanelMember) []domain.Member {
	out := make([]domain.Member, len(ms))
	for i, m := range ms {
		out[i] = domain.Member{ReviewerID: strings.TrimSpace(m.GetReviewerId()), Name: strings.TrimSpace(m.GetName()), Kind: kindFromPB(m.GetKind()),
			AffiliationOrgID: strings.TrimSpace(m.GetAffiliationOrgId()), DonorID: strings.TrimSpace(m.GetDonorId())}
	}
	return out
}

func recusalToPB(r domain.Recusal) *pb.Recusal {
	if r.PanelID == "" {
		return nil
	}
	return &pb.Recusal{PanelId: r.PanelID, ReviewerId: r.ReviewerID, ApplicationId: r.ApplicationID,
		Source: pb.RecusalSource(pb.RecusalSource_value["RECUSAL_SOURCE_"+string(r.Source)]), Reason: r.Reason, CreateTime: ts(r.CreatedAt)}
}

func panelToPB(p domain.Panel) *pb.Panel {
	if p.ID == "" {
		return nil
	}
	out := &pb.Panel{Id: p.ID, RoundId: p.RoundID, Stage: stageToPB(p.Stage), CreateTime: ts(p.CreatedAt)}
	for _, m := range p.Members {
		out.Members = append(out.Members, &pb.PanelMember{ReviewerId: m.ReviewerID, Name: m.Name, Kind: kindToPB(m.Kind),
			AffiliationOrgId: m.AffiliationOrgID, DonorId: m.DonorID})
	}
	for _, r := range p.Recusals {
		out.Recusals = append(out.Recusals, recusalToPB(r))
	}
	return out
}

func criteriaFromPB(m map[string]int32) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = int(v)
	}
	return out
}

func scoreToPB(s domain.Score) *pb.Score {
	if s.PanelID == "" {
		return nil
	}
	out := &pb.Score{PanelId: s.PanelID, Stage: stageToPB(s.Stage), ApplicationId: s.ApplicationID, ReviewerId: s.ReviewerID,
		Criteria: map[string]int32{}, Total: int32(s.Total), UpdateTime: ts(s.UpdatedAt)}
	for k, v := range s.Criteria {
		out.Criteria[k] = int32(v)
	}
	return out
}

func panelInputsToPB(in domain.PanelInputs) *pb.PanelScoreInputs {
	out := &pb.PanelScoreInputs{Sum: in.Sum, Count: int32(in.Count)}
	for _, t := range in.Used {
		out.Used = append(out.Used, &pb.MemberTotal{ReviewerId: t.ReviewerID, Total: int32(t.Total)})
	}
	for _, t := range in.Dropped {
		out.Dropped = append(out.Dropped, &pb.MemberTotal{ReviewerId: t.ReviewerID, Total: int32(t.Total)})
	}
	return out
}

func shortlistToPB(s domain.Shortlist) *pb.Shortlist {
	if s.RoundID == "" {
		return nil
	}
	out := &pb.Shortlist{RoundId: s.RoundID, State: pb.ShortlistState(pb.ShortlistState_value["SHORTLIST_STATE_"+string(s.State)]),
		ComputeTime: ts(s.ComputedAt), PublishTime: ts(s.PublishedAt)}
	for _, e := range s.Entries {
		pe := &pb.ShortlistEntry{ApplicationId: e.ApplicationID, PanelScore: int32(e.PanelScore), Rank: int32(e.Rank), Shortlisted: e.Shortlisted,
			IdeaOnly: e.IdeaOnly, Disqualified: e.Disqualified}
		if e.Inputs.Count > 0 {
			pe.Inputs = panelInputsToPB(e.Inputs)
		}
		out.Entries = append(out.Entries, pe)
	}
	return out
}

// complaintToPB converts a complaint; the contact and the complaining organisation only when shown.
func complaintToPB(c domain.Complaint, showContact, showOrg bool) *pb.Complaint {
	if c.ID == "" {
		return nil
	}
	out := &pb.Complaint{Id: c.ID, RoundId: c.RoundID, ApplicationId: c.ApplicationID, Content: c.Content,
		State:            pb.ComplaintState(pb.ComplaintState_value["COMPLAINT_STATE_"+string(c.State)]),
		Outcome:          pb.ComplaintOutcome(pb.ComplaintOutcome_value["COMPLAINT_OUTCOME_"+c.Outcome]),
		ResolutionReason: c.ResolutionReason, CreateTime: ts(c.CreatedAt), ResolveTime: ts(c.ResolvedAt),
		ComplainantKind: pb.ComplainantKind(pb.ComplainantKind_value["COMPLAINANT_KIND_"+string(c.ComplainantKind)]), MergedInto: c.MergedInto}
	if showContact {
		out.Contact = c.Contact
	}
	if showOrg {
		out.ComplainantOrgId = c.OrgID
	}
	return out
}

func outcomeFromPB(o pb.ComplaintOutcome) string {
	if o == pb.ComplaintOutcome_COMPLAINT_OUTCOME_UNSPECIFIED {
		return ""
	}
	return strings.TrimPrefix(o.String(), "COMPLAINT_OUTCOME_")
}

func voteToPB(v domain.Vote) *pb.Vote {
	if v.ID == "" {
		return nil
	}
	return &pb.Vote{Id: v.ID, RoundId: v.RoundID, ApplicationId: v.ApplicationID, VoteDay: v.Day, CastTime: ts(v.CastAt), ClientNetwork: v.ClientNetwork}
}

func resultsStateToPB(s domain.ResultsState) pb.ResultsState {
	return pb.ResultsState(pb.ResultsState_value["RESULTS_STATE_"+string(s)])
}

func resultsToPB(r domain.Results) *pb.Results {
	if r.RoundID == "" {
		return nil
	}
	out := &pb.Results{RoundId: r.RoundID, State: resultsStateToPB(r.State), DonationCutoff: ts(r.DonationCutoff), PoolFen: r.PoolFen,
		ComputeTime: ts(r.ComputedAt), ApproveTime: ts(r.ApprovedAt), SignOffTime: ts(r.SignedOffAt)}
	for _, e := range r.Entries {
		in := e.Inputs
		out.Entries = append(out.Entries, &pb.ResultEntry{ApplicationId: e.ApplicationID, PanelScore: int32(e.PanelScore), DonationScore: int32(e.DonationScore),
			VoteScore: int32(e.VoteScore), TotalScore: int32(e.TotalScore), Rank: int32(e.Rank), Selected: e.Selected, SkipReason: e.SkipReason,
			IdeaPrizeTier: int32(e.IdeaPrizeTier), Finalist: e.Finalist,
			Inputs: &pb.ResultInputs{Panel: panelInputsToPB(in.Panel), DonationsFen: in.DonationsFen, BudgetFen: in.BudgetFen, Votes: in.Votes,
				MaxVotes: in.MaxVotes, GovernmentFen: in.GovernmentFen, PoolRemainingFen: in.PoolRemainingFen, IdeaScore: int32(in.IdeaScore)}})
	}
	return out
}
