package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/config"
	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/mqtt/mqtttest"
	"github.com/lifeops/lifeops/internal/postgres"
)

var binary string

// TestMain builds the real binary once: start-up, signals and exit codes are
// properties of the process, so they are tested on a process.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lifeops-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "lifeops")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build lifeops: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// process is a running `lifeops serve`.
type process struct {
	cmd   *exec.Cmd
	addr  string
	lines chan map[string]any
	done  chan error
	early []map[string]any // lines logged up to "lifeops ready"
}

// start runs `lifeops serve` on a free port against databaseURL and waits for
// its "lifeops ready" line.
func start(t *testing.T, databaseURL string, extraEnv ...string) *process {
	t.Helper()
	return startArgs(t, databaseURL, nil, extraEnv...)
}

// startArgs is start with extra serve flags.
func startArgs(t *testing.T, databaseURL string, args []string, extraEnv ...string) *process {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"serve", "--http-addr", "127.0.0.1:0", "--options", filepath.Join(t.TempDir(), "none.json")}, args...)...)
	if err := os.WriteFile(cmd.Args[5], []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "LIFEOPS_DATABASE_URL=" + databaseURL, "LIFEOPS_MQTT_URL=", "LIFEOPS_LOG_FORMAT=json"}, extraEnv...)
	return startProcess(t, cmd)
}

// startProcess starts cmd (a `lifeops serve` logging JSON) and waits for
// its "lifeops ready" line.
func startProcess(t *testing.T, cmd *exec.Cmd) *process {
	t.Helper()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, lines: make(chan map[string]any, 1000), done: make(chan error, 1)}
	// Every line the process logs is decoded strictly too (no key twice);
	// the refused ones are reported once the process is gone.
	var strictMu sync.Mutex
	var refused []string
	drained := make(chan struct{})
	t.Cleanup(func() {
		select {
		case <-drained:
		case <-time.After(5 * time.Second):
		}
		strictMu.Lock()
		defer strictMu.Unlock()
		for _, r := range refused {
			t.Errorf("lifeops logged a line a strict JSON decoder refuses: %s", r)
		}
	})
	go func() {
		defer close(drained)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if err := strictJSON(sc.Bytes()); err != nil {
				strictMu.Lock()
				refused = append(refused, err.Error()+": "+sc.Text())
				strictMu.Unlock()
			}
			var line map[string]any
			if json.Unmarshal(sc.Bytes(), &line) != nil {
				t.Logf("non-JSON log line: %s", sc.Text())
				continue
			}
			select {
			case p.lines <- line:
			default: // nobody reads the chatter after start-up; never stall the process
			}
		}
		close(p.lines)
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	deadline := time.After(30 * time.Second)
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				t.Fatalf("lifeops exited before it was ready: %v", <-p.done)
			}
			p.early = append(p.early, line)
			if line["message"] == "lifeops ready" {
				p.addr = line["addr"].(string)
				return p
			}
		case <-deadline:
			t.Fatal("lifeops not ready within 30 s")
		}
	}
}

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode
}

func TestServeReadyAndDependencies(t *testing.T) {
	t.Parallel()
	p := start(t, dbtest.Empty(t))
	var ready struct {
		Status string
		Checks map[string]struct{ Status, Error string }
	}
	if code := getJSON(t, "http://"+p.addr+"/readyz", &ready); code != http.StatusOK {
		t.Fatalf("/readyz = %d %+v", code, ready)
	}
	want := map[string]string{"database": "ok", "mqtt": "disabled", "home_assistant": "disabled", "oura": "disabled"}
	for dep, state := range want {
		if got := ready.Checks[dep].Status; got != state {
			t.Errorf("%s = %q, want %q", dep, got, state)
		}
	}
	var alive map[string]any
	if code := getJSON(t, "http://"+p.addr+"/healthz", &alive); code != http.StatusOK || alive["status"] != "ok" {
		t.Fatalf("/healthz = %d %v", code, alive)
	}
}

