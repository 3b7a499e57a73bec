package api

import (
	pb "github.com/commonweal/commonweal/gen/go/commonweal/reviews/v1"
	"github.com/commonweal/commonweal/pkg/authz"
	"github.com/commonweal/commonweal/pkg/identity"
)

// Policy is the reviews service's authorisation table: who may call each RPC, checked before any handler.
// The use cases then check the object: a reviewer acts only for itself on a panel it sits on and sees only
// those panels; the public sees a shortlist once published and results once signed off, never a
// complainant's contact (OPERATOR and ORGANIZER do).
var Policy = authz.Policy{
	Service: pb.ReviewsService_ServiceDesc.ServiceName,
	Rules: map[string]authz.Rule{
		"CreatePanel":       authz.Allow(identity.Operator),
		"GetPanel":          authz.Allow(identity.Operator, identity.Organizer, identity.Auditor, identity.Reviewer),
		"DeclareConflict":   authz.Allow(identity.Reviewer),
		"ListRecusals":      authz.Allow(identity.StaffRoles...),
		"SubmitScore":       authz.Allow(identity.Reviewer, identity.Operator),
		"ComputeShortlist":  authz.Allow(identity.Operator),
		"PublishShortlist":  authz.Allow(identity.Organizer),
		"GetShortlist":      authz.Public,
		"CreateComplaint":   authz.Public,
		"ResolveComplaint":  authz.Allow(identity.Operator),
		"MergeComplaints":   authz.Allow(identity.Operator),
		"ResolveComplaints": authz.Allow(identity.Operator),
		"ListComplaints":    authz.Allow(identity.StaffRoles...),
		// Voting is anonymous: a voter proves a phone with a one-time code and votes with the token it gets.
		"SendVoterCode":     authz.Public,
		"VerifyVoter":       authz.Public,
		"CastVote":          authz.Public,
		"CastVotes":         authz.Public, // internal, the gateway's batches: the handler admits the gateway itself only
		"GetTallies":        authz.Public,
		"ListVoteAnomalies": authz.Allow(identity.Operator, identity.Organizer, identity.Auditor),
		"VoidVotes":         authz.Allow(identity.Operator),
		"ListVoidedVotes":   authz.Allow(identity.Operator, identity.Organizer, identity.Auditor),
		// Personal data: the voter (X-Voter-Token) or an ORGANIZER acting on the voter's request.
		"ExportVoterData":          authz.Public,
		"EraseVoterData":           authz.Public,
		"ListPersonalDataRequests": authz.Allow(identity.Organizer, identity.Auditor),
		"ComputeResults":           authz.Allow(identity.Operator),
		"ApproveResults":           authz.Allow(identity.Organizer),
		"SignOffResults":           authz.Allow(identity.Committee),
		"GetResults":               authz.Public,
		"GetRoundReviewStatus":     authz.Allow(identity.Service),
		// Internal, for the supervision service's statistics; staff read the same scores in the shortlist and results.
		"GetRoundPanelScores": authz.Allow(append([]identity.Role{identity.Service}, identity.StaffRoles...)...),
		// Internal, for the applications service, which shows a panel member the applications its panels score.
		"ListReviewerPanels": authz.Allow(identity.Service),
	},
}
