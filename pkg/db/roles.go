package db

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// OwnerRole is the role that owns a service's schema and every object in it. It cannot log in: Migrate
// reaches it with SET ROLE from the admin's session, so no serving process can act as it.
func OwnerRole(schema string) string { return schema + "_owner" }

// ensureOwnerRole creates the owner role (NOLOGIN) if missing, lets a non-superuser admin SET ROLE to it,
// and takes it from the runtime role should anyone have granted it.
func ensureOwnerRole(ctx context.Context, admin *pgx.Conn, schema string) error {
	owner, runtime := OwnerRole(schema), schema
	ownerIdent := pgx.Identifier{owner}.Sanitize()
	var exists, super, adminMember, runtimeMember bool
	err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1),
		(SELECT rolsuper FROM pg_roles WHERE rolname = current_user),
		EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
			WHERE r.rolname = $1 AND u.rolname = current_user),
		EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
			WHERE r.rolname = $1 AND u.rolname = $2)`, owner, runtime).Scan(&exists, &super, &adminMember, &runtimeMember)
	if err != nil {
		return fmt.Errorf("db: look up role %s: %w", owner, err)
	}
	stmts := []string{"ALTER ROLE " + ownerIdent + " NOLOGIN"}
	if !exists {
		stmts = []string{"CREATE ROLE " + ownerIdent + " NOLOGIN"}
	}
	if !super && !adminMember {
		stmts = append(stmts, "GRANT "+ownerIdent+" TO CURRENT_USER")
	}
	if runtimeMember {
		stmts = append(stmts, "REVOKE "+ownerIdent+" FROM "+pgx.Identifier{runtime}.Sanitize())
	}
	for _, stmt := range stmts {
		if _, err := admin.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("db: ensure role %s: %w", owner, err)
		}
	}
	return nil
}

// ensureOwnership creates the schema owned by the owner role, or hands it and everything in it over when an
// earlier version of Migrate left them to the runtime role.
func ensureOwnership(ctx context.Context, admin *pgx.Conn, schema string) error {
	owner := pgx.Identifier{OwnerRole(schema)}.Sanitize()
	ident := pgx.Identifier{schema}.Sanitize()
	if _, err := admin.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+ident+" AUTHORIZATION "+owner); err != nil {
		return fmt.Errorf("db: create schema: %w", err)
	}
	var legacy bool
	err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspowner = $1::regrole)
		OR EXISTS (SELECT 1 FROM pg_class WHERE relowner = $1::regrole)
		OR EXISTS (SELECT 1 FROM pg_proc WHERE proowner = $1::regrole)
		OR EXISTS (SELECT 1 FROM pg_type WHERE typowner = $1::regrole)`, schema).Scan(&legacy)
	if err != nil {
		return fmt.Errorf("db: look up objects of role %s: %w", schema, err)
	}
	if !legacy {
		return nil
	}
	// REASSIGN OWNED needs membership in both roles; a superuser has it, an admin with CREATEROLE grants it
	// to itself for the hand-over.
	var super bool
	if err := admin.QueryRow(ctx, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user").Scan(&super); err != nil {
		return fmt.Errorf("db: look up admin: %w", err)
	}
	stmts := []string{"REASSIGN OWNED BY " + ident + " TO " + owner}
	if !super {
		stmts = []string{"GRANT " + ident + " TO CURRENT_USER", stmts[0], "REVOKE " + ident + " FROM CURRENT_USER"}
	}
	for _, stmt := range stmts {
		if _, err := admin.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("db: hand %s's objects to %s: %w", schema, OwnerRole(schema), err)
		}
	}
	return nil
}

// appendOnlyTables finds the schema's append-only tables by the convention of the migrations: a row trigger
// that fires BEFORE both UPDATE and DELETE (and refuses them).
const appendOnlyTables = `SELECT DISTINCT c.relname FROM pg_trigger t
	JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname = $1 AND NOT t.tgisinternal AND t.tgenabled <> 'D'
	  AND t.tgtype & 1 = 1 AND t.tgtype & 2 = 2 AND t.tgtype & 8 = 8 AND t.tgtype & 16 = 16
	ORDER BY 1`

