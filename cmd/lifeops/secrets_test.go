package main

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/dbtest"
)

// TestNoSecretPrinted runs every command and a short `serve` with a known
// secret in every setting that can hold one, and greps everything they print.
func TestNoSecretPrinted(t *testing.T) {
	t.Parallel()
	secrets := map[string]string{
		"database password":  "Db-pw-7c1e9f",
		"mqtt url password":  "Mq-url-pw-4b2a",
		"mqtt_password":      "Mq-pw-90ad11",
		"ha url password":    "Ha-url-pw-5e77",
		"ha_token":           "Ha-tok-c0ffee42",
		"oura_client_secret": "Oura-cs-1d2e3f",
		"oura_webhook_token": "Oura-wh-a1b2c3",
	}
	db, err := url.Parse(dbtest.Empty(t))
	if err != nil {
		t.Fatal(err)
	}
	// Trust authentication ignores the password; it is still in the URL.
	db.User = url.UserPassword(db.User.Username(), secrets["database password"])
	dir := t.TempDir()
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"LIFEOPS_DATABASE_URL=" + db.String(),
		"LIFEOPS_MQTT_URL=tcp://lifeops:" + secrets["mqtt url password"] + "@127.0.0.1:1",
		"LIFEOPS_MQTT_USERNAME=lifeops",
		"LIFEOPS_MQTT_PASSWORD=" + secrets["mqtt_password"],
		"LIFEOPS_HA_URL=ws://ha:" + secrets["ha url password"] + "@127.0.0.1:1/api/websocket",
		"LIFEOPS_HA_TOKEN=" + secrets["ha_token"],
		"LIFEOPS_OURA_CLIENT_ID=lifeops-test",
		"LIFEOPS_OURA_CLIENT_SECRET=" + secrets["oura_client_secret"],
		"LIFEOPS_OURA_WEBHOOK_TOKEN=" + secrets["oura_webhook_token"],
		"LIFEOPS_DATA_DIR=" + dir,
		"LIFEOPS_LOG_FORMAT=json",
		"LIFEOPS_LOG_LEVEL=debug",
		"LIFEOPS_HTTP_ADDR=127.0.0.1:0",
	}
	check := func(what string, out []byte) {
		t.Helper()
		for name, s := range secrets {
			if bytes.Contains(out, []byte(s)) || bytes.Contains(out, []byte(url.QueryEscape(s))) {
				t.Errorf("%s printed the %s:\n%s", what, name, out)
			}
		}
	}
	backup := filepath.Join(dir, "backup.tar.gz")
	commands := [][]string{
		{}, {"fly"}, {"version"}, {"help"}, {"config", "check"}, {"serve", "--no-such-flag"},
		{"migrate", "status"}, {"migrate", "up"}, {"migrate", "status"},
		{"token", "create", "--name", "ci", "--scope", "read"},
		{"backup", "--out", backup}, {"restore", "--in", backup}, {"verify"}, {"entities"},
		{"demo", "remove"}, {"healthcheck"}, {"openapi"},
	}
	for _, args := range commands {
		cmd := exec.Command(binary, args...)
		cmd.Env = env
		out, _ := cmd.CombinedOutput()
		check(strings.Join(append([]string{"lifeops"}, args...), " "), out)
	}

	// Invalid settings echo their values in the error.
	for _, bad := range [][]string{
		{"LIFEOPS_DATABASE_URL=host=127.0.0.1 user=postgres password=" + secrets["database password"] + " dbname=x"},
		{"LIFEOPS_DATABASE_URL=postgres://u:" + secrets["database password"] + "@/nohost", "LIFEOPS_MQTT_URL=ftp://u:" + secrets["mqtt url password"] + "@x"},
		{"LIFEOPS_HA_URL=http://u:" + secrets["ha url password"] + "@ha", "LIFEOPS_LOG_LEVEL=loud"},
	} {
		cmd := exec.Command(binary, "config", "check")
		cmd.Env = append(append([]string{}, env...), bad...)
		out, _ := cmd.CombinedOutput()
		if cmd.ProcessState.ExitCode() != exitUsage {
			t.Errorf("config check with %v: exit %d, want 2:\n%s", bad, cmd.ProcessState.ExitCode(), out)
		}
		check("config check with "+strings.Join(bad, " "), out)
	}

	// A short serve: start-up line, the brokers it cannot reach, a request
	// carrying a secret, shutdown.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "serve")
	cmd.Env = env
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := ""
	for addr == "" && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
		for _, line := range strings.Split(out.String(), "\n") {
			if strings.Contains(line, `"lifeops ready"`) {
				_, rest, _ := strings.Cut(line, `"addr":"`)
				addr, _, _ = strings.Cut(rest, `"`)
			}
		}
	}
	if addr == "" {
		t.Fatalf("serve not ready:\n%s", out.String())
	}
	req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/people?password="+secrets["mqtt_password"], nil)
	req.Header.Set("Authorization", "Bearer "+secrets["ha_token"])
	if res, err := http.DefaultClient.Do(req); err == nil {
		res.Body.Close()
	}
	time.Sleep(1500 * time.Millisecond) // reconnect attempts to MQTT and HA log their errors
	_ = cmd.Process.Signal(syscall.SIGTERM)
	_ = cmd.Wait()
	if !strings.Contains(out.String(), "lifeops starting") {
		t.Fatalf("no start-up line:\n%s", out.String())
	}
	check("serve", []byte(out.String()))
	checkLogLines(t, "serve", out.String())
}

// syncBuffer is a bytes.Buffer a process writes while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
