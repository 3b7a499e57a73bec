package e2e

import (
	"context"
	"encoding/hex"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// Holding lists the tables ("schema.table", every service's) holding any of the values somewhere in a row:
// read as text, a value appears as itself in a text or JSON column and in hex inside a bytea (sealed
// values, stored responses). A personal-data erasure test asks it for the plaintext and the ciphertext it
// read before the erasure, and wants none.
func (s *Suite) Holding(values ...[]byte) []string {
	s.t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.DBURL)
	if err != nil {
		s.t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables
		WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`)
	if err != nil {
		s.t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		s.t.Fatal(err)
	}
	var found []string
	for _, table := range tables {
		for _, v := range values {
			if len(v) == 0 {
				continue
			}
			var n int
			text := string(v)
			if !utf8.Valid(v) { // a ciphertext: PostgreSQL takes no invalid UTF-8 as text, and it can only be in a bytea
				text = hex.EncodeToString(v)
			}
			q := `SELECT count(*) FROM ` + table + ` t WHERE strpos(t::text, $1) > 0 OR strpos(lower(t::text), $2) > 0`
			if err := conn.QueryRow(ctx, q, text, hex.EncodeToString(v)).Scan(&n); err != nil {
				s.t.Fatalf("%s: %v", table, err)
			}
			if n > 0 {
				found = append(found, table)
				break
			}
		}
	}
	return found
}
