package app_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/pgtest"
	"github.com/commonweal/commonweal/services/applications/internal/app"
	"github.com/commonweal/commonweal/services/applications/internal/domain"
)

// A page of the list is planned a few times per connection and then runs PostgreSQL's cached generic plan, as
// scenario 3's pgbench baseline does (deploy/PERFORMANCE.md): with the limit passed as a parameter the
// generic plan cost out above the custom ones and every page was planned again.
func TestListApplicationsRunsTheCachedPlan(t *testing.T) {
	f := setupOn(t, schema.Pool(t, 1)) // one connection: pg_prepared_statements is the session's
	r, o := f.published(t)
	seed := f.draft(t, r, o, "Seed")
	ctx := context.Background()
	// 10,000 more of the round's applications, copies of the seed over the five categories, as make bench
	// makes them: enough rows for the planner to tell a limit of 21 from an unknown one.
	if _, err := f.pool.Exec(ctx, `INSERT INTO applications
		SELECT (jsonb_populate_record(a, jsonb_build_object('id', md5('plan-app-' || i)::uuid, 'title', 'plan ' || i,
			'category', (ARRAY['ELDERLY','DISABILITY','YOUTH','RELIEF','OTHER'])[i % 5 + 1],
			'created_at', a.created_at + i * interval '1 millisecond'))).*
		FROM applications a, generate_series(1, 10000) i WHERE a.id = $1`, seed.ID); err != nil {
		t.Fatal(err)
	}
	// The statistics the planner costs the plans with, gathered as the table's owner (the service's role may
	// not; the bench's set-up does it as the admin).
	var dbName string
	if err := f.pool.QueryRow(ctx, `SELECT current_database()`).Scan(&dbName); err != nil {
		t.Fatal(err)
	}
	admin, err := pgx.Connect(ctx, pgtest.URLWithDatabase(pgtest.Server(t), dbName))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, `ANALYZE applications.applications`); err != nil {
		t.Fatal(err)
	}
	for range 10 {
		page, err := f.svc.ListApplications(operator, app.ApplicationFilter{RoundID: r.ID, Category: domain.CategoryElderly, Limit: 21})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) != 21 {
			t.Fatalf("%d applications, want 21", len(page))
		}
	}
	var generic, custom int64
	if err := f.pool.QueryRow(ctx, `SELECT generic_plans, custom_plans FROM pg_prepared_statements
		WHERE statement LIKE '%FROM applications WHERE round_id = $1 AND category = $2 ORDER BY%' AND name <> ''`).Scan(&generic, &custom); err != nil {
		t.Fatal(err)
	}
	// PostgreSQL tries five custom plans before it compares them with the generic one.
	if generic == 0 || custom > 5 {
		t.Errorf("10 pages: %d generic plans, %d custom plans; want the generic plan after the first five", generic, custom)
	}
}
