package api

import (
	"context"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/reviews/v1"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/rpc"
	"github.com/commonweal/commonweal/services/reviews/internal/app"
)

func (s *Server) MergeComplaints(ctx context.Context, req *pb.MergeComplaintsRequest) (*pb.MergeComplaintsResponse, error) {
	conv := complaintConv(ctx)
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (app.MergeResult, error) {
		return s.app.MergeComplaints(ctx, app.MergeComplaints{Key: key, PrimaryID: req.GetPrimaryComplaintId(), DuplicateIDs: req.GetDuplicateComplaintIds(),
			Reason: req.GetReason()})
	}, func(r app.MergeResult) *pb.MergeComplaintsResponse {
		out := &pb.MergeComplaintsResponse{Primary: conv(r.Primary), Merged: make([]*pb.Complaint, 0, len(r.Merged))}
		for _, c := range r.Merged {
			out.Merged = append(out.Merged, conv(c))
		}
		return out
	})
}

func (s *Server) ResolveComplaints(ctx context.Context, req *pb.ResolveComplaintsRequest) (*pb.ResolveComplaintsResponse, error) {
	conv := complaintConv(ctx)
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (app.ResolveResult, error) {
		return s.app.ResolveComplaints(ctx, app.ResolveComplaints{Key: key, RoundID: req.GetRoundId(), ComplaintIDs: req.GetComplaintIds(),
			ApplicationID: req.GetApplicationId(), Outcome: outcomeFromPB(req.GetOutcome()), Reason: req.GetReason()})
	}, func(r app.ResolveResult) *pb.ResolveComplaintsResponse {
		out := &pb.ResolveComplaintsResponse{Complaints: make([]*pb.Complaint, 0, len(r.Complaints)), OpenComplaints: int32(r.OpenComplaints)}
		for _, c := range r.Complaints {
			out.Complaints = append(out.Complaints, conv(c))
		}
		return out
	})
}
