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
	// The applications come from benchOrganizations organisations (the statistics read them 1,000 a call);
	// every second one chose two of benchCommunities communities from the list (the others count under their
	// free text) and every third one answers one of benchNeeds needs published with the round.
	benchOrganizations = 20_000
	benchCommunities   = 57
	benchNeeds         = 100
)

// benchStatisticsSQL is what the statistics compute, as aggregates over the same tables: per category and per
// community (the codes chosen from the list, else the free-text entries), the applications, those selected and
// their budgets, the pledges (donations: those to an application ever shortlisted, neither refunded nor
// redirected away, as the statistics count them) and the mean shortlist and final panel scores (reviews),
// rounded half up; the submitted applications answering each published need; the distinct organisations of the
// submitted applications by founding year and staff band.
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
  JOIN applications.applications x ON x.id = a.id, jsonb_array_elements_text(CASE WHEN cardinality(x.community_codes) > 0
    THEN x.content->'community_codes' ELSE x.content->'service_area' END) c(key))
SELECT kind, key, count(*), count(*) FILTER (WHERE stage = 'SELECTED'), sum(budget_total_fen) FILTER (WHERE stage = 'SELECTED'), sum(pledged),
       count(sp), (2 * sum(sp) + count(sp)) / nullif(2 * count(sp), 0), count(fp), (2 * sum(fp) + count(fp)) / nullif(2 * count(fp), 0)
FROM g GROUP BY kind, key ORDER BY kind, key;
SELECT n.id, count(a.id), count(a.id) FILTER (WHERE a.stage = 'SELECTED') FROM applications.needs n
LEFT JOIN applications.applications a ON a.round_id = n.round_id AND a.status <> 'DRAFT' AND n.id = ANY (a.need_ids)
WHERE n.round_id = '%[1]s' AND n.state = 'PUBLISHED' GROUP BY n.id;
SELECT date_part('year', age(current_date, o.founding_date)), CASE WHEN o.staff_size = 0 THEN -1 WHEN o.staff_size <= 5 THEN 0
  WHEN o.staff_size <= 10 THEN 1 WHEN o.staff_size <= 30 THEN 2 ELSE 3 END, count(*)
FROM applications.organizations o WHERE o.id IN (SELECT org_id FROM applications.applications WHERE round_id = '%[1]s' AND status <> 'DRAFT')
GROUP BY 1, 2`

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
		// The generated organisations and the review round's (one per application, the idea's included).
		orgs := body["applicantOrganizations"].(map[string]any)["organizations"]
		if needs := body["needs"].(map[string]any); orgs != float64(benchOrganizations+len(w.apps)+1) || needs["published"] != float64(benchNeeds) ||
			needs["answered"] != float64(benchNeeds) {
			b.Fatalf("statistics of %v organisations, needs %v", orgs, needs["published"])
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

// generateStatisticsRound adds, with SQL in each service's schema, benchOrganizations organisations (copies of
// tmpl's, with founding dates and staff sizes), benchCommunities communities and benchNeeds needs published
// with round roundID, 100,000 applications to the round (copies of application tmpl: five categories, 50
// free-text communities, half of them also two communities from the list, a third answering a need,
// benchShortlisted shortlisted of which benchSelected selected), their shortlist and result entries (reviews)
// and 1,000,000 votes with their voters.
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
		// Copies of the template's organisation row, whatever its columns, with their own ID, name and profile.
		`INSERT INTO applications.organizations
		SELECT (jsonb_populate_record(o, jsonb_build_object('id', md5('bench-org-' || i)::uuid, 'name', 'bench org ' || i,
			'founding_date', date '2025-06-01' - (i % 4000), 'staff_size', i % 60))).*
		FROM applications.organizations o, generate_series(1, $7) i
		WHERE o.id = (SELECT org_id FROM applications.applications WHERE id = $1)`,
		`INSERT INTO applications.communities (code, name, sub_district, district, created_at, updated_at)
		SELECT 'BENCH-' || c, '社区' || c, '街道' || (c % 5), CASE WHEN c % 2 = 0 THEN '临渭区' ELSE '华州区' END, now(), now()
		FROM generate_series(0, $8 - 1) c`,
		`INSERT INTO applications.needs (id, category, community_code, title, description, beneficiary_group, recorded_by_unit, recorded_by,
			state, round_id, created_at, published_at)
		SELECT md5('bench-need-' || n)::uuid, 'ELDERLY', 'BENCH-' || (n % $8), 'need ' || n, 'description', 'group', 'unit', 'bench',
			'PUBLISHED', $5, now() + n * interval '1 microsecond', now()
		FROM generate_series(0, $9 - 1) n`,
		`INSERT INTO applications.applications (id, round_id, org_id, content, category, title, budget_total_fen, status, stage, idea_only,
			revision, version, created_at, updated_at, first_submitted_at, last_submitted_at, last_review, created_by, community_codes, need_ids)
		SELECT md5('bench-app-' || i)::uuid, a.round_id, md5('bench-org-' || (1 + i % $7))::uuid,
			jsonb_set(jsonb_set(jsonb_set(a.content, '{service_area}', jsonb_build_array('社区' || (i % 50), '社区' || (i % 7))),
				'{community_codes}', codes.j), '{need_ids}', needs.j),
			(ARRAY['ELDERLY','DISABILITY','YOUTH','RELIEF','OTHER'])[i % 5 + 1], 'bench ' || i, 1000000 + i, 'ACCEPTED',
			CASE WHEN i <= $3 THEN 'SELECTED' WHEN i <= $4 THEN 'NOT_SELECTED' ELSE 'NOT_SHORTLISTED' END, false,
			a.revision, a.version, a.created_at + i * interval '1 microsecond', a.updated_at, a.first_submitted_at, a.last_submitted_at,
			a.last_review, a.created_by, ARRAY(SELECT jsonb_array_elements_text(codes.j)), ARRAY(SELECT jsonb_array_elements_text(needs.j)::uuid)
		FROM applications.applications a, generate_series(1, $2) i,
			LATERAL (SELECT CASE WHEN i % 2 = 0 THEN jsonb_build_array('BENCH-' || (i % 50), 'BENCH-' || (50 + i % 7)) ELSE '[]' END) codes(j),
			LATERAL (SELECT CASE WHEN i % 3 = 0 THEN jsonb_build_array(md5('bench-need-' || (i / 3 % $9))::uuid) ELSE '[]' END) needs(j)
		WHERE a.id = $1`,
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
			"$4", fmt.Sprint(benchShortlisted), "$5", "'"+roundID+"'::uuid", "$6", fmt.Sprint(benchVotes), "$7", fmt.Sprint(benchOrganizations),
			"$8", fmt.Sprint(benchCommunities), "$9", fmt.Sprint(benchNeeds)).Replace(q)
		if _, err := conn.Exec(ctx, q); err != nil {
			b.Fatalf("%v\n%s", err, q)
		}
	}
	fmt.Printf("generated %d applications and %d votes in %s\n", benchApplications, benchVotes, time.Since(start).Round(time.Millisecond))
}
