package api

import (
	"context"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/funding/v1"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/rpc"
	"github.com/commonweal/commonweal/services/funding/internal/app"
)

func (s *Server) RequestTranche(ctx context.Context, req *pb.RequestTrancheRequest) (*pb.Tranche, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (app.TrancheResult, error) {
		return s.app.RequestTranche(ctx, app.TrancheCommand{Key: key, PlanID: req.GetPlanId(), Number: int(req.GetNumber())})
	}, trancheResultToPB)
}

func (s *Server) ApproveTranche(ctx context.Context, req *pb.ApproveTrancheRequest) (*pb.Tranche, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (app.TrancheResult, error) {
		return s.app.ApproveTranche(ctx, app.TrancheCommand{Key: key, PlanID: req.GetPlanId(), Number: int(req.GetNumber())})
	}, trancheResultToPB)
}

func (s *Server) PayTranche(ctx context.Context, req *pb.PayTrancheRequest) (*pb.Tranche, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (app.TrancheResult, error) {
		return s.app.PayTranche(ctx, app.PayTranche{Key: key, PlanID: req.GetPlanId(), Number: int(req.GetNumber()), Share: shareOf(req.GetShare()),
			PaymentReference: req.GetPaymentReference()})
	}, trancheResultToPB)
}
