package api_test

import (
	"slices"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	privacypb "github.com/commonweal/commonweal/gen/go/commonweal/privacy/v1"
	pb "github.com/commonweal/commonweal/gen/go/commonweal/reviews/v1"
	"github.com/commonweal/commonweal/pkg/authz/authztest"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/pagetoken"
	"github.com/commonweal/commonweal/services/reviews/internal/api"
	"github.com/commonweal/commonweal/services/reviews/internal/app"
)

// TestPolicyCoversEveryRPC fails when an RPC of the proto has no rule (it would be refused to everyone) or a
// rule names no RPC.
func TestPolicyCoversEveryRPC(t *testing.T) {
	authztest.Covers(t, api.Policy, pb.ReviewsService_ServiceDesc)
}

// public marks an RPC anyone may call, anonymous callers included.
var public []identity.Role

// allowed is who may call each RPC, written out from what the use cases allowed before the table existed
// (their require calls), so a change to the table shows here.
var allowed = map[string][]identity.Role{
	"CreatePanel":          {identity.Operator},
	"GetPanel":             {identity.Operator, identity.Organizer, identity.Auditor, identity.Reviewer},
	"DeclareConflict":      {identity.Reviewer},
	"ListRecusals":         {identity.Organizer, identity.Operator, identity.Committee, identity.Finance, identity.Auditor},
	"SubmitScore":          {identity.Reviewer, identity.Operator},
	"ComputeShortlist":     {identity.Operator},
	"PublishShortlist":     {identity.Organizer},
	"GetShortlist":         public,
	"CreateComplaint":      public,
	"ResolveComplaint":     {identity.Operator},
	"MergeComplaints":      {identity.Operator},
	"ResolveComplaints":    {identity.Operator},
	"ListComplaints":       {identity.Organizer, identity.Operator, identity.Committee, identity.Finance, identity.Auditor},
	"SendVoterCode":        public,
	"VerifyVoter":          public,
	"CastVote":             public,
	"CastVotes":            public, // the table's rule; the handler then admits the gateway itself only (gatewayOnly)
	"GetTallies":           public,
	"ListVoteAnomalies":    {identity.Operator, identity.Organizer, identity.Auditor},
	"VoidVotes":            {identity.Operator},
	"ListVoidedVotes":      {identity.Operator, identity.Organizer, identity.Auditor},
	"ComputeResults":       {identity.Operator},
	"ApproveResults":       {identity.Organizer},
	"SignOffResults":       {identity.Committee},
	"GetResults":           public,
	"GetRoundReviewStatus": {identity.Service},
	"GetRoundPanelScores":  {identity.Service, identity.Organizer, identity.Operator, identity.Committee, identity.Finance, identity.Auditor},
	"ListReviewerPanels":   {identity.Service},

	// A voter (X-Voter-Token) or an ORGANIZER on the voter's request: the use case tells them apart.
	"ExportVoterData":          public,
	"EraseVoterData":           public,
	"ListPersonalDataRequests": {identity.Organizer, identity.Auditor},
}

// gatewayOnly are the internal RPCs of the gateway itself: their handler refuses every caller but the gateway
// calling with no forwarded user identity (PERMISSION_DENIED), whatever the table's rule.
var gatewayOnly = map[string]bool{"CastVotes": true}

