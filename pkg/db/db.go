// Package db gives each service a pgx pool on its own schema and role, and runs its embedded goose
// migrations under an advisory lock with the version table inside that schema.
//
// Two roles per service (roles.go): the owner <svc>_owner (NOLOGIN) owns the schema and everything in it and
// runs the migrations; the runtime role <svc> (LOGIN) is what the service serves as, with data privileges
// only and, on append-only tables, INSERT and SELECT alone. Migrate (a one-off job with the admin URL)
// creates both and re-grants the runtime role's privileges every time; Open connects as the runtime role.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"

	"github.com/commonweal/commonweal/pkg/telemetry"
)

// Settings name a service's database: the server (reached with an admin's credentials for migrations)
// and the schema and role the service runs as.
type Settings struct {
	// AdminURL reaches the service's database with a role allowed to create roles and schemas (Migrate);
	// Open takes only its server, database and TLS parameters and connects as the runtime role.
	AdminURL string
	// Schema is the service's schema; the runtime role has the same name, the owner role OwnerRole's.
	Schema string
	// Password of the service's runtime role.
	Password string
	// Production applies the production rules (production.go): verified TLS to the server unless
	// TLSWaived; for serving, no credentials in the URL and a runtime role with no more than its grants.
	Production bool
	// TLSWaived lets production connect without sslmode=verify-full.
	TLSWaived bool
	// URLSetting names the setting AdminURL came from, for errors (empty: DATABASE_URL).
	URLSetting string
	// MaxConns caps the pool (0: 10).
	MaxConns int32
	// StatementTimeout cancels a statement running longer (0: 30 s).
	StatementTimeout time.Duration
	// IdleInTxTimeout ends a session idle inside a transaction for longer (0: 10 s), so a stuck use case
	// cannot hold its locks.
	IdleInTxTimeout time.Duration
}

// Defaults of the pool settings.
const (
	DefaultMaxConns         = 10
	DefaultStatementTimeout = 30 * time.Second
	DefaultIdleInTxTimeout  = 10 * time.Second
)

