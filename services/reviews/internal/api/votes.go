package api

import (
	"context"
	"slices"
	"time"

	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/reviews/v1"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/grpcerr"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/pagetoken"
	"github.com/commonweal/commonweal/pkg/rpc"
	"github.com/commonweal/commonweal/pkg/tlsconf"
	"github.com/commonweal/commonweal/services/reviews/internal/app"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
)

// CastVotes casts the votes the gateway collected from concurrent POST .../votes requests. The policy lets
// every caller reach this handler (a rule names roles, and the gateway's own calls carry none); the handler
// itself admits only the gateway, calling for itself: its certificate, no forwarded user identity. The votes'
// client networks are the gateway's word, as the x-client-network metadata of its CastVote calls is.
func (s *Server) CastVotes(ctx context.Context, req *pb.CastVotesRequest) (*pb.CastVotesResponse, error) {
	who := identity.From(ctx)
	if name, ok := tlsconf.PeerName(ctx); !ok || name != identity.Gateway || who.Subject != "" || !slices.Equal(who.Roles, identity.Anonymous.Roles) {
		return nil, grpcerr.Status(ctx, errs.ErrPermissionDenied.With("CastVotes is the gateway's own"))
	}
	in := req.GetVotes()
	if len(in) == 0 {
		return nil, grpcerr.Status(ctx, errs.Invalid("NO_VOTES", "votes", "at least one vote"))
	}
	votes := make([]app.BatchedVote, len(in))
	for k, v := range in {
		network, ok := identity.ParseClientNetwork(v.GetClientNetwork())
		if !ok {
			network = ""
		}
		votes[k] = app.BatchedVote{VoterToken: v.GetVoterToken(), RoundID: v.GetRoundId(), ApplicationID: v.GetApplicationId(), ClientNetwork: network}
	}
	results := s.app.CastVotes(ctx, votes)
	out := &pb.CastVotesResponse{Results: make([]*pb.CastVoteResult, len(results))}
	for k, r := range results {
		if r.Err == nil {
			out.Results[k] = &pb.CastVoteResult{Vote: voteToPB(r.Vote)}
			continue
		}
		st, err := proto.Marshal(status.Convert(grpcerr.Status(ctx, r.Err)).Proto())
		if err != nil {
			return nil, grpcerr.Status(ctx, err)
		}
		out.Results[k] = &pb.CastVoteResult{Status: st}
	}
	return out, nil
}

func (s *Server) ListVoteAnomalies(ctx context.Context, req *pb.ListVoteAnomaliesRequest) (*pb.ListVoteAnomaliesResponse, error) {
	q := app.VoteAnomalyQuery{RoundID: req.GetRoundId(), MinNetworkVoters: int(req.GetMinNetworkVoters()), MinBurstVotes: int(req.GetMinBurstVotes()),
		BurstWindowSeconds: int(req.GetBurstWindowSeconds()), NewVoterSeconds: int(req.GetNewVoterSeconds()), MinNewVoterVotes: int(req.GetMinNewVoterVotes())}
	return rpc.Query(ctx, func() ([]domain.VoteAnomaly, error) { return s.app.ListVoteAnomalies(ctx, q) }, func(as []domain.VoteAnomaly) *pb.ListVoteAnomaliesResponse {
		out := &pb.ListVoteAnomaliesResponse{Anomalies: make([]*pb.VoteAnomaly, 0, len(as))}
		for _, a := range as {
			out.Anomalies = append(out.Anomalies, voteAnomalyToPB(a))
		}
		return out
	})
}

func (s *Server) VoidVotes(ctx context.Context, req *pb.VoidVotesRequest) (*pb.VoidVotesResponse, error) {
	return rpc.Mutate(ctx, req, func(key idempotency.Key) (domain.VoidOutcome, error) {
		return s.app.VoidVotes(ctx, app.VoidVotes{Key: key, RoundID: req.GetRoundId(), VoteIDs: req.GetVoteIds(), Reason: req.GetReason()})
	}, func(o domain.VoidOutcome) *pb.VoidVotesResponse {
		return &pb.VoidVotesResponse{Voided: int32(o.Voided), AlreadyVoid: int32(o.AlreadyVoid)}
	})
}

// Page sizes of ListVoidedVotes (its contract: 1 to 1,000, default 100).
const (
	voidedVotesDefaultPage = 100
	voidedVotesMaxPage     = 1000
)

// voidedVotesPage is a ListVoidedVotes request with its own default page size.
type voidedVotesPage struct{ *pb.ListVoidedVotesRequest }

func (p voidedVotesPage) GetPageSize() int32 {
	if n := p.ListVoidedVotesRequest.GetPageSize(); n != 0 {
		return n
	}
	return voidedVotesDefaultPage
}

func (s *Server) ListVoidedVotes(ctx context.Context, req *pb.ListVoidedVotesRequest) (*pb.ListVoidedVotesResponse, error) {
	filter := pagetoken.Fingerprint("voided-votes", req.GetRoundId(), identity.From(ctx).Subject)
	page, next, err := rpc.ListUpTo(ctx, s.tokens, voidedVotesPage{req}, filter, voidedVotesMaxPage, func(cur pagetoken.Cursor, limit int) ([]domain.VoidedVote, error) {
		return s.app.ListVoidedVotes(ctx, app.VoidedVoteFilter{RoundID: req.GetRoundId(), AfterTime: cur.AfterTime, AfterID: cur.After, Limit: limit})
	}, func(w domain.VoidedVote) (string, time.Time) { return w.Vote.ID, w.VoidedAt }, voidedVoteToPB)
	if err != nil {
		return nil, err
	}
	return &pb.ListVoidedVotesResponse{VoidedVotes: page, NextPageToken: next}, nil
}

var anomalyKinds = map[domain.AnomalyKind]pb.VoteAnomalyKind{
	domain.AnomalyNetworkCluster: pb.VoteAnomalyKind_VOTE_ANOMALY_KIND_NETWORK_CLUSTER,
	domain.AnomalyBurst:          pb.VoteAnomalyKind_VOTE_ANOMALY_KIND_BURST,
	domain.AnomalyNewVoters:      pb.VoteAnomalyKind_VOTE_ANOMALY_KIND_NEW_VOTERS,
}

func voteAnomalyToPB(a domain.VoteAnomaly) *pb.VoteAnomaly {
	return &pb.VoteAnomaly{Kind: anomalyKinds[a.Kind], Network: a.Network, ApplicationId: a.ApplicationID, WindowStartTime: ts(a.WindowStart),
		WindowEndTime: ts(a.WindowEnd), Voters: int32(a.Voters), Votes: int32(a.Votes), VoteIds: a.VoteIDs, VotesTruncated: a.VotesTruncated,
		Description: a.Description}
}

func voidedVoteToPB(w domain.VoidedVote) *pb.VoidedVote {
	return &pb.VoidedVote{Vote: voteToPB(w.Vote), Reason: w.Reason, VoidedBy: w.VoidedBy, VoidTime: ts(w.VoidedAt)}
}