func TestTwoProcessesRacingOnAnEmptyDatabase(t *testing.T) {
	t.Parallel()
	url := dbtest.Empty(t)
	var wg sync.WaitGroup
	procs := make([]*process, 2)
	for i := range procs {
		wg.Go(func() { procs[i] = start(t, url) })
	}
	wg.Wait()
	applied := 0
	for _, p := range procs {
		var ready struct{ Status string }
		if code := getJSON(t, "http://"+p.addr+"/readyz", &ready); code != http.StatusOK {
			t.Fatalf("a racer is not ready: %d %+v", code, ready)
		}
		// Each process logs the versions it applied; together they must
		// have applied each migration exactly once.
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		for _, line := range p.early {
			if line["message"] == "migrations applied" {
				applied += len(line["versions"].([]any))
			}
		}
	}
	pool, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var rows, distinct int
	if err := pool.QueryRow(context.Background(), "SELECT count(*), count(DISTINCT version) FROM schema_migrations").Scan(&rows, &distinct); err != nil {
		t.Fatal(err)
	}
	if applied != rows || rows != distinct || rows == 0 {
		t.Fatalf("applied %d in logs, %d rows, %d distinct versions", applied, rows, distinct)
	}
}

func TestSIGTERMExitsZero(t *testing.T) {
	t.Parallel()
	p := start(t, dbtest.Empty(t))
	began := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for range p.lines {
	}
	if err := <-p.done; err != nil {
		t.Fatalf("exit after SIGTERM: %v", err)
	}
	if took := time.Since(began); took > shutdownGrace {
		t.Fatalf("shutdown took %v", took)
	}
}

// TestShutdownLetsSlowRequestFinish drives the same serveHTTP that `serve`
// uses: cancelling its context is exactly what SIGTERM does.
func TestShutdownLetsSlowRequestFinish(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	entered := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		time.Sleep(700 * time.Millisecond)
		io.WriteString(w, "finished")
	})
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serveHTTP(ctx, ln, h, config.Config{}, zerolog.Nop()) }()

	got := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/slow")
		if err != nil {
			got <- "error: " + err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- string(b)
	}()
	<-entered
	cancel()
	if body := <-got; body != "finished" {
		t.Fatalf("slow request got %q", body)
	}
	if err := <-served; err != nil {
		t.Fatalf("serveHTTP: %v", err)
	}
	// New connections are refused once shutdown has begun.
	if _, err := http.Get("http://" + ln.Addr().String() + "/"); err == nil {
		t.Fatal("server still accepting after shutdown")
	}
}

func TestExitCodes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
		env  []string
		code int
		want []string
	}{
		{"no command", nil, nil, 2, []string{"Usage"}},
		{"unknown command", []string{"fly"}, nil, 2, []string{`unknown command "fly"`}},
		{"version", []string{"version"}, nil, 0, nil},
		{"bad flag", []string{"serve", "--no-such-flag"}, nil, 2, []string{"no-such-flag"}},
		{"three bad values", []string{"config", "check", "--log-level", "loud"}, []string{"LIFEOPS_TIMEZONE=Mars/Base", "LIFEOPS_HTTP_ADDR=nowhere"}, 2,
			[]string{"log_level", "timezone", "http_addr", "3 problems"}},
		{"valid config", []string{"config", "check"}, []string{"LIFEOPS_MQTT_PASSWORD=s3cret"}, 0, []string{"configuration is valid"}},
		{"migrate down without N", []string{"migrate", "down"}, nil, 2, []string{"N"}},
		{"migrate down zero", []string{"migrate", "down", "0"}, nil, 2, []string{"≥ 1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := filepath.Join(t.TempDir(), "options.json")
			os.WriteFile(opts, []byte("{}"), 0o600)
			cmd := exec.Command(binary, tc.args...)
			cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, tc.env...)
			if len(tc.args) > 1 && tc.args[0] == "config" {
				cmd.Args = append(cmd.Args, "--options", opts)
			}
			out, _ := cmd.CombinedOutput()
			if code := cmd.ProcessState.ExitCode(); code != tc.code {
				t.Fatalf("exit %d, want %d; output:\n%s", code, tc.code, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if strings.Contains(string(out), "s3cret") {
				t.Errorf("secret printed:\n%s", out)
			}
		})
	}
}

