package addontest

import (
	"bufio"
	"bytes"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

const rootfs = "addon/rootfs"

// run runs a linter in the repository root and fails with its output.
func run(t *testing.T, dir string, name string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
	}
}

func TestDockerfilelint(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	tools := filepath.Join(root, "internal", "addontest", "tools")
	bin := filepath.Join(tools, "node_modules", ".bin", "dockerfilelint")
	if _, err := os.Stat(bin); err != nil {
		npm := needTool(t, "npm", "apt-get install nodejs npm")
		cmd := exec.Command(npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund")
		cmd.Dir = tools
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s: %v\n%s", tools, err, out)
		}
	}
	run(t, root, bin, "Dockerfile")
}

// scripts lists the shell scripts in rootfs: files with a #! line, and
// sourced libraries that name their shell for shellcheck.
func scripts(t *testing.T) []string {
	t.Helper()
	root := repoRoot(t)
	var out []string
	err := filepath.WalkDir(filepath.Join(root, rootfs), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.HasPrefix(b, []byte("#!")) || bytes.Contains(b, []byte("# shellcheck shell=")) {
			rel, _ := filepath.Rel(root, p)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 5 {
		t.Fatalf("found only %d scripts under %s: %q", len(out), rootfs, out)
	}
	return out
}

func TestShellcheck(t *testing.T) {
	t.Parallel()
	sc := needTool(t, "shellcheck", "apt-get install shellcheck")
	// -x follows the sourced common.sh; its source= paths are relative to
	// the repository root.
	run(t, repoRoot(t), sc, append([]string{"-x", "-P", "."}, scripts(t)...)...)
}

func TestScriptsAreExecutable(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	for _, s := range scripts(t) {
		b, _ := os.ReadFile(filepath.Join(root, s))
		fi, err := os.Stat(filepath.Join(root, s))
		if err != nil {
			t.Fatal(err)
		}
		isLib := !bytes.HasPrefix(b, []byte("#!"))
		if !isLib && fi.Mode()&0o111 == 0 {
			t.Errorf("%s has a #! line but is not executable: chmod +x it (git keeps the bit)", s)
		}
	}
	// What git will ship matters more than the work tree: check the index
	// where the file is tracked.
	if _, err := exec.LookPath("git"); err != nil {
		return
	}
	out, err := exec.Command("git", "-C", root, "ls-files", "-s", "--", rootfs).Output()
	if err != nil {
		return // not a git checkout
	}
	executable := map[string]bool{}
	for _, s := range scripts(t) {
		b, _ := os.ReadFile(filepath.Join(root, s))
		executable[filepath.ToSlash(s)] = bytes.HasPrefix(b, []byte("#!"))
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		mode, rest, _ := strings.Cut(sc.Text(), " ")
		_, file, _ := strings.Cut(rest, "\t")
		if executable[file] && mode != "100755" {
			t.Errorf("%s is committed as %s, not 100755: git update-index --chmod=+x %s", file, mode, file)
		}
	}
}

func TestYamllint(t *testing.T) {
	t.Parallel()
	yl := needTool(t, "yamllint", "apt-get install yamllint")
	root := repoRoot(t)
	files := []string{".yamllint"}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if ext := filepath.Ext(p); !d.IsDir() && (ext == ".yaml" || ext == ".yml") {
			rel, _ := filepath.Rel(root, p)
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	run(t, root, yl, append([]string{"-s", "-c", ".yamllint"}, files...)...)
}

// TestBuildContext: .dockerignore keeps the build context small, but must
// let through everything the image build reads, embedded files included.
func TestBuildContext(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	f, err := os.Open(filepath.Join(root, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		t.Fatal(err)
	}
	ignored := func(rel string) bool {
		m, err := pm.MatchesOrParentMatches(filepath.ToSlash(rel))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	need := []string{"go.mod", "go.sum"}
	for _, dir := range []string{"cmd", "internal", "migrations", rootfs} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && (d.Name() == "testdata" || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			if !d.IsDir() && !strings.HasSuffix(p, "_test.go") {
				rel, _ := filepath.Rel(root, p)
				need = append(need, rel)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, rel := range need {
		if ignored(rel) {
			t.Errorf(".dockerignore leaves %s out of the build context", rel)
		}
	}
	for _, rel := range []string{".git/HEAD", "internal/addontest/tools/node_modules/x/package.json", "README.md", "internal/config/config_test.go"} {
		if !ignored(rel) {
			t.Errorf(".dockerignore sends %s to the build", rel)
		}
	}
}

// TestImageWiring checks what ties the Dockerfile, config.yaml and the s6
// services together, none of which a linter sees.
func TestImageWiring(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	read := func(rel string) string {
		b, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	dockerfile := read("Dockerfile")
	common := read(rootfs + "/usr/lib/lifeops/common.sh")

	// The PostgreSQL the image installs is the one the scripts run.
	pkg := regexp.MustCompile(`apk add[^\n]*?\bpostgresql(\d+)\b`).FindStringSubmatch(dockerfile)
	bin := regexp.MustCompile(`PG_BIN:-/usr/libexec/postgresql(\d+)\}`).FindStringSubmatch(common)
	if pkg == nil || bin == nil || pkg[1] != bin[1] {
		t.Errorf("Dockerfile installs postgresql%v but common.sh runs /usr/libexec/postgresql%v", pkg, bin)
	} else if major, _ := strconv.Atoi(pkg[1]); !regexp.MustCompile(`apk add[^\n]*\bpostgresql` + strconv.Itoa(major-1) + `\b`).MatchString(dockerfile) {
		// Start-up upgrades a cluster of the previous major with its binaries.
		t.Errorf("Dockerfile does not install postgresql%d, the previous major that start-up upgrades from", major-1)
	}
	for _, want := range []string{"COPY addon/rootfs/ /", "/usr/bin/lifeops", `CMD ["/usr/bin/lifeops", "healthcheck"]`, `io.hass.type="app"`} {
		if !strings.Contains(dockerfile, want) {
			t.Errorf("Dockerfile lacks %s", want)
		}
	}

	// backup_pre names a script the image ships.
	hook, _ := manifest(t)["backup_pre"].(string)
	if fi, err := os.Stat(filepath.Join(root, rootfs, hook)); err != nil || fi.Mode()&0o111 == 0 {
		t.Errorf("backup_pre %q is not an executable file in %s: %v", hook, rootfs, err)
	}

	// s6-rc: every service has a known type and what that type runs, every
	// dependency exists, and the user bundle starts them all.
	rc := filepath.Join(root, rootfs, "etc/s6-overlay/s6-rc.d")
	entries, err := os.ReadDir(rc)
	if err != nil {
		t.Fatal(err)
	}
	services := map[string]bool{"base": true}
	for _, e := range entries {
		services[e.Name()] = true
	}
	for _, e := range entries {
		name := e.Name()
		dir := filepath.Join(rc, name)
		if name == "user" {
			// s6-overlay defines the user bundle; we only add to it.
			members, _ := os.ReadDir(filepath.Join(dir, "contents.d"))
			for _, m := range members {
				if !services[m.Name()] {
					t.Errorf("s6-rc user bundle: contents.d/%s names no service", m.Name())
				}
			}
			continue
		}
		typ := strings.TrimSpace(read(filepath.Join(rootfs, "etc/s6-overlay/s6-rc.d", name, "type")))
		switch typ {
		case "longrun":
			if fi, err := os.Stat(filepath.Join(dir, "run")); err != nil || fi.Mode()&0o111 == 0 {
				t.Errorf("longrun %s needs an executable run: %v", name, err)
			}
		case "oneshot":
			up := strings.Fields(read(filepath.Join(rootfs, "etc/s6-overlay/s6-rc.d", name, "up")))
			if len(up) == 0 {
				t.Errorf("oneshot %s: empty up", name)
				continue
			}
			if fi, err := os.Stat(filepath.Join(root, rootfs, up[0])); err != nil || fi.Mode()&0o111 == 0 {
				t.Errorf("oneshot %s runs %s, which is not an executable file in %s", name, up[0], rootfs)
			}
		case "bundle":
		default:
			t.Errorf("s6-rc service %s: type %q", name, typ)
		}
		for _, sub := range []string{"dependencies.d", "contents.d"} {
			deps, _ := os.ReadDir(filepath.Join(dir, sub))
			for _, d := range deps {
				if !services[d.Name()] {
					t.Errorf("s6-rc service %s: %s/%s names no service", name, sub, d.Name())
				}
			}
		}
		if typ != "bundle" {
			if _, err := os.Stat(filepath.Join(rc, "user", "contents.d", name)); err != nil {
				t.Errorf("s6-rc service %s is not in the user bundle, so nothing starts it", name)
			}
		}
	}
}
