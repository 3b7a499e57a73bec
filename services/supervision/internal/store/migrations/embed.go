// Package migrations holds the supervision schema's goose migrations, embedded in the binary.
package migrations

import "embed"

// FS holds the SQL migrations.
//
//go:embed *.sql
var FS embed.FS
