package app_test

import "testing"

// The service's runtime role cannot rewrite the rounds' phase changes: it may only add to them and read them, and cannot
// switch off their triggers; the owner role (db.Migrate) owns them.
func TestRuntimeRoleCannotRewriteHistory(t *testing.T) {
	schema.CheckAppendOnly(t, "round_phase_changes", "application_partner_consents")
}
