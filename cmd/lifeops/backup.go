package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/lifeops/lifeops/internal/migrate"
	"github.com/lifeops/lifeops/internal/postgres"
	"github.com/lifeops/lifeops/migrations"
)

// cmdBackup writes a consistent logical backup to --out ("-": stdout). The
// file appears only once the backup is complete.
func cmdBackup(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var out string
	cfg, _, err := loadConfig("backup", args, stderr, getenv, func(fs *flag.FlagSet) {
		fs.StringVar(&out, "out", "", "write the backup to `FILE` (- for stdout)")
	})
	if err != nil {
		return err
	}
	if out == "" {
		return usagef("backup: --out FILE is required")
	}
	pool, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()

	if out == "-" {
		w := bufio.NewWriter(stdout)
		if _, err := postgres.Backup(ctx, pool, w, version); err != nil {
			return err
		}
		return w.Flush()
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), filepath.Base(out)+".tmp.*")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(tmp.Name()) // gone after the rename; cleans up a failure
	w := bufio.NewWriter(tmp)
	m, err := postgres.Backup(ctx, pool, w, version)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), out)
	}
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	var rows int64
	for _, t := range m.Tables {
		rows += t.Rows
	}
	fmt.Fprintf(stderr, "lifeops: backed up %d tables, %d rows (schema %04d) to %s\n", len(m.Tables), rows, m.SchemaVersion, out)
	return nil
}

// cmdRestore loads a backup into an empty (or missing) database: it
// migrates the database to the backup's schema version, then copies every
// table in one transaction that checks row counts and checksums before it
// commits.
func cmdRestore(ctx context.Context, args []string, stderr io.Writer, getenv func(string) string) error {
	var in string
	cfg, _, err := loadConfig("restore", args, stderr, getenv, func(fs *flag.FlagSet) {
		fs.StringVar(&in, "in", "", "read the backup from `FILE` (- for stdin)")
	})
	if err != nil {
		return err
	}
	if in == "" {
		return usagef("restore: --in FILE is required")
	}
	var r io.Reader = os.Stdin
	if in != "-" {
		f, err := os.Open(in)
		if err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		defer f.Close()
		r = f
	}
	br, err := postgres.OpenBackup(bufio.NewReader(r))
	if err != nil {
		return fmt.Errorf("restore %s: %w", in, err)
	}
	migs, err := migrate.Load(migrations.FS)
	if err != nil {
		return err
	}
	v := br.Manifest.SchemaVersion
	if v > len(migs) {
		return fmt.Errorf("restore: the backup is at schema %04d, this LifeOps knows up to %04d: restore with a newer LifeOps", v, len(migs))
	}
	pool, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := postgres.CheckEmpty(ctx, pool); err != nil {
		return err
	}
	if _, err := migrate.New(pool, migs[:v]).Up(ctx); err != nil {
		return fmt.Errorf("restore: migrate to the backup's schema %04d: %w", v, err)
	}
	if err := postgres.Restore(ctx, pool, br); err != nil {
		return err
	}
	var rows int64
	for _, t := range br.Manifest.Tables {
		rows += t.Rows
	}
	fmt.Fprintf(stderr, "lifeops: restored %d tables, %d rows (schema %04d, backed up %s); counts and checksums match\n",
		len(br.Manifest.Tables), rows, v, br.Manifest.CreatedAt.Format("2006-01-02 15:04:05Z07:00"))
	return nil
}