// RoleURL is the URL the service connects with: the admin URL's server and database, the service's role.
func (s Settings) RoleURL() (string, error) {
	u, err := url.Parse(s.AdminURL)
	if err != nil {
		return "", fmt.Errorf("db: bad database URL: %w", err)
	}
	u.User = url.UserPassword(s.Schema, s.Password)
	// Credentials in the query would win over the user info: the service must never run as the admin.
	q := u.Query()
	q.Del("user")
	q.Del("password")
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// Open returns a traced pool connected as the service's role with search_path set to its schema.
func Open(ctx context.Context, s Settings) (*pgxpool.Pool, error) {
	roleURL, err := s.RoleURL()
	if err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(roleURL)
	if err != nil {
		return nil, fmt.Errorf("db: %w", err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = s.Schema
	cfg.ConnConfig.RuntimeParams["statement_timeout"] = millis(s.StatementTimeout, DefaultStatementTimeout)
	cfg.ConnConfig.RuntimeParams["idle_in_transaction_session_timeout"] = millis(s.IdleInTxTimeout, DefaultIdleInTxTimeout)
	cfg.MaxConns = DefaultMaxConns
	if s.MaxConns > 0 {
		cfg.MaxConns = s.MaxConns
	}
	cfg.ConnConfig.Tracer = telemetry.NewQueryTracer()
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("db: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("db: cannot reach the database as role %s: %w", s.Schema, err)
	}
	if s.Production {
		if err := checkRuntimeRole(ctx, pool, s.Schema); err != nil {
			pool.Close()
			return nil, err
		}
	}
	return pool, nil
}

func millis(d, def time.Duration) string {
	if d <= 0 {
		d = def
	}
	return fmt.Sprint(d.Milliseconds())
}

// Migrate creates the service's owner and runtime roles and its schema if missing, applies the migrations
// in fsys (goose SQL files at its root) as the owner, and grants the runtime role its privileges again,
// holding a PostgreSQL advisory lock so concurrent start-ups migrate once.
func Migrate(ctx context.Context, s Settings, fsys fs.FS) error {
	if !validIdent(s.Schema) {
		return fmt.Errorf("db: schema name %q is not a plain identifier", s.Schema)
	}
	if !validIdent(OwnerRole(s.Schema)) {
		return fmt.Errorf("db: schema name %q is too long for its owner role %s", s.Schema, OwnerRole(s.Schema))
	}
	admin, err := pgx.Connect(ctx, s.AdminURL)
	if err != nil {
		return fmt.Errorf("db: connect for migration: %w", err)
	}
	defer admin.Close(context.Background())
	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock(hashtext($1))", "commonweal:migrate:"+s.Schema); err != nil {
		return fmt.Errorf("db: advisory lock: %w", err)
	}
	defer admin.Exec(context.Background(), "SELECT pg_advisory_unlock(hashtext($1))", "commonweal:migrate:"+s.Schema)

	if err := ensureRole(ctx, admin, s); err != nil {
		return err
	}
	if err := ensureOwnership(ctx, admin, s.Schema); err != nil {
		return err
	}

	sqlDB, err := OwnerDB(s)
	if err != nil {
		return err
	}
	defer sqlDB.Close()
	store, err := database.NewStore(database.DialectPostgres, s.Schema+".goose_db_version")
	if err != nil {
		return err
	}
	provider, err := goose.NewProvider("", sqlDB, fsys, goose.WithStore(store))
	if err != nil {
		return fmt.Errorf("db: migrations: %w", err)
	}
	if _, err := provider.Up(ctx); err != nil {
		return fmt.Errorf("db: migrate %s: %w", s.Schema, err)
	}
	return grantRuntime(ctx, admin, s.Schema)
}

// OwnerDB is what Migrate runs the migrations on (and tests that step through them): sessions of the admin
// URL, each switched to the owner role (SET ROLE) with search_path set to the schema, so that what they
// create belongs to the owner.
func OwnerDB(s Settings) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(s.AdminURL)
	if err != nil {
		return nil, fmt.Errorf("db: %w", err)
	}
	cfg.RuntimeParams["search_path"] = s.Schema
	owner := pgx.Identifier{OwnerRole(s.Schema)}.Sanitize()
	return stdlib.OpenDB(*cfg, stdlib.OptionAfterConnect(func(ctx context.Context, conn *pgx.Conn) error {
		_, err := conn.Exec(ctx, "SET ROLE "+owner)
		return err
	})), nil
}

func ensureRole(ctx context.Context, admin *pgx.Conn, s Settings) error {
	// Both roles are cluster-wide while advisory locks are per database: migrations of the same service in
	// other databases of the server (tests, other environments) may change the role at the same moment.
	// Their CREATE fails with duplicate_object and a concurrent ALTER with "tuple concurrently updated";
	// both are retried.
	var err error
	for attempt := 0; attempt < 10; attempt++ {
		if err = tryEnsureRole(ctx, admin, s); err == nil || !retryableRoleError(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(20*(attempt+1)) * time.Millisecond):
		}
	}
	return err
}

func retryableRoleError(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "42710" || pgErr.Code == "23505" || pgErr.Code == "XX000" && strings.Contains(pgErr.Message, "concurrently updated"))
}

func tryEnsureRole(ctx context.Context, admin *pgx.Conn, s Settings) error {
	ident := pgx.Identifier{s.Schema}.Sanitize()
	password := "'" + strings.ReplaceAll(s.Password, "'", "''") + "'"
	var exists bool
	if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", s.Schema).Scan(&exists); err != nil {
		return fmt.Errorf("db: look up role: %w", err)
	}
	stmt := "ALTER ROLE " + ident + " LOGIN PASSWORD " + password
	if !exists {
		stmt = "CREATE ROLE " + ident + " LOGIN PASSWORD " + password
	}
	if _, err := admin.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("db: ensure role: %w", err)
	}
	return ensureOwnerRole(ctx, admin, s.Schema)
}

func validIdent(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	for i, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
