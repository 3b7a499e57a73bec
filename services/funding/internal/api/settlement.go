package api

import (
	"context"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/funding/v1"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/rpc"
	"github.com/commonweal/commonweal/services/funding/internal/app"
	"github.com/commonweal/commonweal/services/funding/internal/domain"
)

func (s *Server) SuspendPlan(ctx context.Context, req *pb.SuspendPlanRequest) (*pb.Plan, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Plan, error) {
		return s.app.SuspendPlan(ctx, app.PlanReason{Key: key, PlanID: req.GetPlanId(), Reason: req.GetReason()})
	}, planToPB)
}

func (s *Server) ClawbackPlan(ctx context.Context, req *pb.ClawbackPlanRequest) (*pb.Plan, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Plan, error) {
		return s.app.ClawbackPlan(ctx, app.PlanReason{Key: key, PlanID: req.GetPlanId(), Reason: req.GetReason()})
	}, planToPB)
}

func (s *Server) RecordClawbackReturn(ctx context.Context, req *pb.RecordClawbackReturnRequest) (*pb.Plan, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Plan, error) {
		return s.app.RecordClawbackReturn(ctx, app.RecordClawbackReturn{Key: key, PlanID: req.GetPlanId(), Share: shareOf(req.GetShare()),
			AmountFen: req.GetAmountFen(), PaymentReference: req.GetPaymentReference()})
	}, planToPB)
}

func (s *Server) RequestTermination(ctx context.Context, req *pb.RequestTerminationRequest) (*pb.Plan, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Plan, error) {
		return s.app.RequestTermination(ctx, app.PlanReason{Key: key, PlanID: req.GetPlanId(), Reason: req.GetReason()})
	}, planToPB)
}

func (s *Server) ApproveTermination(ctx context.Context, req *pb.ApproveTerminationRequest) (*pb.Plan, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Plan, error) {
		return s.app.ApproveTermination(ctx, app.PlanCommand{Key: key, PlanID: req.GetPlanId()})
	}, planToPB)
}

func (s *Server) RequestTransfer(ctx context.Context, req *pb.RequestTransferRequest) (*pb.Plan, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Plan, error) {
		return s.app.RequestTransfer(ctx, app.RequestTransfer{Key: key, PlanID: req.GetPlanId(), ToOrgID: req.GetToOrgId(), Reason: req.GetReason()})
	}, planToPB)
}

func (s *Server) ApproveTransfer(ctx context.Context, req *pb.ApproveTransferRequest) (*pb.Plan, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Plan, error) {
		return s.app.ApproveTransfer(ctx, app.PlanCommand{Key: key, PlanID: req.GetPlanId()})
	}, planToPB)
}
