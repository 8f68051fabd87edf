package config_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/lifeops/lifeops/internal/config"
)

// TestSupervisorURL: inside the add-on the Supervisor is http://supervisor
// and Core's WebSocket API its proxy; SUPERVISOR_URL moves both (tests run
// a fake Supervisor), and an explicit ha_url still wins.
func TestSupervisorURL(t *testing.T) {
	t.Parallel()
	none := filepath.Join(t.TempDir(), "options.json")
	if err := os.WriteFile(none, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		env           map[string]string
		wantSup, want string
	}{
		{map[string]string{"SUPERVISOR_TOKEN": "tok"}, "http://supervisor", "ws://supervisor/core/websocket"},
		{map[string]string{"SUPERVISOR_TOKEN": "tok", "SUPERVISOR_URL": "http://127.0.0.1:8123/"}, "http://127.0.0.1:8123", "ws://127.0.0.1:8123/core/websocket"},
		{map[string]string{"SUPERVISOR_TOKEN": "tok", "SUPERVISOR_URL": "https://sup.lan"}, "https://sup.lan", "wss://sup.lan/core/websocket"},
		{map[string]string{"SUPERVISOR_TOKEN": "tok", "SUPERVISOR_URL": "http://x", "LIFEOPS_HA_URL": "ws://ha.lan/api/websocket"}, "http://x", "ws://ha.lan/api/websocket"},
		{map[string]string{"SUPERVISOR_URL": "http://x"}, "http://x", ""},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		l := config.NewLoader(fs)
		if err := fs.Parse([]string{"--options", none}); err != nil {
			t.Fatal(err)
		}
		c, err := l.Load(config.MapEnv(tt.env))
		if err != nil {
			t.Fatalf("%v: %v", tt.env, err)
		}
		if c.SupervisorURL != tt.wantSup || c.HAURL != tt.want {
			t.Errorf("%v: supervisor %q, ha_url %q; want %q, %q", tt.env, c.SupervisorURL, c.HAURL, tt.wantSup, tt.want)
		}
	}
}
