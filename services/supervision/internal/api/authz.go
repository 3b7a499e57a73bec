package api

import (
	pb "github.com/commonweal/commonweal/gen/go/commonweal/supervision/v1"
	"github.com/commonweal/commonweal/pkg/authz"
	"github.com/commonweal/commonweal/pkg/identity"
)

// readers may read a project's reports and records: staff, suite services and teams (only their own
// organisation's projects, which the use cases check: NOT_FOUND otherwise).
var readers = append([]identity.Role{identity.Applicant, identity.Service}, identity.StaffRoles...)

// roundReaders may read a round's quarterly reports and summary: staff, partners and suite services.
var roundReaders = append([]identity.Role{identity.CharityFederation, identity.LotteryCenter, identity.Service}, identity.StaffRoles...)

// Policy is the supervision service's authorisation table: who may call each RPC. The use cases then check
// the object (a team's own project).
var Policy = authz.Policy{
	Service: pb.SupervisionService_ServiceDesc.ServiceName,
	Rules: map[string]authz.Rule{
		"SubmitMonthlyReport":        authz.Allow(identity.Applicant),
		"ListMonthlyReports":         authz.Allow(readers...),
		"ListMonthlyReportRevisions": authz.Allow(readers...),
		"ListOverdueMonthlyReports":  authz.Allow(identity.Operator, identity.Organizer),

		"CreateInspection":             authz.Allow(identity.Operator),
		"ListInspections":              authz.Allow(readers...),
		"CreateEvaluation":             authz.Allow(identity.Operator),
		"ListEvaluations":              authz.Allow(readers...),
		"CreateCapacityBuildingRecord": authz.Allow(identity.Operator),
		"ListCapacityBuildingRecords":  authz.Allow(readers...),

		"CreateQuarterlyReport":       authz.Allow(identity.Operator),
		"ListQuarterlyReports":        authz.Allow(roundReaders...),
		"GetQuarterlyReport":          authz.Allow(roundReaders...),
		"SubmitFinalSummary":          authz.Allow(identity.Applicant),
		"GetFinalSummary":             authz.Allow(readers...),
		"CreatePerformanceEvaluation": authz.Allow(identity.Operator),
		"GetPerformanceEvaluation":    authz.Allow(readers...),
		"SubmitRoundSummary":          authz.Allow(identity.Organizer),
		"GetRoundSummary":             authz.Allow(roundReaders...),

		// Internal: the round coordinator (applications' :advance) asks about CLOSING and CLOSED; staff may ask.
		"GetRoundClosingStatus": authz.Allow(append([]identity.Role{identity.Service}, identity.StaffRoles...)...),

		// Internal: funding's tranche gates and clawbacks; staff may ask too.
		"GetEvaluationStatus": authz.Allow(append([]identity.Role{identity.Service}, identity.StaffRoles...)...),
		"GetVerifiedSpending": authz.Allow(append([]identity.Role{identity.Service}, identity.StaffRoles...)...),
	},
}
