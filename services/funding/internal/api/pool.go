package api

import (
	"context"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/funding/v1"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/rpc"
	"github.com/commonweal/commonweal/services/funding/internal/app"
	"github.com/commonweal/commonweal/services/funding/internal/domain"
)

func (s *Server) AllocatePool(ctx context.Context, req *pb.AllocatePoolRequest) (*pb.Pool, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Pool, error) {
		return s.app.AllocatePool(ctx, app.AllocatePool{Key: key, RoundID: req.GetRoundId(), AmountFen: req.GetAmountFen(), SourceReference: req.GetSourceReference()})
	}, poolToPB)
}

func (s *Server) GetPool(ctx context.Context, req *pb.GetPoolRequest) (*pb.Pool, error) {
	p, err := s.app.GetPool(ctx, req.GetRoundId())
	return rpc.Answer(ctx, p, err, poolToPB)
}

func (s *Server) QuoteFunding(ctx context.Context, req *pb.QuoteFundingRequest) (*pb.FundingQuote, error) {
	q, err := s.app.QuoteFunding(ctx, app.QuoteFunding{RoundID: req.GetRoundId(), BudgetFen: req.GetBudgetFen(), DonationsFen: req.GetDonationsFen()})
	return rpc.Answer(ctx, q, err, quoteToPB)
}
