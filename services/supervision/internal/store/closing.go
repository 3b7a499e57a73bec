package store

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/services/supervision/internal/domain"
)

// InsertQuarterlyReport stores a quarterly report with its figures; a second of the quarter is
// QUARTERLY_REPORT_EXISTS.
func (s *Store) InsertQuarterlyReport(ctx context.Context, q domain.QuarterlyReport) error {
	projects, err := json.Marshal(q.Projects)
	if err != nil {
		return err
	}
	totals, err := json.Marshal(q.Totals)
	if err != nil {
		return err
	}
	_, err = s.q(ctx).Exec(ctx, `INSERT INTO quarterly_reports (id, round_id, year, quarter, narrative, projects, totals, as_of, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, q.ID, q.RoundID, q.Year, q.Quarter, q.Narrative, projects, totals, q.AsOf, q.CreatedBy)
	if violates(err, "quarterly_reports_one_per_quarter") {
		return domain.ErrQuarterlyReportExists.With("the round's report of %d Q%d was filed meanwhile", q.Year, q.Quarter)
	}
	return err
}

// QuarterlyReportExists reports whether the round has its report of the quarter.
func (s *Store) QuarterlyReportExists(ctx context.Context, roundID string, year, quarter int) (bool, error) {
	var exists bool
	err := s.q(ctx).QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM quarterly_reports WHERE round_id = $1 AND year = $2 AND quarter = $3)`,
		roundID, year, quarter).Scan(&exists)
	return exists, err
}

const quarterlyCols = `id, round_id, year, quarter, narrative, projects, totals, as_of, created_by`

func scanQuarterly(row pgx.Row) (domain.QuarterlyReport, error) {
	var q domain.QuarterlyReport
	var projects, totals []byte
	if err := row.Scan(&q.ID, &q.RoundID, &q.Year, &q.Quarter, &q.Narrative, &projects, &totals, &q.AsOf, &q.CreatedBy); err != nil {
		return q, err
	}
	if err := json.Unmarshal(projects, &q.Projects); err != nil {
		return q, err
	}
	return q, json.Unmarshal(totals, &q.Totals)
}

// QuarterlyReports returns a round's quarterly reports, earliest quarter first.
func (s *Store) QuarterlyReports(ctx context.Context, roundID string) ([]domain.QuarterlyReport, error) {
	rows, err := s.q(ctx).Query(ctx, `SELECT `+quarterlyCols+` FROM quarterly_reports WHERE round_id = $1 ORDER BY year, quarter`, roundID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.QuarterlyReport, error) { return scanQuarterly(row) })
}

