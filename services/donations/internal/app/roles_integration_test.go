package app_test

import "testing"

// The service's runtime role cannot rewrite the ledger, the pledges' audit trail and the returned shares: it may only add to them and read them, and cannot
// switch off their triggers; the owner role (db.Migrate) owns them.
func TestRuntimeRoleCannotRewriteHistory(t *testing.T) {
	schema.CheckAppendOnly(t, "ledger_transfers", "pledge_events", "share_returns")
}
