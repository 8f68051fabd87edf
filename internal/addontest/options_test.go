package addontest

import (
	"encoding/json"
	"flag"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/lifeops/lifeops/internal/config"
	"github.com/lifeops/lifeops/internal/locale"
)

// notOptions are the settings of config.Keys() the add-on deliberately does
// not offer as options, each with the reason. Env variables still set them.
var notOptions = map[string]string{
	"http_addr":     "ingress_port and the 8000/tcp mapping in config.yaml assume :8000; another address would break the panel",
	"ha_url":        "the add-on defaults to the Supervisor's Core proxy, ws://supervisor/core/websocket",
	"ha_token":      "the add-on defaults to SUPERVISOR_TOKEN",
	"data_dir":      "/data is the add-on's only persistent, backed-up directory",
	"tls_cert_file": "ingress talks plain HTTP to the one listener; outside clients get TLS from a reverse proxy",
	"tls_key_file":  "as tls_cert_file",
	"log_format":    "the lifeops service picks console lines, which read best in the add-on's log tab",
	"base_topic":    "only matters when two LifeOps share one broker; LIFEOPS_BASE_TOPIC still sets it",
	"oura_api_url":  "exists for tests against a fake Oura API",
}

func TestEveryHouseholdSettingIsAnOption(t *testing.T) {
	t.Parallel()
	schema := stringMap(t, manifest(t), "schema")
	keys := config.Keys()
	for _, k := range keys {
		_, isOption := schema[k]
		reason, excluded := notOptions[k]
		switch {
		case isOption && excluded:
			t.Errorf("%s is an option but listed in notOptions (%s): drop one", k, reason)
		case !isOption && !excluded:
			t.Errorf("setting %s is neither an add-on option nor listed in notOptions with a reason", k)
		}
	}
	for k := range notOptions {
		if !slices.Contains(keys, k) {
			t.Errorf("notOptions lists %s, which config.Keys() no longer has", k)
		}
	}
	for k := range schema {
		if !slices.Contains(keys, k) {
			t.Errorf("option %s is not a LifeOps setting: the binary rejects unknown options in options.json", k)
		}
	}
}

// writeOptions writes options.json as the Supervisor would and loads it the
// way the binary does inside the add-on.
func loadOptions(t *testing.T, opts map[string]any) (config.Config, error) {
	t.Helper()
	b, err := json.Marshal(opts)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "options.json")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	l := config.NewLoader(fs)
	if err := fs.Parse([]string{"--options", p}); err != nil {
		t.Fatal(err)
	}
	c, err := l.Load(config.MapEnv(map[string]string{"SUPERVISOR_TOKEN": "token"}))
	if err != nil {
		return c, err
	}
	return c, c.Validate()
}

// TestBinaryAcceptsOptions: the defaults, every choice of a list and both
// ends of every range the Supervisor lets through must be values the binary
// takes, or the add-on would refuse to start with options the UI allowed.
func TestBinaryAcceptsOptions(t *testing.T) {
	t.Parallel()
	cfg := manifest(t)
	defaults := stringMap(t, cfg, "options")
	schema := stringMap(t, cfg, "schema")

	if _, err := loadOptions(t, defaults); err != nil {
		t.Fatalf("the default options: %v", err)
	}
	try := func(key string, v any) {
		t.Helper()
		opts := map[string]any{}
		for k, d := range defaults {
			opts[k] = d
		}
		opts[key] = v
		if _, err := loadOptions(t, opts); err != nil {
			t.Errorf("option %s=%v, which the schema allows: %v", key, v, err)
		}
	}
	for _, key := range sortedKeys(schema) {
		typ, _ := schema[key].(string)
		e, err := parseElement(typ)
		if err != nil {
			continue // TestConfigPassesSupervisorChecks reports it
		}
		switch e.kind {
		case "list":
			for _, choice := range strings.Split(e.groups["list"], "|") {
				try(key, choice)
			}
		case "int":
			lo, hi := e.groups["i_min"], e.groups["i_max"]
			if lo == "" || hi == "" {
				t.Errorf("%s: %s leaves a bound open; the binary has both", key, typ)
				continue
			}
			for _, b := range []string{lo, hi} {
				n, _ := strconv.Atoi(b)
				try(key, n)
			}
		}
	}
	samples := map[string]any{
		"database_url":       "postgres://lifeops:secret@db.lan:5432/lifeops",
		"timezone":           "Europe/Berlin",
		"oura_client_id":     "id",
		"oura_client_secret": "secret",
		"discovery_prefix":   "ha",
		"mqtt_url":           "tcp://192.168.1.10:1883",
		"mqtt_username":      "lifeops",
		"mqtt_password":      "secret",
	}
	opts := map[string]any{}
	for k, v := range defaults {
		opts[k] = v
	}
	for k, v := range samples {
		if _, ok := schema[k]; !ok {
			continue
		}
		if e, err := parseElement(schema[k].(string)); err == nil {
			if err := e.check(v); err != nil {
				t.Errorf("sample %s: %v", k, err)
			}
		}
		opts[k] = v
	}
	c, err := loadOptions(t, opts)
	if err != nil {
		t.Fatalf("sample options: %v", err)
	}
	if c.MQTTFromSupervisor {
		t.Error("with mqtt_url set, the binary still asks the Supervisor for the broker")
	}
	// The Supervisor leaves an optional option out of options.json (or
	// writes null) when the form field is empty.
	opts["mqtt_url"] = nil
	if c, err = loadOptions(t, opts); err != nil || !c.MQTTFromSupervisor {
		t.Errorf("mqtt_url null: err %v, MQTTFromSupervisor %v; want the Supervisor's broker", err, c.MQTTFromSupervisor)
	}
}

