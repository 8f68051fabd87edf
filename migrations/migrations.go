// Package migrations embeds LifeOps' numbered SQL migrations so the binary
// carries its own schema. Files are NNNN_name.up.sql with a matching
// NNNN_name.down.sql; a migration that has shipped is never edited.
package migrations

import "embed"

// FS holds every *.sql file of this folder.
//
//go:embed *.sql
var FS embed.FS
