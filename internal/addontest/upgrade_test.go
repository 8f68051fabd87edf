package addontest

import (
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// upgradeEnv is a scratch /data with a real PostgreSQL cluster in it, made
// with this machine's PostgreSQL (one major): the add-on's upgrade functions
// run against it with the binary directories the test lays out.
type upgradeEnv struct {
	dir, data, pgdata, bins, major, realBin string
	lifeops                                 string
}

func newUpgradeEnv(t *testing.T) *upgradeEnv {
	t.Helper()
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_upgrade")
	if len(found) == 0 {
		t.Fatal("no PostgreSQL server binaries in /usr/lib/postgresql (scripts/services installs them)")
	}
	realBin := filepath.Dir(found[len(found)-1])
	bin, err := lifeopsBinary()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// The server refuses to run as root: the cluster and every directory
	// on the way belong to (or are open to) postgres.
	for d := dir; d != "/" && d != os.TempDir(); d = filepath.Dir(d) {
		_ = os.Chmod(d, 0o755)
	}
	e := &upgradeEnv{dir: dir, data: filepath.Join(dir, "data"), bins: filepath.Join(dir, "bins"), realBin: realBin,
		major: filepath.Base(filepath.Dir(realBin)), lifeops: bin}
	e.pgdata = filepath.Join(e.data, "postgres")
	for _, d := range []string{e.data, e.bins} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(e.data, "options.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *upgradeEnv) env(extra ...string) []string {
	return append(append(os.Environ(), "LIFEOPS_DATA="+e.data, "PGDATA="+e.pgdata, "LIFEOPS_BIN="+e.lifeops,
		"LIFEOPS_DB=lifeops", "PG_BIN=/nonexistent", "PGUSER=postgres", "LIFEOPS_PG_BINDIR_FMT="+filepath.Join(e.bins, "%s")), extra...)
}

// sh runs a snippet with common.sh sourced; it returns the output and
// whether it succeeded.
func (e *upgradeEnv) sh(t *testing.T, script string) (string, bool) {
	t.Helper()
	cmd := exec.Command("bash", "-c", `. "$1/common.sh" && `+script, "sh", filepath.Join(repoRoot(t), rootfs, "usr/lib/lifeops"))
	cmd.Env = e.env()
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

// asPostgres runs a PostgreSQL tool as the postgres user.
func asPostgres(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command("runuser", append([]string{"-u", "postgres", "--", name}, args...)...)
	if os.Getuid() != 0 {
		cmd = exec.Command(name, args...)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
	}
	return string(out)
}

func chownPostgres(t *testing.T, path string) {
	t.Helper()
	if os.Getuid() != 0 {
		return
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(path, uid, gid); err != nil {
		t.Fatal(err)
	}
}

// initCluster makes the "old" cluster in PGDATA; with people > 0 it also
// holds a migrated LifeOps database with that many people.
func (e *upgradeEnv) initCluster(t *testing.T, people int) {
	t.Helper()
	if err := os.Mkdir(e.pgdata, 0o700); err != nil {
		t.Fatal(err)
	}
	chownPostgres(t, e.pgdata)
	asPostgres(t, filepath.Join(e.realBin, "initdb"), "--pgdata="+e.pgdata, "--username=postgres", "--auth=trust", "--encoding=UTF8", "--no-locale")
	if people == 0 {
		return
	}
	sock := filepath.Join(e.dir, "sock")
	if err := os.Mkdir(sock, 0o755); err != nil {
		t.Fatal(err)
	}
	chownPostgres(t, sock)
	asPostgres(t, filepath.Join(e.realBin, "pg_ctl"), "--pgdata="+e.pgdata, "--wait", "--silent", "-l", filepath.Join(sock, "server.log"), "-o", "-c listen_addresses='' -c unix_socket_directories="+sock+" -p 50431", "start")
	defer asPostgres(t, filepath.Join(e.realBin, "pg_ctl"), "--pgdata="+e.pgdata, "--wait", "--silent", "-m", "fast", "stop")
	out, ok := e.sh(t, `PGHOST=`+sock+` PGPORT=50431 createdb lifeops && PGHOST=`+sock+` PGPORT=50431 lifeops_cli migrate up &&
		psql -X -q -h `+sock+` -p 50431 -d lifeops -c "INSERT INTO people (slug, name, color) SELECT 'p' || g, 'Person ' || g, '#00ff00' FROM generate_series(1, `+strconv.Itoa(people)+`) g;
			INSERT INTO person_progress (person_id) SELECT id FROM people"`)
	if !ok {
		t.Fatalf("preparing the old cluster: %s", out)
	}
}

func (e *upgradeEnv) linkBin(t *testing.T, major string) {
	t.Helper()
	if err := os.Symlink(e.realBin, filepath.Join(e.bins, major)); err != nil {
		t.Fatal(err)
	}
}

func TestPostgresUpgradePlan(t *testing.T) {
	t.Parallel()
	e := newUpgradeEnv(t)
	// Majors 16 and 17 "ship" (their tools exist); 15 does not.
	for _, m := range []string{"16", "17"} {
		d := filepath.Join(e.bins, m)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, tool := range []string{"postgres", "pg_upgrade"} {
			if err := os.WriteFile(filepath.Join(d, tool), []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.MkdirAll(e.pgdata, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ have, want string }{
		{"", "init"}, {"17", "current"}, {"18", "newer 18"}, {"16", "upgrade 16"}, {"15", "unsupported 15"},
	} {
		_ = os.Remove(filepath.Join(e.pgdata, "PG_VERSION"))
		if c.have != "" {
			if err := os.WriteFile(filepath.Join(e.pgdata, "PG_VERSION"), []byte(c.have+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		out, ok := e.sh(t, "lifeops_pg_plan 17")
		if got := strings.TrimSpace(out); !ok || got != c.want {
			t.Errorf("a cluster of %q under PostgreSQL 17: plan %q (ok %v), want %q", c.have, got, ok, c.want)
		}
	}
}

// A real pg_upgrade (this machine has one major, so old and new are the same
// binaries): the copy is migrated and verified before it replaces the old
// cluster, which stays beside it untouched.
func TestPostgresUpgradeVerifiesThenSwaps(t *testing.T) {
	t.Parallel()
	e := newUpgradeEnv(t)
	e.linkBin(t, e.major)
	e.initCluster(t, 25)
	before := asPostgres(t, filepath.Join(e.realBin, "pg_controldata"), e.pgdata)

	out, ok := e.sh(t, "lifeops_pg_upgrade "+e.major+" "+e.major)
	if !ok || !strings.Contains(out, "verified") {
		t.Fatalf("upgrade failed:\n%s", out)
	}
	kept := e.pgdata + ".pg" + e.major
	if got := asPostgres(t, filepath.Join(e.realBin, "pg_controldata"), kept); systemID(got) != systemID(before) {
		t.Errorf("the kept cluster is not the old one: %s vs %s", systemID(got), systemID(before))
	}
	if systemID(asPostgres(t, filepath.Join(e.realBin, "pg_controldata"), e.pgdata)) == systemID(before) {
		t.Error("PGDATA still holds the old cluster after a successful upgrade")
	}
	if _, err := os.Stat(filepath.Join(e.data, "postgres-upgrade-failed")); err == nil {
		t.Error("a successful upgrade left the failure report")
	}
	if left, _ := filepath.Glob(e.pgdata + ".*.upgrading"); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
	// The new cluster holds the people.
	sock := filepath.Join(e.dir, "sock")
	asPostgres(t, filepath.Join(e.realBin, "pg_ctl"), "--pgdata="+e.pgdata, "--wait", "--silent", "-l", filepath.Join(sock, "server.log"), "-o", "-c listen_addresses='' -c unix_socket_directories="+sock+" -p 50431", "start")
	defer asPostgres(t, filepath.Join(e.realBin, "pg_ctl"), "--pgdata="+e.pgdata, "--wait", "--silent", "-m", "fast", "stop")
	if n, _ := e.sh(t, `psql -X -A -t -h `+sock+` -p 50431 -d lifeops -c "SELECT count(*) FROM people"`); strings.TrimSpace(n) != "25" {
		t.Errorf("people in the upgraded cluster: %q, want 25", n)
	}
}

// A failed upgrade leaves the old cluster exactly as it was, removes its
// half-made copy and explains itself in the report the panel shows.
func TestPostgresUpgradeFailureKeepsTheOldCluster(t *testing.T) {
	t.Parallel()
	e := newUpgradeEnv(t)
	e.linkBin(t, e.major)
	e.initCluster(t, 0)
	// The "old" major's binaries are broken: pg_upgrade cannot run them.
	broken := filepath.Join(e.bins, "9")
	if err := os.MkdirAll(broken, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tool := range []string{"postgres", "pg_ctl", "pg_controldata"} {
		if err := os.WriteFile(filepath.Join(broken, tool), []byte("#!/bin/sh\necho broken >&2\nexit 1\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files := func() string {
		out, _ := exec.Command("bash", "-c", `cd "$0" && find . -type f -newer PG_VERSION -o -type f -print | sort | xargs sha256sum`, e.pgdata).CombinedOutput()
		return string(out)
	}
	before := files()
	out, ok := e.sh(t, "lifeops_pg_upgrade 9 "+e.major)
	if ok {
		t.Fatalf("upgrade with broken old binaries succeeded:\n%s", out)
	}
	if after := files(); after != before {
		t.Errorf("the old cluster changed:\n%s\nvs\n%s", before, after)
	}
	report, err := os.ReadFile(filepath.Join(e.data, "postgres-upgrade-failed"))
	if err != nil || !strings.Contains(string(report), "untouched") {
		t.Errorf("failure report = %q (%v), want one that says the data is untouched", report, err)
	}
	if left, _ := filepath.Glob(e.pgdata + ".*"); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

// systemID is the "Database system identifier" pg_controldata prints.
func systemID(controldata string) string {
	for _, line := range strings.Split(controldata, "\n") {
		if strings.HasPrefix(line, "Database system identifier:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "Database system identifier:"))
		}
	}
	return ""
}
