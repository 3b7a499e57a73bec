package e2e

import (
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Sizes of the generated round of issue 9's benchmark.
const (
	benchApplications = 100_000
	benchVotes        = 1_000_000
	benchShortlisted  = 1_000 // reach the final review (the statistics ask donations about each)
	benchSelected     = 100
)

// benchStatisticsSQL is what the statistics compute, as one aggregate over the same tables: per category and
// per community, the applications, those selected and their budgets, the pledges (donations: those to an
// application ever shortlisted, neither refunded nor redirected away, as the statistics count them) and the mean
// shortlist and final panel scores (reviews), rounded half up.
const benchStatisticsSQL = `WITH a AS (
  SELECT a.id, a.category, a.stage, a.budget_total_fen, s.panel_score AS sp, r.panel_score AS fp,
         CASE WHEN coalesce(a.stage, '') IN ('', 'NOT_SHORTLISTED') THEN 0 ELSE (SELECT coalesce(sum(p.amount_fen), 0) FROM donations.pledges p
           WHERE p.application_id = a.id AND p.state NOT IN ('REFUNDED', 'REDIRECTED')) END AS pledged
  FROM applications.applications a
  LEFT JOIN reviews.shortlist_entries s ON s.round_id = a.round_id AND s.application_id = a.id
  LEFT JOIN reviews.result_entries r ON r.round_id = a.round_id AND r.application_id = a.id AND r.finalist
  WHERE a.round_id = '%[1]s'),
g AS (
  SELECT 'category' AS kind, category AS key, a.* FROM a
  UNION ALL
  SELECT DISTINCT ON (c.key, a.id) 'community', c.key, a.* FROM a
  JOIN applications.applications x ON x.id = a.id, jsonb_array_elements_text(x.content->'service_area') c(key))
SELECT kind, key, count(*), count(*) FILTER (WHERE stage = 'SELECTED'), sum(budget_total_fen) FILTER (WHERE stage = 'SELECTED'), sum(pledged),
       count(sp), (2 * sum(sp) + count(sp)) / nullif(2 * count(sp), 0), count(fp), (2 * sum(fp) + count(fp)) / nullif(2 * count(fp), 0)
FROM g GROUP BY kind, key ORDER BY kind, key`

// BenchmarkStatistics times GetRoundStatistics (through the gateway, which calls the supervision service over
// gRPC, which asks applications, reviews, funding and donations) over a generated round of 100,000
// applications and 1,000,000 votes, interleaved with psql running the equivalent SQL aggregate over the same
// tables, b.N times each (A B A B …), and prints the median and min–max of both and their ratio. Run it with
// `make bench-statistics`; the generation (SQL, generate_series) is not timed.
func BenchmarkStatistics(b *testing.B) {
	if b.N == 1 {
		return // the framework's probe run; `make bench-statistics` fixes b.N
	}
	psql, err := exec.LookPath("psql")
	if err != nil {
		b.Fatal("psql not found: ", err)
	}
	s := Start(b, "LOG_LEVEL=error")
	w := newReviewRound(b, s, 3, 3)
	w.publishShortlist(b, func(m, a int) int { return 60 + a })
	generateStatisticsRound(b, s, w.roundID, w.apps[0])

	finance := s.Token("bench-finance", []string{"FINANCE"}, "")
	rpc := func() {
		st, body := s.Do("GET", "/v1/rounds/"+w.roundID+"/statistics", finance, nil)
		expectTB(b, "statistics", st, body, 200, "")
		// The generated applications and the review round's own: one per organisation and the idea-only one.
		if total := body["total"].(map[string]any); total["applications"] != float64(benchApplications+len(w.apps)+1) {
			b.Fatalf("statistics of %v applications", total["applications"])
		}
	}
	query := func() {
		out, err := exec.Command(psql, "-X", "-q", "-A", "-t", "-d", s.DBURL, "-c", fmt.Sprintf(benchStatisticsSQL, w.roundID)).CombinedOutput()
		if err != nil || strings.Count(string(out), "\n") < 5 {
			b.Fatalf("psql: %v %s", err, out)
		}
	}
	s.Client.Timeout = 10 * time.Minute
	var rpcTimes, sqlTimes []time.Duration
	b.ResetTimer()
	for range b.N {
		for _, m := range []struct {
			run   func()
			times *[]time.Duration
		}{{rpc, &rpcTimes}, {query, &sqlTimes}} {
			start := time.Now()
			m.run()
			*m.times = append(*m.times, time.Since(start))
		}
	}
	b.StopTimer()
	med := func(ts []time.Duration) (time.Duration, time.Duration, time.Duration) {
		ts = slices.Sorted(slices.Values(ts))
		return ts[len(ts)/2], ts[0], ts[len(ts)-1]
	}
	rm, rmin, rmax := med(rpcTimes)
	sm, smin, smax := med(sqlTimes)
	b.ReportMetric(rm.Seconds(), "rpc-s")
	b.ReportMetric(sm.Seconds(), "psql-s")
	fmt.Printf("statistics of %d applications, %d votes, %d runs each (A B A B):\n  GetRoundStatistics (gateway → gRPC): median %s (min %s, max %s)\n"+
		"  psql, the same aggregate in SQL:    median %s (min %s, max %s)\n  ratio %.1f×\n", benchApplications, benchVotes, b.N,
		rm.Round(time.Millisecond), rmin.Round(time.Millisecond), rmax.Round(time.Millisecond),
		sm.Round(time.Millisecond), smin.Round(time.Millisecond), smax.Round(time.Millisecond), rm.Seconds()/sm.Seconds())
}

// generateStatisticsRound adds, with SQL in each service's schema, 100,000 applications to round roundID
// (copies of application tmpl: five categories, 50 communities, benchShortlisted shortlisted of which
// benchSelected selected), their shortlist and result entries (reviews) and 1,000,000 votes with their voters.
func generateStatisticsRound(b *testing.B, s *Suite, roundID, tmpl string) {
	b.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.DBURL)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	start := time.Now()
	for _, q := range []string{
		`INSERT INTO applications.applications (id, round_id, org_id, content, category, title, budget_total_fen, status, stage, idea_only,
			revision, version, created_at, updated_at, first_submitted_at, last_submitted_at, last_review, created_by)
		SELECT md5('bench-app-' || i)::uuid, a.round_id, a.org_id,
			jsonb_set(a.content, '{service_area}', jsonb_build_array('社区' || (i % 50), '社区' || (i % 7))),
			(ARRAY['ELDERLY','DISABILITY','YOUTH','RELIEF','OTHER'])[i % 5 + 1], 'bench ' || i, 1000000 + i, 'ACCEPTED',
			CASE WHEN i <= $3 THEN 'SELECTED' WHEN i <= $4 THEN 'NOT_SELECTED' ELSE 'NOT_SHORTLISTED' END, false,
			a.revision, a.version, a.created_at + i * interval '1 microsecond', a.updated_at, a.first_submitted_at, a.last_submitted_at,
			a.last_review, a.created_by
		FROM applications.applications a, generate_series(1, $2) i WHERE a.id = $1`,
		`INSERT INTO reviews.shortlist_entries (round_id, application_id, panel_score, rank, shortlisted, idea_only, first_submit_at, inputs)
		SELECT $5, md5('bench-app-' || i)::uuid, 9000 - i % 5000, 1000 + i, i <= $4, false, now(), '{}' FROM generate_series(1, $2) i`,
		`INSERT INTO reviews.results (round_id, state, donation_cutoff, pool_fen, computed_at, computed_by) VALUES ($5, 'COMPUTED', now(), 0, now(), 'bench')`,
		`INSERT INTO reviews.result_entries (round_id, application_id, position, finalist, panel_score, donation_score, vote_score, total_score, rank, selected, inputs)
		SELECT $5, md5('bench-app-' || i)::uuid, i, true, 8000 + i % 997, 0, 0, 0, i, i <= $3, '{}' FROM generate_series(1, $4) i`,
		`INSERT INTO reviews.voters (id, phone_hmac, created_at) SELECT md5('bench-stat-voter-' || v)::uuid, sha256(('bench-stat-phone-' || v)::bytea), now()
		FROM generate_series(1, $6 / 10) v`,
		`INSERT INTO reviews.votes (id, round_id, application_id, voter_id, vote_day, slot, cast_at)
		SELECT md5('bench-vote-' || i)::uuid, $5, md5('bench-app-' || (1 + i % $4))::uuid, md5('bench-stat-voter-' || (1 + i / 10))::uuid,
			current_date, i % 10, now() FROM generate_series(0, $6 - 1) i`,
		`ANALYZE`,
	} {
		q = strings.NewReplacer("$1", "'"+tmpl+"'", "$2", fmt.Sprint(benchApplications), "$3", fmt.Sprint(benchSelected),
			"$4", fmt.Sprint(benchShortlisted), "$5", "'"+roundID+"'::uuid", "$6", fmt.Sprint(benchVotes)).Replace(q)
		if _, err := conn.Exec(ctx, q); err != nil {
			b.Fatalf("%v\n%s", err, q)
		}
	}
	fmt.Printf("generated %d applications and %d votes in %s\n", benchApplications, benchVotes, time.Since(start).Round(time.Millisecond))
}
