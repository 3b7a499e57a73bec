// Package api is the supervision service's gRPC surface: it converts between proto and the use cases'
// commands and domain values, builds each mutation's request key and turns errors into statuses, once. Who
// may call which RPC is its authorisation table, Policy.
package api

import (
	"context"
	"time"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/supervision/v1"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/pagetoken"
	"github.com/commonweal/commonweal/pkg/pbconv"
	"github.com/commonweal/commonweal/pkg/rpc"
	"github.com/commonweal/commonweal/services/supervision/internal/app"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
)

// Server implements SupervisionService.
type Server struct {
	pb.UnimplementedSupervisionServiceServer
	app    *app.Service
	tokens *pagetoken.Signer
}

// NewServer returns the gRPC handlers over the use cases.
func NewServer(a *app.Service, tokens *pagetoken.Signer) *Server {
	return &Server{app: a, tokens: tokens}
}

// listProject serves one page of a project's records: the token is valid for that list of that project.
func listProject[T, R any](ctx context.Context, s *Server, req interface {
	rpc.Paged
	GetProjectId() string
}, list string, fetch func(app.Page) ([]T, error), key func(T) (string, time.Time), out func(T) R) ([]R, string, error) {
	filter := pagetoken.Fingerprint(list, req.GetProjectId())
	return rpc.List(ctx, s.tokens, req, filter, func(cur pagetoken.Cursor, limit int) ([]T, error) {
		return fetch(app.Page{ProjectID: req.GetProjectId(), AfterTime: cur.AfterTime, AfterID: cur.After, Limit: limit})
	}, key, out)
}

func (s *Server) SubmitMonthlyReport(ctx context.Context, req *pb.SubmitMonthlyReportRequest) (*pb.MonthlyReport, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.MonthlyReport, error) {
		return s.app.SubmitMonthlyReport(ctx, app.SubmitMonthlyReport{Key: key, ProjectID: req.GetProjectId(), Period: req.GetPeriod(),
			Activities: req.GetActivities(), BeneficiariesServed: int64(req.GetBeneficiariesServed()), SpentFen: req.GetSpentFen(),
			Spending: linesFromPB(req.GetSpending()), Issues: req.GetIssues(), Etag: req.GetEtag()})
	}, reportToPB)
}

func (s *Server) ListMonthlyReports(ctx context.Context, req *pb.ListMonthlyReportsRequest) (*pb.ListMonthlyReportsResponse, error) {
	page, next, err := listProject(ctx, s, req, "monthlyReports", func(p app.Page) ([]domain.MonthlyReport, error) {
		return s.app.ListMonthlyReports(ctx, p)
	}, func(r domain.MonthlyReport) (string, time.Time) { return r.ID, r.Period.Key() }, reportToPB)
	if err != nil {
		return nil, err
	}
	return &pb.ListMonthlyReportsResponse{MonthlyReports: page, NextPageToken: next}, nil
}

func (s *Server) ListMonthlyReportRevisions(ctx context.Context, req *pb.ListMonthlyReportRevisionsRequest) (*pb.ListMonthlyReportRevisionsResponse, error) {
	revs, err := s.app.ListMonthlyReportRevisions(ctx, req.GetProjectId(), req.GetPeriod())
	return rpc.Answer(ctx, revs, err, func(revs []domain.MonthlyReport) *pb.ListMonthlyReportRevisionsResponse {
		out := &pb.ListMonthlyReportRevisionsResponse{}
		for _, r := range revs {
			out.Revisions = append(out.Revisions, reportToPB(r))
		}
		return out
	})
}

func (s *Server) ListOverdueMonthlyReports(ctx context.Context, req *pb.ListOverdueMonthlyReportsRequest) (*pb.ListOverdueMonthlyReportsResponse, error) {
	o, err := s.app.ListOverdueMonthlyReports(ctx, req.GetRoundId())
	return rpc.Answer(ctx, o, err, overdueToPB)
}

func (s *Server) CreateInspection(ctx context.Context, req *pb.CreateInspectionRequest) (*pb.Inspection, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Inspection, error) {
		return s.app.CreateInspection(ctx, app.CreateInspection{Key: key, ProjectID: req.GetProjectId(), VisitedOn: req.GetVisitedOn(),
			Findings: req.GetFindings(), Rating: ratingFromPB(req.GetRating())})
	}, inspectionToPB)
}

