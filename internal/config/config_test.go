package config

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func load(t *testing.T, env map[string]string, args ...string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	l := NewLoader(fs)
	// Never read the real /data/options.json from a test.
	if !containsOptions(args) {
		args = append(args, "--options", filepath.Join(t.TempDir(), "absent.json"))
		if err := os.WriteFile(args[len(args)-1], []byte("{}"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return l.Load(MapEnv(env))
}

func containsOptions(args []string) bool {
	for _, a := range args {
		if a == "--options" {
			return true
		}
	}
	return false
}

func TestDefaultsAreValid(t *testing.T) {
	t.Parallel()
	c, err := load(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults must validate: %v", err)
	}
	if c.HTTPAddr != ":8000" || c.BaseTopic != "lifeops" || c.HAURL != "" || c.MQTTFromSupervisor {
		t.Fatalf("unexpected defaults: %+v", c)
	}
}

func TestPrecedence(t *testing.T) {
	t.Parallel()
	opts := filepath.Join(t.TempDir(), "options.json")
	if err := os.WriteFile(opts, []byte(`{"log_level":"debug","base_topic":"fromfile","http_addr":":1","timezone":null,"z2m_base_topic":""}`), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"LIFEOPS_BASE_TOPIC": "fromenv", "LIFEOPS_HTTP_ADDR": ":2", "LIFEOPS_MQTT_URL": ""}
	c, err := load(t, env, "--options", opts, "--http-addr", ":3")
	if err != nil {
		t.Fatal(err)
	}
	checks := map[string][2]string{
		"options file over default":  {c.LogLevel, "debug"},
		"env over options file":      {c.BaseTopic, "fromenv"},
		"flag over env":              {c.HTTPAddr, ":3"},
		"empty env disables mqtt":    {c.MQTTURL, ""},
		"blank option keeps default": {c.Z2MBaseTopic, "zigbee2mqtt"},
	}
	for name, got := range checks {
		if got[0] != got[1] {
			t.Errorf("%s: got %q, want %q", name, got[0], got[1])
		}
	}
}

func TestSupervisorDefaults(t *testing.T) {
	t.Parallel()
	c, err := load(t, map[string]string{"SUPERVISOR_TOKEN": "sup"})
	if err != nil {
		t.Fatal(err)
	}
	if c.HAURL != "ws://supervisor/core/websocket" || c.HAToken != "sup" || !c.MQTTFromSupervisor || c.DataDir != "/data" {
		t.Fatalf("add-on defaults not applied: %+v", c)
	}
	c, err = load(t, map[string]string{"SUPERVISOR_TOKEN": "sup", "LIFEOPS_MQTT_URL": "tcp://broker:1883"})
	if err != nil {
		t.Fatal(err)
	}
	if c.MQTTFromSupervisor {
		t.Fatal("an explicit broker must win over the Supervisor's")
	}
}

func TestValidateNamesEveryProblem(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"LIFEOPS_LOG_LEVEL":               "loud",
		"LIFEOPS_TIMEZONE":                "Mars/Olympus",
		"LIFEOPS_MQTT_URL":                "ftp://x",
		"LIFEOPS_MQTT_PASSWORD":           "hunter2",
		"LIFEOPS_HA_URL":                  "ws://ha:8123/api/websocket",
		"LIFEOPS_BASE_TOPIC":              "life/#",
		"LIFEOPS_HTTP_ADDR":               "nope",
		"LIFEOPS_OURA_CLIENT_ID":          "id-only",
		"LIFEOPS_DATABASE_URL":            "mysql://u:secret@h/db",
		"LIFEOPS_READINGS_RETENTION_DAYS": "0",
		"LIFEOPS_SENSOR_ALLOW_LIST":       "bed, zigbee2mqtt/+/occupancy",
	}
	c, err := load(t, env)
	if err != nil {
		t.Fatal(err)
	}
	err = c.Validate()
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("want *Error, got %v", err)
	}
	want := []string{"log_level", "timezone", "mqtt_url", "ha_token", "base_topic", "http_addr", "oura_client_secret", "database_url", "readings_retention_days", "sensor_allow_list"}
	msg := err.Error()
	for _, k := range want {
		if !strings.Contains(msg, k+"=") {
			t.Errorf("message does not name %s:\n%s", k, msg)
		}
	}
	if len(ce.Problems) != len(want) {
		t.Errorf("got %d problems, want %d:\n%s", len(ce.Problems), len(want), msg)
	}
	if strings.Contains(msg, ":secret@") || strings.Contains(msg, "hunter2") {
		t.Errorf("a secret leaked into the message:\n%s", msg)
	}
}

func TestUnparsableValuesAndUnknownOptions(t *testing.T) {
	t.Parallel()
	opts := filepath.Join(t.TempDir(), "options.json")
	if err := os.WriteFile(opts, []byte(`{"log_levle":"debug","expose_to_assist":[1]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := load(t, nil, "--options", opts)
	if err == nil || !strings.Contains(err.Error(), "log_levle") || !strings.Contains(err.Error(), "expose_to_assist") {
		t.Fatalf("want both option problems named, got %v", err)
	}
	_, err = load(t, map[string]string{"LIFEOPS_READINGS_RETENTION_DAYS": "ten", "LIFEOPS_EXPOSE_TO_ASSIST": "maybe"})
	if err == nil || !strings.Contains(err.Error(), "readings_retention_days") || !strings.Contains(err.Error(), "expose_to_assist") {
		t.Fatalf("want both parse problems named, got %v", err)
	}
}

func TestRedacted(t *testing.T) {
	t.Parallel()
	c, err := load(t, map[string]string{
		"LIFEOPS_DATABASE_URL":       "postgres://u:topsecret@db:5432/lifeops",
		"LIFEOPS_MQTT_PASSWORD":      "mqttsecret",
		"LIFEOPS_HA_TOKEN":           "hatoken",
		"LIFEOPS_OURA_CLIENT_SECRET": "ourasecret",
	})
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, s := range c.Redacted() {
		all.WriteString(s.Key + "=" + s.Value + "\n")
	}
	for _, secret := range []string{"topsecret", "mqttsecret", "hatoken", "ourasecret"} {
		if strings.Contains(all.String(), secret) {
			t.Errorf("%s leaked:\n%s", secret, all.String())
		}
	}
	if !strings.Contains(all.String(), "db:5432/lifeops") {
		t.Errorf("database host should stay visible:\n%s", all.String())
	}
}

// The add-on's start-up scripts reach the bundled PostgreSQL through its
// Unix socket: a URL whose host is the host query parameter is valid.
func TestDatabaseURLWithASocketDirectory(t *testing.T) {
	t.Parallel()
	for url, ok := range map[string]bool{
		"postgres:///lifeops?host=/run/postgresql&port=5432&user=postgres&sslmode=disable": true,
		"postgres://postgres@127.0.0.1:5432/lifeops":                                       true,
		"postgres:///lifeops":           false,
		"postgres:///lifeops?port=5432": false,
	} {
		c, err := load(t, map[string]string{"LIFEOPS_DATABASE_URL": url})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Validate(); (err == nil) != ok {
			t.Errorf("database_url %s: Validate() = %v, want valid %v", url, err, ok)
		}
	}
}

func TestLanguageAndPanelURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env  map[string]string
		want string // "" valid, else the message names it
	}{
		{map[string]string{"LIFEOPS_LANGUAGE": "de"}, ""},
		{map[string]string{"LIFEOPS_LANGUAGE": "de-CH"}, ""},
		{map[string]string{"LIFEOPS_LANGUAGE": "fr"}, `language="fr": must be one of de, en, or empty for Home Assistant's language`},
		{map[string]string{"LIFEOPS_PANEL_URL": "https://lifeops.example.org/"}, ""},
		{map[string]string{"LIFEOPS_PANEL_URL": "homeassistant://hassio/ingress/local_lifeops"}, ""},
		{map[string]string{"LIFEOPS_PANEL_URL": "lifeops.local"}, `panel_url="lifeops.local": must be an http(s) URL with a host, or homeassistant://`},
	}
	for _, tt := range tests {
		c, err := load(t, tt.env)
		if err != nil {
			t.Fatal(err)
		}
		err = c.Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%v: %v", tt.env, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%v: %v, want it to contain %q", tt.env, err, tt.want)
		}
	}
}

// TestMQTTClientID: mqtt_client_id is read from the env, and a value a
// broker's log or ACL could not name plainly is refused with the field,
// the value and what is allowed.
func TestMQTTClientID(t *testing.T) {
	t.Parallel()
	c, err := load(t, map[string]string{"LIFEOPS_MQTT_CLIENT_ID": "lifeops-kitchen.1"})
	if err != nil {
		t.Fatal(err)
	}
	if c.MQTTClientID != "lifeops-kitchen.1" || c.Validate() != nil {
		t.Errorf("mqtt_client_id = %q, Validate = %v", c.MQTTClientID, c.Validate())
	}
	for _, bad := range []string{"life ops", "lifeops/1", "lifeops#", strings.Repeat("x", MaxClientIDLength+1), "caf\u00e9"} {
		c, err := load(t, map[string]string{"LIFEOPS_MQTT_CLIENT_ID": bad})
		if err != nil {
			t.Fatal(err)
		}
		err = c.Validate()
		if err == nil || !strings.Contains(err.Error(), `mqtt_client_id="`) || !strings.Contains(err.Error(), "letters, digits") && !strings.Contains(err.Error(), "characters long") {
			t.Errorf("mqtt_client_id %q: %v", bad, err)
		}
	}
}
