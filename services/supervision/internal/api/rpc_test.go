package api_test

import (
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/supervision/v1"
	"github.com/commonweal/commonweal/pkg/grpcerr"
	"github.com/commonweal/commonweal/pkg/identity"
	"github.com/commonweal/commonweal/pkg/ids"
	"github.com/commonweal/commonweal/services/supervision/internal/domain"
)

func fixtureProject() oneProject {
	round := domain.Round{ID: ids.New(), Phase: "IMPLEMENTATION", PhaseEnteredAt: time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC),
		MonthlyReportDueDay: 10, TimeZone: "Asia/Shanghai"}
	return oneProject{round: round, project: domain.Project{ID: ids.New(), RoundID: round.ID, OrgID: ids.New(), Title: "Meals on wheels",
		Stage: "SELECTED", BudgetLines: []string{"meals", "staff"}, DurationMonths: 12}}
}

// expectErr checks a call's status code and reason.
func expectErr(t *testing.T, what string, err error, code codes.Code, reason string) {
	t.Helper()
	if status.Code(err) != code || grpcerr.Reason(err) != reason {
		t.Fatalf("%s: %v (reason %q), want %v %s", what, err, grpcerr.Reason(err), code, reason)
	}
}

// TestFundingCallsOverGRPC is the funding service's view through the wire: GetEvaluationStatus for the tranche
// gates and GetVerifiedSpending for a clawback, before and after the operator records the evaluations.
func TestFundingCallsOverGRPC(t *testing.T) {
	o := fixtureProject()
	srv := serve(t, o, func() time.Time { return time.Date(2026, 9, 20, 4, 0, 0, 0, time.UTC) })
	fundingSvc := &identity.Identity{Subject: "service:funding", Roles: []identity.Role{identity.Service}}
	op := &identity.Identity{Subject: "op-1", Roles: []identity.Role{identity.Operator}}
	project := o.project.ID

	var st pb.EvaluationStatus
	if err := srv.Invoke("GetEvaluationStatus", fundingSvc, &pb.GetEvaluationStatusRequest{ProjectId: project, Kind: pb.EvaluationKind_EVALUATION_KIND_MIDTERM}, &st); err != nil {
		t.Fatal(err)
	}
	if st.GetExists() || st.GetResult() != pb.EvaluationResult_EVALUATION_RESULT_UNSPECIFIED || st.GetEvaluateTime() != nil || st.GetKind() != pb.EvaluationKind_EVALUATION_KIND_MIDTERM {
		t.Fatalf("gate before the evaluation: %v", &st)
	}
	var v pb.VerifiedSpending
	if err := srv.Invoke("GetVerifiedSpending", fundingSvc, &pb.GetVerifiedSpendingRequest{ProjectId: project}, &v); err != nil {
		t.Fatal(err)
	}
	if v.GetEvaluated() || v.GetVerifiedSpendingFen() != 0 || v.GetKind() != pb.EvaluationKind_EVALUATION_KIND_UNSPECIFIED || v.GetProjectId() != project {
		t.Fatalf("verified spending before any evaluation: %v", &v)
	}
	expectErr(t, "gate without a kind", srv.Invoke("GetEvaluationStatus", fundingSvc, &pb.GetEvaluationStatusRequest{ProjectId: project}, &st),
		codes.InvalidArgument, "INVALID_EVALUATION_KIND")

	mid := &pb.CreateEvaluationRequest{ProjectId: project, Kind: pb.EvaluationKind_EVALUATION_KIND_MIDTERM, Result: pb.EvaluationResult_EVALUATION_RESULT_PASSED,
		Spending: []*pb.BudgetLineAmount{{BudgetLine: "meals", AmountFen: 2_500_000}, {BudgetLine: "staff", AmountFen: 1_000_000}},
		Findings: "on track", RequestId: "eval-mid-1"}
	var e, retried pb.Evaluation
	if err := srv.Invoke("CreateEvaluation", op, mid, &e); err != nil {
		t.Fatal(err)
	}
	if err := srv.Invoke("CreateEvaluation", op, mid, &retried); err != nil || !proto.Equal(&e, &retried) {
		t.Fatalf("retried evaluation: %v %v", err, &retried)
	}
	other := proto.Clone(mid).(*pb.CreateEvaluationRequest)
	other.Findings = "changed"
	expectErr(t, "request_id reused", srv.Invoke("CreateEvaluation", op, other, &retried), codes.InvalidArgument, "REQUEST_ID_REUSED")
	other.RequestId = ""
	expectErr(t, "second midterm", srv.Invoke("CreateEvaluation", op, other, &retried), codes.AlreadyExists, "EVALUATION_EXISTS")

	if err := srv.Invoke("GetEvaluationStatus", fundingSvc, &pb.GetEvaluationStatusRequest{ProjectId: project, Kind: pb.EvaluationKind_EVALUATION_KIND_MIDTERM}, &st); err != nil {
		t.Fatal(err)
	}
	if !st.GetExists() || st.GetResult() != pb.EvaluationResult_EVALUATION_RESULT_PASSED || st.GetVerifiedSpendingFen() != 3_500_000 ||
		st.GetEvaluationId() != e.GetId() || !st.GetEvaluateTime().AsTime().Equal(e.GetEvaluateTime().AsTime()) {
		t.Fatalf("tranche 2 gate: %v", &st)
	}
	if err := srv.Invoke("GetEvaluationStatus", fundingSvc, &pb.GetEvaluationStatusRequest{ProjectId: project, Kind: pb.EvaluationKind_EVALUATION_KIND_FINAL_ACCEPTANCE}, &st); err != nil || st.GetExists() {
		t.Fatalf("tranche 3 gate before the final acceptance: %v %v", err, &st)
	}
	final := &pb.CreateEvaluationRequest{ProjectId: project, Kind: pb.EvaluationKind_EVALUATION_KIND_FINAL_ACCEPTANCE,
		Result: pb.EvaluationResult_EVALUATION_RESULT_PASSED, VerifiedSpendingFen: 8_000_000, Findings: "accepted"}
	if err := srv.Invoke("CreateEvaluation", op, final, &e); err != nil {
		t.Fatal(err)
	}
	if err := srv.Invoke("GetVerifiedSpending", fundingSvc, &pb.GetVerifiedSpendingRequest{ProjectId: project}, &v); err != nil {
		t.Fatal(err)
	}
	if !v.GetEvaluated() || v.GetVerifiedSpendingFen() != 8_000_000 || v.GetKind() != pb.EvaluationKind_EVALUATION_KIND_FINAL_ACCEPTANCE ||
		v.GetResult() != pb.EvaluationResult_EVALUATION_RESULT_PASSED || v.GetEvaluationId() != e.GetId() || len(v.GetSpending()) != 0 {
		t.Fatalf("verified spending after the final acceptance: %v", &v)
	}
}

