package hatest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestConformanceJS runs the official home-assistant-js-websocket client
// against the fake: connect, subscribeEntities, callService, a dropped
// socket, re-auth → supported_features → subscribe_entities, a new state.
func TestConformanceJS(t *testing.T) {
	t.Parallel()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node not found: install Node 20 and npm (Debian: apt-get install -y nodejs npm, " +
			"or the NodeSource node_20.x packages); this test needs them")
	}
	dir, err := filepath.Abs("../jsconformance")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "home-assistant-js-websocket")); err != nil {
		npm, err := exec.LookPath("npm")
		if err != nil {
			t.Fatal("npm not found: install npm (Debian: apt-get install -y npm); this test runs npm ci")
		}
		ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
		}
	}

	commands := make(chan Command, 64)
	s := Start(t, Options{OnCommand: func(c Command) {
		select {
		case commands <- c:
		default: // never stall the fake once the test stopped listening
		}
	}})
	s.SetState("sensor.lifeops_life_score", "71", map[string]any{"friendly_name": "LifeOps Life score"})
	s.SetState("light.desk", "off", nil)

	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "conformance.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HA_URL="+s.URL(), "HA_TOKEN=test-token")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	dropped := false
	for {
		select {
		case c := <-commands:
			switch {
			case c.Conn == 1 && c.Type == "call_service" && !dropped:
				dropped = true
				time.Sleep(100 * time.Millisecond) // let the result reach the client
				s.DropAll()
			case c.Conn == 2 && c.Type == "subscribe_entities":
				s.SetState("sensor.lifeops_life_score", "74", map[string]any{"friendly_name": "LifeOps Life score"})
			}
		case err := <-exited:
			t.Logf("script output:\n%s", out.String())
			if err != nil {
				t.Fatalf("conformance script failed: %v", err)
			}
			var second []string
			for _, c := range s.Commands() {
				if c.Conn == 2 {
					second = append(second, c.Type)
				}
			}
			if len(second) < 2 || second[0] != "supported_features" || !slices.Contains(second, "subscribe_entities") {
				t.Errorf("after reconnect the client sent %v, want supported_features then subscribe_entities", second)
			}
			calls := s.Calls()
			if len(calls) != 2 || calls[0].Domain != "light" || calls[0].Target["entity_id"] != "light.desk" {
				t.Errorf("calls = %+v", calls)
			}
			return
		}
	}
}
