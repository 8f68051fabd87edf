package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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

// TestImportLoopCommand: a dry run changes nothing, an import creates the
// habits, verify stays clean, undo takes them away.
func TestImportLoopCommand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.URL(t)
	pool, err := postgres.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	tree, err := character.Default()
	if err != nil {
		t.Fatal(err)
	}
	svc := app.New(app.Options{Store: postgres.NewStore(pool), Logger: zerolog.Nop(), Tree: tree,
		Location: func() *time.Location { return time.UTC }})
	if _, err := svc.CreatePerson(ctx, app.PersonInput{Name: "Ida"}); err != nil {
		t.Fatal(err)
	}
	cli := func(code int, args ...string) string {
		t.Helper()
		getenv := config.MapEnv(map[string]string{"LIFEOPS_DATABASE_URL": db, "LIFEOPS_TIMEZONE": "UTC"})
		var stdout, stderr bytes.Buffer
		if got := run(ctx, args, &stdout, &stderr, getenv); got != code {
			t.Fatalf("%v: exit %d, want %d\nstdout: %s\nstderr: %s", args, got, code, stdout.String(), stderr.String())
		}
		return stdout.String() + stderr.String()
	}
	habits := func() int {
		var n int
		if err := pool.QueryRow(ctx, "SELECT count(*) FROM habits").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	const file = "../../internal/app/testdata/loop/loop-export.zip"
	cli(exitUsage, "import", "loop", file)
	out := cli(exitOK, "import", "loop", "--person", "ida", "--dry-run", file)
	var rep app.ImportReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil || !rep.DryRun || len(rep.Habits) != 6 || habits() != 0 {
		t.Fatalf("dry run: %v %+v, %d habits", err, rep, habits())
	}
	if err := json.Unmarshal([]byte(cli(exitOK, "import", "loop", "--person", "ida", file)), &rep); err != nil || rep.ImportID == 0 || habits() != 6 {
		t.Fatalf("import: %v %+v", err, rep)
	}
	cli(exitOK, "verify")
	if out := cli(exitFailure, "import", "loop", "--person", "ida", "main.go"); !strings.Contains(out, "not a zip") {
		t.Errorf("a file that is no export: %s", out)
	}
	// Export, then restore into an empty LifeOps.
	zipFile := filepath.Join(t.TempDir(), "ida.zip")
	cli(exitUsage, "export", "--person", "ida")
	if got := cli(exitOK, "export", "--person", "ida", "--out", zipFile); !strings.Contains(got, "exported ida") {
		t.Errorf("export said %q", got)
	}
	other := dbtest.URL(t)
	getenv := config.MapEnv(map[string]string{"LIFEOPS_DATABASE_URL": other, "LIFEOPS_TIMEZONE": "UTC"})
	var so, se bytes.Buffer
	if code := run(ctx, []string{"import", "lifeops", zipFile}, &so, &se, getenv); code != exitOK {
		t.Fatalf("import lifeops: %d %s %s", code, so.String(), se.String())
	}
	if code := run(ctx, []string{"verify"}, &so, &se, getenv); code != exitOK {
		t.Fatalf("verify after the restore: %d %s", code, so.String())
	}

	cli(exitOK, "import", "undo", "--person", "ida", fmt.Sprint(rep.ImportID))
	if habits() != 0 {
		t.Errorf("after undo: %d habits", habits())
	}
}
