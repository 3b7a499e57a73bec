package api

import (
	"context"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/funding/v1"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/rpc"
	"github.com/commonweal/commonweal/services/funding/internal/app"
	"github.com/commonweal/commonweal/services/funding/internal/domain"
)

func (s *Server) CreatePlans(ctx context.Context, req *pb.CreatePlansRequest) (*pb.CreatePlansResponse, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) ([]domain.Plan, error) {
		return s.app.CreatePlans(ctx, app.CreatePlans{Key: key, RoundID: req.GetRoundId()})
	}, plansToPB)
}

func (s *Server) GetPlan(ctx context.Context, req *pb.GetPlanRequest) (*pb.Plan, error) {
	p, err := s.app.GetPlan(ctx, req.GetApplicationId())
	return rpc.Answer(ctx, p, err, planToPB)
}

func (s *Server) ListPlans(ctx context.Context, req *pb.ListPlansRequest) (*pb.ListPlansResponse, error) {
	plans, err := s.app.ListPlans(ctx, req.GetRoundId())
	return rpc.Answer(ctx, plans, err, func(plans []domain.Plan) *pb.ListPlansResponse {
		return &pb.ListPlansResponse{Plans: plansToPB(plans).GetPlans()}
	})
}

func (s *Server) SetPayee(ctx context.Context, req *pb.SetPayeeRequest) (*pb.Plan, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Plan, error) {
		return s.app.SetPayee(ctx, app.SetPayee{Key: key, PlanID: req.GetPlanId(), Bank: req.GetBank(), AccountName: req.GetAccountName(),
			AccountNumber: req.GetAccountNumber()})
	}, planToPB)
}

func (s *Server) ConfirmPayee(ctx context.Context, req *pb.ConfirmPayeeRequest) (*pb.Plan, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Plan, error) {
		return s.app.ConfirmPayee(ctx, app.PlanCommand{Key: key, PlanID: req.GetPlanId()})
	}, planToPB)
}

func (s *Server) SignContract(ctx context.Context, req *pb.SignContractRequest) (*pb.Plan, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Plan, error) {
		return s.app.SignContract(ctx, app.SignContract{Key: key, PlanID: req.GetPlanId(), Party: partyOf(req.GetParty())})
	}, planToPB)
}
