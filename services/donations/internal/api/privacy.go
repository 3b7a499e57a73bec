package api

import (
	"context"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/donations/v1"
	privacypb "github.com/commonweal/commonweal/gen/go/commonweal/privacy/v1"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/personaldata"
	"github.com/commonweal/commonweal/pkg/personaldata/personaldatapb"
	"github.com/commonweal/commonweal/pkg/rpc"
	"github.com/commonweal/commonweal/services/donations/internal/app"
)

func (s *Server) ExportDonorData(ctx context.Context, req *pb.ExportDonorDataRequest) (*privacypb.PersonalDataExport, error) {
	e, err := s.app.ExportDonorData(ctx, app.ExportDonorData{DonorID: req.GetDonorId(), Reason: req.GetReason()})
	return rpc.Answer(ctx, e, err, personaldatapb.Export)
}

func (s *Server) EraseDonorData(ctx context.Context, req *pb.EraseDonorDataRequest) (*privacypb.ErasePersonalDataResponse, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (personaldata.Erasure, error) {
		return s.app.EraseDonorData(ctx, app.EraseDonorData{Key: key, DonorID: req.GetDonorId(), Reason: req.GetReason()})
	}, personaldatapb.Erasure)
}

func (s *Server) ListPersonalDataRequests(ctx context.Context, req *privacypb.ListPersonalDataRequestsRequest) (*privacypb.ListPersonalDataRequestsResponse, error) {
	return personaldatapb.List(ctx, s.tokens, req, s.app.ListPersonalDataRequests)
}
