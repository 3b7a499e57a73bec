package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/grpc"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/applications/v1"
	"github.com/commonweal/commonweal/pkg/authz/authztest"
	"github.com/commonweal/commonweal/pkg/dbtest"
	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/pagetoken"
	"github.com/commonweal/commonweal/pkg/pgtest"
	"github.com/commonweal/commonweal/services/applications/internal/api"
	"github.com/commonweal/commonweal/services/applications/internal/app"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
	"github.com/commonweal/commonweal/services/applications/internal/store"
	"github.com/commonweal/commonweal/services/applications/internal/store/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var schema = dbtest.New("applications", "applications-test", migrations.FS)

// benchApplications is how many applications the listed round holds (issue 13, scenario 3).
const benchApplications = 10_000

// BenchmarkListApplications is the first page (20) of a round's applications of one category, as an OPERATOR
// asks for it through the gateway: over gRPC with mutual TLS and the identity and authorisation interceptors,
// against a round of 10,000 applications spread evenly over the five categories.
//
//	go test ./services/applications/internal/api/ -run '^$' -bench ListApplications -benchtime 3s
func BenchmarkListApplications(b *testing.B) {
	// As the benchmarks run the services (LOG_LEVEL=warn): no access log line per call.
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn})))
	b.Cleanup(func() { slog.SetDefault(prev) })
	srv, roundID, _ := listFixture(b)
	req := &pb.ListApplicationsRequest{RoundId: roundID, Category: pb.Category_CATEGORY_YOUTH, PageSize: 20}
	who := &identity.Identity{Subject: "operator", Roles: []identity.Role{identity.Operator}}
	var out pb.ListApplicationsResponse
	if err := srv.Invoke("ListApplications", who, req, &out); err != nil {
		b.Fatal(err)
	}
	if len(out.Applications) != 20 || out.NextPageToken == "" {
		b.Fatalf("first page: %d applications, next %q", len(out.Applications), out.NextPageToken)
	}
	for _, a := range out.Applications {
		if a.Category != pb.Category_CATEGORY_YOUTH || a.Title == "" || a.Etag == "" {
			b.Fatalf("listed %v", a)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var out = new(listResponse)
		for pb.Next() {
			if err := srv.Invoke("ListApplications", who, req, out.reset()); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

type listResponse struct{ pb.ListApplicationsResponse }

func (r *listResponse) reset() *pb.ListApplicationsResponse {
	r.ListApplicationsResponse.Reset()
	return &r.ListApplicationsResponse
}

// listFixture serves the handlers over a fresh database holding a published round with benchApplications
// applications of one verified organisation.
func listFixture(b *testing.B) (*authztest.Server, string, *pgxpool.Pool) {
	b.Helper()
	ctx := context.Background()
	pool := schema.Pool(b, 0)
	st := store.New(pool, dbtest.Box(b))
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	svc := app.New(app.Deps{Rounds: st, Organizations: st, Applications: st, Queries: st, Requests: idempotency.NewPG(pool),
		Now: func() time.Time { return now }, Communities: st, Needs: st, PersonalData: st})
	organizer := authztest.As("organizer", identity.Organizer)
	r, err := svc.CreateRound(organizer, app.CreateRound{Name: "2026", Year: 2026,
		Policy: domain.Policy{SubmissionDeadline: now.Add(time.Hour), ShortlistQuota: 2, SelectionQuota: 1, PublicityPeriod: time.Minute},
		Notice: domain.Document{Title: "2026年度公益创投活动公告", Body: "现将有关事项公告如下。"}})
	if err != nil {
		b.Fatal(err)
	}
	if r, err = svc.AdvanceRound(organizer, app.AdvanceRound{RoundID: r.ID, To: domain.PhaseSolicitation}); err != nil {
		b.Fatal(err)
	}
	o, err := svc.CreateOrganization(authztest.As("applicant", identity.Applicant), app.CreateOrganization{Name: "Care Centre",
		Kind: domain.OrgSocialOrganization, USCC: "91999999MA0000001N", ContactPhone: "13812345678"})
	if err != nil {
		b.Fatal(err)
	}
	content := domain.Content{
		Title: "Meals", Summary: "Hot meals delivered to housebound elderly residents five days a week, with a weekly visit.",
		DurationMonths: 12, ServiceArea: []string{"华州区"}, BeneficiaryGroup: "elderly", BeneficiaryCount: 120,
		BudgetItems:      []domain.BudgetItem{{Name: "meals", AmountFen: 5_000_000}, {Name: "transport", AmountFen: 800_000}, {Name: "staff", AmountFen: 2_400_000}},
		Team:             []domain.TeamMember{{Name: "Li", Role: "lead", Qualification: "social worker"}, {Name: "Wang", Role: "cook"}},
		ExpectedOutcomes: []string{"120 residents fed daily"}, EvaluationIndicators: []string{"meals delivered", "visits made"},
		Declarations: domain.Declarations{NoGovernmentProvision: true, NotFundedElsewhere: true},
	}
	categories := make([]string, 0, len(domain.AllCategories))
	for _, c := range domain.AllCategories {
		categories = append(categories, string(c))
	}
	body, err := json.Marshal(content)
	if err != nil {
		b.Fatal(err)
	}
	// Every application is the same content under its own title and category, one second after the previous.
	if _, err := pool.Exec(ctx, `INSERT INTO applications (id, round_id, org_id, content, category, title, budget_total_fen, status, idea_only,
		revision, version, created_at, updated_at, created_by, catalogue, community_codes, need_ids, partner_consent)
		SELECT gen_random_uuid(), $1, $2, jsonb_set(jsonb_set($3::jsonb, '{category}', to_jsonb(($4::text[])[1 + i % 5])), '{title}', to_jsonb('Meals ' || i)),
			($4::text[])[1 + i % 5], 'Meals ' || i, $5, 'DRAFT', false, 0, 1, $6::timestamptz + i * interval '1 second', $6::timestamptz + i * interval '1 second',
			'applicant', '{}'::jsonb, '{}', '{}', ''
		FROM generate_series(1, $7::int) AS i`,
		r.ID, o.ID, body, categories, content.BudgetTotalFen(), now, benchApplications); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `ANALYZE applications`); err != nil {
		b.Log("analyze:", err) // the runtime role may not own the table; autovacuum analyses it anyway
	}
	srv := authztest.Serve(b, api.Policy, func(s *grpc.Server) {
		pb.RegisterApplicationsServiceServer(s, api.NewServer(svc, pagetoken.NewSigner([]byte("bench-page-token-key-0123456789"))))
	})
	return srv, r.ID, pool
}