// QuarterlyReport reads one quarterly report; an unknown one is QUARTERLY_REPORT_NOT_FOUND.
func (s *Store) QuarterlyReport(ctx context.Context, id string) (domain.QuarterlyReport, error) {
	q, err := scanQuarterly(s.q(ctx).QueryRow(ctx, `SELECT `+quarterlyCols+` FROM quarterly_reports WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return q, domain.ErrQuarterlyReportNotFound.With("quarterly report %s not found", id)
	}
	return q, err
}

// ReportTotals sums, per project, its monthly reports' latest revisions.
func (s *Store) ReportTotals(ctx context.Context, projectIDs []string) (map[string]domain.ReportTotals, error) {
	rows, err := s.q(ctx).Query(ctx, `SELECT project_id::text, count(*), coalesce(sum(beneficiaries_served), 0), coalesce(sum(spent_fen), 0)
		FROM monthly_reports WHERE project_id = ANY($1::uuid[]) GROUP BY project_id`, projectIDs)
	if err != nil {
		return nil, err
	}
	out := map[string]domain.ReportTotals{}
	var projectID string
	var t domain.ReportTotals
	_, err = pgx.ForEachRow(rows, []any{&projectID, &t.Filed, &t.BeneficiariesServed, &t.SpentFen}, func() error {
		out[projectID] = t
		return nil
	})
	return out, err
}

// InsertFinalSummary stores a final summary; a second of the project is FINAL_SUMMARY_EXISTS.
func (s *Store) InsertFinalSummary(ctx context.Context, f domain.FinalSummary) error {
	_, err := s.q(ctx).Exec(ctx, `INSERT INTO final_summaries (project_id, round_id, org_id, summary, outcomes, beneficiaries_served, spent_fen,
		plan_state, created_at, submitted_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		f.ProjectID, f.RoundID, f.OrgID, f.Summary, f.Outcomes, f.BeneficiariesServed, f.SpentFen, f.PlanState, f.CreatedAt, f.SubmittedBy)
	if violates(err, "final_summaries_pkey") {
		return domain.ErrFinalSummaryExists
	}
	return err
}

// FinalSummary reads a project's final summary; none is FINAL_SUMMARY_NOT_FOUND.
func (s *Store) FinalSummary(ctx context.Context, projectID string) (domain.FinalSummary, error) {
	var f domain.FinalSummary
	err := s.q(ctx).QueryRow(ctx, `SELECT project_id, round_id, org_id, summary, outcomes, beneficiaries_served, spent_fen, plan_state,
		created_at, submitted_by FROM final_summaries WHERE project_id = $1`, projectID).Scan(&f.ProjectID, &f.RoundID, &f.OrgID, &f.Summary,
		&f.Outcomes, &f.BeneficiariesServed, &f.SpentFen, &f.PlanState, &f.CreatedAt, &f.SubmittedBy)
	if errors.Is(err, pgx.ErrNoRows) {
		return f, domain.ErrFinalSummaryNotFound.With("project %s has no final summary", projectID)
	}
	return f, err
}

// InsertPerformanceEvaluation stores a performance evaluation; a second is PERFORMANCE_EVALUATION_EXISTS.
func (s *Store) InsertPerformanceEvaluation(ctx context.Context, e domain.PerformanceEvaluation) error {
	_, err := s.q(ctx).Exec(ctx, `INSERT INTO performance_evaluations (project_id, round_id, score, grade, findings, evaluated_at, recorded_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, e.ProjectID, e.RoundID, e.Score, e.Grade, e.Findings, e.EvaluatedAt, e.RecordedBy)
	if violates(err, "performance_evaluations_pkey") {
		return domain.ErrPerformanceEvaluationExists
	}
	return err
}

// PerformanceEvaluation reads a project's performance evaluation; none is PERFORMANCE_EVALUATION_NOT_FOUND.
func (s *Store) PerformanceEvaluation(ctx context.Context, projectID string) (domain.PerformanceEvaluation, error) {
	var e domain.PerformanceEvaluation
	err := s.q(ctx).QueryRow(ctx, `SELECT project_id, round_id, score, grade, findings, evaluated_at, recorded_by
		FROM performance_evaluations WHERE project_id = $1`, projectID).Scan(&e.ProjectID, &e.RoundID, &e.Score, &e.Grade, &e.Findings,
		&e.EvaluatedAt, &e.RecordedBy)
	if errors.Is(err, pgx.ErrNoRows) {
		return e, domain.ErrPerformanceEvaluationNotFound.With("project %s has no performance evaluation", projectID)
	}
	return e, err
}

// ClosureRecords returns which of projectIDs have a final summary and which a performance evaluation.
func (s *Store) ClosureRecords(ctx context.Context, projectIDs []string) (summarised, evaluated map[string]bool, err error) {
	summarised, evaluated = map[string]bool{}, map[string]bool{}
	for _, q := range []struct {
		table string
		into  map[string]bool
	}{{"final_summaries", summarised}, {"performance_evaluations", evaluated}} {
		rows, err := s.q(ctx).Query(ctx, `SELECT project_id::text FROM `+q.table+` WHERE project_id = ANY($1::uuid[])`, projectIDs)
		if err != nil {
			return nil, nil, err
		}
		var id string
		if _, err := pgx.ForEachRow(rows, []any{&id}, func() error { q.into[id] = true; return nil }); err != nil {
			return nil, nil, err
		}
	}
	return summarised, evaluated, nil
}

// InsertRoundSummary stores a round summary; a second is ROUND_SUMMARY_EXISTS.
func (s *Store) InsertRoundSummary(ctx context.Context, r domain.RoundSummary) error {
	_, err := s.q(ctx).Exec(ctx, `INSERT INTO round_summaries (round_id, summary, funded_projects, created_at, submitted_by)
		VALUES ($1, $2, $3, $4, $5)`, r.RoundID, r.Summary, r.FundedProjects, r.CreatedAt, r.SubmittedBy)
	if violates(err, "round_summaries_pkey") {
		return domain.ErrRoundSummaryExists
	}
	return err
}

// RoundSummary reads a round's summary; ok is false when none is filed.
func (s *Store) RoundSummary(ctx context.Context, roundID string) (domain.RoundSummary, bool, error) {
	var r domain.RoundSummary
	err := s.q(ctx).QueryRow(ctx, `SELECT round_id, summary, funded_projects, created_at, submitted_by FROM round_summaries WHERE round_id = $1`,
		roundID).Scan(&r.RoundID, &r.Summary, &r.FundedProjects, &r.CreatedAt, &r.SubmittedBy)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, false, nil
	}
	return r, err == nil, err
}
