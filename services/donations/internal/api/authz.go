package api

import (
	pb "github.com/commonweal/commonweal/gen/go/commonweal/donations/v1"
	"github.com/commonweal/commonweal/pkg/authz"
	"github.com/commonweal/commonweal/pkg/identity"
)

// readers may read donors and pledges; the use cases show a donor user only its own donors' (NOT_FOUND
// otherwise) and mask personal numbers for all but the owner and the organizer.
var readers = append([]identity.Role{identity.Donor, identity.CharityFederation, identity.Service}, identity.StaffRoles...)

// Policy is the donations service's authorisation table: who may call each RPC. The use cases then check
// the object: a donor user pledges only for its own donors, among suite services only reviews lists an
// application's donors and only funding moves donation shares.
var Policy = authz.Policy{
	Service: pb.DonationsService_ServiceDesc.ServiceName,
	Rules: map[string]authz.Rule{
		"CreateDonor": authz.Allow(identity.Donor, identity.Operator),
		"GetDonor":    authz.Allow(readers...),
		"ListDonors":  authz.Allow(append([]identity.Role{identity.CharityFederation}, identity.StaffRoles...)...),
		// Personal data: the donor's own account, or an ORGANIZER on the subject's request (the use case checks the owner).
		"ExportDonorData":          authz.Allow(identity.Donor, identity.Organizer),
		"EraseDonorData":           authz.Allow(identity.Donor, identity.Organizer),
		"ListPersonalDataRequests": authz.Allow(identity.Organizer, identity.Auditor),
		"CreatePledge":             authz.Allow(identity.Donor, identity.Operator),
		"GetPledge":                authz.Allow(readers...),
		"ListPledges":              authz.Allow(readers...),
		"ConfirmDeposit":           authz.Allow(identity.CharityFederation),
		"AppraisePledge":           authz.Allow(identity.Operator),
		"ApproveAppraisal":         authz.Allow(identity.Organizer),
		"RefundPledge":             authz.Allow(identity.CharityFederation),
		"RedirectPledge":           authz.Allow(identity.Operator),
		"GetDonationSummary":       authz.Allow(append([]identity.Role{identity.CharityFederation, identity.LotteryCenter, identity.Service}, identity.StaffRoles...)...),
		"VerifyLedger":             authz.Allow(identity.Finance, identity.Auditor, identity.CharityFederation),
		// The audit trail: the federation reads its own ledger's transfers as it verifies it; pledge events
		// (who did what to a donor's pledge) are the auditors' and the finance bureau's.
		"ListLedgerTransfers":   authz.Allow(identity.Finance, identity.Auditor, identity.CharityFederation),
		"ListPledgeEvents":      authz.Allow(identity.Finance, identity.Auditor),
		"ListApplicationDonors": authz.Allow(append([]identity.Role{identity.Service}, identity.StaffRoles...)...),
		// Whole-round statistics: the supervision service.
		"BatchGetDonationTotals": authz.Allow(identity.Service),
		"ReserveDonationShare":   authz.Allow(identity.Service, identity.CharityFederation),
		"ReleaseDonationShare":   authz.Allow(identity.Service, identity.CharityFederation),
		"CancelDonationShare":    authz.Allow(identity.Service, identity.CharityFederation),
		"ReturnDonationShare":    authz.Allow(identity.Service, identity.CharityFederation),
		// Tamper evidence: the chains' heads are published for the public, who check a head they recorded.
		"GetDonationChainHeads":  authz.Public,
		"CheckDonationChainHead": authz.Public,
	},
}
