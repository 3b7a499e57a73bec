package api

import (
	pb "github.com/commonweal/commonweal/gen/go/commonweal/funding/v1"
	"github.com/commonweal/commonweal/pkg/authz"
	"github.com/commonweal/commonweal/pkg/identity"
)

// Who may call what (API.md, DOMAIN.md §1). The use cases then check the object: an APPLICANT only its own
// organisation's plan, the share a payer may pay, the party a signer may sign for.
var (
	staff    = identity.StaffRoles
	partners = []identity.Role{identity.CharityFederation, identity.LotteryCenter}
	readers  = append(append(append([]identity.Role{}, staff...), partners...), identity.Service)
)

// Policy is the funding service's authorisation table, applied to every call before the handler.
var Policy = authz.Policy{Service: pb.FundingService_ServiceDesc.ServiceName, Rules: map[string]authz.Rule{
	"AllocatePool":         authz.Allow(identity.LotteryCenter, identity.Finance),
	"GetPool":              authz.Allow(readers...),
	"QuoteFunding":         authz.Allow(append(append([]identity.Role{}, staff...), identity.Service)...),
	"CreatePlans":          authz.Allow(identity.Organizer),
	"GetPlan":              authz.Allow(append(append([]identity.Role{}, readers...), identity.Applicant)...),
	"ListPlans":            authz.Allow(readers...),
	"SetPayee":             authz.Allow(identity.Applicant),
	"ConfirmPayee":         authz.Allow(identity.Operator),
	"SignContract":         authz.Allow(identity.Organizer, identity.Operator, identity.Applicant),
	"RequestTranche":       authz.Allow(identity.Operator),
	"ApproveTranche":       authz.Allow(identity.Organizer),
	"PayTranche":           authz.Allow(identity.Finance, identity.CharityFederation),
	"SuspendPlan":          authz.Allow(identity.Organizer),
	"ClawbackPlan":         authz.Allow(identity.Organizer),
	"RecordClawbackReturn": authz.Allow(identity.Finance, identity.CharityFederation),
	"RequestTermination":   authz.Allow(identity.Applicant),
	"ApproveTermination":   authz.Allow(identity.Organizer, identity.Operator),
	"RequestTransfer":      authz.Allow(identity.Organizer, identity.Operator),
	"ApproveTransfer":      authz.Allow(identity.Organizer, identity.Operator),
	"PayIdeaPrizes":        authz.Allow(identity.Organizer),
	"ListIdeaPrizes":       authz.Allow(readers...),
	"VerifyLedger":         authz.Allow(identity.Finance, identity.Auditor, identity.LotteryCenter),
	"ListLedgerTransfers":  authz.Allow(identity.Finance, identity.Auditor, identity.LotteryCenter),
	// Tamper evidence: the chains' heads are published for the public, who check a head they recorded.
	"GetFundingChainHeads":  authz.Public,
	"CheckFundingChainHead": authz.Public,
}}
