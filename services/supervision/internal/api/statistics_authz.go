package api

import (
	pb "github.com/commonweal/commonweal/gen/go/commonweal/supervision/v1"
	"github.com/commonweal/commonweal/pkg/authz"
	"github.com/commonweal/commonweal/pkg/identity"
)

// statisticsReaders may read a round's statistics and exports: staff (FINANCE among them, named here as the
// finance bureau is the exports' first reader) and the partner systems of the charity federation and the
// lottery centre.
var statisticsReaders = append([]identity.Role{identity.Finance, identity.CharityFederation, identity.LotteryCenter}, identity.StaffRoles...)

// StatisticsPolicy is the StatisticsService's authorisation table, served beside Policy by the same binary
// (service.Spec.MorePolicies).
var StatisticsPolicy = authz.Policy{
	Service: pb.StatisticsService_ServiceDesc.ServiceName,
	Rules: map[string]authz.Rule{
		"GetRoundStatistics":        authz.Allow(statisticsReaders...),
		"ExportProjectsSpreadsheet": authz.Allow(statisticsReaders...),
		"ExportProjectsCsv":         authz.Allow(statisticsReaders...),
	},
}
