// Package dbtest gives a service's integration tests databases with the service's schema migrated (pkg/db),
// each cloned from one template per migration set (pkg/pgtest). A test package using it still needs
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
package dbtest

import (
	"context"
	"io/fs"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/pgtest"
	"github.com/commonweal/commonweal/pkg/sealed"
)

// Schema is a service's migrated schema in the tests.
type Schema struct {
	name, password string
	tmpl           *pgtest.Template
}

// New returns the schema of a service (its name, the password its role gets in the tests, its migrations).
func New(name, password string, migrations fs.FS) *Schema {
	s := &Schema{name: name, password: password}
	s.tmpl = pgtest.NewTemplate(name+"_"+pgtest.HashFS(migrations), func(ctx context.Context, _, dbURL string) error {
		return db.Migrate(ctx, s.settings(dbURL, 0), migrations)
	})
	return s
}

func (s *Schema) settings(dbURL string, maxConns int32) db.Settings {
	return db.Settings{AdminURL: dbURL, Schema: s.name, Password: s.password, MaxConns: maxConns}
}

// Pool opens a pool on a fresh database with the schema, connected as the service's role with at most
// maxConns connections (0: the default); both are gone when tb ends.
func (s *Schema) Pool(tb testing.TB, maxConns int32) *pgxpool.Pool {
	tb.Helper()
	_, dbURL := s.tmpl.Database(tb)
	pool, err := db.Open(context.Background(), s.settings(dbURL, maxConns))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(pool.Close)
	return pool
}

// Box is the sealed.Box the tests' stores seal personal values with: an all-zero key, never a real one.
func Box(tb testing.TB) *sealed.Box {
	tb.Helper()
	box, err := sealed.New(make([]byte, sealed.KeySize))
	if err != nil {
		tb.Fatal(err)
	}
	return box
}
