package app_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/supervision/internal/app"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
)

func TestMonthlyReports(t *testing.T) {
	f := setup(t)
	// March, filed on 20 May: late (it was due on 10 April). May, the current month: on time.
	march, err := f.svc.SubmitMonthlyReport(f.team, f.report("2026-03", 1_200, ""))
	if err != nil {
		t.Fatal(err)
	}
	if march.Revision != 1 || !march.Late || march.OrgID != f.project.OrgID || march.RoundID != f.round || march.SpentFen != 1_200 ||
		march.SubmittedBy != "team-"+f.project.OrgID[:8] {
		t.Fatalf("first report: %+v", march)
	}
	may, err := f.svc.SubmitMonthlyReport(f.team, f.report("2026-05", 0, ""))
	if err != nil || may.Late {
		t.Fatalf("current month: %v %+v", err, may)
	}

	// A second POST of a period is an update: it needs the current etag.
	again := f.report("2026-03", 1_500, "")
	if _, err := f.svc.SubmitMonthlyReport(f.team, again); reason(err) != "MONTHLY_REPORT_EXISTS" {
		t.Fatalf("second report without etag: %v", err)
	}
	again.Etag = may.Etag()
	if _, err := f.svc.SubmitMonthlyReport(f.team, again); reason(err) != "ETAG_MISMATCH" {
		t.Fatalf("second report with another report's etag: %v", err)
	}
	if _, err := f.svc.SubmitMonthlyReport(f.team, f.report("2026-04", 0, march.Etag())); reason(err) != "ETAG_MISMATCH" {
		t.Fatalf("first report of a period with an etag: %v", err)
	}
	f.clock.Add(time.Hour)
	again.Etag = march.Etag()
	again.Spending = []domain.LineAmount{{BudgetLine: "meals", AmountFen: 1_000}, {BudgetLine: "staff", AmountFen: 500}}
	march2, err := f.svc.SubmitMonthlyReport(f.team, again)
	if err != nil || march2.Revision != 2 || march2.ID != march.ID || march2.SpentFen != 1_500 || !march2.Late || !march2.CreatedAt.Equal(march.CreatedAt) ||
		!march2.UpdatedAt.After(march.UpdatedAt) || march2.Etag() == march.Etag() {
		t.Fatalf("update: %v %+v", err, march2)
	}
	if _, err := f.svc.SubmitMonthlyReport(f.team, again); reason(err) != "ETAG_MISMATCH" {
		t.Fatalf("update with the previous revision's etag: %v", err)
	}

	// The history is kept: both revisions, as filed.
	revs, err := f.svc.ListMonthlyReportRevisions(f.team, f.project.ID, "2026-03")
	if err != nil || len(revs) != 2 {
		t.Fatalf("revisions: %v %d", err, len(revs))
	}
	if revs[0].Revision != 1 || revs[0].SpentFen != 1_200 || revs[0].Spending != nil || !revs[0].UpdatedAt.Equal(march.UpdatedAt) ||
		revs[1].Revision != 2 || revs[1].SpentFen != 1_500 || len(revs[1].Spending) != 2 || revs[1].Etag() != march2.Etag() {
		t.Fatalf("revisions: %+v", revs)
	}
	if _, err := f.svc.ListMonthlyReportRevisions(f.team, f.project.ID, "2026-04"); reason(err) != "NOT_FOUND" {
		t.Fatalf("revisions of a period without a report: %v", err)
	}
	if _, err := f.svc.ListMonthlyReportRevisions(f.team, f.project.ID, "March"); reason(err) != "INVALID_PERIOD" {
		t.Fatalf("revisions of a bad period: %v", err)
	}
	if _, err := f.pool.Exec(context.Background(), `UPDATE monthly_report_revisions SET spent_fen = 0`); err == nil {
		t.Fatal("the database let a report revision be changed")
	}

	// Staff and the team list the reports, earliest period first, page by page.
	for _, ctx := range []context.Context{f.team, operator, auditor, funding} {
		list, err := f.svc.ListMonthlyReports(ctx, page(f.project.ID))
		if err != nil || len(list) != 2 || list[0].Period.String() != "2026-03" || list[0].Revision != 2 || list[1].Period.String() != "2026-05" {
			t.Fatalf("list: %v %+v", err, list)
		}
	}
	first, err := f.svc.ListMonthlyReports(f.team, app.Page{ProjectID: f.project.ID, Limit: 1})
	if err != nil || len(first) != 1 {
		t.Fatal(err)
	}
	rest, err := f.svc.ListMonthlyReports(f.team, app.Page{ProjectID: f.project.ID, AfterTime: first[0].Period.Key(), AfterID: first[0].ID, Limit: 10})
	if err != nil || len(rest) != 1 || rest[0].Period.String() != "2026-05" {
		t.Fatalf("second page: %v %+v", err, rest)
	}
}

