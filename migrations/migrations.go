// Package migrations embeds the SQL migrations, so the binary carries its own schema.
package migrations

import "embed"

// FS holds the goose migration files, applied in the order of their numeric prefix.
// Numbering by area keeps concurrent work apart: 00001-00099 core case data,
// 00100-00199 access and audit, 00200-00299 registry data, 00300-00399 ESF+ reporting.
//
//go:embed *.sql
var FS embed.FS