func (s *Server) ListInspections(ctx context.Context, req *pb.ListInspectionsRequest) (*pb.ListInspectionsResponse, error) {
	page, next, err := listProject(ctx, s, req, "inspections", func(p app.Page) ([]domain.Inspection, error) {
		return s.app.ListInspections(ctx, p)
	}, func(in domain.Inspection) (string, time.Time) { return in.ID, in.CreatedAt }, inspectionToPB)
	if err != nil {
		return nil, err
	}
	return &pb.ListInspectionsResponse{Inspections: page, NextPageToken: next}, nil
}

func (s *Server) CreateEvaluation(ctx context.Context, req *pb.CreateEvaluationRequest) (*pb.Evaluation, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Evaluation, error) {
		return s.app.CreateEvaluation(ctx, app.CreateEvaluation{Key: key, ProjectID: req.GetProjectId(), Kind: kindFromPB(req.GetKind()),
			Result:              domain.EvaluationResult(pbconv.EnumName(req.GetResult(), "EVALUATION_RESULT_")),
			VerifiedSpendingFen: req.GetVerifiedSpendingFen(), Spending: linesFromPB(req.GetSpending()), Findings: req.GetFindings()})
	}, evaluationToPB)
}

func (s *Server) ListEvaluations(ctx context.Context, req *pb.ListEvaluationsRequest) (*pb.ListEvaluationsResponse, error) {
	evals, err := s.app.ListEvaluations(ctx, req.GetProjectId())
	return rpc.Answer(ctx, evals, err, func(evals []domain.Evaluation) *pb.ListEvaluationsResponse {
		out := &pb.ListEvaluationsResponse{}
		for _, e := range evals {
			out.Evaluations = append(out.Evaluations, evaluationToPB(e))
		}
		return out
	})
}

func (s *Server) CreateCapacityBuildingRecord(ctx context.Context, req *pb.CreateCapacityBuildingRecordRequest) (*pb.CapacityBuildingRecord, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.CapacityRecord, error) {
		return s.app.CreateCapacityRecord(ctx, app.CreateCapacityRecord{Key: key, ProjectID: req.GetProjectId(), CapacityInput: domain.CapacityInput{
			Kind:   domain.CapacityKind(pbconv.EnumName(req.GetKind(), "CAPACITY_BUILDING_KIND_")),
			HeldOn: req.GetHeldOn(), Topic: req.GetTopic(), DurationMinutes: int64(req.GetDurationMinutes()),
			Participants: int64(req.GetParticipants()), Provider: req.GetProvider(), Notes: req.GetNotes()}})
	}, capacityToPB)
}

func (s *Server) ListCapacityBuildingRecords(ctx context.Context, req *pb.ListCapacityBuildingRecordsRequest) (*pb.ListCapacityBuildingRecordsResponse, error) {
	page, next, err := listProject(ctx, s, req, "capacityBuildingRecords", func(p app.Page) ([]domain.CapacityRecord, error) {
		return s.app.ListCapacityRecords(ctx, p)
	}, func(r domain.CapacityRecord) (string, time.Time) { return r.ID, r.CreatedAt }, capacityToPB)
	if err != nil {
		return nil, err
	}
	return &pb.ListCapacityBuildingRecordsResponse{CapacityBuildingRecords: page, NextPageToken: next}, nil
}

func (s *Server) GetEvaluationStatus(ctx context.Context, req *pb.GetEvaluationStatusRequest) (*pb.EvaluationStatus, error) {
	st, err := s.app.EvaluationStatus(ctx, req.GetProjectId(), kindFromPB(req.GetKind()))
	return rpc.Answer(ctx, st, err, statusToPB)
}

func (s *Server) GetVerifiedSpending(ctx context.Context, req *pb.GetVerifiedSpendingRequest) (*pb.VerifiedSpending, error) {
	v, err := s.app.VerifiedSpending(ctx, req.GetProjectId())
	return rpc.Answer(ctx, v, err, verifiedToPB)
}
