package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/domain/character"
	"github.com/lifeops/lifeops/internal/postgres"
)

// The guides in docs/ are run, so they cannot rot. Their ```sh blocks run,
// in order, in one bash session (variables carry over, as in a reader's
// terminal) with `lifeops` on the PATH; a block preceded by an HTML comment
// starting "<!-- not run" is shown only. A `# expect: 201 200 401*10` line
// lists the HTTP statuses the block's requests must get, in order. A block
// preceded by "<!-- file: PATH -->" must equal that file of the repository.

// mdBlock is one fenced block of a Markdown file.
type mdBlock struct {
	lang    string
	text    string
	line    int    // of the opening fence
	notRun  bool   // preceded by <!-- not run … -->
	file    string // preceded by <!-- file: PATH -->
	expects []int  // from "# expect:" lines
}

var (
	fileMarker   = regexp.MustCompile(`^<!-- file: (\S+) -->$`)
	expectMarker = regexp.MustCompile(`^\s*# expect: ([0-9* ]+)$`)
)

func readBlocks(t *testing.T, path string) []mdBlock {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var (
		blocks  []mdBlock
		cur     *mdBlock
		pending string // the last non-blank line before a fence
	)
	for i, line := range strings.Split(string(b), "\n") {
		if cur != nil {
			if strings.TrimSpace(line) == "```" {
				blocks = append(blocks, *cur)
				cur = nil
				continue
			}
			cur.text += line + "\n"
			if m := expectMarker.FindStringSubmatch(line); m != nil {
				for _, f := range strings.Fields(m[1]) {
					code, times, _ := strings.Cut(f, "*")
					n, err := strconv.Atoi(code)
					k := 1
					if times != "" {
						k, _ = strconv.Atoi(times)
					}
					if err != nil || k < 1 {
						t.Fatalf("%s:%d: bad expect %q", path, i+1, f)
					}
					for range k {
						cur.expects = append(cur.expects, n)
					}
				}
			}
			continue
		}
		if lang, ok := strings.CutPrefix(line, "```"); ok {
			cur = &mdBlock{lang: strings.TrimSpace(lang), line: i + 1, notRun: strings.HasPrefix(pending, "<!-- not run")}
			if m := fileMarker.FindStringSubmatch(pending); m != nil {
				cur.file = m[1]
			}
			continue
		}
		if strings.TrimSpace(line) != "" {
			pending = strings.TrimSpace(line)
		}
	}
	if cur != nil {
		t.Fatalf("%s:%d: unclosed fence", path, cur.line)
	}
	return blocks
}

// shell is one bash session that runs blocks in order. It runs in its own
// process group, which the test kills at the end (a block may leave a
// `lifeops serve &` behind, as a reader's terminal would).
type shell struct {
	t     *testing.T
	in    io.WriteCloser
	lines chan string
	seq   int
}

func newShell(t *testing.T, dir string, env []string) *shell {
	t.Helper()
	cmd := exec.Command("bash", "--noprofile", "--norc")
	cmd.Dir = dir
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	r, w := io.Pipe()
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &shell{t: t, in: in, lines: make(chan string, 10000)}
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
		close(s.lines)
	}()
	go func() { _ = cmd.Wait(); w.Close() }()
	t.Cleanup(func() {
		in.Close()
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	})
	// Fail on the first failing command, unset variable or broken pipe
	// stage: the test then sees the shell end before the block's marker.
	s.run("set -euo pipefail", time.Minute)
	return s
}

// run runs one block and returns its output; a failure ends the test.
func (s *shell) run(text string, timeout time.Duration) string {
	s.t.Helper()
	s.seq++
	marker := fmt.Sprintf("__docs_block_%d_done__", s.seq)
	if _, err := io.WriteString(s.in, text+"\necho "+marker+"\n"); err != nil {
		s.t.Fatalf("write to bash: %v", err)
	}
	var out strings.Builder
	deadline := time.After(timeout)
	for {
		select {
		case line, ok := <-s.lines:
			if !ok {
				s.t.Fatalf("the shell ended (a command failed):\n%s\noutput:\n%s", text, out.String())
			}
			if line == marker {
				return out.String()
			}
			out.WriteString(line + "\n")
		case <-deadline:
			s.t.Fatalf("block did not finish within %v:\n%s\noutput so far:\n%s", timeout, text, out.String())
		}
	}
}

// recorder is a reverse proxy in front of the server that remembers the
// status of every answer, in order.
type recorder struct {
	mu     sync.Mutex
	status []int
}

func (r *recorder) take() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.status
	r.status = nil
	return s
}

func newRecorder(t *testing.T, target string) (*recorder, string) {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.ModifyResponse = func(res *http.Response) error {
		rec.mu.Lock()
		rec.status = append(rec.status, res.StatusCode)
		rec.mu.Unlock()
		return nil
	}
	ts := httptest.NewServer(proxy)
	t.Cleanup(ts.Close)
	return rec, ts.URL
}

// needTools fails when a tool the guides use is missing: the examples are
// for people, who have them.
func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the guides' examples need %s: install it (scripts/services --test-tools does; make test runs it)", tool)
		}
	}
}

// shellEnv is a clean environment with the built binary first on the PATH.
func shellEnv(extra ...string) []string {
	return append([]string{
		"PATH=" + filepath.Dir(binary) + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"),
		"LIFEOPS_MQTT_URL=",
		"LIFEOPS_LOG_FORMAT=json",
	}, extra...)
}

func sameInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestDocsAPIExamples runs every example of docs/api.md against the real
// binary on a real database: the curl blocks in a shell, the Go client
// example as a program built from the file the guide includes.
func TestDocsAPIExamples(t *testing.T) {
	t.Parallel()
	needTools(t, "bash", "curl", "jq")
	db := dbtest.Empty(t)
	p := start(t, db)
	rec, base := newRecorder(t, "http://"+p.addr)
	work := t.TempDir()
	sh := newShell(t, work, shellEnv("LIFEOPS_DATABASE_URL="+db, "LIFEOPS_URL="+base))

	ran := map[string]int{}
	for _, b := range readBlocks(t, "../../docs/api.md") {
		where := fmt.Sprintf("docs/api.md:%d", b.line)
		if b.file != "" {
			want, err := os.ReadFile(filepath.Join("../..", b.file))
			if err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			if b.text != string(want) {
				t.Fatalf("%s: the block differs from %s: copy the file into the guide", where, b.file)
			}
		}
		if b.notRun {
			continue
		}
		switch b.lang {
		case "sh":
			rec.take()
			out := sh.run(b.text, 2*time.Minute)
			if got := rec.take(); !sameInts(got, b.expects) {
				t.Fatalf("%s: statuses %v, the guide says %v\n%s\noutput:\n%s", where, got, b.expects, b.text, out)
			}
			ran["sh"]++
		case "go":
			if b.file == "" {
				t.Fatalf("%s: a Go block must name its file (<!-- file: PATH -->) or be marked <!-- not run -->", where)
			}
			token := strings.TrimSpace(sh.run(`echo "$TOKEN"`, time.Minute))
			prog := filepath.Join(work, "example")
			if out, err := exec.Command("go", "build", "-o", prog, "../../"+filepath.Dir(b.file)).CombinedOutput(); err != nil {
				t.Fatalf("%s: build %s: %v\n%s", where, b.file, err, out)
			}
			cmd := exec.Command(prog)
			cmd.Env = shellEnv("LIFEOPS_URL="+base, "TOKEN="+token)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s: the Go example failed: %v\n%s", where, err, out)
			}
			t.Logf("Go example:\n%s", out)
			rec.take()
			ran["go"]++
		default:
			t.Fatalf("%s: a %q block is neither run nor marked <!-- not run -->", where, b.lang)
		}
	}
	if ran["sh"] < 8 || ran["go"] != 1 {
		t.Fatalf("ran %v: the guide lost its examples", ran)
	}
}

// TestDocsRestoreDrill follows docs/operations.md's backup and restore
// drill: last night's backup of a populated database is restored into a
// fresh one and LifeOps starts on it, with the household and its tokens.
func TestDocsRestoreDrill(t *testing.T) {
	t.Parallel()
	needTools(t, "bash", "curl", "jq")
	ctx := context.Background()
	src, fresh := dbtest.URL(t), dbtest.Empty(t)
	pool, err := postgres.Open(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	tree, err := character.Default()
	if err != nil {
		t.Fatal(err)
	}
	store := postgres.NewStore(pool)
	svc := app.New(app.Options{Store: store, Logger: zerolog.Nop(), Tree: tree, Location: func() *time.Location { return time.UTC }})
	if err := svc.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	tok, err := app.NewTokens(store, store, nil).Create(ctx, app.TokenInput{Name: "drill", Scope: app.ScopeRead})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	backups := t.TempDir()
	sh := newShell(t, t.TempDir(), shellEnv(
		"LIFEOPS_DATABASE_URL="+src, "NEW_DATABASE_URL="+fresh, "BACKUP_DIR="+backups,
		"LIFEOPS_HTTP_ADDR="+addr, "LIFEOPS_URL=http://"+addr, "TOKEN="+tok.Secret, "LIFEOPS_TIMEZONE=UTC"))
	var out strings.Builder
	ran := 0
	for _, b := range readBlocks(t, "../../docs/operations.md") {
		if b.notRun {
			continue
		}
		if b.lang != "sh" {
			t.Fatalf("docs/operations.md:%d: a %q block is neither run nor marked <!-- not run -->", b.line, b.lang)
		}
		out.WriteString(sh.run(b.text, 2*time.Minute))
		ran++
	}
	if ran < 3 {
		t.Fatalf("ran %d blocks: the drill lost its steps", ran)
	}
	// The restored copy answers with the household it was given.
	for _, name := range []string{"Alex", "Sam"} {
		if !strings.Contains(out.String(), name) {
			t.Errorf("the restored LifeOps did not list %s:\n%s", name, out.String())
		}
	}
	for _, said := range []string{"checksums match", "verified 2 people", `"status":"ok"`} {
		if !strings.Contains(out.String(), said) {
			t.Errorf("the drill's output lacks %q:\n%s", said, out.String())
		}
	}
	if matches, _ := filepath.Glob(filepath.Join(backups, "*")); len(matches) == 0 {
		t.Error("the nightly backup step wrote nothing to $BACKUP_DIR")
	}
	var n int
	fp, err := postgres.Open(ctx, fresh)
	if err != nil {
		t.Fatal(err)
	}
	defer fp.Close()
	if err := fp.QueryRow(ctx, "SELECT count(*) FROM people").Scan(&n); err != nil || n != 2 {
		t.Fatalf("fresh database has %d people (%v), want the demo's 2", n, err)
	}
}
