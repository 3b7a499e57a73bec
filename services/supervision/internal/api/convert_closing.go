package api

import (
	pb "github.com/commonweal/commonweal/gen/go/commonweal/supervision/v1"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
)

// planStateName is a plan state as the funding service's enum names it ("" without a plan).
func planStateName(s domain.PlanState) string {
	if s == "" {
		return ""
	}
	return "PLAN_STATE_" + string(s)
}

func figuresToPB(f domain.Figures) *pb.QuarterlyFigures {
	return &pb.QuarterlyFigures{MonthlyReportsFiled: int32(f.MonthlyReportsFiled), MonthlyReportsOverdue: int32(f.MonthlyReportsOverdue),
		BeneficiariesServed: f.BeneficiariesServed, ReportedSpentFen: f.ReportedSpentFen, EvaluationsPassed: int32(f.EvaluationsPassed),
		EvaluationsFailed: int32(f.EvaluationsFailed), VerifiedSpendingFen: f.VerifiedSpendingFen, PledgedFen: f.PledgedFen,
		DepositedFen: f.DepositedFen, InKindFen: f.InKindFen, MatchedFen: f.MatchedFen, ToppedUpFen: f.ToppedUpFen, DisbursedFen: f.DisbursedFen,
		ClawedBackFen: f.ClawedBackFen, ClawbackReturnedFen: f.ClawbackReturnedFen}
}

func quarterlyToPB(q domain.QuarterlyReport) *pb.QuarterlyReport {
	out := &pb.QuarterlyReport{Id: q.ID, RoundId: q.RoundID, Year: int32(q.Year), Quarter: int32(q.Quarter), Narrative: q.Narrative,
		Projects: []*pb.QuarterlyProjectProgress{}, Totals: figuresToPB(q.Totals), AsOf: ts(q.AsOf), CreateTime: ts(q.AsOf), CreatedBy: q.CreatedBy}
	for _, p := range q.Projects {
		out.Projects = append(out.Projects, &pb.QuarterlyProjectProgress{ProjectId: p.ProjectID, OrgId: p.OrgID, Title: p.Title,
			PlanState: planStateName(p.PlanState), MidtermResult: resultToPB(p.Midterm), FinalAcceptanceResult: resultToPB(p.FinalAcceptance),
			Figures: figuresToPB(p.Figures)})
	}
	return out
}

func finalSummaryToPB(f domain.FinalSummary) *pb.FinalSummary {
	return &pb.FinalSummary{ProjectId: f.ProjectID, RoundId: f.RoundID, OrgId: f.OrgID, Summary: f.Summary, Outcomes: f.Outcomes,
		BeneficiariesServed: f.BeneficiariesServed, SpentFen: f.SpentFen, PlanState: planStateName(f.PlanState), CreateTime: ts(f.CreatedAt),
		SubmittedBy: f.SubmittedBy}
}

func performanceToPB(e domain.PerformanceEvaluation) *pb.PerformanceEvaluation {
	return &pb.PerformanceEvaluation{ProjectId: e.ProjectID, RoundId: e.RoundID, Score: int32(e.Score),
		Grade:    enumOf[pb.PerformanceGrade](pb.PerformanceGrade_value, "PERFORMANCE_GRADE_", string(e.Grade)),
		Findings: e.Findings, EvaluateTime: ts(e.EvaluatedAt), RecordedBy: e.RecordedBy}
}

func roundSummaryToPB(r domain.RoundSummary) *pb.RoundSummary {
	return &pb.RoundSummary{RoundId: r.RoundID, Summary: r.Summary, FundedProjects: int32(r.FundedProjects), CreateTime: ts(r.CreatedAt),
		SubmittedBy: r.SubmittedBy}
}

func closingStatusToPB(s domain.ClosingStatus) *pb.RoundClosingStatus {
	return &pb.RoundClosingStatus{RoundId: s.RoundID, ClosingUnmetReason: s.ClosingReason, ClosedUnmetReason: s.ClosedReason,
		UnfinishedProjectIds: s.Unfinished, RoundSummaryFiled: s.SummaryFiled}
}
