package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/config"
	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/domain/character"
	"github.com/lifeops/lifeops/internal/postgres"
)

// TestBackupRestoreVerify is the operator's path: back up a populated
// database, restore it into a new one, verify the copy, and see verify
// catch a tampered total.
func TestBackupRestoreVerify(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src, dst := dbtest.URL(t), dbtest.Empty(t)
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	pool, err := postgres.Open(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	tree, err := character.Default()
	if err != nil {
		t.Fatal(err)
	}
	svc := app.New(app.Options{Store: postgres.NewStore(pool), Logger: zerolog.Nop(), Tree: tree, Location: func() *time.Location { return berlin }})
	if err := svc.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "lifeops.backup")
	cli := func(db string, code int, args ...string) string {
		t.Helper()
		getenv := config.MapEnv(map[string]string{"LIFEOPS_DATABASE_URL": db, "LIFEOPS_TIMEZONE": "Europe/Berlin"})
		var stdout, stderr bytes.Buffer
		if got := run(ctx, args, &stdout, &stderr, getenv); got != code {
			t.Fatalf("%v: exit %d, want %d\nstdout: %s\nstderr: %s", args, got, code, stdout.String(), stderr.String())
		}
		return stdout.String() + stderr.String()
	}
	cli(src, exitUsage, "backup")
	cli(src, exitUsage, "restore")
	cli(src, exitOK, "verify")
	cli(src, exitOK, "backup", "--out", file)
	out := cli(dst, exitOK, "restore", "--in", file)
	if !strings.Contains(out, "checksums match") {
		t.Fatalf("restore said %q", out)
	}
	out = cli(dst, exitOK, "verify")
	if !strings.Contains(out, "verified 2 people") {
		t.Fatalf("verify of the restored copy said %q", out)
	}
	// The copy is not empty any more: a second restore is refused.
	if out := cli(dst, exitFailure, "restore", "--in", file); !strings.Contains(out, "not empty") {
		t.Fatalf("second restore said %q", out)
	}

	copyPool, err := postgres.Open(ctx, dst)
	if err != nil {
		t.Fatal(err)
	}
	defer copyPool.Close()
	if _, err := copyPool.Exec(ctx, "UPDATE person_progress SET total_xp = total_xp + 100"); err != nil {
		t.Fatal(err)
	}
	if out := cli(dst, exitFailure, "verify"); !strings.Contains(out, "total XP") {
		t.Fatalf("verify of a tampered copy said %q", out)
	}
}
