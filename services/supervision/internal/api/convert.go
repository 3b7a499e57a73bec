package api

import (
	pb "github.com/commonweal/commonweal/gen/go/commonweal/supervision/v1"
	"github.com/commonweal/commonweal/pkg/pbconv"
	"github.com/commonweal/commonweal/services/supervision/internal/app"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
)

// ts converts a time for output; the zero time is absent.
var ts = pbconv.Timestamp

// enumOf is the proto enum value named prefix+name (UNSPECIFIED for "" or an unknown name).
func enumOf[E ~int32](values map[string]int32, prefix, name string) E {
	if name == "" {
		return 0
	}
	return E(values[prefix+name])
}

func linesFromPB(in []*pb.BudgetLineAmount) []domain.LineAmount {
	var out []domain.LineAmount
	for _, l := range in {
		out = append(out, domain.LineAmount{BudgetLine: l.GetBudgetLine(), AmountFen: l.GetAmountFen()})
	}
	return out
}

func linesToPB(in []domain.LineAmount) []*pb.BudgetLineAmount {
	var out []*pb.BudgetLineAmount
	for _, l := range in {
		out = append(out, &pb.BudgetLineAmount{BudgetLine: l.BudgetLine, AmountFen: l.AmountFen})
	}
	return out
}

func reportToPB(r domain.MonthlyReport) *pb.MonthlyReport {
	return &pb.MonthlyReport{Id: r.ID, ProjectId: r.ProjectID, RoundId: r.RoundID, OrgId: r.OrgID, Period: r.Period.String(),
		Activities: r.Activities, BeneficiariesServed: int32(r.BeneficiariesServed), SpentFen: r.SpentFen, Spending: linesToPB(r.Spending),
		Issues: r.Issues, Revision: int32(r.Revision), Etag: r.Etag(), Late: r.Late, CreateTime: ts(r.CreatedAt), UpdateTime: ts(r.UpdatedAt),
		SubmittedBy: r.SubmittedBy}
}

func overdueToPB(o app.Overdue) *pb.ListOverdueMonthlyReportsResponse {
	out := &pb.ListOverdueMonthlyReportsResponse{Overdue: []*pb.OverdueMonthlyReport{}, AsOf: ts(o.AsOf), TimeZone: o.TimeZone,
		ImplementationStartTime: ts(o.ImplementationStart)}
	for _, r := range o.Reports {
		out.Overdue = append(out.Overdue, &pb.OverdueMonthlyReport{ProjectId: r.Project.ID, Period: r.Period.String(), OrgId: r.Project.OrgID,
			Title: r.Project.Title, DueDate: r.DueDate.String(), OverdueTime: ts(r.OverdueFrom)})
	}
	return out
}

func ratingFromPB(r pb.InspectionRating) domain.Rating {
	return domain.Rating(pbconv.EnumName(r, "INSPECTION_RATING_"))
}

func inspectionToPB(in domain.Inspection) *pb.Inspection {
	return &pb.Inspection{Id: in.ID, ProjectId: in.ProjectID, RoundId: in.RoundID, VisitedOn: in.VisitedOn.String(), Findings: in.Findings,
		Rating: enumOf[pb.InspectionRating](pb.InspectionRating_value, "INSPECTION_RATING_", string(in.Rating)), CreateTime: ts(in.CreatedAt),
		RecordedBy: in.RecordedBy}
}

func kindFromPB(k pb.EvaluationKind) domain.EvaluationKind {
	return domain.EvaluationKind(pbconv.EnumName(k, "EVALUATION_KIND_"))
}

func kindToPB(k domain.EvaluationKind) pb.EvaluationKind {
	return enumOf[pb.EvaluationKind](pb.EvaluationKind_value, "EVALUATION_KIND_", string(k))
}

func resultToPB(r domain.EvaluationResult) pb.EvaluationResult {
	return enumOf[pb.EvaluationResult](pb.EvaluationResult_value, "EVALUATION_RESULT_", string(r))
}

func evaluationToPB(e domain.Evaluation) *pb.Evaluation {
	return &pb.Evaluation{Id: e.ID, ProjectId: e.ProjectID, RoundId: e.RoundID, Kind: kindToPB(e.Kind), Result: resultToPB(e.Result),
		VerifiedSpendingFen: e.VerifiedSpendingFen, Spending: linesToPB(e.Spending), Findings: e.Findings, EvaluateTime: ts(e.EvaluatedAt),
		RecordedBy: e.RecordedBy}
}

func statusToPB(s app.EvaluationStatus) *pb.EvaluationStatus {
	e := s.Evaluation
	return &pb.EvaluationStatus{ProjectId: s.ProjectID, Kind: kindToPB(s.Kind), Exists: s.Exists, Result: resultToPB(e.Result),
		VerifiedSpendingFen: e.VerifiedSpendingFen, EvaluateTime: ts(e.EvaluatedAt), EvaluationId: e.ID}
}

func verifiedToPB(v app.VerifiedSpending) *pb.VerifiedSpending {
	e := v.Evaluation
	return &pb.VerifiedSpending{ProjectId: v.ProjectID, VerifiedSpendingFen: e.VerifiedSpendingFen, Evaluated: v.Evaluated,
		Kind: kindToPB(e.Kind), Result: resultToPB(e.Result), EvaluationId: e.ID, EvaluateTime: ts(e.EvaluatedAt), Spending: linesToPB(e.Spending)}
}

func capacityToPB(r domain.CapacityRecord) *pb.CapacityBuildingRecord {
	return &pb.CapacityBuildingRecord{Id: r.ID, ProjectId: r.ProjectID, RoundId: r.RoundID,
		Kind: enumOf[pb.CapacityBuildingKind](pb.CapacityBuildingKind_value, "CAPACITY_BUILDING_KIND_", string(r.Kind)), HeldOn: r.HeldOn.String(),
		Topic: r.Topic, DurationMinutes: int32(r.DurationMinutes), Participants: int32(r.Participants), Provider: r.Provider, Notes: r.Notes,
		CreateTime: ts(r.CreatedAt), RecordedBy: r.RecordedBy}
}
