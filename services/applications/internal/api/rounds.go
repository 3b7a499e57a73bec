package api

import (
	"context"
	"strconv"
	"time"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/pagetoken"
	"github.com/commonweal/commonweal/pkg/rpc"
	"github.com/commonweal/commonweal/services/applications/internal/app"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

// roundOut shows a round with its timetable as it stands on the service's clock.
func (s *Server) roundOut(r domain.Round) *pb.Round { return roundToPB(r, s.app.Now()) }

func (s *Server) CreateRound(ctx context.Context, req *pb.CreateRoundRequest) (*pb.Round, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Round, error) {
		cmd := app.CreateRound{Key: key, Name: req.GetName(), Year: int(req.GetYear()), Policy: policyFromPB(req.GetPolicy())}
		if d := documentFromPB(req.GetNotice()); d != nil {
			cmd.Notice = *d
		}
		if d := documentFromPB(req.GetGuidance()); d != nil {
			cmd.Guidance = *d
		}
		return s.app.CreateRound(ctx, cmd)
	}, s.roundOut)
}

func (s *Server) GetRound(ctx context.Context, req *pb.GetRoundRequest) (*pb.Round, error) {
	return rpc.Query(ctx, func() (domain.Round, error) { return s.app.GetRound(ctx, req.GetRoundId()) }, s.roundOut)
}

func (s *Server) ListRounds(ctx context.Context, req *pb.ListRoundsRequest) (*pb.ListRoundsResponse, error) {
	who := identity.From(ctx)
	// The token is valid for the same filters and caller: what a caller sees depends on its roles.
	filter := pagetoken.Fingerprint("rounds", req.GetPhase().String(), strconv.Itoa(int(req.GetYear())), strconv.FormatBool(req.GetOverdueOnly()), who.Subject)
	page, next, err := rpc.List(ctx, s.tokens, req, filter, func(cur pagetoken.Cursor, limit int) ([]domain.Round, error) {
		return s.app.ListRounds(ctx, app.ListRounds{Phase: phaseFromPB(req.GetPhase()), Year: int(req.GetYear()), OverdueOnly: req.GetOverdueOnly(),
			AfterTime: cur.AfterTime, AfterID: cur.After, Limit: limit})
	}, func(r domain.Round) (string, time.Time) { return r.ID, r.CreatedAt }, s.roundOut)
	if err != nil {
		return nil, err
	}
	return &pb.ListRoundsResponse{Rounds: page, NextPageToken: next}, nil
}

func (s *Server) UpdateRound(ctx context.Context, req *pb.UpdateRoundRequest) (*pb.Round, error) {
	cmd, err := roundEdit(req) // update_mask (AIP-134): round_update.go
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Round, error) {
		cmd.Key = key
		return s.app.UpdateRound(ctx, cmd)
	}, s.roundOut)
}

func (s *Server) AdvanceRound(ctx context.Context, req *pb.AdvanceRoundRequest) (*pb.Round, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Round, error) {
		to := phaseFromPB(req.GetPhase())
		if to == "" {
			return domain.Round{}, domain.ErrInvalidPhase.Field("phase", "the phase to enter is required")
		}
		return s.app.AdvanceRound(ctx, app.AdvanceRound{Key: key, RoundID: req.GetRoundId(), To: to})
	}, s.roundOut)
}
