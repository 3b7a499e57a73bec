package api

import (
	"context"

	"google.golang.org/grpc/metadata"

	privacypb "github.com/commonweal/commonweal/gen/go/commonweal/privacy/v1"
	pb "github.com/commonweal/commonweal/gen/go/commonweal/reviews/v1"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/personaldata"
	"github.com/commonweal/commonweal/pkg/personaldata/personaldatapb"
	"github.com/commonweal/commonweal/pkg/rpc"
	"github.com/commonweal/commonweal/services/reviews/internal/app"
)

// voterToken is the X-Voter-Token header the gateway forwards (VoterTokenKey), or "".
func voterToken(ctx context.Context) string {
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		if v := md.Get(VoterTokenKey); len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

func (s *Server) ExportVoterData(ctx context.Context, req *pb.ExportVoterDataRequest) (*privacypb.PersonalDataExport, error) {
	return rpc.Query(ctx, func() (personaldata.SubjectData, error) {
		return s.app.ExportVoterData(ctx, app.VoterDataRequest{VoterToken: voterToken(ctx), Phone: req.GetPhone(), Reason: req.GetReason()})
	}, personaldatapb.Export)
}

func (s *Server) EraseVoterData(ctx context.Context, req *pb.EraseVoterDataRequest) (*privacypb.ErasePersonalDataResponse, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (personaldata.Erasure, error) {
		return s.app.EraseVoterData(ctx, app.VoterDataRequest{Key: key, VoterToken: voterToken(ctx), Phone: req.GetPhone(), Reason: req.GetReason()})
	}, personaldatapb.Erasure)
}

func (s *Server) ListPersonalDataRequests(ctx context.Context, req *privacypb.ListPersonalDataRequestsRequest) (*privacypb.ListPersonalDataRequestsResponse, error) {
	return personaldatapb.List(ctx, s.tokens, req, s.app.ListPersonalDataRequests)
}
