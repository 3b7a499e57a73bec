// Package api is the reviews service's gRPC surface: its authorisation table (authz.go, applied by the
// interceptor before any handler), and handlers that turn requests into the use cases' commands, results into
// proto, and domain errors into statuses.
package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"google.golang.org/grpc/metadata"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/reviews/v1"
	"github.com/commonweal/commonweal/pkg/grpcerr"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/pagetoken"
	"github.com/commonweal/commonweal/pkg/rpc"
	"github.com/commonweal/commonweal/services/reviews/internal/app"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// Server implements ReviewsService.
type Server struct {
	pb.UnimplementedReviewsServiceServer
	app    *app.Service
	tokens *pagetoken.Signer
}

// NewServer returns the gRPC handlers over the use cases; tokens signs the page tokens of lists.
func NewServer(a *app.Service, tokens *pagetoken.Signer) *Server {
	return &Server{app: a, tokens: tokens}
}

func (s *Server) CreatePanel(ctx context.Context, req *pb.CreatePanelRequest) (*pb.Panel, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Panel, error) {
		return s.app.CreatePanel(ctx, app.CreatePanel{Key: key, RoundID: req.GetRoundId(), Stage: stageFromPB(req.GetStage()), Members: membersFromPB(req.GetMembers())})
	}, panelToPB)
}

func (s *Server) GetPanel(ctx context.Context, req *pb.GetPanelRequest) (*pb.Panel, error) {
	return rpc.Query(ctx, func() (domain.Panel, error) { return s.app.GetPanel(ctx, req.GetPanelId()) }, panelToPB)
}

func (s *Server) DeclareConflict(ctx context.Context, req *pb.DeclareConflictRequest) (*pb.Recusal, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Recusal, error) {
		return s.app.DeclareConflict(ctx, app.DeclareConflict{Key: key, PanelID: req.GetPanelId(), ReviewerID: req.GetReviewerId(),
			ApplicationID: req.GetApplicationId(), Reason: req.GetReason()})
	}, recusalToPB)
}

func (s *Server) ListRecusals(ctx context.Context, req *pb.ListRecusalsRequest) (*pb.ListRecusalsResponse, error) {
	return rpc.Query(ctx, func() ([]domain.Recusal, error) { return s.app.ListRecusals(ctx, req.GetApplicationId()) }, func(recs []domain.Recusal) *pb.ListRecusalsResponse {
		out := &pb.ListRecusalsResponse{}
		for _, r := range recs {
			out.Recusals = append(out.Recusals, recusalToPB(r))
		}
		return out
	})
}

func (s *Server) SubmitScore(ctx context.Context, req *pb.SubmitScoreRequest) (*pb.Score, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Score, error) {
		return s.app.SubmitScore(ctx, app.SubmitScore{Key: key, PanelID: req.GetPanelId(), ApplicationID: req.GetApplicationId(),
			ReviewerID: req.GetReviewerId(), Criteria: criteriaFromPB(req.GetCriteria())})
	}, scoreToPB)
}

// roundCommand is a request acting on a whole round.
type roundCommand interface {
	rpc.Mutation
	GetRoundId() string
}

// onRound runs a use case acting on a whole round.
func onRound[T, P any](ctx context.Context, req roundCommand, run func(context.Context, app.RoundCommand) (T, error), conv func(T) P) (P, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (T, error) {
		return run(ctx, app.RoundCommand{Key: key, RoundID: req.GetRoundId()})
	}, conv)
}

func (s *Server) ComputeShortlist(ctx context.Context, req *pb.ComputeShortlistRequest) (*pb.Shortlist, error) {
	return onRound(ctx, req, s.app.ComputeShortlist, shortlistToPB)
}

func (s *Server) PublishShortlist(ctx context.Context, req *pb.PublishShortlistRequest) (*pb.Shortlist, error) {
	return onRound(ctx, req, s.app.PublishShortlist, shortlistToPB)
}

func (s *Server) GetShortlist(ctx context.Context, req *pb.GetShortlistRequest) (*pb.Shortlist, error) {
	return rpc.Query(ctx, func() (domain.Shortlist, error) { return s.app.GetShortlist(ctx, req.GetRoundId()) }, shortlistToPB)
}

