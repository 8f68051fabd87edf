package main

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/config"
	"github.com/lifeops/lifeops/internal/dbtest"
)

// While its database is out of reach LifeOps is degraded, not dark: it
// listens, /healthz answers, the API answers 503 problem+json with
// Retry-After, the panel says what is wrong; once the database answers it
// serves as usual without a restart.
func TestDegradedWhileTheDatabaseIsDown(t *testing.T) {
	t.Parallel()
	real, err := url.Parse(dbtest.Empty(t))
	if err != nil {
		t.Fatal(err)
	}
	// The database URL names a port where nothing listens yet; later a
	// forwarder to the real server opens there.
	hole, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dbAddr := hole.Addr().String()
	hole.Close()
	down := *real
	down.Host = dbAddr

	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := free.Addr().String()
	free.Close()
	opts := filepath.Join(t.TempDir(), "options.json")
	if err := os.WriteFile(opts, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "serve", "--http-addr", addr, "--options", opts)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LIFEOPS_DATABASE_URL=" + down.String(), "LIFEOPS_MQTT_URL=", "LIFEOPS_LOG_FORMAT=json"}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	base := "http://" + addr
	waitFor(t, func() bool { // /healthz answers
		resp, err := http.Get(base + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})

	resp, err := http.Get(base + "/api/v1/people")
	if err != nil {
		t.Fatal(err)
	}
	var prob struct {
		Status int
		Detail string
	}
	_ = json.NewDecoder(resp.Body).Decode(&prob)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" ||
		resp.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(prob.Detail, "database") {
		t.Fatalf("API while the database is down: %d %v %+v, want 503 problem+json with Retry-After naming the database",
			resp.StatusCode, resp.Header, prob)
	}
	for _, path := range []string{"/readyz", "/"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("%s while the database is down = %d, want 503", path, resp.StatusCode)
		}
		if path == "/" && (!strings.Contains(string(body), "cannot reach its database") || !strings.Contains(string(body), "database_url")) {
			t.Errorf("the panel while the database is down says:\n%s", body)
		}
	}

	// The database comes back: LifeOps connects by itself and serves.
	fwd, err := net.Listen("tcp", dbAddr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fwd.Close() })
	go forward(fwd, real.Host)
	waitFor(t, func() bool { // ready once the database is back
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// forward copies every connection accepted on ln to target, both ways.
func forward(ln net.Listener, target string) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			d, err := net.Dial("tcp", target)
			if err != nil {
				return
			}
			defer d.Close()
			var wg sync.WaitGroup
			wg.Add(2)
			go func() { defer wg.Done(); _, _ = io.Copy(d, c); d.(*net.TCPConn).CloseWrite() }()
			go func() { defer wg.Done(); _, _ = io.Copy(c, d); c.(*net.TCPConn).CloseWrite() }()
			wg.Wait()
		}()
	}
}

// A failed upgrade of the add-on's PostgreSQL (reported by its start-up
// script in the data directory) is what the degraded panel shows.
func TestOutageShowsAFailedUpgrade(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	report := "upgrading the database from PostgreSQL 16 to 17 failed: pg_upgrade failed. The PostgreSQL 16 data is untouched"
	if err := os.WriteFile(filepath.Join(dir, upgradeFailedFile), []byte(report+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config.Config{DataDir: dir, SupervisorToken: "t", DatabaseURL: "postgres://postgres@127.0.0.1:5432/lifeops"}
	o := newOutage(cfg, time.Now())
	o.record(errors.New("dial tcp 127.0.0.1:5432: connection refused"))
	got := o.get()
	if !strings.Contains(got.What, "upgrade") || got.Error != report || len(got.Hints) == 0 {
		t.Fatalf("outage = %+v, want the upgrade report", got)
	}
	// Without the report it is the connection error, with the add-on's hints.
	o = newOutage(config.Config{DataDir: t.TempDir(), SupervisorToken: "t", DatabaseURL: cfg.DatabaseURL}, time.Now())
	o.record(errors.New("connection refused"))
	if got := o.get(); got.Error != "connection refused" || !strings.Contains(strings.Join(got.Hints, " "), "Log tab") {
		t.Fatalf("outage = %+v", got)
	}
}
