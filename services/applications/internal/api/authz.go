package api

import (
	pb "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1"
	"github.com/commonweal/commonweal/pkg/authz"
	"github.com/commonweal/commonweal/pkg/identity"
)

// readers may read organisations and applications: applicants (only their own, checked by the use case),
// staff and the suite services.
var readers = append([]identity.Role{identity.Applicant, identity.Service}, identity.StaffRoles...)

// Policy is the service's authorisation table: the roles that may call each RPC. The use cases then check
// the object (an applicant's own organisation, which service sets stages, what is masked).
var Policy = authz.Policy{
	Service: pb.ApplicationsService_ServiceDesc.ServiceName,
	Rules: map[string]authz.Rule{
		"CreateRound":  authz.Allow(identity.Organizer),
		"GetRound":     authz.Public, // rounds and their policies are published
		"UpdateRound":  authz.Allow(identity.Organizer),
		"AdvanceRound": authz.Allow(identity.Organizer),
		// The rounds' audit trail.
		"ListPhaseChanges": authz.Allow(identity.Auditor, identity.Finance),

		"CreateOrganization": authz.Allow(identity.Applicant, identity.Operator),
		"VerifyOrganization": authz.Allow(identity.Operator),
		"GetOrganization":    authz.Allow(readers...),

		"CreateApplication": authz.Allow(identity.Applicant),
		"UpdateApplication": authz.Allow(identity.Applicant),
		"SubmitApplication": authz.Allow(identity.Applicant),
		"ReviewApplication": authz.Allow(identity.Operator),
		// Anyone: the public fields of a shortlisted application are public; the rest is its owner's,
		// staff's and the suite services' (the use case answers NOT_FOUND to anyone else).
		"GetApplication":           authz.Public,
		"ListApplications":         authz.Allow(readers...),
		"ListApplicationRevisions": authz.Allow(readers...),
		// Only the reviews service, which the use case checks.
		"SetApplicationStage": authz.Allow(identity.Service),
	},
}
