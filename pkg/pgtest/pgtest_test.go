package pgtest_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/commonweal/commonweal/pkg/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestURLHelpers(t *testing.T) {
	const base = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	if got, want := pgtest.URLWithDatabase(base, "t_1"), "postgres://postgres@127.0.0.1:5432/t_1?sslmode=disable"; got != want {
		t.Errorf("URLWithDatabase = %q, want %q", got, want)
	}
	if got, want := pgtest.URLWithUser(base, "svc", "p@ss/word"), "postgres://svc:p%40ss%2Fword@127.0.0.1:5432/postgres?sslmode=disable"; got != want {
		t.Errorf("URLWithUser = %q, want %q", got, want)
	}
	if got, want := pgtest.URLWithUser(base, "svc", ""), "postgres://svc@127.0.0.1:5432/postgres?sslmode=disable"; got != want {
		t.Errorf("URLWithUser = %q, want %q", got, want)
	}
}

func TestTemplate(t *testing.T) {
	adminURL := pgtest.Server(t) // first: skips the whole test in -short mode
	// A name unique to this run, so that setup must run here even against a shared DATABASE_URL server
	// that has seen earlier runs; the template is dropped at the end.
	name := fmt.Sprintf("pgtest_self_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6)
	var setups atomic.Int32
	setup := func(ctx context.Context, adminURL, dbURL string) error {
		setups.Add(1)
		conn, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, "CREATE TABLE item (id int PRIMARY KEY, name text NOT NULL)")
		return err
	}
	tmpl := pgtest.NewTemplate(name, setup)
	t.Cleanup(func() { dropTemplate(t, adminURL, "tmpl_"+name) })

	t.Run("isolation", func(t *testing.T) {
		_, db1 := tmpl.Database(t)
		_, db2 := tmpl.Database(t)
		if db1 == db2 {
			t.Fatalf("same database twice: %s", db1)
		}
		exec(t, db1, "INSERT INTO item VALUES (1, 'one')")
		if n := count(t, db1); n != 1 {
			t.Errorf("db1 has %d rows, want 1", n)
		}
		if n := count(t, db2); n != 0 {
			t.Errorf("db2 has %d rows, want 0", n)
		}
	})

	t.Run("parallel", func(t *testing.T) {
		for i := range 6 {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				t.Parallel()
				_, db := tmpl.Database(t)
				exec(t, db, fmt.Sprintf("INSERT INTO item VALUES (%d, 'x')", i))
				if n := count(t, db); n != 1 {
					t.Errorf("%d rows, want 1", n)
				}
			})
		}
	})

	if n := setups.Load(); n != 1 {
		t.Errorf("setup ran %d times, want 1", n)
	}

	t.Run("reused by another process", func(t *testing.T) {
		// A second Template of the same name stands for another test binary: the template exists, so its
		// setup must not run.
		again := pgtest.NewTemplate(name, func(context.Context, string, string) error {
			t.Error("setup ran again for an existing template")
			return nil
		})
		_, db := again.Database(t)
		if n := count(t, db); n != 0 {
			t.Errorf("%d rows, want 0", n)
		}
	})

	t.Run("dropped after test", func(t *testing.T) {
		var db string
		t.Run("inner", func(t *testing.T) { _, db = tmpl.Database(t) })
		if _, err := pgx.Connect(context.Background(), db); err == nil {
			t.Errorf("database %s still exists after its test", db)
		}
	})
}

// TestShortSkips checks that in -short mode a test asking for a database is skipped before any server is
// started or any connection is made, DATABASE_URL or not.
func TestShortSkips(t *testing.T) {
	if !testing.Short() {
		// Turn -short on for the subtests only; the flag is the testing package's own.
		if err := flag.Set("test.short", "true"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { flag.Set("test.short", "false") })
	}
	// An unreachable server: any attempt to use it would fail the subtest instead of skipping it.
	t.Setenv("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none?sslmode=disable")
	tmpl := pgtest.NewTemplate("pgtest_never_built", func(context.Context, string, string) error {
		t.Error("template setup ran in -short mode")
		return nil
	})
	for name, use := range map[string]func(t *testing.T){
		"Server":   func(t *testing.T) { pgtest.Server(t) },
		"Database": func(t *testing.T) { tmpl.Database(t) },
	} {
		var reached bool
		t.Run(name, func(t *testing.T) {
			use(t)
			reached = true
		})
		if reached {
			t.Errorf("%s returned in -short mode instead of skipping the test", name)
		}
	}
}

func exec(t *testing.T, url, sql string) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		t.Fatal(err)
	}
}

func count(t *testing.T, url string) int {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM item").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func dropTemplate(t *testing.T, adminURL, db string) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		t.Error(err)
		return
	}
	defer conn.Close(ctx)
	id := pgx.Identifier{db}.Sanitize()
	for _, sql := range []string{"ALTER DATABASE " + id + " IS_TEMPLATE false", "DROP DATABASE " + id + " WITH (FORCE)"} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Errorf("%s: %v", sql, err)
		}
	}
}
