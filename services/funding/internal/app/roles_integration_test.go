package app_test

import "testing"

// The service's runtime role cannot rewrite the ledger and the plans' audit trail: it may only add to them and read them, and cannot
// switch off their triggers; the owner role (db.Migrate) owns them.
func TestRuntimeRoleCannotRewriteHistory(t *testing.T) {
	schema.CheckAppendOnly(t, "ledger_transfers", "plan_events")
}
