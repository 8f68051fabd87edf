package postgres_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/domain/character"
	"github.com/lifeops/lifeops/internal/postgres"
)

// seeded returns a database holding the demo household and a token.
func seeded(t *testing.T) *pgxpool.Pool {
	t.Helper()
	ctx := context.Background()
	pool := dbtest.New(t)
	tree, err := character.Default()
	if err != nil {
		t.Fatal(err)
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	svc := app.New(app.Options{Store: postgres.NewStore(pool), Logger: zerolog.Nop(), Tree: tree,
		Now: func() time.Time { return time.Date(2026, 5, 4, 12, 0, 0, 0, berlin) }, Location: func() *time.Location { return berlin }})
	if err := svc.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	// bytea, a NULL, an odd string and a tab that COPY's text format escapes.
	if _, err := pool.Exec(ctx, `INSERT INTO api_tokens (name, scope, secret_hash) VALUES ($1, 'read', $2)`,
		"tab\there \\ and \"quotes\" é", bytes.Repeat([]byte{0, 0xff}, 16)); err != nil {
		t.Fatal(err)
	}
	return pool
}

func checksums(t *testing.T, pool *pgxpool.Pool) map[string]postgres.BackupTable {
	t.Helper()
	var out map[string]postgres.BackupTable
	err := pgx.BeginFunc(context.Background(), pool, func(tx pgx.Tx) error {
		var err error
		out, err = postgres.Checksums(context.Background(), tx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestBackupRestoreRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := seeded(t)
	var archive bytes.Buffer
	m, err := postgres.Backup(ctx, src, &archive, "test")
	if err != nil {
		t.Fatal(err)
	}
	if m.SchemaVersion < 1 || len(m.Tables) == 0 {
		t.Fatalf("manifest: %+v", m)
	}
	// Parents come before children.
	pos := map[string]int{}
	for i, tb := range m.Tables {
		pos[tb.Name] = i
	}
	for _, pair := range [][2]string{{"people", "habits"}, {"habits", "check_ins"}, {"api_tokens", "pairing_codes"}, {"routines", "timeline_entries"}} {
		if pos[pair[0]] > pos[pair[1]] {
			t.Errorf("%s listed after %s", pair[0], pair[1])
		}
	}
	before := checksums(t, src)
	populated := 0
	for _, tb := range m.Tables {
		if before[tb.Name].SHA256 != tb.SHA256 || before[tb.Name].Rows != tb.Rows {
			t.Errorf("table %s: manifest %d rows %s, database %d rows %s", tb.Name, tb.Rows, tb.SHA256, before[tb.Name].Rows, before[tb.Name].SHA256)
		}
		if tb.Rows > 0 {
			populated++
		}
	}
	if len(m.Tables) != len(before) {
		t.Errorf("backup has %d tables, the schema %d", len(m.Tables), len(before))
	}
	if populated < 10 {
		t.Fatalf("only %d tables have rows: the demo did not populate the database", populated)
	}

	dst := dbtest.New(t)
	br, err := postgres.OpenBackup(bytes.NewReader(archive.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := postgres.Restore(ctx, dst, br); err != nil {
		t.Fatal(err)
	}
	after := checksums(t, dst)
	for name, want := range before {
		if got := after[name]; got.Rows != want.Rows || got.SHA256 != want.SHA256 {
			t.Errorf("table %s: restored %d rows %s, source %d rows %s", name, got.Rows, got.SHA256, want.Rows, want.SHA256)
		}
	}
	// Sequences moved past the restored ids: a new row gets a fresh id.
	var maxID, newID int64
	if err := dst.QueryRow(ctx, "SELECT max(id) FROM people").Scan(&maxID); err != nil {
		t.Fatal(err)
	}
	if err := dst.QueryRow(ctx, "INSERT INTO people (slug, name, color) VALUES ('new', 'New', '#000000') RETURNING id").Scan(&newID); err != nil {
		t.Fatal(err)
	}
	if newID <= maxID {
		t.Fatalf("new person id %d, restored ids up to %d", newID, maxID)
	}

	// A second restore into the now populated database is refused.
	br, _ = postgres.OpenBackup(bytes.NewReader(archive.Bytes()))
	if err := postgres.Restore(ctx, dst, br); !errors.Is(err, postgres.ErrNotEmpty) {
		t.Fatalf("restore into a populated database: %v", err)
	}
}

func TestRestoreOfACorruptBackupLeavesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := seeded(t)
	var archive bytes.Buffer
	if _, err := postgres.Backup(ctx, src, &archive, "test"); err != nil {
		t.Fatal(err)
	}
	// Rewrite the archive with one row changed in check_ins: still a valid
	// archive, but the data no longer matches the manifest's checksum.
	corrupt := tamper(t, archive.Bytes(), "check_ins")

	dst := dbtest.New(t)
	before := checksums(t, dst)
	br, err := postgres.OpenBackup(bytes.NewReader(corrupt))
	if err != nil {
		t.Fatal(err)
	}
	err = postgres.Restore(ctx, dst, br)
	if err == nil || !strings.Contains(err.Error(), "check_ins") {
		t.Fatalf("restore of a tampered backup: %v", err)
	}
	after := checksums(t, dst)
	for name, want := range before {
		if after[name].SHA256 != want.SHA256 || after[name].Rows != want.Rows {
			t.Errorf("table %s changed by a failed restore: %+v → %+v", name, want, after[name])
		}
	}

	// A truncated archive fails the same way.
	br, err = postgres.OpenBackup(bytes.NewReader(archive.Bytes()[:archive.Len()*2/3]))
	if err == nil {
		err = postgres.Restore(ctx, dst, br)
	}
	if err == nil {
		t.Fatal("restore of a truncated backup succeeded")
	}
	if after := checksums(t, dst); after["people"].SHA256 != before["people"].SHA256 {
		t.Fatalf("truncated restore left people: %+v", after["people"])
	}

	if _, err := postgres.OpenBackup(strings.NewReader("not a backup")); err == nil {
		t.Fatal("opened garbage as a backup")
	}
}

// tamper rewrites archive with the first digit of table's data changed.
func tamper(t *testing.T, archive []byte, table string) []byte {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(archive))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var out bytes.Buffer
	gw := gzip.NewWriter(&out)
	tw := tar.NewWriter(gw)
	changed := false
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(hdr.Name, "_"+table) {
			if i := bytes.IndexAny(body, "0123456789"); i >= 0 {
				body[i] = '0' + (body[i]-'0'+1)%10
				changed = true
			}
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(body); err != nil {
			t.Fatal(err)
		}
	}
	if !changed {
		t.Fatalf("no data of %s to tamper with", table)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}
