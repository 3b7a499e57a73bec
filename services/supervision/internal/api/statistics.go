package api

import (
	"context"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/supervision/v1"
	"github.com/commonweal/commonweal/pkg/rpc"
	"github.com/commonweal/commonweal/services/supervision/internal/app"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
)

// StatisticsServer implements StatisticsService. Who may call it is StatisticsPolicy.
type StatisticsServer struct {
	pb.UnimplementedStatisticsServiceServer
	stats *app.Statistics
}

// NewStatisticsServer returns the statistics handlers over the use cases.
func NewStatisticsServer(stats *app.Statistics) *StatisticsServer {
	return &StatisticsServer{stats: stats}
}

func (s *StatisticsServer) GetRoundStatistics(ctx context.Context, req *pb.GetRoundStatisticsRequest) (*pb.RoundStatistics, error) {
	st, err := s.stats.RoundStatistics(ctx, req.GetRoundId())
	return rpc.Answer(ctx, st, err, statisticsToPB)
}

func statisticsToPB(st domain.Statistics) *pb.RoundStatistics {
	out := &pb.RoundStatistics{RoundId: st.RoundID, Phase: st.Phase, AsOf: ts(st.AsOf), OverdueKnown: st.OverdueKnown, Total: tallyToPB(st.Total),
		Categories: []*pb.StatisticsGroup{}, Communities: []*pb.StatisticsGroup{}, Projects: []*pb.ProjectStatistics{}}
	for _, t := range st.Categories {
		out.Categories = append(out.Categories, tallyToPB(t))
	}
	for _, t := range st.Communities {
		out.Communities = append(out.Communities, tallyToPB(t))
	}
	out.HomeDistrict, out.ApplicationsMainlyInHomeDistrict = st.HomeDistrict, int32(st.MainlyInHomeDistrict)
	out.Needs = &pb.NeedsStatistics{Published: int32(st.Needs.Published), Answered: int32(st.Needs.Answered), Met: int32(st.Needs.Met),
		Lines: []*pb.NeedLine{}}
	for _, l := range st.Needs.Lines {
		out.Needs.Lines = append(out.Needs.Lines, &pb.NeedLine{NeedId: l.ID, Title: l.Title, Category: l.Category, CommunityCode: l.CommunityCode,
			Applications: int32(l.Applications), Projects: int32(l.Projects)})
	}
	out.ApplicantOrganizations, out.SelectedOrganizations = profileToPB(st.Applicants), profileToPB(st.Selected)
	for _, l := range st.Projects {
		a, p := l.Application, l.Progress
		figures := tallyToPB(domain.Tally{Key: a.ID, Applications: 1, ByStatus: map[string]int{a.Status: 1}, ByStage: map[string]int{a.Stage: 1},
			Projects: 1, BudgetFen: a.BudgetFen, Figures: p.Figures})
		figures.ShortlistPanelScored, figures.ShortlistPanelScoreMean = flag(a.Scores.HasShortlist), a.Scores.Shortlist
		figures.FinalPanelScored, figures.FinalPanelScoreMean = flag(a.Scores.HasFinal), a.Scores.Final
		out.Projects = append(out.Projects, &pb.ProjectStatistics{ProjectId: a.ID, Title: a.Title, OrgId: a.OrgID, OrgName: a.OrgName,
			Category: a.Category, ServiceArea: append([]string{}, a.ServiceArea...), BudgetFen: a.BudgetFen, PlanState: string(p.PlanState),
			Midterm: string(p.Midterm), FinalAcceptance: string(p.FinalAcceptance), Figures: figures})
	}
	return out
}

func profileToPB(p domain.OrgProfile) *pb.OrganizationProfile {
	return &pb.OrganizationProfile{Organizations: int32(p.Organizations), ByAge: counts(p.ByAge), ByStaffSize: counts(p.ByStaffSize)}
}

func flag(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

func counts(m map[string]int) map[string]int32 {
	out := make(map[string]int32, len(m))
	for k, v := range m {
		out[k] = int32(v)
	}
	return out
}

func tallyToPB(t domain.Tally) *pb.StatisticsGroup {
	f := t.Figures
	return &pb.StatisticsGroup{Key: t.Key, Label: t.Label, Applications: int32(t.Applications), ApplicationsByStatus: counts(t.ByStatus),
		ApplicationsByStage: counts(t.ByStage), Projects: int32(t.Projects), BudgetFen: t.BudgetFen, PledgedFen: f.PledgedFen,
		DepositedFen: f.DepositedFen, InKindFen: f.InKindFen, MatchedFen: f.MatchedFen, ToppedUpFen: f.ToppedUpFen, DisbursedFen: f.DisbursedFen,
		ClawedBackFen: f.ClawedBackFen, BeneficiariesServed: f.BeneficiariesServed, MonthlyReportsFiled: int32(f.MonthlyReportsFiled),
		MonthlyReportsOverdue: int32(f.MonthlyReportsOverdue), EvaluationsPassed: int32(f.EvaluationsPassed),
		EvaluationsFailed: int32(f.EvaluationsFailed), ReportedSpentFen: f.ReportedSpentFen, VerifiedSpendingFen: f.VerifiedSpendingFen,
		ShortlistPanelScored: int32(t.Shortlist.Count), ShortlistPanelScoreMean: t.Shortlist.Mean(), FinalPanelScored: int32(t.Final.Count),
		FinalPanelScoreMean: t.Final.Mean()}
}
