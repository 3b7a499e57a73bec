// Package api is the reviews service's gRPC surface: it converts between proto and domain values, makes
// mutations idempotent and turns domain errors into statuses.
package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/grpc/metadata"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/reviews/v1"
	"github.com/commonweal/commonweal/pkg/grpcerr"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/pagetoken"
	"github.com/commonweal/commonweal/services/reviews/internal/app"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
	"github.com/commonweal/commonweal/services/reviews/internal/store"
)

// Server implements ReviewsService.
type Server struct {
	pb.UnimplementedReviewsServiceServer
	app    *app.Service
	pool   *pgxpool.Pool
	tokens *pagetoken.Signer
}

// NewServer returns the gRPC handlers over the use cases; tokens signs the page tokens of lists.
func NewServer(a *app.Service, pool *pgxpool.Pool, tokens *pagetoken.Signer) *Server {
	return &Server{app: a, pool: pool, tokens: tokens}
}

// toStatus is the one place domain errors become gRPC statuses.
func toStatus(ctx context.Context, err error) error { return grpcerr.Status(ctx, err) }

func (s *Server) CreatePanel(ctx context.Context, req *pb.CreatePanelRequest) (*pb.Panel, error) {
	return idempotency.Handle(ctx, s.pool, req.GetRequestId(), req, func(ctx context.Context) (*pb.Panel, error) {
		p, meta, err := s.app.CreatePanel(ctx, req.GetRoundId(), stageFromPB(req.GetStage()), membersFromPB(req.GetMembers()))
		return panelToPB(p, meta), err
	})
}

func (s *Server) GetPanel(ctx context.Context, req *pb.GetPanelRequest) (*pb.Panel, error) {
	p, meta, err := s.app.GetPanel(ctx, req.GetPanelId())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return panelToPB(p, meta), nil
}

func (s *Server) DeclareConflict(ctx context.Context, req *pb.DeclareConflictRequest) (*pb.Recusal, error) {
	return idempotency.Handle(ctx, s.pool, req.GetRequestId(), req, func(ctx context.Context) (*pb.Recusal, error) {
		r, err := s.app.DeclareConflict(ctx, req.GetPanelId(), req.GetReviewerId(), req.GetApplicationId(), req.GetReason())
		return recusalToPB(r.Recusal, r.CreatedAt), err
	})
}

func (s *Server) ListRecusals(ctx context.Context, req *pb.ListRecusalsRequest) (*pb.ListRecusalsResponse, error) {
	recs, err := s.app.ListRecusals(ctx, req.GetApplicationId())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	out := &pb.ListRecusalsResponse{}
	for _, r := range recs {
		out.Recusals = append(out.Recusals, recusalToPB(r.Recusal, r.CreatedAt))
	}
	return out, nil
}

func (s *Server) SubmitScore(ctx context.Context, req *pb.SubmitScoreRequest) (*pb.Score, error) {
	// Detected conflicts are recorded in their own transaction, so they stay when the score is refused.
	if err := s.app.DetectConflicts(ctx, req.GetPanelId(), req.GetReviewerId(), req.GetApplicationId()); err != nil {
		return nil, toStatus(ctx, err)
	}
	return idempotency.Handle(ctx, s.pool, req.GetRequestId(), req, func(ctx context.Context) (*pb.Score, error) {
		sc, err := s.app.SubmitScore(ctx, req.GetPanelId(), req.GetApplicationId(), req.GetReviewerId(), criteriaFromPB(req.GetCriteria()))
		return scoreToPB(sc), err
	})
}

func (s *Server) ComputeShortlist(ctx context.Context, req *pb.ComputeShortlistRequest) (*pb.Shortlist, error) {
	return idempotency.Handle(ctx, s.pool, req.GetRequestId(), req, func(ctx context.Context) (*pb.Shortlist, error) {
		sl, err := s.app.ComputeShortlist(ctx, req.GetRoundId())
		return shortlistToPB(sl), err
	})
}

// PublishShortlist is idempotent by itself: the outcome is committed before the stages are pushed, and
// publishing again pushes whatever was not confirmed, so it does not store an answer per request ID.
func (s *Server) PublishShortlist(ctx context.Context, req *pb.PublishShortlistRequest) (*pb.Shortlist, error) {
	sl, err := s.app.PublishShortlist(ctx, req.GetRoundId())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return shortlistToPB(sl), nil
}

func (s *Server) GetShortlist(ctx context.Context, req *pb.GetShortlistRequest) (*pb.Shortlist, error) {
	sl, err := s.app.GetShortlist(ctx, req.GetRoundId())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return shortlistToPB(sl), nil
}

func (s *Server) CreateComplaint(ctx context.Context, req *pb.CreateComplaintRequest) (*pb.Complaint, error) {
	return idempotency.Handle(ctx, s.pool, req.GetRequestId(), req, func(ctx context.Context) (*pb.Complaint, error) {
		c, err := s.app.CreateComplaint(ctx, req.GetRoundId(), req.GetApplicationId(), req.GetContent(), req.GetContact())
		return complaintToPB(c, app.ShowContact(ctx)), err
	})
}

