package api_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/supervision/v1"
	"github.com/commonweal/commonweal/pkg/authz/authztest"
	"github.com/commonweal/commonweal/pkg/dbtest"
	"github.com/commonweal/commonweal/pkg/errs"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/pagetoken"
	"github.com/commonweal/commonweal/pkg/pgtest"
	"github.com/commonweal/commonweal/services/supervision/internal/api"
	"github.com/commonweal/commonweal/services/supervision/internal/app"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
	"github.com/commonweal/commonweal/services/supervision/internal/store"
	"github.com/commonweal/commonweal/services/supervision/internal/store/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var schema = dbtest.New("supervision", "supervision-test", migrations.FS)

// Who may call each RPC, written out here from API.md and the brief rather than read from api.Policy.
var (
	readers  = []identity.Role{identity.Applicant, identity.Service, identity.Organizer, identity.Operator, identity.Committee, identity.Finance, identity.Auditor}
	internal = readers[1:] // suite services and staff
	allowed  = map[string][]identity.Role{
		"SubmitMonthlyReport":          {identity.Applicant},
		"ListMonthlyReports":           readers,
		"ListMonthlyReportRevisions":   readers,
		"ListOverdueMonthlyReports":    {identity.Operator, identity.Organizer},
		"CreateInspection":             {identity.Operator},
		"ListInspections":              readers,
		"CreateEvaluation":             {identity.Operator},
		"ListEvaluations":              readers,
		"CreateCapacityBuildingRecord": {identity.Operator},
		"ListCapacityBuildingRecords":  readers,
		"GetEvaluationStatus":          internal,
		"GetVerifiedSpending":          internal,
		"CreateQuarterlyReport":        {identity.Operator},
		"ListQuarterlyReports":         roundReaders,
		"GetQuarterlyReport":           roundReaders,
		"SubmitFinalSummary":           {identity.Applicant},
		"GetFinalSummary":              readers,
		"CreatePerformanceEvaluation":  {identity.Operator},
		"GetPerformanceEvaluation":     readers,
		"SubmitRoundSummary":           {identity.Organizer},
		"GetRoundSummary":              roundReaders,
		"GetRoundClosingStatus":        internal,
	}
	roundReaders = append([]identity.Role{identity.CharityFederation, identity.LotteryCenter}, internal...)
)

// oneProject is the applications service knowing one selected project of one round in IMPLEMENTATION.
type oneProject struct {
	project domain.Project
	round   domain.Round
}

func (o oneProject) GetProject(_ context.Context, id string) (domain.Project, error) {
	if id != o.project.ID {
		return domain.Project{}, domain.ErrProjectNotFound.With("project %s not found", id)
	}
	return o.project, nil
}

func (o oneProject) GetRound(_ context.Context, id string) (domain.Round, error) {
	if id != o.round.ID {
		return domain.Round{}, errs.ErrNotFound
	}
	return o.round, nil
}

func (o oneProject) SelectedProjects(context.Context, string) ([]domain.Project, error) {
	return []domain.Project{o.project}, nil
}

// finishedPlans is the funding service with every project's plan COMPLETED, and the donations service with
// nothing given.
type finishedPlans struct{ project domain.Project }

func (f finishedPlans) Plans(context.Context, string) ([]domain.Plan, error) {
	return []domain.Plan{{ProjectID: f.project.ID, State: domain.PlanCompleted, MatchFen: 7}}, nil
}

func (f finishedPlans) Plan(_ context.Context, id string) (domain.Plan, bool, error) {
	return domain.Plan{ProjectID: id, State: domain.PlanCompleted}, id == f.project.ID, nil
}

func (finishedPlans) Donations(context.Context, string, time.Time) (domain.Donations, error) {
	return domain.Donations{PledgedFen: 3}, nil
}

func (finishedPlans) RoundDonations(_ context.Context, _ string, projectIDs []string, _ time.Time) (map[string]domain.Donations, error) {
	out := map[string]domain.Donations{}
	for _, id := range projectIDs {
		out[id] = domain.Donations{PledgedFen: 3}
	}
	return out, nil
}

// serve runs the service's handlers over a fresh database behind the identity and authorisation
// interceptors, with now as the clock.
func serve(t *testing.T, apps app.Applications, now func() time.Time) *authztest.Server {
	t.Helper()
	pool := schema.Pool(t, 0)
	money := finishedPlans{}
	if o, ok := apps.(oneProject); ok {
		money.project = o.project
	}
	uc := app.New(store.New(pool), idempotency.NewPG(pool), app.Peers{Applications: apps, Funding: money, Donations: money}, now)
	return authztest.Serve(t, api.Policy, func(s *grpc.Server) {
		pb.RegisterSupervisionServiceServer(s, api.NewServer(uc, pagetoken.NewSigner([]byte("supervision-test-page-key"))))
	})
}

// TestPolicyCoversEveryRPC: every RPC of the proto has a rule, and every rule names an RPC.
func TestPolicyCoversEveryRPC(t *testing.T) {
	authztest.Covers(t, api.Policy, pb.SupervisionService_ServiceDesc)
}

// TestPolicyRefusesOtherRoles calls every RPC as every role alone (and anonymously) through a real gRPC server
// with the identity and authorisation interceptors (authztest.RoleMatrix): a role the RPC does not allow is
// refused PERMISSION_DENIED before the handler runs; an allowed one reaches it.
func TestPolicyRefusesOtherRoles(t *testing.T) {
	srv := serve(t, oneProject{}, time.Now)
	srv.RoleMatrix(t, pb.SupervisionService_ServiceDesc, allowed, nil)
	// A partner holding a staff role as well is let in by that role.
	both := &identity.Identity{Subject: "user", Roles: []identity.Role{identity.CharityFederation, identity.Auditor}}
	if code := srv.Call("GetVerifiedSpending", both, &pb.GetVerifiedSpendingRequest{}, &pb.VerifiedSpending{}); code == codes.PermissionDenied {
		t.Fatal("a caller holding an allowed role among others was refused")
	}
}
