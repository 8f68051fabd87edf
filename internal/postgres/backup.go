package postgres

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// A LifeOps backup is a gzip'd tar archive:
//
//	manifest.json          BackupManifest: format, schema version, and per
//	                       table its columns, row count and SHA-256
//	tables/NNNN_<table>    the table's rows in PostgreSQL's COPY text format,
//	                       ordered by primary key (all columns when it has none)
//
// The manifest comes first so a restore knows what to expect before reading
// any data. Rows are written with a fixed session (UTC, ISO dates, shortest
// exact floats, hex bytea), so the same rows always give the same bytes: the
// checksum of a table in the manifest is the SHA-256 of its file, and equals
// the checksum recomputed from the database after a restore.

// BackupFormat names the archive layout; a restore refuses any other.
const BackupFormat = "lifeops-backup/1"

const manifestName = "manifest.json"

// BackupManifest describes one backup.
type BackupManifest struct {
	Format        string        `json:"format"`
	SchemaVersion int           `json:"schema_version"`
	CreatedAt     time.Time     `json:"created_at"`
	LifeOps       string        `json:"lifeops_version"`
	Tables        []BackupTable `json:"tables"` // in dependency order: parents first
}

// BackupTable is one table of a backup.
type BackupTable struct {
	Name    string   `json:"name"`
	Columns []string `json:"columns"`
	Rows    int64    `json:"rows"`
	SHA256  string   `json:"sha256"`
}

// sessionSettings make COPY's text output independent of server and role
// defaults, so checksums compare across servers.
var sessionSettings = []string{
	"SET LOCAL TimeZone = 'UTC'",
	"SET LOCAL DateStyle = 'ISO, YMD'",
	"SET LOCAL IntervalStyle = 'postgres'",
	"SET LOCAL extra_float_digits = 1",
	"SET LOCAL bytea_output = 'hex'",
}

// tableInfo is what the catalog says about one table.
type tableInfo struct {
	name    string
	columns []string // stored (not generated) columns, in order
	order   []string // primary key columns; empty: order by every column
	serials []string // columns backed by a sequence (identity or serial)
}

