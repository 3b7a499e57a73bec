package telemetry

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/commonweal/commonweal/pkg/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestQueryTracerAgainstPostgres(t *testing.T) {
	adminURL := pgtest.Server(t)
	const secret = "110101199003077777"
	modes := []pgx.QueryExecMode{
		pgx.QueryExecModeCacheStatement,
		pgx.QueryExecModeCacheDescribe,
		pgx.QueryExecModeDescribeExec,
		pgx.QueryExecModeExec,
		pgx.QueryExecModeSimpleProtocol,
	}
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			qt, rec := recordingTracer(t)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cfg, err := pgxpool.ParseConfig(adminURL)
			if err != nil {
				t.Fatal(err)
			}
			cfg.ConnConfig.Tracer = qt
			cfg.ConnConfig.DefaultQueryExecMode = mode
			pool, err := pgxpool.NewWithConfig(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer pool.Close()

			const sql = "SELECT $1::text"
			var got string
			if err := pool.QueryRow(ctx, sql, secret).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != secret {
				t.Fatalf("query returned %q", got)
			}
			var found bool
			for _, s := range rec.Ended() {
				assertNoSecret(t, s, secret)
				if s.Name() == "SQL SELECT" && attrs(s)["db.query.text"].AsString() == sql {
					found = true
					if a := attrs(s); a["db.system.name"].AsString() != "postgresql" || a["db.rows_affected"].AsInt64() != 1 {
						t.Errorf("attributes = %v", s.Attributes())
					}
				}
			}
			if !found {
				var names []string
				for _, s := range rec.Ended() {
					names = append(names, s.Name()+": "+attrs(s)["db.query.text"].AsString())
				}
				t.Errorf("no SQL SELECT span with db.query.text %q; spans: %q", sql, names)
			}
		})
	}
}

func TestQueryTracerErrorDoesNotLeakArguments(t *testing.T) {

	adminURL := pgtest.Server(t)
	const secret = "110101199003077777"
	qt, rec := recordingTracer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cfg, err := pgx.ParseConfig(adminURL)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Tracer = qt
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())

	for _, sql := range []string{"SELECT $1::int4", "SELECT $1::text::bool", "SELECT $1::text::date"} {
		var v any
		if err := conn.QueryRow(ctx, sql, secret).Scan(&v); err == nil {
			t.Fatalf("%s accepted %q", sql, secret)
		}
	}
	spans := rec.Ended()
	if len(spans) < 3 {
		t.Fatalf("got %d spans, want one per statement", len(spans))
	}
	for _, s := range spans {
		assertNoSecret(t, s, secret)
	}
}
