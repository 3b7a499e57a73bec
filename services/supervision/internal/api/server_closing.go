package api

import (
	"context"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/supervision/v1"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/rpc"
	"github.com/commonweal/commonweal/services/supervision/internal/app"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
)

func (s *Server) CreateQuarterlyReport(ctx context.Context, req *pb.CreateQuarterlyReportRequest) (*pb.QuarterlyReport, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.QuarterlyReport, error) {
		return s.app.CreateQuarterlyReport(ctx, app.CreateQuarterlyReport{Key: key, RoundID: req.GetRoundId(), Year: int64(req.GetYear()),
			Quarter: int64(req.GetQuarter()), Narrative: req.GetNarrative()})
	}, quarterlyToPB)
}

func (s *Server) ListQuarterlyReports(ctx context.Context, req *pb.ListQuarterlyReportsRequest) (*pb.ListQuarterlyReportsResponse, error) {
	qs, err := s.app.ListQuarterlyReports(ctx, req.GetRoundId())
	return rpc.Answer(ctx, qs, err, func(qs []domain.QuarterlyReport) *pb.ListQuarterlyReportsResponse {
		out := &pb.ListQuarterlyReportsResponse{QuarterlyReports: []*pb.QuarterlyReport{}}
		for _, q := range qs {
			out.QuarterlyReports = append(out.QuarterlyReports, quarterlyToPB(q))
		}
		return out
	})
}

func (s *Server) GetQuarterlyReport(ctx context.Context, req *pb.GetQuarterlyReportRequest) (*pb.QuarterlyReport, error) {
	q, err := s.app.GetQuarterlyReport(ctx, req.GetQuarterlyReportId())
	return rpc.Answer(ctx, q, err, quarterlyToPB)
}

func (s *Server) SubmitFinalSummary(ctx context.Context, req *pb.SubmitFinalSummaryRequest) (*pb.FinalSummary, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.FinalSummary, error) {
		return s.app.SubmitFinalSummary(ctx, app.SubmitFinalSummary{Key: key, ProjectID: req.GetProjectId(), Summary: req.GetSummary(),
			Outcomes: req.GetOutcomes(), BeneficiariesServed: req.GetBeneficiariesServed(), SpentFen: req.GetSpentFen()})
	}, finalSummaryToPB)
}

func (s *Server) GetFinalSummary(ctx context.Context, req *pb.GetFinalSummaryRequest) (*pb.FinalSummary, error) {
	f, err := s.app.GetFinalSummary(ctx, req.GetProjectId())
	return rpc.Answer(ctx, f, err, finalSummaryToPB)
}

func (s *Server) CreatePerformanceEvaluation(ctx context.Context, req *pb.CreatePerformanceEvaluationRequest) (*pb.PerformanceEvaluation, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.PerformanceEvaluation, error) {
		return s.app.CreatePerformanceEvaluation(ctx, app.CreatePerformanceEvaluation{Key: key, ProjectID: req.GetProjectId(),
			Score: int64(req.GetScore()), Findings: req.GetFindings()})
	}, performanceToPB)
}

func (s *Server) GetPerformanceEvaluation(ctx context.Context, req *pb.GetPerformanceEvaluationRequest) (*pb.PerformanceEvaluation, error) {
	e, err := s.app.GetPerformanceEvaluation(ctx, req.GetProjectId())
	return rpc.Answer(ctx, e, err, performanceToPB)
}

func (s *Server) SubmitRoundSummary(ctx context.Context, req *pb.SubmitRoundSummaryRequest) (*pb.RoundSummary, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.RoundSummary, error) {
		return s.app.SubmitRoundSummary(ctx, app.SubmitRoundSummary{Key: key, RoundID: req.GetRoundId(), Summary: req.GetSummary()})
	}, roundSummaryToPB)
}

func (s *Server) GetRoundSummary(ctx context.Context, req *pb.GetRoundSummaryRequest) (*pb.RoundSummary, error) {
	r, err := s.app.GetRoundSummary(ctx, req.GetRoundId())
	return rpc.Answer(ctx, r, err, roundSummaryToPB)
}

func (s *Server) GetRoundClosingStatus(ctx context.Context, req *pb.GetRoundClosingStatusRequest) (*pb.RoundClosingStatus, error) {
	st, err := s.app.RoundClosingStatus(ctx, req.GetRoundId())
	return rpc.Answer(ctx, st, err, closingStatusToPB)
}