// schemaTables lists the tables of the current schema (schema_migrations
// aside: a restore migrates, which writes it) in dependency order, so the
// tables other migrations add are backed up without anyone listing them.
func schemaTables(ctx context.Context, q querier) ([]tableInfo, error) {
	rows, err := q.Query(ctx, `
		SELECT c.relname,
		       array(SELECT a.attname::text FROM pg_attribute a
		             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
		             ORDER BY a.attnum),
		       coalesce(array(SELECT a.attname::text FROM pg_index i
		             JOIN LATERAL unnest(i.indkey) WITH ORDINALITY k(attnum, n) ON true
		             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
		             WHERE i.indrelid = c.oid AND i.indisprimary ORDER BY k.n), '{}'),
		       array(SELECT a.attname::text FROM pg_attribute a
		             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
		               AND pg_get_serial_sequence(quote_ident(c.relname), a.attname) IS NOT NULL
		             ORDER BY a.attnum),
		       array(SELECT DISTINCT p.relname::text FROM pg_constraint f JOIN pg_class p ON p.oid = f.confrelid
		             WHERE f.conrelid = c.oid AND f.contype = 'f' AND f.confrelid <> c.oid)
		FROM pg_class c
		WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
		  AND NOT c.relispartition AND c.relname <> 'schema_migrations'
		ORDER BY c.relname`)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	defer rows.Close()
	byName := map[string]tableInfo{}
	deps := map[string][]string{}
	var names []string
	for rows.Next() {
		var t tableInfo
		var parents []string
		if err := rows.Scan(&t.name, &t.columns, &t.order, &t.serials, &parents); err != nil {
			return nil, fmt.Errorf("list tables: %w", err)
		}
		byName[t.name], deps[t.name] = t, parents
		names = append(names, t.name)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	// Topological order, parents first; ties by name so backups of the same
	// schema list tables identically.
	var out []tableInfo
	state := map[string]int{} // 0 new, 1 visiting, 2 done
	var visit func(n string) error
	visit = func(n string) error {
		switch state[n] {
		case 1:
			return fmt.Errorf("list tables: foreign keys form a cycle through %s", n)
		case 2:
			return nil
		}
		state[n] = 1
		ps := append([]string(nil), deps[n]...)
		sort.Strings(ps)
		for _, p := range ps {
			if _, ok := byName[p]; ok {
				if err := visit(p); err != nil {
					return err
				}
			}
		}
		state[n] = 2
		out = append(out, byName[n])
		return nil
	}
	for _, n := range names {
		if err := visit(n); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// selectSQL is the ordered query whose COPY output a table's checksum covers.
func (t tableInfo) selectSQL() string {
	cols := quoteAll(t.columns)
	order := quoteAll(t.order)
	if len(order) == 0 {
		order = cols
	}
	return fmt.Sprintf("SELECT %s FROM %s ORDER BY %s", strings.Join(cols, ", "),
		pgx.Identifier{t.name}.Sanitize(), strings.Join(order, ", "))
}

func quoteAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = pgx.Identifier{n}.Sanitize()
	}
	return out
}

func setSession(ctx context.Context, tx pgx.Tx) error {
	for _, s := range sessionSettings {
		if _, err := tx.Exec(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

// copyOut writes a table's ordered rows to w and returns the row count.
func copyOut(ctx context.Context, tx pgx.Tx, t tableInfo, w io.Writer) (int64, error) {
	tag, err := tx.Conn().PgConn().CopyTo(ctx, w, "COPY ("+t.selectSQL()+") TO STDOUT")
	if err != nil {
		return 0, fmt.Errorf("table %s: copy out: %w", t.name, err)
	}
	return tag.RowsAffected(), nil
}

// Backup writes a consistent logical backup of the database to w: every
// table is read in one REPEATABLE READ READ ONLY transaction, so the backup
// is the database as of one instant, while writes go on.
func Backup(ctx context.Context, pool *pgxpool.Pool, w io.Writer, lifeopsVersion string) (BackupManifest, error) {
	m := BackupManifest{Format: BackupFormat, LifeOps: lifeopsVersion}
	tmp, err := os.MkdirTemp("", "lifeops-backup-")
	if err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(tmp)

	var files []string
	err = pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := setSession(ctx, tx); err != nil {
			return err
		}
		// A migration holding a table lock makes the backup give up (and say
		// so) instead of stalling a Home Assistant backup behind it.
		if _, err := tx.Exec(ctx, "SET LOCAL lock_timeout = '30s'"); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, "SELECT now(), coalesce(max(version), 0) FROM schema_migrations").Scan(&m.CreatedAt, &m.SchemaVersion); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		m.CreatedAt = m.CreatedAt.UTC()
		tables, err := schemaTables(ctx, tx)
		if err != nil {
			return err
		}
		for i, t := range tables {
			name := fmt.Sprintf("%s/%04d_%s", tmp, i+1, t.name)
			f, err := os.Create(name)
			if err != nil {
				return fmt.Errorf("backup: %w", err)
			}
			h := sha256.New()
			n, err := copyOut(ctx, tx, t, io.MultiWriter(f, h))
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			files = append(files, name)
			m.Tables = append(m.Tables, BackupTable{Name: t.name, Columns: t.columns, Rows: n, SHA256: hex.EncodeToString(h.Sum(nil))})
		}
		return nil
	})
	if err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}

	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	if err := writeEntry(tw, manifestName, manifest, m.CreatedAt); err != nil {
		return m, err
	}
	for i, name := range files {
		if err := copyEntry(tw, fmt.Sprintf("tables/%04d_%s", i+1, m.Tables[i].Name), name, m.CreatedAt); err != nil {
			return m, err
		}
	}
	if err := tw.Close(); err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	if err := gz.Close(); err != nil {
		return m, fmt.Errorf("backup: %w", err)
	}
	return m, nil
}

func writeEntry(tw *tar.Writer, name string, body []byte, at time.Time) error {
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(body)), ModTime: at, Typeflag: tar.TypeReg}); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if _, err := tw.Write(body); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