func TestMonthlyReportValidation(t *testing.T) {
	f := setup(t)
	with := func(change func(*app.SubmitMonthlyReport)) app.SubmitMonthlyReport {
		c := f.report("2026-04", 0, "")
		change(&c)
		return c
	}
	tests := []struct {
		name string
		cmd  app.SubmitMonthlyReport
		want string
	}{
		{"bad period", with(func(c *app.SubmitMonthlyReport) { c.Period = "2026-4" }), "INVALID_PERIOD"},
		{"before the implementation", with(func(c *app.SubmitMonthlyReport) { c.Period = "2026-02" }), "PERIOD_OUTSIDE_IMPLEMENTATION"},
		{"a future month", with(func(c *app.SubmitMonthlyReport) { c.Period = "2026-06" }), "PERIOD_OUTSIDE_IMPLEMENTATION"},
		{"no activities", with(func(c *app.SubmitMonthlyReport) { c.Activities = "" }), "REQUIRED_FIELD"},
		{"negative spending", with(func(c *app.SubmitMonthlyReport) { c.SpentFen = -1 }), "NEGATIVE_AMOUNT"},
		{"unknown budget line", with(func(c *app.SubmitMonthlyReport) {
			c.Spending = []domain.LineAmount{{BudgetLine: "travel", AmountFen: 5}}
		}), "UNKNOWN_BUDGET_LINE"},
		{"total not the lines' sum", with(func(c *app.SubmitMonthlyReport) {
			c.SpentFen, c.Spending = 7, []domain.LineAmount{{BudgetLine: "meals", AmountFen: 5}}
		}), "SPENDING_TOTAL_MISMATCH"},
		{"malformed project ID", with(func(c *app.SubmitMonthlyReport) { c.ProjectID = "nope" }), "INVALID_ID"},
	}
	for _, tt := range tests {
		if _, err := f.svc.SubmitMonthlyReport(f.team, tt.cmd); reason(err) != tt.want {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.want)
		}
	}
	// Without a total, the lines make it.
	r, err := f.svc.SubmitMonthlyReport(f.team, with(func(c *app.SubmitMonthlyReport) {
		c.Spending = []domain.LineAmount{{BudgetLine: "meals", AmountFen: 5}, {BudgetLine: "staff", AmountFen: 6}}
	}))
	if err != nil || r.SpentFen != 11 {
		t.Fatalf("derived total: %v %+v", err, r)
	}
}

// TestAnotherTeamGetsNotFound: a team reaching for another organisation's project, or a user without an
// organisation, gets the answer an unknown project gets, for every call; not the project's stage or phase.
func TestAnotherTeamGetsNotFound(t *testing.T) {
	f := setup(t)
	if _, err := f.svc.SubmitMonthlyReport(f.team, f.report("2026-04", 0, "")); err != nil {
		t.Fatal(err)
	}
	other := f.addProject("SELECTED", 12)
	strangers := map[string]context.Context{
		"another team":         teamOf(other),
		"an applicant, no org": as("someone", identity.Applicant),
	}
	unknown := ids.New()
	for name, ctx := range strangers {
		for _, projectID := range []string{f.project.ID, unknown} {
			cmd := f.report("2026-04", 0, "")
			cmd.ProjectID = projectID
			_, errSubmit := f.svc.SubmitMonthlyReport(ctx, cmd)
			_, errList := f.svc.ListMonthlyReports(ctx, page(projectID))
			_, errRevs := f.svc.ListMonthlyReportRevisions(ctx, projectID, "2026-04")
			_, errInspections := f.svc.ListInspections(ctx, page(projectID))
			_, errEvaluations := f.svc.ListEvaluations(ctx, projectID)
			_, errCapacity := f.svc.ListCapacityRecords(ctx, page(projectID))
			for i, err := range []error{errSubmit, errList, errRevs, errInspections, errEvaluations, errCapacity} {
				if reason(err) != "PROJECT_NOT_FOUND" || err.Error() != fmt.Sprintf("PROJECT_NOT_FOUND: project %s not found", projectID) {
					t.Errorf("%s, call %d on %s: %v", name, i, projectID, err)
				}
			}
		}
	}
	// A not-selected project of the team's own organisation is refused for its stage.
	notSelected := f.addProject("NOT_SELECTED", 12)
	cmd := f.report("2026-04", 0, "")
	cmd.ProjectID = notSelected.ID
	if _, err := f.svc.SubmitMonthlyReport(teamOf(notSelected), cmd); reason(err) != "PROJECT_NOT_SELECTED" {
		t.Fatalf("own not-selected project: %v", err)
	}
	// Outside IMPLEMENTATION nothing is filed.
	for _, phase := range []string{"APPROVAL", "CLOSING"} {
		f.apps.setRound(f.round, func(r *domain.Round) { r.Phase = phase })
		if _, err := f.svc.SubmitMonthlyReport(f.team, f.report("2026-05", 0, "")); reason(err) != "ROUND_NOT_IN_IMPLEMENTATION" {
			t.Fatalf("in %s: %v", phase, err)
		}
	}
}

