package api_test

import (
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/funding/v1"
	"github.com/commonweal/commonweal/pkg/authz/authztest"
	"github.com/commonweal/commonweal/pkg/dbtest"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/pagetoken"
	"github.com/commonweal/commonweal/pkg/pgtest"
	"github.com/commonweal/commonweal/services/funding/internal/api"
	"github.com/commonweal/commonweal/services/funding/internal/app"
	"github.com/commonweal/commonweal/services/funding/internal/store"
	"github.com/commonweal/commonweal/services/funding/internal/store/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var schema = dbtest.New("funding", "funding-test", migrations.FS)

// The roles, short.
const (
	org, op, com, fin, aud = identity.Organizer, identity.Operator, identity.Committee, identity.Finance, identity.Auditor
	fed, lot, team, svc    = identity.CharityFederation, identity.LotteryCenter, identity.Applicant, identity.Service
)

// staffAndPartners read plans, pools and prizes.
var staffAndPartners = []identity.Role{org, op, com, fin, aud, fed, lot, svc}

// allowed is who may call each RPC, written out here from API.md and DOMAIN.md rather than read from
// api.Policy.
var allowed = map[string][]identity.Role{
	"AllocatePool":         {lot, fin},
	"GetPool":              staffAndPartners,
	"QuoteFunding":         {org, op, com, fin, aud, svc},
	"CreatePlans":          {org},
	"GetPlan":              append([]identity.Role{team}, staffAndPartners...),
	"ListPlans":            staffAndPartners,
	"SetPayee":             {team},
	"ConfirmPayee":         {op},
	"SignContract":         {org, op, team},
	"RequestTranche":       {op},
	"ApproveTranche":       {org},
	"PayTranche":           {fin, fed},
	"SuspendPlan":          {org},
	"ClawbackPlan":         {org},
	"RecordClawbackReturn": {fin, fed},
	"RequestTermination":   {team},
	"ApproveTermination":   {org, op},
	"RequestTransfer":      {org, op},
	"ApproveTransfer":      {org, op},
	"PayIdeaPrizes":        {org},
	"ListIdeaPrizes":       staffAndPartners,
	"VerifyLedger":         {fin, aud, lot},
	"ListLedgerTransfers":  {fin, aud, lot},
}

// TestPolicyCoversEveryRPC: every RPC of the proto has a rule, and every rule names an RPC.
func TestPolicyCoversEveryRPC(t *testing.T) {
	authztest.Covers(t, api.Policy, pb.FundingService_ServiceDesc)
}

// TestPolicyRefusesOtherRoles calls every RPC as every role (and anonymously) through a real gRPC server with
// the authorisation interceptor (authztest.RoleMatrix).
func TestPolicyRefusesOtherRoles(t *testing.T) {
	pool := schema.Pool(t, 0)
	repo := store.New(pool)
	uc := app.New(app.Deps{Repo: repo, Ledger: repo.Ledger, Requests: idempotency.NewPG(pool), Box: dbtest.Box(t), Now: time.Now})
	srv := authztest.Serve(t, api.Policy, func(s *grpc.Server) {
		pb.RegisterFundingServiceServer(s, api.NewServer(uc, pagetoken.NewSigner([]byte("test-page-token-key-32-bytes-long!!"))))
	})
	// The public RPCs are called by everyone, anonymously too; the matrix covers the others.
	desc := pb.FundingService_ServiceDesc
	desc.Methods = slices.DeleteFunc(slices.Clone(desc.Methods), func(m grpc.MethodDesc) bool { return public[m.MethodName] })
	srv.RoleMatrix(t, desc, allowed, nil)
	for m := range public {
		for name, who := range authztest.Callers("user") {
			if err := srv.Invoke(m, who, &emptypb.Empty{}, &emptypb.Empty{}); status.Code(err) == codes.PermissionDenied {
				t.Errorf("%s as %s: %v", m, name, err)
			}
		}
	}
}

// public are the RPCs anyone may call.
var public = map[string]bool{"GetFundingChainHeads": true, "CheckFundingChainHead": true}