// requests are calls the handler refuses on their own (a malformed ID or phone, no voter token, a missing
// service), before any storage: a call the table lets through answers that, one it refuses PERMISSION_DENIED.
var requests = map[string]struct{ in, out proto.Message }{
	"CreatePanel":          {&pb.CreatePanelRequest{RoundId: "x"}, &pb.Panel{}},
	"GetPanel":             {&pb.GetPanelRequest{PanelId: "x"}, &pb.Panel{}},
	"DeclareConflict":      {&pb.DeclareConflictRequest{PanelId: "x", ReviewerId: "rev-1", ApplicationId: "x", Reason: "r"}, &pb.Recusal{}},
	"ListRecusals":         {&pb.ListRecusalsRequest{ApplicationId: "x"}, &pb.ListRecusalsResponse{}},
	"SubmitScore":          {&pb.SubmitScoreRequest{PanelId: "x", ReviewerId: "rev-1", ApplicationId: "x"}, &pb.Score{}},
	"ComputeShortlist":     {&pb.ComputeShortlistRequest{RoundId: "x"}, &pb.Shortlist{}},
	"PublishShortlist":     {&pb.PublishShortlistRequest{RoundId: "x"}, &pb.Shortlist{}},
	"GetShortlist":         {&pb.GetShortlistRequest{RoundId: "x"}, &pb.Shortlist{}},
	"CreateComplaint":      {&pb.CreateComplaintRequest{RoundId: "x", ApplicationId: "x", Content: "c"}, &pb.Complaint{}},
	"ResolveComplaint":     {&pb.ResolveComplaintRequest{ComplaintId: "x"}, &pb.Complaint{}},
	"MergeComplaints":      {&pb.MergeComplaintsRequest{PrimaryComplaintId: "x", DuplicateComplaintIds: []string{"y"}, Reason: "r"}, &pb.MergeComplaintsResponse{}},
	"ResolveComplaints":    {&pb.ResolveComplaintsRequest{RoundId: "x", ApplicationId: "x", Reason: "r"}, &pb.ResolveComplaintsResponse{}},
	"ListComplaints":       {&pb.ListComplaintsRequest{RoundId: "x"}, &pb.ListComplaintsResponse{}},
	"SendVoterCode":        {&pb.SendVoterCodeRequest{Phone: "1"}, &pb.SendVoterCodeResponse{}},
	"VerifyVoter":          {&pb.VerifyVoterRequest{Phone: "1"}, &pb.VerifyVoterResponse{}},
	"CastVote":             {&pb.CastVoteRequest{RoundId: "x", ApplicationId: "x"}, &pb.Vote{}},
	"CastVotes":            {&pb.CastVotesRequest{}, &pb.CastVotesResponse{}},
	"GetTallies":           {&pb.GetTalliesRequest{RoundId: "x"}, &pb.Tallies{}},
	"ListVoteAnomalies":    {&pb.ListVoteAnomaliesRequest{RoundId: "x"}, &pb.ListVoteAnomaliesResponse{}},
	"VoidVotes":            {&pb.VoidVotesRequest{RoundId: "x", VoteIds: []string{"x"}, Reason: "r"}, &pb.VoidVotesResponse{}},
	"ListVoidedVotes":      {&pb.ListVoidedVotesRequest{RoundId: "x"}, &pb.ListVoidedVotesResponse{}},
	"ComputeResults":       {&pb.ComputeResultsRequest{RoundId: "x"}, &pb.Results{}},
	"ApproveResults":       {&pb.ApproveResultsRequest{RoundId: "x"}, &pb.Results{}},
	"SignOffResults":       {&pb.SignOffResultsRequest{RoundId: "x"}, &pb.Results{}},
	"GetResults":           {&pb.GetResultsRequest{RoundId: "x"}, &pb.Results{}},
	"GetRoundReviewStatus": {&pb.GetRoundReviewStatusRequest{RoundId: "x"}, &pb.RoundReviewStatus{}},
	"GetRoundPanelScores":  {&pb.GetRoundPanelScoresRequest{RoundId: "x"}, &pb.RoundPanelScores{}},
	"ListReviewerPanels":   {&pb.ListReviewerPanelsRequest{ReviewerId: "rev-1", RoundId: "x"}, &pb.ListReviewerPanelsResponse{}},

	// No voter token and no phone: VOTER_TOKEN_INVALID for everyone.
	"ExportVoterData":          {&pb.ExportVoterDataRequest{}, &privacypb.PersonalDataExport{}},
	"EraseVoterData":           {&pb.EraseVoterDataRequest{}, &privacypb.ErasePersonalDataResponse{}},
	"ListPersonalDataRequests": {&privacypb.ListPersonalDataRequestsRequest{PageToken: "x"}, &privacypb.ListPersonalDataRequestsResponse{}},
}

// TestRolesThroughTheInterceptor calls every RPC as every role, and anonymously, through a real gRPC server
// running the reviews handlers (over use cases with no storage nor peers) behind the interceptors: a role the
// table does not name is refused with PERMISSION_DENIED before the handler runs; an allowed one reaches the
// handler, which refuses the request on its own.
func TestRolesThroughTheInterceptor(t *testing.T) {
	srv := authztest.Serve(t, api.Policy, func(s *grpc.Server) {
		pb.RegisterReviewsServiceServer(s, api.NewServer(app.New(app.Config{}), pagetoken.NewSigner([]byte("authz-test-page-token-key-0123456789"))))
	})
	for _, m := range pb.ReviewsService_ServiceDesc.Methods {
		want, ok := allowed[m.MethodName]
		req, hasReq := requests[m.MethodName]
		if !ok || !hasReq {
			t.Errorf("%s: no expectation or request in this test", m.MethodName)
			continue
		}
		for name, who := range authztest.Callers("rev-1") {
			code := srv.Call(m.MethodName, who, req.in, proto.Clone(req.out))
			mayCall := want == nil || who != nil && slices.ContainsFunc(want, func(r identity.Role) bool { return who.Has(r) })
			if gatewayOnly[m.MethodName] {
				mayCall = who == nil // the gateway calling for itself: no forwarded identity, the gateway's certificate
			}
			switch {
			case !mayCall && code != codes.PermissionDenied:
				t.Errorf("%s as %s: %s, want PERMISSION_DENIED", m.MethodName, name, code)
			case mayCall && (code == codes.PermissionDenied || code == codes.Internal || code == codes.Unknown || code == codes.OK):
				t.Errorf("%s as %s: %s, want the handler's own refusal of the request", m.MethodName, name, code)
			}
		}
	}
}
