package api

import (
	"context"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/funding/v1"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/rpc"
	"github.com/commonweal/commonweal/services/funding/internal/app"
	"github.com/commonweal/commonweal/services/funding/internal/domain"
)

func (s *Server) PayIdeaPrizes(ctx context.Context, req *pb.PayIdeaPrizesRequest) (*pb.ListIdeaPrizesResponse, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) ([]domain.Prize, error) {
		return s.app.PayIdeaPrizes(ctx, app.PayIdeaPrizes{Key: key, RoundID: req.GetRoundId()})
	}, prizesToPB)
}

func (s *Server) ListIdeaPrizes(ctx context.Context, req *pb.ListIdeaPrizesRequest) (*pb.ListIdeaPrizesResponse, error) {
	prizes, err := s.app.ListIdeaPrizes(ctx, req.GetRoundId())
	return rpc.Answer(ctx, prizes, err, prizesToPB)
}

func (s *Server) VerifyLedger(ctx context.Context, _ *pb.VerifyLedgerRequest) (*pb.VerifyLedgerResponse, error) {
	v, err := s.app.VerifyLedger(ctx)
	return rpc.Answer(ctx, v, err, verificationToPB)
}
