package store_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/outbox"
	"github.com/commonweal/commonweal/pkg/pgtest"
	"github.com/commonweal/commonweal/services/reviews/internal/app"
	"github.com/commonweal/commonweal/services/reviews/internal/domain"
	"github.com/commonweal/commonweal/services/reviews/internal/store/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestOutboxTableIsThePlatforms checks the migration creates the outbox table pkg/outbox reads and writes
// (outbox.Table), so the relay and the schema cannot drift apart.
func TestOutboxTableIsThePlatforms(t *testing.T) {
	b, err := fs.ReadFile(migrations.FS, "00002_outbox.sql")
	if err != nil {
		t.Fatal(err)
	}
	squash := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	for _, stmt := range strings.Split(outbox.Table, ";") {
		if !strings.Contains(squash(string(b)), squash(stmt)) {
			t.Errorf("00002_outbox.sql lacks %q", squash(stmt))
		}
	}
}

var empty = pgtest.NewTemplate("reviews_empty_v1", func(context.Context, string, string) error { return nil })

// migratedDB is a fresh database with the reviews schema migrated by the given migrations, and a pool of the
// service's role on it (closed when the test ends).
func migratedDB(t *testing.T, fsys fs.FS) (db.Settings, *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
	_, dbURL := empty.Database(t)
	settings := db.Settings{AdminURL: dbURL, Schema: "reviews", Password: "reviews-test"}
	if err := db.Migrate(ctx, settings, fsys); err != nil {
		t.Fatal(err)
	}
	pool, err := db.Open(ctx, settings)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return settings, pool
}

// TestPendingStagesMoveToTheOutbox migrates a schema whose stage_outbox still holds stages not confirmed by the
// applications service: they become outbox messages of the stage topic, keyed by round, that the relay
// delivers; confirmed ones are not sent again.
func TestPendingStagesMoveToTheOutbox(t *testing.T) {
	ctx := context.Background()
	first, err := fs.ReadFile(migrations.FS, "00001_initial.sql")
	if err != nil {
		t.Fatal(err)
	}
	settings, pool := migratedDB(t, fstest.MapFS{"00001_initial.sql": {Data: first}})
	const round = "8b0f8a52-3c55-4f43-9a4e-0d3e7f5f8c01"
	if _, err := pool.Exec(ctx, `INSERT INTO stage_outbox (application_id, round_id, stage, pushed, updated_at) VALUES
		('8b0f8a52-3c55-4f43-9a4e-0d3e7f5f8ca1', $1, 'SHORTLISTED', true, now()),
		('8b0f8a52-3c55-4f43-9a4e-0d3e7f5f8ca2', $1, 'DISQUALIFIED', false, now())`, round); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx, settings, migrations.FS); err != nil {
		t.Fatal(err)
	}
	var topic, key string
	var payload []byte
	if err := pool.QueryRow(ctx, `SELECT topic, key, payload FROM outbox WHERE delivered_at IS NULL`).Scan(&topic, &key, &payload); err != nil {
		t.Fatal(err)
	}
	var p domain.StagePush
	if err := json.Unmarshal(payload, &p); err != nil {
		t.Fatal(err)
	}
	if topic != app.StageTopic || key != round || p != (domain.StagePush{ApplicationID: "8b0f8a52-3c55-4f43-9a4e-0d3e7f5f8ca2", Stage: "DISQUALIFIED"}) {
		t.Fatalf("moved message: %s %s %+v", topic, key, p)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM outbox`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d messages (%v), want only the unconfirmed stage", n, err)
	}
}

// TestVotersAreNeverDeleted: votes keep their voter without a foreign key (00008) because no voter row can go:
// a DELETE or TRUNCATE of voters is refused, and erasure (which keeps the row) still works.
func TestVotersAreNeverDeleted(t *testing.T) {
	ctx := context.Background()
	settings, pool := migratedDB(t, migrations.FS)
	const voter = "5d0c6a1e-7b1f-4c3e-9a52-2f1e0c9d7b11"
	if _, err := pool.Exec(ctx, `INSERT INTO voters (id, phone_hmac, created_at) VALUES ($1, '\x01', now())`, voter); err != nil {
		t.Fatal(err)
	}
	// The service's role may not TRUNCATE at all; the schema's owner (the migrations) is refused by the trigger.
	admin, err := pgx.Connect(ctx, settings.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	for _, c := range []struct {
		stmt string
		exec func(context.Context, string, ...any) (pgconn.CommandTag, error)
	}{
		{`DELETE FROM voters WHERE id = '` + voter + `'`, pool.Exec},
		{`DELETE FROM reviews.voters WHERE id = '` + voter + `'`, admin.Exec},
		{`TRUNCATE reviews.voters CASCADE`, admin.Exec},
	} {
		_, err := c.exec(ctx, c.stmt)
		if err == nil || !strings.Contains(err.Error(), "voters are never deleted") {
			t.Errorf("%s: %v, want it refused", c.stmt, err)
		}
	}
	if _, err := pool.Exec(ctx, `UPDATE voters SET phone_hmac = NULL WHERE id = $1`, voter); err != nil {
		t.Errorf("erasing the voter's phone: %v", err)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM voters WHERE id = $1`, voter).Scan(&n); err != nil || n != 1 {
		t.Errorf("voter rows %d (%v), want 1", n, err)
	}
}
