package api_test

import (
	"slices"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/donations/v1"
	"github.com/commonweal/commonweal/pkg/authz/authztest"
	"github.com/commonweal/commonweal/pkg/grpcerr"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/donations/internal/api"
	"github.com/commonweal/commonweal/services/donations/internal/app"
)

const (
	organizer  = identity.Organizer
	operator   = identity.Operator
	committee  = identity.Committee
	finance    = identity.Finance
	auditor    = identity.Auditor
	federation = identity.CharityFederation
	lottery    = identity.LotteryCenter
	donor      = identity.Donor
	service    = identity.Service
)

// allowed is who may call each RPC, written out here rather than read from api.Policy: the roles each use
// case allowed before the table existed.
var allowed = map[string][]identity.Role{
	"CreateDonor": {donor, operator},
	"GetDonor":    {donor, federation, service, organizer, operator, committee, finance, auditor},
	"ListDonors":  {federation, organizer, operator, committee, finance, auditor},
	// Personal data (PIPL): the donor's own account or the organizer on the subject's request; the trail is the
	// organizer's and the auditors'.
	"ExportDonorData":          {donor, organizer},
	"EraseDonorData":           {donor, organizer},
	"ListPersonalDataRequests": {organizer, auditor},
	"CreatePledge":             {donor, operator},
	"GetPledge":                {donor, federation, service, organizer, operator, committee, finance, auditor},
	"ListPledges":              {donor, federation, service, organizer, operator, committee, finance, auditor},
	"ConfirmDeposit":           {federation},
	"AppraisePledge":           {operator},
	"ApproveAppraisal":         {organizer},
	"RefundPledge":             {federation},
	"RedirectPledge":           {operator},
	"GetDonationSummary":       {federation, lottery, service, organizer, operator, committee, finance, auditor},
	"VerifyLedger":             {finance, auditor, federation},
	"ListLedgerTransfers":      {finance, auditor, federation},
	"ListPledgeEvents":         {finance, auditor},
	"ListApplicationDonors":    {service, organizer, operator, committee, finance, auditor},
	"BatchGetDonationTotals":   {service},
	"ReserveDonationShare":     {service, federation},
	"ReleaseDonationShare":     {service, federation},
	"CancelDonationShare":      {service, federation},
	"ReturnDonationShare":      {service, federation},
	"GetDonationChainHeads":    nil, // public
	"CheckDonationChainHead":   nil, // public
}

// public are the RPCs anyone may call, anonymously too.
var public = map[string]bool{"GetDonationChainHeads": true, "CheckDonationChainHead": true}

// TestPolicyCoversEveryRPC: every RPC of the proto has a rule, and every rule names an RPC.
func TestPolicyCoversEveryRPC(t *testing.T) {
	authztest.Covers(t, api.Policy, pb.DonationsService_ServiceDesc)
}

// TestPolicyRefusesOtherRoles calls every RPC as every role (and anonymously) through a real gRPC server with
// the authorisation interceptor, with an empty request: a role the RPC does not allow is PERMISSION_DENIED
// before the handler runs; an allowed role reaches the handler (which refuses the empty request otherwise).
func TestPolicyRefusesOtherRoles(t *testing.T) {
	a := oneApplication{app.ApplicationInfo{ID: ids.New(), RoundID: ids.New(), Stage: "SHORTLISTED", BudgetTotalFen: 2_000}}
	srv := authztest.Serve(t, api.Policy, func(s *grpc.Server) {
		pb.RegisterDonationsServiceServer(s, newServer(t, schema.Pool(t, 0), a))
	})
	if len(allowed) != len(pb.DonationsService_ServiceDesc.Methods) {
		t.Fatalf("the test knows %d RPCs, the proto has %d", len(allowed), len(pb.DonationsService_ServiceDesc.Methods))
	}
	for _, m := range pb.DonationsService_ServiceDesc.Methods {
		for name, who := range authztest.Callers("user") { // each role alone, and an anonymous caller (nil)
			if who != nil && who.Has(service) { // the service the use case's object check lets through
				who.Subject = "service:reviews"
				if slices.Contains([]string{"ReserveDonationShare", "ReleaseDonationShare", "CancelDonationShare", "ReturnDonationShare"}, m.MethodName) {
					who.Subject = "service:funding"
				}
			}
			err := srv.Invoke(m.MethodName, who, &emptypb.Empty{}, &emptypb.Empty{})
			refused := status.Code(err) == codes.PermissionDenied
			if want := !public[m.MethodName] && (who == nil || !who.Has(allowed[m.MethodName]...)); refused != want {
				t.Errorf("%s as %s: %v; want refused=%t", m.MethodName, name, err, want)
			} else if refused && grpcerr.Reason(err) != "PERMISSION_DENIED" {
				t.Errorf("%s as %s: reason %q", m.MethodName, name, grpcerr.Reason(err))
			}
		}
	}
}
