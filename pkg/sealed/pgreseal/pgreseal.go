// Package pgreseal moves a service's sealed columns to the newest data-encryption key (`<svc> reseal`): row
// by row in ID order, in batches of one short transaction each, rewriting only values not yet under the
// newest key, so it is idempotent and a run stopped half-way resumes where it left off.
package pgreseal

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/commonweal/commonweal/pkg/db"
	"github.com/commonweal/commonweal/pkg/sealed"
)

// DefaultBatch is how many rows one transaction reseals.
const DefaultBatch = 200

// Table names a table of the pool's schema with sealed columns, each bound to
// sealed.Binding(Schema, Name, column, id::text).
type Table struct {
	Schema  string
	Name    string
	Columns []string
}

// Stats counts what a run did.
type Stats struct {
	Rows     int64 // rows read
	Resealed int64 // values rewritten under the newest key
}

// Run reseals every table in turn, batch rows per transaction (DefaultBatch when not positive). A value that
// does not open (tampered with, bound elsewhere, or under a key no longer configured) stops the run with an
// error naming its row; nothing of that batch is written.
func Run(ctx context.Context, pool *pgxpool.Pool, box *sealed.Box, batch int, tables ...Table) (Stats, error) {
	if batch <= 0 {
		batch = DefaultBatch
	}
	var st Stats
	for _, t := range tables {
		last := ""
		for {
			var n int
			var next string
			var done Stats
			err := db.InTx(ctx, pool, func(ctx context.Context) error {
				var err error
				done = Stats{} // a retried transaction counts afresh
				n, next, err = resealBatch(ctx, db.Q(ctx, pool), box, t, last, batch, &done)
				return err
			})
			if err != nil {
				return st, fmt.Errorf("reseal %s.%s: %w", t.Schema, t.Name, err)
			}
			last = next
			st.Rows, st.Resealed = st.Rows+done.Rows, st.Resealed+done.Resealed
			if n < batch {
				break
			}
		}
		slog.Info("resealed", "table", t.Schema+"."+t.Name, "key", box.NewestKeyID(), "rows", st.Rows, "values", st.Resealed)
	}
	return st, nil
}

func resealBatch(ctx context.Context, q db.Querier, box *sealed.Box, t Table, after string, batch int, st *Stats) (int, string, error) {
	tbl := pgx.Identifier{t.Name}.Sanitize()
	cols := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = pgx.Identifier{c}.Sanitize()
	}
	rows, err := q.Query(ctx, `SELECT id::text, `+strings.Join(cols, ", ")+` FROM `+tbl+
		` WHERE $1 = '' OR id > $1::uuid ORDER BY id LIMIT $2 FOR UPDATE`, after, batch)
	if err != nil {
		return 0, after, err
	}
	type row struct {
		id   string
		vals [][]byte
	}
	var got []row
	for rows.Next() {
		r := row{vals: make([][]byte, len(cols))}
		dest := []any{&r.id}
		for i := range r.vals {
			dest = append(dest, &r.vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return 0, after, err
		}
		got = append(got, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, after, err
	}
	for _, r := range got {
		st.Rows++
		set, args := []string{}, []any{r.id}
		for i, c := range t.Columns {
			out, changed, err := box.Reseal(r.vals[i], sealed.Binding(t.Schema, t.Name, c, r.id))
			if err != nil {
				return 0, after, fmt.Errorf("row %s column %s: %w", r.id, c, err)
			}
			if changed {
				args = append(args, out)
				set = append(set, fmt.Sprintf("%s = $%d", cols[i], len(args)))
			}
		}
		if len(set) > 0 {
			if _, err := q.Exec(ctx, `UPDATE `+tbl+` SET `+strings.Join(set, ", ")+` WHERE id = $1::uuid`, args...); err != nil {
				return 0, after, err
			}
			st.Resealed += int64(len(set))
		}
		after = r.id
	}
	return len(got), after, nil
}