func copyEntry(tw *tar.Writer, name, path string, at time.Time) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: st.Size(), ModTime: at, Typeflag: tar.TypeReg}); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if _, err := io.Copy(tw, f); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// BackupReader reads a backup archive: its manifest first, then the tables.
type BackupReader struct {
	Manifest BackupManifest
	gz       *gzip.Reader
	tr       *tar.Reader
}

// OpenBackup reads the manifest of the archive in r and checks its format.
func OpenBackup(r io.Reader) (*BackupReader, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("backup archive: not a gzip stream: %w", err)
	}
	tr := tar.NewReader(gz)
	hdr, err := tr.Next()
	if err != nil {
		return nil, fmt.Errorf("backup archive: %w", err)
	}
	if hdr.Name != manifestName {
		return nil, fmt.Errorf("backup archive: first entry is %q, want %s", hdr.Name, manifestName)
	}
	br := &BackupReader{gz: gz, tr: tr}
	dec := json.NewDecoder(io.LimitReader(tr, 16<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&br.Manifest); err != nil {
		return nil, fmt.Errorf("backup archive: manifest: %w", err)
	}
	m := br.Manifest
	if m.Format != BackupFormat {
		return nil, fmt.Errorf("backup archive: format %q, want %q", m.Format, BackupFormat)
	}
	if m.SchemaVersion < 1 {
		return nil, fmt.Errorf("backup archive: manifest: schema_version %d: must be at least 1", m.SchemaVersion)
	}
	for i, t := range m.Tables {
		if t.Name == "" || len(t.Columns) == 0 || t.Rows < 0 || len(t.SHA256) != 64 {
			return nil, fmt.Errorf("backup archive: manifest: table %d (%q): needs a name, columns, a row count ≥ 0 and a SHA-256", i+1, t.Name)
		}
	}
	return br, nil
}

// ErrNotEmpty means a restore found data in the target database.
var ErrNotEmpty = errors.New("database is not empty")

// seeded lists the tables a fresh migration fills, with the row count it
// leaves: a database holding just these is empty.
var seeded = map[string]int64{"household": 1}

