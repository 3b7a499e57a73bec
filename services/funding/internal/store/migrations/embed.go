// Package migrations holds the funding schema's goose migrations, embedded in the binary.
package migrations

import "embed"

// FS holds the SQL migrations.
//
//go:embed *.sql
var FS embed.FS
