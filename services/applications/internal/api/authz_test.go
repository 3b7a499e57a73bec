package api_test

import (
	"slices"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/emptypb"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1"
	"github.com/commonweal/commonweal/pkg/authz/authztest"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/services/applications/internal/api"
)

// Every RPC of the service has a rule, and every rule names an RPC.
func TestPolicyCoversEveryRPC(t *testing.T) {
	authztest.Covers(t, api.Policy, pb.ApplicationsService_ServiceDesc)
}

// allowed is who may call what, written out from what the use cases allowed before the table existed, so a
// change of the table shows here: the public reads, the readers, and the one role of each mutation.
var allowed = func() map[string][]string {
	readers := []string{"APPLICANT", "SERVICE", "ORGANIZER", "OPERATOR", "COMMITTEE", "FINANCE", "AUDITOR"}
	panelReaders := append([]string{"REVIEWER"}, readers...) // a panel member reads what its panels score
	everyone := []string{"anonymous"}
	for _, r := range identity.AllRoles {
		everyone = append(everyone, string(r))
	}
	return map[string][]string{
		"CreateRound": {"ORGANIZER"}, "GetRound": everyone, "UpdateRound": {"ORGANIZER"}, "AdvanceRound": {"ORGANIZER"},
		"ListRounds":         everyone,
		"ListPhaseChanges":   {"AUDITOR", "FINANCE"},
		"GetAuditChainHeads": everyone, "CheckAuditChainHead": everyone,
		"CreateOrganization": {"APPLICANT", "OPERATOR"}, "VerifyOrganization": {"OPERATOR"}, "GetOrganization": panelReaders,
		"CreateApplication": {"APPLICANT"}, "UpdateApplication": {"APPLICANT"}, "SubmitApplication": {"APPLICANT"},
		"ReviewApplication": {"OPERATOR"}, "GetApplication": everyone, "ListApplications": panelReaders,
		"ListApplicationRevisions": readers, "SetApplicationStage": {"SERVICE"},
		// The partner organisation's own account answers; it and staff list what names it as partner.
		"AcceptPartnership": {"APPLICANT"}, "WithdrawPartnership": {"APPLICANT"},
		"ListPartnerships":      {"APPLICANT", "ORGANIZER", "OPERATOR", "COMMITTEE", "FINANCE", "AUDITOR"},
		"BatchGetOrganizations": {"SERVICE"},
		"CreateCommunity":       {"ORGANIZER", "OPERATOR"}, "UpdateCommunity": {"ORGANIZER", "OPERATOR"}, "ListCommunities": everyone,
		"CreateNeed": {"DEPARTMENT", "OPERATOR", "ORGANIZER"}, "PublishNeed": {"ORGANIZER"}, "GetNeed": everyone, "ListNeeds": everyone,

		// Personal data (PIPL): the owner or the organizer on the subject's request; the trail is the organizer's
		// and the auditors'.
		"ExportOrganizationData": {"APPLICANT", "ORGANIZER"}, "EraseOrganizationData": {"APPLICANT", "ORGANIZER"},
		"ListPersonalDataRequests": {"ORGANIZER", "AUDITOR"},
	}
}()

// A caller whose role the table does not list is refused with PERMISSION_DENIED by a real gRPC server
// running the authorisation interceptor, before any handler runs (the handlers here have no use cases). The
// callers are each role alone, and an anonymous caller.
func TestWrongRoleRefusedThroughGRPC(t *testing.T) {
	srv := authztest.Serve(t, api.Policy, func(s *grpc.Server) {
		pb.RegisterApplicationsServiceServer(s, api.NewServer(nil, nil))
	})
	for _, m := range pb.ApplicationsService_ServiceDesc.Methods {
		method := "/" + pb.ApplicationsService_ServiceDesc.ServiceName + "/" + m.MethodName
		for name, who := range authztest.Callers("subject") {
			may := slices.Contains(allowed[m.MethodName], name)
			if err := api.Policy.Check(method, identityOf(who)); (err == nil) != may {
				t.Errorf("%s by %s: table says %v, want allowed=%v", m.MethodName, name, err, may)
			}
			if may {
				continue // a handler would run; the use cases' tests cover what it does
			}
			if code := srv.Call(m.MethodName, who, &emptypb.Empty{}, &emptypb.Empty{}); code != codes.PermissionDenied {
				t.Errorf("%s by %s: %s, want PERMISSION_DENIED", m.MethodName, name, code)
			}
		}
	}
}

func identityOf(who *identity.Identity) identity.Identity {
	if who == nil {
		return identity.Anonymous
	}
	return *who
}