// TestMonthlyReportsOverGRPC: filing, updating with the etag, listing page by page with tokens bound to the
// project, and the team of another organisation refused as NOT_FOUND.
func TestMonthlyReportsOverGRPC(t *testing.T) {
	o := fixtureProject()
	srv := serve(t, o, func() time.Time { return time.Date(2026, 6, 20, 4, 0, 0, 0, time.UTC) })
	team := &identity.Identity{Subject: "team-1", Roles: []identity.Role{identity.Applicant}, OrgID: o.project.OrgID}
	stranger := &identity.Identity{Subject: "team-2", Roles: []identity.Role{identity.Applicant}, OrgID: ids.New()}
	project := o.project.ID
	var r pb.MonthlyReport
	for _, period := range []string{"2026-03", "2026-04", "2026-05"} {
		if err := srv.Invoke("SubmitMonthlyReport", team, &pb.SubmitMonthlyReportRequest{ProjectId: project, Period: period, Activities: "visits",
			BeneficiariesServed: 30, Spending: []*pb.BudgetLineAmount{{BudgetLine: "meals", AmountFen: 100}}}, &r); err != nil {
			t.Fatal(err)
		}
	}
	if r.GetSpentFen() != 100 || r.GetRevision() != 1 || r.GetEtag() == "" || !r.GetLate() || r.GetPeriod() != "2026-05" { // May was due on 10 June
		t.Fatalf("report: %v", &r)
	}
	update := &pb.SubmitMonthlyReportRequest{ProjectId: project, Period: "2026-05", Activities: "visits and meals", SpentFen: 300}
	expectErr(t, "update without etag", srv.Invoke("SubmitMonthlyReport", team, update, &r), codes.AlreadyExists, "MONTHLY_REPORT_EXISTS")
	update.Etag = r.GetEtag()
	if err := srv.Invoke("SubmitMonthlyReport", team, update, &r); err != nil || r.GetRevision() != 2 || r.GetSpentFen() != 300 {
		t.Fatalf("update: %v %v", err, &r)
	}
	expectErr(t, "stale etag", srv.Invoke("SubmitMonthlyReport", team, update, &r), codes.Aborted, "ETAG_MISMATCH")
	expectErr(t, "another organisation's project", srv.Invoke("SubmitMonthlyReport", stranger, update, &r), codes.NotFound, "PROJECT_NOT_FOUND")
	expectErr(t, "another organisation's reports", srv.Invoke("ListMonthlyReports", stranger, &pb.ListMonthlyReportsRequest{ProjectId: project},
		&pb.ListMonthlyReportsResponse{}), codes.NotFound, "PROJECT_NOT_FOUND")
	expectErr(t, "a future month", srv.Invoke("SubmitMonthlyReport", team, &pb.SubmitMonthlyReportRequest{ProjectId: project, Period: "2026-07",
		Activities: "x"}, &r), codes.InvalidArgument, "PERIOD_OUTSIDE_IMPLEMENTATION")

	var periods []string
	token := ""
	for range 4 {
		var page pb.ListMonthlyReportsResponse
		if err := srv.Invoke("ListMonthlyReports", team, &pb.ListMonthlyReportsRequest{ProjectId: project, PageSize: 2, PageToken: token}, &page); err != nil {
			t.Fatal(err)
		}
		for _, m := range page.GetMonthlyReports() {
			periods = append(periods, m.GetPeriod())
		}
		if token = page.GetNextPageToken(); token == "" {
			break
		}
	}
	if len(periods) != 3 || periods[0] != "2026-03" || periods[2] != "2026-05" {
		t.Fatalf("pages: %v", periods)
	}
	var page pb.ListMonthlyReportsResponse
	if err := srv.Invoke("ListMonthlyReports", team, &pb.ListMonthlyReportsRequest{ProjectId: project, PageSize: 2}, &page); err != nil {
		t.Fatal(err)
	}
	expectErr(t, "a page token of another project", srv.Invoke("ListInspections", team, &pb.ListInspectionsRequest{ProjectId: project,
		PageToken: page.GetNextPageToken()}, &pb.ListInspectionsResponse{}), codes.InvalidArgument, "INVALID_PAGE_TOKEN")

	var revs pb.ListMonthlyReportRevisionsResponse
	if err := srv.Invoke("ListMonthlyReportRevisions", team, &pb.ListMonthlyReportRevisionsRequest{ProjectId: project, Period: "2026-05"}, &revs); err != nil ||
		len(revs.GetRevisions()) != 2 || revs.GetRevisions()[0].GetSpentFen() != 100 || revs.GetRevisions()[1].GetSpentFen() != 300 {
		t.Fatalf("revisions: %v %v", err, &revs)
	}

	var overdue pb.ListOverdueMonthlyReportsResponse
	op := &identity.Identity{Subject: "op-1", Roles: []identity.Role{identity.Operator}}
	if err := srv.Invoke("ListOverdueMonthlyReports", op, &pb.ListOverdueMonthlyReportsRequest{RoundId: o.round.ID}, &overdue); err != nil {
		t.Fatal(err)
	}
	if len(overdue.GetOverdue()) != 0 || overdue.GetTimeZone() != "Asia/Shanghai" {
		t.Fatalf("March to May filed on 20 June: %v", &overdue)
	}
}
