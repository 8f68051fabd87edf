package addontest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// pgEnv is the libpq environment for the test server named by
// LIFEOPS_TEST_DATABASE_URL (the Makefile's default is the local one).
func pgEnv(t *testing.T) []string {
	t.Helper()
	for _, tool := range []string{"psql", "pg_dump", "pg_isready", "createdb", "dropdb"} {
		needTool(t, tool, "apt-get install postgresql-client")
	}
	needTool(t, "jq", "apt-get install jq")
	raw := os.Getenv("LIFEOPS_TEST_DATABASE_URL")
	if raw == "" {
		raw = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("LIFEOPS_TEST_DATABASE_URL: %v", err)
	}
	env := []string{"PGHOST=" + u.Hostname(), "PGPORT=" + u.Port(), "PGUSER=" + u.User.Username(), "PGSSLMODE=disable",
		"PGCONNECT_TIMEOUT=5", "PG_BIN=/nonexistent"}
	if pw, ok := u.User.Password(); ok {
		env = append(env, "PGPASSWORD="+pw)
	}
	if u.Port() == "" {
		env[1] = "PGPORT=5432"
	}
	return env
}

// hookEnv is the environment the hook and common.sh run with: the test's
// server, a scratch /data and the scripts from the work tree.
type hookEnv struct {
	bin  string // the lifeops binary
	pg   []string
	data string
	db   string
	lib  string
}

func newHookEnv(t *testing.T) *hookEnv {
	t.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	bin, err := lifeopsBinary()
	if err != nil {
		t.Fatal(err)
	}
	h := &hookEnv{
		bin:  bin,
		pg:   pgEnv(t),
		data: t.TempDir(),
		db:   "addontest_" + hex.EncodeToString(b),
		lib:  filepath.Join(repoRoot(t), rootfs, "usr/lib/lifeops"),
	}
	h.writeOptions(t, `{"log_level":"info","expose_to_assist":false}`)
	return h
}

func (h *hookEnv) writeOptions(t *testing.T, js string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(h.data, "options.json"), []byte(js), 0o600); err != nil {
		t.Fatal(err)
	}
}

func (h *hookEnv) env(extra ...string) []string {
	env := append(os.Environ(), h.pg...)
	env = append(env, "LIFEOPS_DATA="+h.data, "LIFEOPS_DB="+h.db, "LIFEOPS_LIB="+h.lib, "LIFEOPS_BIN="+h.bin)
	return append(env, extra...)
}

func (h *hookEnv) dump() string { return filepath.Join(h.data, "backup", "lifeops.backup") }

func (h *hookEnv) legacyDump() string { return filepath.Join(h.data, "backup", "lifeops.sql.gz") }

// lifeopsBinary builds the lifeops binary once per test run: the hook and the
// restore call it as the image's /usr/bin/lifeops.
var lifeopsBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "addontest-lifeops")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "lifeops")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/lifeops")
	cmd.Dir = "../.."
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build lifeops: %v\n%s", err, out)
	}
	return bin, nil
})

// psql runs SQL on db of the test server.
func (h *hookEnv) psql(t *testing.T, db, sql string) string {
	t.Helper()
	cmd := exec.Command("psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql)
	cmd.Env = append(os.Environ(), h.pg...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("psql %s: %v\n%s", sql, err, out)
	}
	return strings.TrimSpace(string(out))
}

// createDB makes a database with some LifeOps-like rows and drops it when
// the test ends: the LifeOps schema (migrated by the binary) and 500
// people, with names a text dump must escape.
func (h *hookEnv) createDB(t *testing.T, name string) {
	t.Helper()
	h.createBareDB(t, name)
	u, _ := url.Parse(pgURL())
	u.Path = "/" + name
	cmd := exec.Command(h.bin, "migrate", "up", "--options", filepath.Join(h.data, "options.json"))
	cmd.Env = append(os.Environ(), "LIFEOPS_DATABASE_URL="+u.String(), "LIFEOPS_LOG_FORMAT=console")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("lifeops migrate up: %v\n%s", err, out)
	}
	h.psql(t, name, `INSERT INTO people (slug, name, color)
		SELECT 'p' || g, E'Person\t' || g || ' ''quoted'' \\ é', '#00ff00' FROM generate_series(1, 500) g`)
}

