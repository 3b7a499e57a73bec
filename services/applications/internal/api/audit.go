package api

import (
	"context"
	"time"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/pagetoken"
	"github.com/commonweal/commonweal/pkg/rpc"
	"github.com/commonweal/commonweal/services/applications/internal/app"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

func (s *Server) ListPhaseChanges(ctx context.Context, req *pb.ListPhaseChangesRequest) (*pb.ListPhaseChangesResponse, error) {
	r, err := rpc.Range(ctx, req.GetFrom(), req.GetTo())
	if err != nil {
		return nil, err
	}
	filter := pagetoken.Fingerprint("phase_changes", req.GetRoundId(), r.Key(), identity.From(ctx).Subject)
	page, next, err := rpc.List(ctx, s.tokens, req, filter, func(cur pagetoken.Cursor, limit int) ([]domain.PhaseChange, error) {
		return s.app.ListPhaseChanges(ctx, app.PhaseChangeFilter{RoundID: req.GetRoundId(), From: r.From, To: r.To,
			AfterTime: cur.AfterTime, AfterPhase: cur.After, Limit: limit})
	}, func(c domain.PhaseChange) (string, time.Time) { return string(c.To), c.At }, phaseChangeToPB)
	if err != nil {
		return nil, err
	}
	return &pb.ListPhaseChangesResponse{PhaseChanges: page, NextPageToken: next}, nil
}

func phaseChangeToPB(c domain.PhaseChange) *pb.PhaseChange {
	return &pb.PhaseChange{RoundId: c.RoundID, FromPhase: phaseToPB(c.From), ToPhase: phaseToPB(c.To), ChangeTime: ts(c.At), ChangedBy: c.By}
}