func (s *Server) ResolveComplaint(ctx context.Context, req *pb.ResolveComplaintRequest) (*pb.Complaint, error) {
	c, err := idempotency.Handle(ctx, s.pool, req.GetRequestId(), req, func(ctx context.Context) (*pb.Complaint, error) {
		c, err := s.app.ResolveComplaint(ctx, req.GetComplaintId(), outcomeFromPB(req.GetOutcome()), req.GetReason())
		return complaintToPB(c, app.ShowContact(ctx)), err
	})
	if err != nil {
		return nil, err
	}
	// After the commit: push the DISQUALIFIED stage of an upheld complaint (a retry pushes again).
	if err := s.app.PushStages(ctx, c.GetRoundId()); err != nil {
		return nil, toStatus(ctx, err)
	}
	return c, nil
}

func (s *Server) ListComplaints(ctx context.Context, req *pb.ListComplaintsRequest) (*pb.ListComplaintsResponse, error) {
	filter := pagetoken.Fingerprint(req.GetRoundId(), req.GetState().String(), identity.From(ctx).Subject)
	size, cur, err := s.tokens.Page(req.GetPageSize(), req.GetPageToken(), filter)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	var state domain.ComplaintState
	if req.GetState() != pb.ComplaintState_COMPLAINT_STATE_UNSPECIFIED {
		state = domain.ComplaintState(strings.TrimPrefix(req.GetState().String(), "COMPLAINT_STATE_"))
	}
	cs, err := s.app.ListComplaints(ctx, store.ComplaintFilter{RoundID: req.GetRoundId(), State: state, AfterTime: cur.AfterTime, AfterID: cur.After, Limit: size + 1})
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	resp := &pb.ListComplaintsResponse{}
	if len(cs) > size {
		cs = cs[:size]
		last := cs[size-1]
		resp.NextPageToken = s.tokens.Encode(pagetoken.Cursor{After: last.ID, AfterTime: last.CreatedAt, Filter: filter})
	}
	show := app.ShowContact(ctx)
	for _, c := range cs {
		resp.Complaints = append(resp.Complaints, complaintToPB(c, show))
	}
	return resp, nil
}

func (s *Server) SendVoterCode(ctx context.Context, req *pb.SendVoterCodeRequest) (*pb.SendVoterCodeResponse, error) {
	code, expires, err := s.app.SendVoterCode(ctx, req.GetPhone())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &pb.SendVoterCodeResponse{DevCode: code, ExpireTime: ts(expires)}, nil
}

func (s *Server) VerifyVoter(ctx context.Context, req *pb.VerifyVoterRequest) (*pb.VerifyVoterResponse, error) {
	token, expires, err := s.app.VerifyVoter(ctx, req.GetPhone(), req.GetCode())
	if err != nil {
		return nil, toStatus(ctx, err)
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
	voterID, err := s.app.Voter(ctx, token)
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	r, err := s.app.VoteRound(ctx, req.GetRoundId())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	// Request IDs are scoped to the voter: anonymous callers share no identity subject, so two voters must
	// never see each other's stored answers.
	key := ""
	if id := req.GetRequestId(); id != "" {
		h := sha256.Sum256([]byte(id))
		key = "vote:" + voterID + ":" + hex.EncodeToString(h[:16])
	}
	return idempotency.Handle(ctx, s.pool, key, req, func(ctx context.Context) (*pb.Vote, error) {
		v, err := s.app.CastVote(ctx, r, voterID, req.GetApplicationId())
		return voteToPB(v), err
	})
}

func (s *Server) GetTallies(ctx context.Context, req *pb.GetTalliesRequest) (*pb.Tallies, error) {
	ts, err := s.app.Tallies(ctx, req.GetRoundId())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	out := &pb.Tallies{RoundId: req.GetRoundId()}
	for _, t := range ts {
		out.Tallies = append(out.Tallies, &pb.Tally{ApplicationId: t.ApplicationID, Votes: t.Votes})
	}
	return out, nil
}

func (s *Server) ComputeResults(ctx context.Context, req *pb.ComputeResultsRequest) (*pb.Results, error) {
	return idempotency.Handle(ctx, s.pool, req.GetRequestId(), req, func(ctx context.Context) (*pb.Results, error) {
		r, err := s.app.ComputeResults(ctx, req.GetRoundId())
		return resultsToPB(r), err
	})
}

func (s *Server) ApproveResults(ctx context.Context, req *pb.ApproveResultsRequest) (*pb.Results, error) {
	return idempotency.Handle(ctx, s.pool, req.GetRequestId(), req, func(ctx context.Context) (*pb.Results, error) {
		r, err := s.app.ApproveResults(ctx, req.GetRoundId())
		return resultsToPB(r), err
	})
}

// SignOffResults is idempotent by itself, like PublishShortlist: signing off again pushes unconfirmed stages.
func (s *Server) SignOffResults(ctx context.Context, req *pb.SignOffResultsRequest) (*pb.Results, error) {
	r, err := s.app.SignOffResults(ctx, req.GetRoundId())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return resultsToPB(r), nil
}

func (s *Server) GetResults(ctx context.Context, req *pb.GetResultsRequest) (*pb.Results, error) {
	r, err := s.app.GetResults(ctx, req.GetRoundId())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return resultsToPB(r), nil
}

func (s *Server) GetRoundReviewStatus(ctx context.Context, req *pb.GetRoundReviewStatusRequest) (*pb.RoundReviewStatus, error) {
	st, err := s.app.GetRoundReviewStatus(ctx, req.GetRoundId())
	if err != nil {
		return nil, toStatus(ctx, err)
	}
	return &pb.RoundReviewStatus{RoundId: req.GetRoundId(), ShortlistPublished: st.ShortlistPublished, OpenComplaints: int32(st.OpenComplaints),
		ResultsState: resultsStateToPB(st.ResultsState)}, nil
}
