package api

import (
	pb "github.com/commonweal/commonweal/gen/go/commonweal/supervision/v1"
	"github.com/commonweal/commonweal/pkg/authz"
	"github.com/commonweal/commonweal/pkg/identity"
)

// DisclosurePolicy is the disclosure feeds' authorisation table (DisclosureService, served beside
// SupervisionService through service.Spec.MorePolicies). The donor feed's use case then checks the donor: a
// DONOR reads only the donor_id of its identity.
var DisclosurePolicy = authz.Policy{
	Service: pb.DisclosureService_ServiceDesc.ServiceName,
	Rules: map[string]authz.Rule{
		// The public feed: anyone, anonymous callers included.
		"ListPublicDisclosures": authz.Public,
		// A donor's feed: its own DONOR and staff.
		"GetDonorDisclosures": authz.Allow(append([]identity.Role{identity.Donor}, identity.StaffRoles...)...),
	},
}
