package store_test

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/commonweal/commonweal/pkg/idempotency"
	"github.com/commonweal/commonweal/pkg/ledger/pgledger"
	"github.com/commonweal/commonweal/services/funding/internal/store/migrations"
)

// TestMigrationsCopyTheSharedTables: the migrations hold the shared packages' DDL (the ledger's and the
// request records') as those packages define it, goose's annotations aside.
func TestMigrationsCopyTheSharedTables(t *testing.T) {
	var all strings.Builder
	files, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("migrations: %v", err)
	}
	for _, f := range files {
		b, err := fs.ReadFile(migrations.FS, f)
		if err != nil {
			t.Fatal(err)
		}
		all.Write(b)
	}
	got := normalize(all.String())
	for name, ddl := range map[string]string{"pgledger.Schema": pgledger.Schema, "pgledger.ChainSchema": pgledger.ChainSchema, "idempotency.Table": idempotency.Table} {
		if !strings.Contains(got, normalize(ddl)) {
			t.Errorf("the migrations do not hold %s as it is defined", name)
		}
	}
}

var (
	gooseLine = regexp.MustCompile(`(?m)^\s*-- \+goose .*$`)
	space     = regexp.MustCompile(`\s+`)
)

func normalize(sql string) string {
	return strings.TrimSpace(space.ReplaceAllString(gooseLine.ReplaceAllString(sql, ""), " "))
}
