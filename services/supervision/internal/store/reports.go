package store

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/services/supervision/internal/app"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
)

// reportCols are the columns scanReport reads, in its order; revisions are read as reports in the same order.
const reportCols = `r.id, r.project_id, r.round_id, r.org_id, r.period, r.activities, r.beneficiaries_served, r.spent_fen, r.spending,
	r.issues, r.revision, r.late, r.created_at, r.updated_at, r.submitted_by`

func scanReport(row pgx.Row) (domain.MonthlyReport, error) {
	var r domain.MonthlyReport
	var period string
	var spending []byte
	if err := row.Scan(&r.ID, &r.ProjectID, &r.RoundID, &r.OrgID, &period, &r.Activities, &r.BeneficiariesServed, &r.SpentFen, &spending,
		&r.Issues, &r.Revision, &r.Late, &r.CreatedAt, &r.UpdatedAt, &r.SubmittedBy); err != nil {
		return r, err
	}
	p, err := domain.ParsePeriod(period)
	if err != nil {
		return r, err
	}
	r.Period = p
	r.Spending, err = spendingOf(spending)
	return r, err
}

func collectReports(rows pgx.Rows, err error) ([]domain.MonthlyReport, error) {
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.MonthlyReport, error) { return scanReport(row) })
}

// ChangeReport loads and locks a project's report of a period, lets change fill (none yet) or modify it, and
// writes it with its new revision, all in the context's transaction (or its own). A change that leaves the
// revision as it was writes nothing.
func (s *Store) ChangeReport(ctx context.Context, projectID string, period domain.Period,
	change func(r *domain.MonthlyReport, exists bool) error) (domain.MonthlyReport, error) {
	var out domain.MonthlyReport
	err := db.InTx(ctx, s.pool, func(ctx context.Context) error {
		r, err := scanReport(s.q(ctx).QueryRow(ctx, `SELECT `+reportCols+` FROM monthly_reports r
			WHERE r.project_id = $1 AND r.period = $2 FOR UPDATE`, projectID, period.String()))
		exists := !errors.Is(err, pgx.ErrNoRows)
		if exists && err != nil {
			return err
		}
		if !exists {
			r = domain.MonthlyReport{}
		}
		before := r.Revision
		if err := change(&r, exists); err != nil {
			return err
		}
		out = r
		if r.Revision == before {
			return nil
		}
		if err := s.writeReport(ctx, r, exists); err != nil {
			return err
		}
		return s.appendRevision(ctx, r)
	})
	if err != nil {
		return domain.MonthlyReport{}, err
	}
	return out, nil
}

func (s *Store) writeReport(ctx context.Context, r domain.MonthlyReport, exists bool) error {
	spending, err := spendingJSON(r.Spending)
	if err != nil {
		return err
	}
	if exists {
		_, err = s.q(ctx).Exec(ctx, `UPDATE monthly_reports SET activities = $2, beneficiaries_served = $3, spent_fen = $4, spending = $5,
			issues = $6, revision = $7, updated_at = $8, submitted_by = $9 WHERE id = $1`,
			r.ID, r.Activities, r.BeneficiariesServed, r.SpentFen, spending, r.Issues, r.Revision, r.UpdatedAt, r.SubmittedBy)
		return err
	}
	_, err = s.q(ctx).Exec(ctx, `INSERT INTO monthly_reports (id, project_id, round_id, org_id, period, activities, beneficiaries_served,
		spent_fen, spending, issues, revision, late, created_at, updated_at, submitted_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		r.ID, r.ProjectID, r.RoundID, r.OrgID, r.Period.String(), r.Activities, r.BeneficiariesServed, r.SpentFen, spending, r.Issues,
		r.Revision, r.Late, r.CreatedAt, r.UpdatedAt, r.SubmittedBy)
	if violates(err, "monthly_reports_one_per_period") {
		return domain.ErrReportExists.With("a report of %s was filed meanwhile: read it and send its etag to replace it", r.Period)
	}
	return err
}

func (s *Store) appendRevision(ctx context.Context, r domain.MonthlyReport) error {
	spending, err := spendingJSON(r.Spending)
	if err != nil {
		return err
	}
	_, err = s.q(ctx).Exec(ctx, `INSERT INTO monthly_report_revisions (report_id, revision, activities, beneficiaries_served, spent_fen,
		spending, issues, submitted_at, submitted_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		r.ID, r.Revision, r.Activities, r.BeneficiariesServed, r.SpentFen, spending, r.Issues, r.UpdatedAt, r.SubmittedBy)
	return err
}

// ListReports returns up to f.Limit of a project's reports after the keyset position (a period), earliest
// period first.
func (s *Store) ListReports(ctx context.Context, f app.Page) ([]domain.MonthlyReport, error) {
	afterPeriod := ""
	if !f.AfterTime.IsZero() {
		afterPeriod = domain.PeriodOfKey(f.AfterTime).String()
	}
	return collectReports(s.q(ctx).Query(ctx, `SELECT `+reportCols+` FROM monthly_reports r
		WHERE r.project_id = $1 AND r.period > $2 ORDER BY r.period LIMIT $3`, f.ProjectID, afterPeriod, f.Limit))
}

// ReportRevisions returns every revision of a project's report of a period, first first, each as it was filed.
func (s *Store) ReportRevisions(ctx context.Context, projectID string, period domain.Period) ([]domain.MonthlyReport, error) {
	return collectReports(s.q(ctx).Query(ctx, `SELECT r.id, r.project_id, r.round_id, r.org_id, r.period, v.activities,
		v.beneficiaries_served, v.spent_fen, v.spending, v.issues, v.revision, r.late, r.created_at, v.submitted_at, v.submitted_by
		FROM monthly_report_revisions v JOIN monthly_reports r ON r.id = v.report_id
		WHERE r.project_id = $1 AND r.period = $2 ORDER BY v.revision`, projectID, period.String()))
}

// FiledPeriods returns, per project, the periods it has a report for.
func (s *Store) FiledPeriods(ctx context.Context, projectIDs []string) (map[string][]domain.Period, error) {
	rows, err := s.q(ctx).Query(ctx, `SELECT project_id::text, period FROM monthly_reports WHERE project_id = ANY($1::uuid[])`, projectIDs)
	if err != nil {
		return nil, err
	}
	out := map[string][]domain.Period{}
	var projectID, period string
	_, err = pgx.ForEachRow(rows, []any{&projectID, &period}, func() error {
		p, err := domain.ParsePeriod(period)
		out[projectID] = append(out[projectID], p)
		return err
	})
	return out, err
}