// createBareDB makes an empty database (no LifeOps schema).
func (h *hookEnv) createBareDB(t *testing.T, name string) {
	t.Helper()
	h.psql(t, "postgres", "CREATE DATABASE "+name)
	t.Cleanup(func() { h.psql(t, "postgres", "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
}

func pgURL() string {
	if raw := os.Getenv("LIFEOPS_TEST_DATABASE_URL"); raw != "" {
		return raw
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// hook runs lifeops-backup-pre and returns its log and exit code.
func (h *hookEnv) hook(t *testing.T, extraEnv ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(filepath.Join(repoRoot(t), rootfs, "usr/bin/lifeops-backup-pre"))
	cmd.Env = h.env(extraEnv...)
	out, err := cmd.CombinedOutput()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("run hook: %v", err)
		}
		code = ee.ExitCode()
	}
	return string(out), code
}

// restore runs common.sh's lifeops_restore of the dump into db.
func (h *hookEnv) restore(t *testing.T, db string) error {
	t.Helper()
	cmd := exec.Command("bash", "-c", `. "$LIFEOPS_LIB/common.sh" && lifeops_restore`)
	cmd.Env = h.env("LIFEOPS_DB=" + db)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Logf("lifeops_restore: %s", out)
	}
	return err
}

const rowsQuery = `SELECT count(*) || ' ' || md5(string_agg(id || slug || name || created_at, ',' ORDER BY id)) FROM people`

func TestBackupHookDumpRestoreRoundTrip(t *testing.T) {
	t.Parallel()
	h := newHookEnv(t)
	h.createDB(t, h.db)

	log, code := h.hook(t)
	if code != 0 || !strings.Contains(log, "dumped database") {
		t.Fatalf("hook exit %d, log:\n%s", code, log)
	}
	leftovers, _ := filepath.Glob(h.dump() + ".tmp.*")
	if len(leftovers) > 0 {
		t.Errorf("temporary files left behind: %q", leftovers)
	}

	restored := h.db + "_restored"
	t.Cleanup(func() { h.psql(t, "postgres", "DROP DATABASE IF EXISTS "+restored+" WITH (FORCE)") })
	if err := h.restore(t, restored); err != nil {
		t.Fatalf("restore: %v", err)
	}
	if got, want := h.psql(t, restored, rowsQuery), h.psql(t, h.db, rowsQuery); got != want {
		t.Errorf("restored rows %q, dumped %q", got, want)
	}

	// A truncated dump (a backup cut short) must leave no database behind:
	// LifeOps would otherwise start on half the household's history.
	b, err := os.ReadFile(h.dump())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(h.dump(), b[:len(b)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	truncated := h.db + "_truncated"
	t.Cleanup(func() { h.psql(t, "postgres", "DROP DATABASE IF EXISTS "+truncated+" WITH (FORCE)") })
	if err := h.restore(t, truncated); err == nil {
		t.Error("restoring a truncated dump succeeded")
	}
	if n := h.psql(t, "postgres", "SELECT count(*) FROM pg_database WHERE datname = '"+truncated+"'"); n != "0" {
		t.Error("a failed restore left its database behind")
	}
}

// TestBackupHookRestoresALegacyDump: an add-on version before `lifeops
// backup` left a pg_dump; it is restored when no newer backup exists, and
// the first new backup replaces it.
func TestBackupHookRestoresALegacyDump(t *testing.T) {
	t.Parallel()
	h := newHookEnv(t)
	h.createDB(t, h.db)
	if err := os.MkdirAll(filepath.Dir(h.legacyDump()), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "-c", `pg_dump --dbname="$LIFEOPS_DB" --no-owner --no-privileges | gzip -c >"$LIFEOPS_LEGACY_DUMP"`)
	cmd.Env = h.env("LIFEOPS_LEGACY_DUMP=" + h.legacyDump())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	restored := h.db + "_legacy"
	t.Cleanup(func() { h.psql(t, "postgres", "DROP DATABASE IF EXISTS "+restored+" WITH (FORCE)") })
	if err := h.restore(t, restored); err != nil {
		t.Fatalf("restore of the legacy dump: %v", err)
	}
	if got, want := h.psql(t, restored, rowsQuery), h.psql(t, h.db, rowsQuery); got != want {
		t.Errorf("restored rows %q, dumped %q", got, want)
	}
	if log, code := h.hook(t); code != 0 || !strings.Contains(log, "dumped database") {
		t.Fatalf("hook exit %d, log:\n%s", code, log)
	}
	if _, err := os.Stat(h.legacyDump()); !os.IsNotExist(err) {
		t.Errorf("the legacy dump is still there after a new backup: %v", err)
	}
}

// TestBackupHookNeverFails: one failing hook fails every Home Assistant
// backup, so each problem is logged, exits 0 and keeps the last good dump.
func TestBackupHookNeverFails(t *testing.T) {
	t.Parallel()
	const previous = "previous good dump"
	tests := []struct {
		name    string
		setup   func(t *testing.T, h *hookEnv) []string // returns extra env
		wantLog string
	}{
		{
			name: "external database in options",
			setup: func(t *testing.T, h *hookEnv) []string {
				h.writeOptions(t, `{"database_url":"postgres://u:p@db.lan/lifeops","log_level":"info"}`)
				return nil
			},
			wantLog: "external database",
		},
		{
			name: "external database in the environment",
			setup: func(t *testing.T, h *hookEnv) []string {
				return []string{"LIFEOPS_DATABASE_URL=postgres://u:p@db.lan/lifeops"}
			},
			wantLog: "external database",
		},
		{
			name:    "server down",
			setup:   func(t *testing.T, h *hookEnv) []string { return []string{"PGPORT=1"} },
			wantLog: "not accepting connections",
		},
		{
			name:    "database not created yet",
			setup:   func(t *testing.T, h *hookEnv) []string { return nil },
			wantLog: "does not exist yet",
		},
		{
			name: "the backup dies half-way",
			setup: func(t *testing.T, h *hookEnv) []string {
				h.createDB(t, h.db)
				shims := t.TempDir()
				fake := "#!/bin/sh\necho 'lifeops: backup: connection lost' >&2\nexit 1\n"
				if err := os.WriteFile(filepath.Join(shims, "lifeops"), []byte(fake), 0o755); err != nil {
					t.Fatal(err)
				}
				return []string{"LIFEOPS_BIN=" + filepath.Join(shims, "lifeops")}
			},
			wantLog: "WARNING: dumping database",
		},
		{
			name: "a database without the LifeOps schema",
			setup: func(t *testing.T, h *hookEnv) []string {
				h.createBareDB(t, h.db)
				return nil
			},
			wantLog: "WARNING: dumping database",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHookEnv(t)
			if err := os.MkdirAll(filepath.Dir(h.dump()), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(h.dump(), []byte(previous), 0o600); err != nil {
				t.Fatal(err)
			}
			log, code := h.hook(t, tt.setup(t, h)...)
			if code != 0 {
				t.Errorf("hook exited %d: that would fail the whole Home Assistant backup", code)
			}
			if !strings.Contains(log, tt.wantLog) {
				t.Errorf("hook log %q does not say %q", log, tt.wantLog)
			}
			if b, err := os.ReadFile(h.dump()); err != nil || !bytes.Equal(b, []byte(previous)) {
				t.Errorf("the previous dump was replaced or removed (%q, %v)", b, err)
			}
			if leftovers, _ := filepath.Glob(h.dump() + ".tmp.*"); len(leftovers) > 0 {
				t.Errorf("temporary files left behind: %q", leftovers)
			}
		})
	}
}
