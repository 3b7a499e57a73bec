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
		"GetRound":     authz.Public, // published rounds; a draft only to staff and suite services (the use case)
		"ListRounds":   authz.Public, // the use case shows drafts to staff and suite services only, overdue_only to staff
		"UpdateRound":  authz.Allow(identity.Organizer),
		"AdvanceRound": authz.Allow(identity.Organizer),
		// The rounds' audit trail.
		"ListPhaseChanges": authz.Allow(identity.Auditor, identity.Finance),
		// Tamper evidence: the phase changes' chain head is published for the public, who check a head they recorded.
		"GetAuditChainHeads":  authz.Public,
		"CheckAuditChainHead": authz.Public,

		"CreateOrganization": authz.Allow(identity.Applicant, identity.Operator),
		"VerifyOrganization": authz.Allow(identity.Operator),
		// A REVIEWER too: the use case shows it (masked) only the organisations of what its panels score.
		"GetOrganization": authz.Allow(append([]identity.Role{identity.Reviewer}, readers...)...),
		// Suite services only (statistics); personal numbers masked.
		"BatchGetOrganizations": authz.Allow(identity.Service),
		// Personal data of the person behind an organisation: its owner, or an ORGANIZER on the subject's request
		// (the use case checks the owner).
		"ExportOrganizationData":   authz.Allow(identity.Applicant, identity.Organizer),
		"EraseOrganizationData":    authz.Allow(identity.Applicant, identity.Organizer),
		"ListPersonalDataRequests": authz.Allow(identity.Organizer, identity.Auditor),

		// The communities list, kept by staff, read by anyone.
		"CreateCommunity": authz.Allow(identity.Organizer, identity.Operator),
		"UpdateCommunity": authz.Allow(identity.Organizer, identity.Operator),
		"ListCommunities": authz.Public,
		// The needs catalogue: departments and staff record needs, the organizer publishes them with a round;
		// anyone reads the public ones, staff, suite services and departments all (the use case).
		"CreateNeed":  authz.Allow(identity.Department, identity.Operator, identity.Organizer),
		"PublishNeed": authz.Allow(identity.Organizer),
		"GetNeed":     authz.Public,
		"ListNeeds":   authz.Public,

		"CreateApplication": authz.Allow(identity.Applicant),
		"UpdateApplication": authz.Allow(identity.Applicant),
		"SubmitApplication": authz.Allow(identity.Applicant),
		"ReviewApplication": authz.Allow(identity.Operator),
		// The partner organisation's own account (the use case checks it is the named partner's).
		"AcceptPartnership":   authz.Allow(identity.Applicant),
		"WithdrawPartnership": authz.Allow(identity.Applicant),
		"ListPartnerships":    authz.Allow(append([]identity.Role{identity.Applicant}, identity.StaffRoles...)...),
		// Anyone: the public fields of a shortlisted application are public; the rest is its owner's,
		// staff's, the suite services' and the panel members' whose panel scores it (the use case answers
		// NOT_FOUND to anyone else).
		"GetApplication": authz.Public,
		// A REVIEWER lists exactly what its panels of the round score (the use case asks the reviews service).
		"ListApplications":         authz.Allow(append([]identity.Role{identity.Reviewer}, readers...)...),
		"ListApplicationRevisions": authz.Allow(readers...),
		// Only the reviews service, which the use case checks.
		"SetApplicationStage": authz.Allow(identity.Service),
	},
}