// TestStaffReadsWithoutAskingApplications: staff and suite services read a project's records from this
// service alone; only a team's read asks the applications service who owns the project.
func TestStaffReadsWithoutAskingApplications(t *testing.T) {
	f := setup(t)
	before := f.apps.calls.Load()
	if _, err := f.svc.ListMonthlyReports(organizer, page(f.project.ID)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ListEvaluations(funding, f.project.ID); err != nil {
		t.Fatal(err)
	}
	if n := f.apps.calls.Load() - before; n != 0 {
		t.Fatalf("staff reads asked the applications service %d times", n)
	}
	if _, err := f.svc.ListMonthlyReports(f.team, page(f.project.ID)); err != nil || f.apps.calls.Load() == before {
		t.Fatalf("team read: %v, applications asked %d times", err, f.apps.calls.Load()-before)
	}
}

// TestMonthlyReportRetriesAndRaces: a retried request gets its first answer without asking anyone again,
// even after the round moved on; concurrent first reports of a period make one report; concurrent updates
// from the same revision make one revision.
func TestMonthlyReportRetriesAndRaces(t *testing.T) {
	f := setup(t)
	cmd := f.report("2026-04", 300, "")
	cmd.Key = key("req-1")
	first, err := f.svc.SubmitMonthlyReport(f.team, cmd)
	if err != nil {
		t.Fatal(err)
	}
	f.apps.setRound(f.round, func(r *domain.Round) { r.Phase = "CLOSING" })
	calls := f.apps.calls.Load()
	again, err := f.svc.SubmitMonthlyReport(f.team, cmd)
	if err != nil || again.Etag() != first.Etag() || !again.UpdatedAt.Equal(first.UpdatedAt) || f.apps.calls.Load() != calls {
		t.Fatalf("retry: %v %+v (applications asked %d times)", err, again, f.apps.calls.Load()-calls)
	}
	reused := cmd
	reused.Key.Fingerprint = []byte("another body")
	if _, err := f.svc.SubmitMonthlyReport(f.team, reused); reason(err) != "REQUEST_ID_REUSED" {
		t.Fatalf("request_id reused: %v", err)
	}
	f.apps.setRound(f.round, func(r *domain.Round) { r.Phase = "IMPLEMENTATION" })

	// race files n reports at once and counts the successes and each refusal's reason.
	race := func(n int, cmd func(i int) app.SubmitMonthlyReport) (ok int, reasons map[string]int) {
		results := make([]error, n)
		var wg sync.WaitGroup
		for i := range results {
			wg.Go(func() { _, results[i] = f.svc.SubmitMonthlyReport(f.team, cmd(i)) })
		}
		wg.Wait()
		reasons = map[string]int{}
		for _, err := range results {
			reasons[reason(err)]++
		}
		return reasons[""], reasons
	}
	ok, reasons := race(8, func(i int) app.SubmitMonthlyReport { return f.report("2026-05", int64(i), "") })
	if ok != 1 || reasons["MONTHLY_REPORT_EXISTS"] != 7 {
		t.Fatalf("concurrent first reports: %d ok, %v", ok, reasons)
	}
	ok, reasons = race(8, func(i int) app.SubmitMonthlyReport { return f.report("2026-04", int64(i), first.Etag()) })
	if ok != 1 || reasons["ETAG_MISMATCH"] != 7 {
		t.Fatalf("concurrent updates: %d ok, %v", ok, reasons)
	}
	for period, want := range map[string]int{"2026-04": 2, "2026-05": 1} {
		if revs, err := f.svc.ListMonthlyReportRevisions(operator, f.project.ID, period); err != nil || len(revs) != want {
			t.Fatalf("%s: %v, %d revisions, want %d", period, err, len(revs), want)
		}
	}
}

// TestNoConnectionHeldWhileAskingApplications: with a pool of one connection, a report waiting for the
// applications service holds no connection, so another call that needs the database goes through.
func TestNoConnectionHeldWhileAskingApplications(t *testing.T) {
	f := setupPool(t, schema.Pool(t, 1))
	hold := make(chan struct{})
	f.apps.mu.Lock()
	f.apps.hold = hold
	f.apps.mu.Unlock()
	done := make(chan error, 1)
	cmd := f.report("2026-04", 0, "")
	cmd.Key = key("slow")
	go func() { _, err := f.svc.SubmitMonthlyReport(f.team, cmd); done <- err }()
	for f.apps.calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(operator, 5*time.Second)
	defer cancel()
	if _, err := f.svc.ListMonthlyReports(ctx, page(f.project.ID)); err != nil {
		t.Fatalf("a read while the report waits for applications: %v", err)
	}
	close(hold)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