func TestTranslations(t *testing.T) {
	t.Parallel()
	cfg := manifest(t)
	schema := stringMap(t, cfg, "schema")
	tr := readYAML(t, "translations/en.yaml")
	conf := stringMap(t, tr, "configuration")
	for _, key := range sortedKeys(schema) {
		entry, _ := conf[key].(map[string]any)
		for _, f := range []string{"name", "description"} {
			if s, _ := entry[f].(string); strings.TrimSpace(s) == "" {
				t.Errorf("translations/en.yaml: configuration.%s.%s is missing", key, f)
			}
		}
	}
	for key := range conf {
		if _, ok := schema[key]; !ok {
			t.Errorf("translations/en.yaml translates %s, which is not an option", key)
		}
	}
	ports, network := stringMap(t, cfg, "ports"), stringMap(t, tr, "network")
	for p := range ports {
		if s, _ := network[p].(string); strings.TrimSpace(s) == "" {
			t.Errorf("translations/en.yaml: network.%q is missing", p)
		}
	}
	for p := range network {
		if _, ok := ports[p]; !ok {
			t.Errorf("translations/en.yaml describes port %s, which config.yaml does not declare", p)
		}
	}
}

// pureMatch is Python's PurePath.match, which the Supervisor uses for
// backup_exclude: a relative pattern matches the path's last components,
// an absolute one the whole path; "**" is a plain "*".
func pureMatch(p, pattern string) bool {
	parts := strings.Split(strings.Trim(p, "/"), "/")
	pat := strings.Split(strings.Trim(pattern, "/"), "/")
	if strings.HasPrefix(pattern, "/") && len(pat) != len(parts) || len(pat) > len(parts) {
		return false
	}
	parts = parts[len(parts)-len(pat):]
	for i := range pat {
		if ok, _ := path.Match(strings.ReplaceAll(pat[i], "**", "*"), parts[i]); !ok {
			return false
		}
	}
	return true
}

// backedUp walks files the way the Supervisor's backup does: each entry,
// directories included, is tested against the patterns as the host path
// the Supervisor sees, and an excluded directory is skipped whole.
func backedUp(hostDir string, files, patterns []string) []string {
	var kept []string
	for _, f := range files {
		excluded := false
		parts := strings.Split(f, "/")
		for i := range parts {
			entry := hostDir + "/" + strings.Join(parts[:i+1], "/")
			for _, p := range patterns {
				excluded = excluded || pureMatch(entry, p)
			}
		}
		if !excluded {
			kept = append(kept, f)
		}
	}
	return kept
}

func TestBackupExcludesOnlyTheCluster(t *testing.T) {
	t.Parallel()
	var patterns []string
	raw, _ := manifest(t)["backup_exclude"].([]any)
	for _, p := range raw {
		s, _ := p.(string)
		patterns = append(patterns, s)
	}
	files := []string{
		"postgres/PG_VERSION", "postgres/base/16384/2619", "postgres/pg_wal/000000010000000000000001",
		"backup/lifeops.backup", "backup/lifeops.sql.gz", "options.json", "keys/oauth.key",
	}
	want := []string{"backup/lifeops.backup", "backup/lifeops.sql.gz", "options.json", "keys/oauth.key"}
	for _, host := range []string{"/data/addons/data/local_lifeops", "/mnt/data/supervisor/addons/data/5c53de3b_lifeops"} {
		if got := backedUp(host, files, patterns); !slices.Equal(got, want) {
			t.Errorf("backup_exclude %q under %s keeps %q, want %q", patterns, host, got, want)
		}
	}
	// The walk itself must be able to fail: an absolute pattern written
	// from inside the container excludes nothing.
	if got := backedUp("/data/addons/data/local_lifeops", files, []string{"/data/postgres/**"}); len(got) != len(files) {
		t.Errorf("pureMatch: an absolute pattern excluded %d files", len(files)-len(got))
	}
}

// TestLanguageOptionListsEveryTable: the add-on's language choice offers
// exactly the languages LifeOps has a table for, so a contributor who adds
// a table also adds it to config.yaml.
func TestLanguageOptionListsEveryTable(t *testing.T) {
	t.Parallel()
	schema := stringMap(t, manifest(t), "schema")
	spec, _ := schema["language"].(string)
	inner, ok := strings.CutPrefix(strings.TrimSuffix(spec, "?"), "list(")
	if !ok || !strings.HasSuffix(inner, ")") {
		t.Fatalf("schema language = %q, want list(…)?", spec)
	}
	got := strings.Split(strings.TrimSuffix(inner, ")"), "|")
	slices.Sort(got)
	if want := locale.Languages(); !slices.Equal(got, want) {
		t.Errorf("config.yaml offers languages %v, the tables are %v", got, want)
	}
}
