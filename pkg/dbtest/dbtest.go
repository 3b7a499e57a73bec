// Package dbtest gives a service's integration tests databases with the service's schema migrated (pkg/db),
// each cloned from one template per migration set (pkg/pgtest). A test package using it still needs
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
package dbtest

import (
	"context"
	"errors"
	"io/fs"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
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
	// "_r2": templates built before the owner and runtime roles were split must not be reused.
	s.tmpl = pgtest.NewTemplate(name+"_"+pgtest.HashFS(migrations)+"_r2", func(ctx context.Context, _, dbURL string) error {
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

// CheckAppendOnly fails tb unless, on a fresh database, each table is owned by the owner role and the
// runtime role may INSERT into it and SELECT from it but neither UPDATE, DELETE nor TRUNCATE it (refused
// by privilege, before any trigger), nor disable or drop its triggers; and unless the tables are among
// those db.Migrate found append-only.
func (s *Schema) CheckAppendOnly(tb testing.TB, tables ...string) {
	tb.Helper()
	ctx := context.Background()
	_, dbURL := s.tmpl.Database(tb)
	pool, err := db.Open(ctx, s.settings(dbURL, 2))
	if err != nil {
		tb.Fatal(err)
	}
	defer pool.Close()
	admin, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close(ctx)
	found, err := db.AppendOnlyTables(ctx, admin, s.name)
	if err != nil {
		tb.Fatal(err)
	}
	for _, t := range tables {
		if !slices.Contains(found, t) {
			tb.Errorf("%s is not append-only (append-only: %v)", t, found)
		}
		var owner string
		var insert, sel, update, del, truncate bool
		err := admin.QueryRow(ctx, `SELECT tableowner, has_table_privilege($3, $1 || '.' || $2, 'INSERT'), has_table_privilege($3, $1 || '.' || $2, 'SELECT'),
			has_table_privilege($3, $1 || '.' || $2, 'UPDATE'), has_table_privilege($3, $1 || '.' || $2, 'DELETE'), has_table_privilege($3, $1 || '.' || $2, 'TRUNCATE')
			FROM pg_tables WHERE schemaname = $1 AND tablename = $2`, s.name, t, s.name).Scan(&owner, &insert, &sel, &update, &del, &truncate)
		if err != nil {
			tb.Fatalf("%s: %v", t, err)
		}
		if owner != db.OwnerRole(s.name) || !insert || !sel || update || del || truncate {
			tb.Errorf("%s: owner %s, runtime role may INSERT %v SELECT %v UPDATE %v DELETE %v TRUNCATE %v; want owner %s, INSERT and SELECT only",
				t, owner, insert, sel, update, del, truncate, db.OwnerRole(s.name))
		}
		var column string
		if err := admin.QueryRow(ctx, `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position LIMIT 1`,
			s.name, t).Scan(&column); err != nil {
			tb.Fatalf("%s: %v", t, err)
		}
		name, col := pgx.Identifier{t}.Sanitize(), pgx.Identifier{column}.Sanitize()
		if _, err := pool.Exec(ctx, "SELECT count(*) FROM "+name); err != nil {
			tb.Errorf("%s: SELECT: %v", t, err)
		}
		for _, sql := range []string{"UPDATE " + name + " SET " + col + " = " + col, "DELETE FROM " + name, "TRUNCATE " + name,
			"ALTER TABLE " + name + " DISABLE TRIGGER ALL", "ALTER TABLE " + name + " DISABLE TRIGGER USER", "ALTER TABLE " + name + " OWNER TO " + pgx.Identifier{s.name}.Sanitize()} {
			_, err := pool.Exec(ctx, sql)
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
				tb.Errorf("as the runtime role, %s: err = %v, want permission denied (42501)", sql, err)
			}
		}
	}
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