func TestMigrateCommands(t *testing.T) {
	t.Parallel()
	url := dbtest.Empty(t)
	run := func(args ...string) string {
		cmd := exec.Command(binary, append([]string{"migrate"}, args...)...)
		cmd.Env = []string{"LIFEOPS_DATABASE_URL=" + url}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("migrate %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	if out := run("status"); !strings.Contains(out, "pending") {
		t.Fatalf("status before up:\n%s", out)
	}
	if out := run("up"); !strings.Contains(out, "applied 0001_core") {
		t.Fatalf("up:\n%s", out)
	}
	if out := run("up"); !strings.Contains(out, "schema is current") {
		t.Fatalf("second up:\n%s", out)
	}
	if out := run("down", "1"); !strings.Contains(out, "rolled back") {
		t.Fatalf("down:\n%s", out)
	}
}

// TestServePublishesEntitiesAndComesBackAfterSIGKILL runs LifeOps against the
// real broker: its entities appear retained, and after SIGKILL (no clean
// offline) a new process brings them and its availability back.
func TestServePublishesEntitiesAndComesBackAfterSIGKILL(t *testing.T) {
	t.Parallel()
	brokerURL := os.Getenv("LIFEOPS_TEST_MQTT_URL")
	if brokerURL == "" {
		t.Fatal("LIFEOPS_TEST_MQTT_URL is not set (make test sets it)")
	}
	db := dbtest.URL(t)
	pool, err := postgres.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var personID int64
	if err := pool.QueryRow(context.Background(),
		"INSERT INTO people (name, slug, color) VALUES ('Alex', 'alex', '#03a9f4') RETURNING id").Scan(&personID); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(context.Background(), "INSERT INTO person_progress (person_id) VALUES ($1)", personID); err != nil {
		t.Fatal(err)
	}
	root := fmt.Sprintf("lifeopstest_serve_%d", time.Now().UnixNano())
	env := []string{"LIFEOPS_MQTT_URL=" + brokerURL, "LIFEOPS_BASE_TOPIC=" + root + "/lifeops", "LIFEOPS_DISCOVERY_PREFIX=" + root + "/ha"}
	configTopic := fmt.Sprintf("%s/ha/device/lifeops_%d/config", root, personID)
	statusTopic := root + "/lifeops/status"

	for round := range 2 {
		p := start(t, db, env...)
		waitRetained(t, brokerURL, configTopic, func(b []byte) bool { return strings.Contains(string(b), `"lifeops_`) })
		waitRetained(t, brokerURL, statusTopic, func(b []byte) bool { return string(b) == "online" })
		var ready struct {
			Checks map[string]struct{ Status string }
		}
		getJSON(t, "http://"+p.addr+"/readyz", &ready)
		if ready.Checks["mqtt"].Status != "ok" {
			t.Fatalf("round %d: mqtt on /readyz = %q", round, ready.Checks["mqtt"].Status)
		}
		if round == 0 {
			if err := p.cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			<-p.done
			// The broker notices the dead connection and publishes the will.
			waitRetained(t, brokerURL, statusTopic, func(b []byte) bool { return string(b) == "offline" })
		}
	}
}

// waitRetained reads topic's retained message with a fresh subscriber until
// ok accepts it.
func waitRetained(t *testing.T, brokerURL, topic string, ok func([]byte) bool) {
	t.Helper()
	obs := mqtttest.NewObserver(t, brokerURL, topic)
	obs.WaitFor(40*time.Second, "a fitting message on "+topic, func(r mqtttest.Received) bool { return ok(r.Payload) })
}

func TestDemoHouseholdServeAndRemove(t *testing.T) {
	t.Parallel()
	url := dbtest.Empty(t)
	p := startArgs(t, url, []string{"--demo"})
	seeded := false
	for _, line := range p.early {
		seeded = seeded || strings.HasPrefix(fmt.Sprint(line["message"]), "demo household seeded")
	}
	if !seeded {
		t.Fatal("serve --demo did not seed an empty database")
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	<-p.done
	// A second --demo start leaves the (now non-empty) database alone.
	p = startArgs(t, url, []string{"--demo"})
	for _, line := range p.early {
		if strings.HasPrefix(fmt.Sprint(line["message"]), "demo household seeded") {
			t.Fatal("--demo seeded a database that already had people")
		}
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	<-p.done
	cmd := exec.Command(binary, "demo", "remove", "--options", filepath.Join(t.TempDir(), "none.json"))
	os.WriteFile(cmd.Args[4], []byte("{}"), 0o600)
	cmd.Env = []string{"LIFEOPS_DATABASE_URL=" + url}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "2 people") {
		t.Fatalf("demo remove: %v\n%s", err, out)
	}
}