// AppendOnlyTables lists the tables of schema the runtime role may only INSERT into and SELECT from.
func AppendOnlyTables(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, schema string) ([]string, error) {
	rows, err := q.Query(ctx, appendOnlyTables, schema)
	if err != nil {
		return nil, fmt.Errorf("db: append-only tables of %s: %w", schema, err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// GrantRuntime gives the runtime role of s its privileges again, as Migrate does after every migration;
// for tests that step through migrations with goose directly (OwnerDB).
func GrantRuntime(ctx context.Context, s Settings) error {
	admin, err := pgx.Connect(ctx, s.AdminURL)
	if err != nil {
		return fmt.Errorf("db: connect for grants: %w", err)
	}
	defer admin.Close(context.Background())
	return grantRuntime(ctx, admin, s.Schema)
}

// grantRuntime gives the runtime role exactly its privileges, again at every migration so that tables and
// columns added since are covered and nothing granted by hand survives: USAGE on the schema (no CREATE);
// SELECT, INSERT, UPDATE, DELETE on the tables (no TRUNCATE, REFERENCES or TRIGGER); only INSERT and
// SELECT on the append-only ones; only SELECT on goose's version table; USAGE and SELECT on the sequences.
// It runs as the owner, in one transaction, so a serving process never sees a moment without its grants.
func grantRuntime(ctx context.Context, admin *pgx.Conn, schema string) error {
	tables, err := AppendOnlyTables(ctx, admin, schema)
	if err != nil {
		return err
	}
	s := pgx.Identifier{schema}.Sanitize()
	r := s // the runtime role is named after its schema
	stmts := []string{
		"SET LOCAL ROLE " + pgx.Identifier{OwnerRole(schema)}.Sanitize(),
		"REVOKE ALL ON SCHEMA " + s + " FROM PUBLIC, " + r,
		"GRANT USAGE ON SCHEMA " + s + " TO " + r,
		"REVOKE ALL ON ALL TABLES IN SCHEMA " + s + " FROM PUBLIC, " + r,
		"REVOKE ALL ON ALL SEQUENCES IN SCHEMA " + s + " FROM PUBLIC, " + r,
		"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + s + " TO " + r,
		"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA " + s + " TO " + r,
		"REVOKE INSERT, UPDATE, DELETE ON " + pgx.Identifier{schema, "goose_db_version"}.Sanitize() + " FROM " + r,
	}
	for _, t := range tables {
		stmts = append(stmts, "REVOKE UPDATE, DELETE ON "+pgx.Identifier{schema, t}.Sanitize()+" FROM "+r)
	}
	err = pgx.BeginFunc(ctx, admin, func(tx pgx.Tx) error {
		for _, stmt := range stmts {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				return fmt.Errorf("%s: %w", stmt, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("db: grant %s its privileges: %w", schema, err)
	}
	return nil
}

// checkRuntimeRole refuses a session whose role can do more than the runtime role's grants: a superuser, a
// role that can create roles or databases, bypass row security or replicate, or one that owns (or may act
// as the owner of) the schema or anything in it, and so could disable the append-only triggers.
func checkRuntimeRole(ctx context.Context, pool *pgxpool.Pool, schema string) error {
	var user string
	var super, createRole, createDB, bypassRLS, replication, owns bool
	err := pool.QueryRow(ctx, `SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolreplication,
		EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspname = $1 AND pg_has_role(current_user, n.nspowner, 'MEMBER'))
		OR EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = $1 AND pg_has_role(current_user, c.relowner, 'MEMBER'))
		FROM pg_roles WHERE rolname = current_user`, schema).Scan(&user, &super, &createRole, &createDB, &bypassRLS, &replication, &owns)
	if err != nil {
		return fmt.Errorf("db: look up the privileges of role %s: %w", schema, err)
	}
	var why []string
	for _, c := range []struct {
		bad  bool
		what string
	}{{super, "is a superuser"}, {createRole, "can create roles"}, {createDB, "can create databases"},
		{bypassRLS, "bypasses row security"}, {replication, "can replicate"}, {owns, "owns (or may act as the owner of) schema " + schema + " or its tables"}} {
		if c.bad {
			why = append(why, c.what)
		}
	}
	if len(why) > 0 {
		return fmt.Errorf("db: production: role %s %s; a serving process connects only as the service's runtime role, which `migrate` creates with data privileges alone", user, strings.Join(why, ", "))
	}
	return nil
}
