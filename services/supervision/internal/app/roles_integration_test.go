package app_test

import "testing"

// The service's runtime role cannot rewrite the reports, evaluations, summaries and disclosures: it may only add to them and read them, and cannot
// switch off their triggers; the owner role (db.Migrate) owns them.
func TestRuntimeRoleCannotRewriteHistory(t *testing.T) {
	schema.CheckAppendOnly(t, "monthly_report_revisions", "evaluations", "quarterly_reports", "final_summaries", "performance_evaluations", "round_summaries", "disclosure_items")
}