func (s *Server) CreateComplaint(ctx context.Context, req *pb.CreateComplaintRequest) (*pb.Complaint, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Complaint, error) {
		return s.app.CreateComplaint(ctx, app.CreateComplaint{Key: key, VoterToken: voterToken(ctx), RoundID: req.GetRoundId(), ApplicationID: req.GetApplicationId(),
			Content: req.GetContent(), Contact: req.GetContact()})
	}, complaintConv(ctx))
}

func (s *Server) ResolveComplaint(ctx context.Context, req *pb.ResolveComplaintRequest) (*pb.Complaint, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.Complaint, error) {
		return s.app.ResolveComplaint(ctx, app.ResolveComplaint{Key: key, ComplaintID: req.GetComplaintId(), Outcome: outcomeFromPB(req.GetOutcome()),
			Reason: req.GetReason()})
	}, complaintConv(ctx))
}

// complaintConv converts complaints for the caller: the contact and the complaining organisation only to
// those who may see them.
func complaintConv(ctx context.Context) func(domain.Complaint) *pb.Complaint {
	show, showOrg := app.ShowContact(ctx), app.ShowComplainantOrg(ctx)
	return func(c domain.Complaint) *pb.Complaint { return complaintToPB(c, show, showOrg) }
}

func (s *Server) ListComplaints(ctx context.Context, req *pb.ListComplaintsRequest) (*pb.ListComplaintsResponse, error) {
	filter := pagetoken.Fingerprint(req.GetRoundId(), req.GetState().String(), identity.From(ctx).Subject)
	var state domain.ComplaintState
	if req.GetState() != pb.ComplaintState_COMPLAINT_STATE_UNSPECIFIED {
		state = domain.ComplaintState(strings.TrimPrefix(req.GetState().String(), "COMPLAINT_STATE_"))
	}
	page, next, err := rpc.List(ctx, s.tokens, req, filter, func(cur pagetoken.Cursor, limit int) ([]domain.Complaint, error) {
		return s.app.ListComplaints(ctx, app.ComplaintFilter{RoundID: req.GetRoundId(), State: state, AfterTime: cur.AfterTime, AfterID: cur.After, Limit: limit})
	}, func(c domain.Complaint) (string, time.Time) { return c.ID, c.CreatedAt }, complaintConv(ctx))
	if err != nil {
		return nil, err
	}
	return &pb.ListComplaintsResponse{Complaints: page, NextPageToken: next}, nil
}

func (s *Server) SendVoterCode(ctx context.Context, req *pb.SendVoterCodeRequest) (*pb.SendVoterCodeResponse, error) {
	code, expires, err := s.app.SendVoterCode(ctx, req.GetPhone())
	if err != nil {
		return nil, grpcerr.Status(ctx, err)
	}
	return &pb.SendVoterCodeResponse{DevCode: code, ExpireTime: ts(expires)}, nil
}

func (s *Server) VerifyVoter(ctx context.Context, req *pb.VerifyVoterRequest) (*pb.VerifyVoterResponse, error) {
	token, expires, err := s.app.VerifyVoter(ctx, req.GetPhone(), req.GetCode())
	if err != nil {
		return nil, grpcerr.Status(ctx, err)
	}
	return &pb.VerifyVoterResponse{VoterToken: token, ExpireTime: ts(expires)}, nil
}

// VoterTokenKey is the metadata key the gateway forwards the X-Voter-Token header under.
const VoterTokenKey = "x-voter-token"

func (s *Server) CastVote(ctx context.Context, req *pb.CastVoteRequest) (*pb.Vote, error) {
	var token string
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		if v := md.Get(VoterTokenKey); len(v) > 0 {
			token = v[0]
		}
	}
	// The use case scopes the request ID to the voter; it is hashed here so that an ID of any length fits.
	requestID := ""
	if id := req.GetRequestId(); id != "" {
		h := sha256.Sum256([]byte(id))
		requestID = hex.EncodeToString(h[:16])
	}
	key, err := idempotency.KeyOf(ctx, requestID, req)
	if err != nil {
		return nil, grpcerr.Status(ctx, err)
	}
	return rpc.Query(ctx, func() (domain.Vote, error) {
		return s.app.CastVote(ctx, app.CastVote{Key: key, VoterToken: token, RoundID: req.GetRoundId(), ApplicationID: req.GetApplicationId()})
	}, voteToPB)
}