// Restore loads the tables of br into the database, which must be migrated
// to br.Manifest.SchemaVersion and empty. It runs in one transaction: rows
// are copied in, sequences moved past the restored ids, and every table's
// row count and checksum compared with the manifest before the commit, so a
// restore that fails for any reason leaves the database as it found it.
func Restore(ctx context.Context, pool *pgxpool.Pool, br *BackupReader) error {
	m := br.Manifest
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if err := setSession(ctx, tx); err != nil {
			return err
		}
		var version int
		if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&version); err != nil {
			return fmt.Errorf("restore: read schema version: %w", err)
		}
		if version != m.SchemaVersion {
			return fmt.Errorf("restore: database schema is at %d, the backup at %d", version, m.SchemaVersion)
		}
		tables, err := schemaTables(ctx, tx)
		if err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		if err := checkEmpty(ctx, tx, tables); err != nil {
			return err
		}
		byName := map[string]tableInfo{}
		for _, t := range tables {
			byName[t.name] = t
		}
		for _, bt := range m.Tables {
			t, ok := byName[bt.Name]
			if !ok {
				return fmt.Errorf("restore: table %s of the backup does not exist at schema version %d", bt.Name, version)
			}
			if strings.Join(t.columns, ",") != strings.Join(bt.Columns, ",") {
				return fmt.Errorf("restore: table %s: backup columns (%s) differ from the database's (%s)",
					bt.Name, strings.Join(bt.Columns, ", "), strings.Join(t.columns, ", "))
			}
		}
		// Seeded rows give way to the backup's.
		for i := len(tables) - 1; i >= 0; i-- {
			if _, ok := seeded[tables[i].name]; ok {
				if _, err := tx.Exec(ctx, "DELETE FROM "+pgx.Identifier{tables[i].name}.Sanitize()); err != nil {
					return fmt.Errorf("restore: clear %s: %w", tables[i].name, err)
				}
			}
		}
		for i, bt := range m.Tables {
			hdr, err := br.tr.Next()
			if err != nil {
				return fmt.Errorf("restore: table %s: archive ends early: %w", bt.Name, err)
			}
			if want := fmt.Sprintf("tables/%04d_%s", i+1, bt.Name); hdr.Name != want {
				return fmt.Errorf("restore: archive entry %q, want %q", hdr.Name, want)
			}
			h := sha256.New()
			sql := fmt.Sprintf("COPY %s (%s) FROM STDIN", pgx.Identifier{bt.Name}.Sanitize(), strings.Join(quoteAll(bt.Columns), ", "))
			tag, err := tx.Conn().PgConn().CopyFrom(ctx, io.TeeReader(br.tr, h), sql)
			if err != nil {
				return fmt.Errorf("restore: table %s: %w", bt.Name, err)
			}
			if got := hex.EncodeToString(h.Sum(nil)); got != bt.SHA256 {
				return fmt.Errorf("restore: table %s: archive data has SHA-256 %s, the manifest says %s (corrupt backup)", bt.Name, got, bt.SHA256)
			}
			if tag.RowsAffected() != bt.Rows {
				return fmt.Errorf("restore: table %s: copied %d rows, the manifest says %d", bt.Name, tag.RowsAffected(), bt.Rows)
			}
		}
		if _, err := br.tr.Next(); err != io.EOF {
			return fmt.Errorf("restore: archive has entries the manifest does not list")
		}
		for _, t := range tables {
			for _, col := range t.serials {
				if _, err := tx.Exec(ctx, fmt.Sprintf(
					"SELECT setval(pg_get_serial_sequence($1, $2), coalesce(max(%s), 0) + 1, false) FROM %s",
					pgx.Identifier{col}.Sanitize(), pgx.Identifier{t.name}.Sanitize()), pgx.Identifier{t.name}.Sanitize(), col); err != nil {
					return fmt.Errorf("restore: sequence of %s.%s: %w", t.name, col, err)
				}
			}
		}
		// What is now in the tables, read back, must be what was backed up.
		sums, err := Checksums(ctx, tx)
		if err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		for _, bt := range m.Tables {
			if got := sums[bt.Name]; got.Rows != bt.Rows || got.SHA256 != bt.SHA256 {
				return fmt.Errorf("restore: table %s reads back as %d rows (SHA-256 %s), the backup has %d (%s)",
					bt.Name, got.Rows, got.SHA256, bt.Rows, bt.SHA256)
			}
		}
		return nil
	})
}

// CheckEmpty reports ErrNotEmpty when the database holds rows other than
// those a fresh migration leaves; a database without tables is empty.
// restore checks it before migrating, so a database in use is never
// migrated by a restore that is going to refuse it.
func CheckEmpty(ctx context.Context, pool *pgxpool.Pool) error {
	tables, err := schemaTables(ctx, pool)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	return checkEmpty(ctx, pool, tables)
}

func checkEmpty(ctx context.Context, q querier, tables []tableInfo) error {
	for _, t := range tables {
		var n int64
		if err := q.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{t.name}.Sanitize()).Scan(&n); err != nil {
			return fmt.Errorf("restore: count %s: %w", t.name, err)
		}
		if n > seeded[t.name] {
			return fmt.Errorf("restore: table %s holds %d rows: %w (restore only into a new database)", t.name, n, ErrNotEmpty)
		}
	}
	return nil
}

// Checksums returns every table's row count and checksum as a backup would
// record them, read in tx (whose session settings it fixes for the rest of
// the transaction).
func Checksums(ctx context.Context, tx pgx.Tx) (map[string]BackupTable, error) {
	if err := setSession(ctx, tx); err != nil {
		return nil, err
	}
	tables, err := schemaTables(ctx, tx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]BackupTable, len(tables))
	for _, t := range tables {
		h := sha256.New()
		n, err := copyOut(ctx, tx, t, h)
		if err != nil {
			return nil, err
		}
		out[t.name] = BackupTable{Name: t.name, Columns: t.columns, Rows: n, SHA256: hex.EncodeToString(h.Sum(nil))}
	}
	return out, nil
}
