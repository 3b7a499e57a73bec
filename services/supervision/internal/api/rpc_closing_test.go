package api_test

import (
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	pb "github.com/commonweal/commonweal/gen/go/commonweal/supervision/v1"
	"github.com/commonweal/commonweal/pkg/identity"
)

// TestClosingOverGRPC: the quarterly report with its figures, the closing status the round coordinator reads,
// and a final summary and performance evaluation through the wire.
func TestClosingOverGRPC(t *testing.T) {
	o := fixtureProject()
	srv := serve(t, o, func() time.Time { return time.Date(2026, 9, 20, 4, 0, 0, 0, time.UTC) })
	op := &identity.Identity{Subject: "op-1", Roles: []identity.Role{identity.Operator}}
	coordinator := &identity.Identity{Subject: "service:applications", Roles: []identity.Role{identity.Service}}
	team := &identity.Identity{Subject: "team-1", Roles: []identity.Role{identity.Applicant}, OrgID: o.project.OrgID}

	var q pb.QuarterlyReport
	if err := srv.Invoke("CreateQuarterlyReport", op, &pb.CreateQuarterlyReportRequest{RoundId: o.round.ID, Year: 2026, Quarter: 3, Narrative: "Q3"}, &q); err != nil {
		t.Fatal(err)
	}
	if len(q.GetProjects()) != 1 || q.GetProjects()[0].GetPlanState() != "PLAN_STATE_COMPLETED" || q.GetTotals().GetMatchedFen() != 7 ||
		q.GetTotals().GetPledgedFen() != 3 || q.GetTotals().GetMonthlyReportsOverdue() != 6 /* March to August */ || q.GetAsOf() == nil {
		t.Fatalf("quarterly report: %v", &q)
	}
	expectErr(t, "second report", srv.Invoke("CreateQuarterlyReport", op, &pb.CreateQuarterlyReportRequest{RoundId: o.round.ID, Year: 2026, Quarter: 3,
		Narrative: "again"}, &q), codes.AlreadyExists, "QUARTERLY_REPORT_EXISTS")

	var st pb.RoundClosingStatus
	if err := srv.Invoke("GetRoundClosingStatus", coordinator, &pb.GetRoundClosingStatusRequest{RoundId: o.round.ID}, &st); err != nil {
		t.Fatal(err)
	}
	if st.GetClosingUnmetReason() != "" || st.GetClosedUnmetReason() != "ROUND_SUMMARY_MISSING" || st.GetRoundSummaryFiled() {
		t.Fatalf("closing status: %v", &st)
	}
	var fs pb.FinalSummary
	if err := srv.Invoke("SubmitFinalSummary", team, &pb.SubmitFinalSummaryRequest{ProjectId: o.project.ID, Summary: "done", SpentFen: 5}, &fs); err != nil ||
		fs.GetPlanState() != "PLAN_STATE_COMPLETED" || fs.GetSubmittedBy() != "team-1" {
		t.Fatalf("final summary: %v %v", err, &fs)
	}
	var pe pb.PerformanceEvaluation
	if err := srv.Invoke("CreatePerformanceEvaluation", op, &pb.CreatePerformanceEvaluationRequest{ProjectId: o.project.ID, Score: 92, Findings: "x"}, &pe); err != nil ||
		pe.GetGrade() != pb.PerformanceGrade_PERFORMANCE_GRADE_EXCELLENT {
		t.Fatalf("performance evaluation: %v %v", err, &pe)
	}
	expectErr(t, "round summary in IMPLEMENTATION", srv.Invoke("SubmitRoundSummary", &identity.Identity{Subject: "org", Roles: []identity.Role{identity.Organizer}},
		&pb.SubmitRoundSummaryRequest{RoundId: o.round.ID, Summary: "x"}, &pb.RoundSummary{}), codes.FailedPrecondition, "ROUND_NOT_CLOSING")
	expectErr(t, "no round summary", srv.Invoke("GetRoundSummary", coordinator, &pb.GetRoundSummaryRequest{RoundId: o.round.ID}, &pb.RoundSummary{}),
		codes.NotFound, "ROUND_SUMMARY_NOT_FOUND")
}
