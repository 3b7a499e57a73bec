package api

import (
	"context"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1"
	privacypb "github.com/commonweal/commonweal/gen/go/commonweal/privacy/v1"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/personaldata"
	"github.com/commonweal/commonweal/pkg/personaldata/personaldatapb"
	"github.com/commonweal/commonweal/pkg/rpc"
	"github.com/commonweal/commonweal/services/applications/internal/app"
)

func (s *Server) ExportOrganizationData(ctx context.Context, req *pb.ExportOrganizationDataRequest) (*privacypb.PersonalDataExport, error) {
	e, err := s.app.ExportOrganizationData(ctx, app.ExportOrganizationData{OrgID: req.GetOrgId(), Reason: req.GetReason()})
	return rpc.Answer(ctx, e, err, personaldatapb.Export)
}

func (s *Server) EraseOrganizationData(ctx context.Context, req *pb.EraseOrganizationDataRequest) (*privacypb.ErasePersonalDataResponse, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (personaldata.Erasure, error) {
		return s.app.EraseOrganizationData(ctx, app.EraseOrganizationData{Key: key, OrgID: req.GetOrgId(), Reason: req.GetReason()})
	}, personaldatapb.Erasure)
}

func (s *Server) ListPersonalDataRequests(ctx context.Context, req *privacypb.ListPersonalDataRequestsRequest) (*privacypb.ListPersonalDataRequestsResponse, error) {
	return personaldatapb.List(ctx, s.tokens, req, s.app.ListPersonalDataRequests)
}