func (s *Server) GetTallies(ctx context.Context, req *pb.GetTalliesRequest) (*pb.Tallies, error) {
	return rpc.Query(ctx, func() ([]domain.Tally, error) { return s.app.Tallies(ctx, req.GetRoundId()) }, func(ts []domain.Tally) *pb.Tallies {
		out := &pb.Tallies{RoundId: req.GetRoundId()}
		for _, t := range ts {
			out.Tallies = append(out.Tallies, &pb.Tally{ApplicationId: t.ApplicationID, Votes: t.Votes})
		}
		return out
	})
}

func (s *Server) ComputeResults(ctx context.Context, req *pb.ComputeResultsRequest) (*pb.Results, error) {
	return onRound(ctx, req, s.app.ComputeResults, resultsToPB)
}

func (s *Server) ApproveResults(ctx context.Context, req *pb.ApproveResultsRequest) (*pb.Results, error) {
	return onRound(ctx, req, s.app.ApproveResults, resultsToPB)
}

func (s *Server) SignOffResults(ctx context.Context, req *pb.SignOffResultsRequest) (*pb.Results, error) {
	return onRound(ctx, req, s.app.SignOffResults, resultsToPB)
}

func (s *Server) GetResults(ctx context.Context, req *pb.GetResultsRequest) (*pb.Results, error) {
	return rpc.Query(ctx, func() (domain.Results, error) { return s.app.GetResults(ctx, req.GetRoundId()) }, resultsToPB)
}

func (s *Server) GetRoundReviewStatus(ctx context.Context, req *pb.GetRoundReviewStatusRequest) (*pb.RoundReviewStatus, error) {
	status := func() (app.RoundReviewStatus, error) { return s.app.GetRoundReviewStatus(ctx, req.GetRoundId()) }
	return rpc.Query(ctx, status, func(st app.RoundReviewStatus) *pb.RoundReviewStatus {
		return &pb.RoundReviewStatus{RoundId: req.GetRoundId(), ShortlistPublished: st.ShortlistPublished, OpenComplaints: int32(st.OpenComplaints),
			ResultsState: resultsStateToPB(st.ResultsState)}
	})
}

func (s *Server) GetRoundPanelScores(ctx context.Context, req *pb.GetRoundPanelScoresRequest) (*pb.RoundPanelScores, error) {
	scores := func() ([]domain.StagePanelScore, error) { return s.app.RoundPanelScores(ctx, req.GetRoundId()) }
	return rpc.Query(ctx, scores, func(ss []domain.StagePanelScore) *pb.RoundPanelScores {
		out := &pb.RoundPanelScores{RoundId: req.GetRoundId(), Scores: make([]*pb.ApplicationPanelScore, 0, len(ss))}
		for _, e := range ss {
			out.Scores = append(out.Scores, &pb.ApplicationPanelScore{ApplicationId: e.ApplicationID, Stage: stageToPB(e.Stage), PanelScore: e.PanelScore})
		}
		return out
	})
}

func (s *Server) ListReviewerPanels(ctx context.Context, req *pb.ListReviewerPanelsRequest) (*pb.ListReviewerPanelsResponse, error) {
	panels := func() ([]domain.ReviewerPanel, error) {
		return s.app.ListReviewerPanels(ctx, req.GetReviewerId(), req.GetRoundId())
	}
	return rpc.Query(ctx, panels, func(ps []domain.ReviewerPanel) *pb.ListReviewerPanelsResponse {
		out := &pb.ListReviewerPanelsResponse{Panels: make([]*pb.ReviewerPanel, 0, len(ps))}
		for _, p := range ps {
			out.Panels = append(out.Panels, &pb.ReviewerPanel{PanelId: p.PanelID, RoundId: p.RoundID, Stage: stageToPB(p.Stage)})
		}
		return out
	})
}
