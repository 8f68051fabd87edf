package discovery_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/lifeops/lifeops/internal/discovery"
)

// keyTables are HA's discovery key tables (copied from
// shared/reference/mqtt into testdata so the test runs anywhere).
type keyTables struct {
	abbrev struct {
		Entity           map[string]string `json:"entity"`
		Device           map[string]string `json:"device"`
		Origin           map[string]string `json:"origin"`
		AvailabilityItem map[string]string `json:"availability_item"`
	}
	groups    map[string]map[string]keySpec // base, read_only, read_write, entity_common, device, origin
	root      map[string]keySpec
	inherited []string
	platforms map[string]platformSpec
}

type keySpec struct {
	Required bool  `json:"required"`
	Enum     []any `json:"enum"`
}

type platformSpec struct {
	Inherits []string           `json:"inherits"`
	Keys     map[string]keySpec `json:"keys"`
}

func loadKeyTables(t *testing.T) *keyTables {
	t.Helper()
	var kt keyTables
	readJSON(t, "mqtt_abbreviations.json", &kt.abbrev)
	var raw map[string]json.RawMessage
	readJSON(t, "mqtt_platform_keys.json", &raw)
	kt.groups = map[string]map[string]keySpec{}
	for _, g := range []string{"base", "read_only", "read_write", "entity_common", "device", "origin"} {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw[g], &m); err != nil {
			t.Fatalf("group %s: %v", g, err)
		}
		specs := map[string]keySpec{}
		for k, v := range m {
			if strings.HasPrefix(k, "_") {
				continue
			}
			var s keySpec
			if err := json.Unmarshal(v, &s); err != nil {
				t.Fatalf("group %s key %s: %v", g, k, err)
			}
			specs[k] = s
		}
		kt.groups[g] = specs
	}
	var root struct {
		Keys      map[string]keySpec `json:"keys"`
		Inherited []string           `json:"shared_options_inherited_by_components"`
	}
	if err := json.Unmarshal(raw["device_discovery_root"], &root); err != nil {
		t.Fatalf("device_discovery_root: %v", err)
	}
	kt.root, kt.inherited = root.Keys, root.Inherited
	if err := json.Unmarshal(raw["platforms"], &kt.platforms); err != nil {
		t.Fatalf("platforms: %v", err)
	}
	// The table has no switch; the reference marks its keys unverified. These
	// are the keys core's switch.py accepts besides the shared groups.
	kt.platforms["switch"] = platformSpec{
		Inherits: []string{"base", "read_write", "entity_common"},
		Keys: map[string]keySpec{
			"device_class":     {Enum: []any{"outlet", "switch"}},
			"name":             {},
			"payload_on":       {},
			"payload_off":      {},
			"state_on":         {},
			"state_off":        {},
			"value_template":   {},
			"command_template": {},
		},
	}
	return &kt
}

func readJSON(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
}

var topicID = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)

// expand replaces abbreviated keys by their full names.
func expand(m map[string]any, table map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if full, ok := table[k]; ok {
			k = full
		}
		out[k] = v
	}
	return out
}

// checkConfig returns every problem HA would silently swallow or reject in
// one device-based discovery payload. uniqueIDs collects ids across payloads.
func (kt *keyTables) checkConfig(topic string, payload []byte, uniqueIDs map[string]string) []string {
	var problems []string
	bad := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }

	parts := strings.Split(topic, "/")
	if len(parts) != 4 || parts[1] != "device" || parts[3] != "config" || !topicID.MatchString(parts[2]) {
		bad("topic %q: want <prefix>/device/<object_id>/config with object_id in [a-zA-Z0-9_-]", topic)
	}
	var rawRoot map[string]any
	if err := json.Unmarshal(payload, &rawRoot); err != nil {
		return append(problems, fmt.Sprintf("payload is not a JSON object: %v", err))
	}
	root := expand(rawRoot, kt.abbrev.Entity)
	for k := range root {
		if _, ok := kt.root[k]; !ok {
			bad("root: unknown key %q", k)
		}
	}
	for k, s := range kt.root {
		if _, ok := root[k]; s.Required && !ok {
			bad("root: missing required key %q", k)
		}
	}
	checkAvailability(root, "root", bad)

	dev, _ := root["device"].(map[string]any)
	dev = expand(dev, kt.abbrev.Device)
	for k := range dev {
		if _, ok := kt.groups["device"][k]; !ok {
			bad("device: unknown key %q", k)
		}
	}
	if ids, _ := dev["identifiers"].([]any); len(ids) == 0 {
		bad("device: no identifiers")
	}
	if name, _ := dev["name"].(string); name == "" {
		bad("device: no name")
	}
	org, _ := root["origin"].(map[string]any)
	org = expand(org, kt.abbrev.Origin)
	for k := range org {
		if _, ok := kt.groups["origin"][k]; !ok {
			bad("origin: unknown key %q", k)
		}
	}
	if name, _ := org["name"].(string); name == "" {
		bad("origin: no name")
	}

	comps, _ := root["components"].(map[string]any)
	if len(comps) == 0 {
		bad("no components")
	}
	for id, raw := range comps {
		at := "component " + id
		if !topicID.MatchString(id) {
			bad("%s: id outside [a-zA-Z0-9_-]", at)
		}
		cm, _ := raw.(map[string]any)
		c := expand(cm, kt.abbrev.Entity)
		for _, k := range kt.inherited {
			if v, ok := root[k]; ok {
				if _, own := c[k]; !own {
					c[k] = v
				}
			}
		}
		platform, _ := c["platform"].(string)
		spec, ok := kt.platforms[platform]
		if !ok {
			bad("%s: unknown platform %q", at, platform)
			continue
		}
		known := map[string]keySpec{"platform": {Required: true}}
		for _, g := range spec.Inherits {
			for k, s := range kt.groups[g] {
				known[k] = s
			}
		}
		for k, s := range spec.Keys {
			known[k] = s
		}
		for k, v := range c {
			s, ok := known[k]
			if !ok {
				bad("%s: key %q is not a %s key (HA would drop it silently)", at, k, platform)
				continue
			}
			if len(s.Enum) > 0 && !slices.ContainsFunc(s.Enum, func(e any) bool { return fmt.Sprint(e) == fmt.Sprint(v) }) {
				bad("%s: %s = %v, want one of %v", at, k, v, s.Enum)
			}
		}
		for k, s := range known {
			if _, ok := c[k]; s.Required && !ok {
				bad("%s: missing required key %q", at, k)
			}
		}
		for _, k := range []string{"object_id", "obj_id"} {
			if _, ok := cm[k]; ok {
				bad("%s: %s is gone from HA 2026.4", at, k)
			}
		}
		uid, _ := c["unique_id"].(string)
		if uid == "" {
			bad("%s: no unique_id", at)
		} else if other, dup := uniqueIDs[uid]; dup {
			bad("%s: unique_id %q already used by %s", at, uid, other)
		} else {
			uniqueIDs[uid] = topic + " " + id
		}
		if def, _ := c["default_entity_id"].(string); !strings.HasPrefix(def, platform+".") || !regexp.MustCompile(`^[a-z_]+\.[a-z0-9_]+$`).MatchString(def) {
			bad("%s: default_entity_id %q must be %s.<lowercase_id>", at, def, platform)
		}
		if _, ok := c["availability_topic"]; !ok {
			if _, ok := c["availability"]; !ok {
				bad("%s: no availability", at)
			}
		}
		checkAvailability(c, at, bad)
	}
	return problems
}

func checkAvailability(m map[string]any, at string, bad func(string, ...any)) {
	_, single := m["availability_topic"]
	_, list := m["availability"]
	if single && list {
		bad("%s: both availability styles", at)
	}
}

func TestConfigsMatchHAKeyTables(t *testing.T) {
	t.Parallel()
	kt := loadKeyTables(t)
	ids := map[string]string{}
	msgs := discovery.Configs(fixture())
	if len(msgs) != 3 {
		t.Fatalf("Configs gave %d messages, want household + 2 people", len(msgs))
	}
	for _, m := range msgs {
		if !m.Retain {
			t.Errorf("%s: config not retained", m.Topic)
		}
		for _, p := range kt.checkConfig(m.Topic, m.Payload, ids) {
			t.Errorf("%s: %s", m.Topic, p)
		}
	}
}

// The checker must catch the mistakes it exists for, or the test above proves
// nothing.
func TestKeyCheckerCatchesMistakes(t *testing.T) {
	t.Parallel()
	kt := loadKeyTables(t)
	good := discovery.Configs(fixture())[1]
	tests := []struct {
		name   string
		mutate func(root map[string]any, comp map[string]any)
		want   string
	}{
		{"typo", func(_, c map[string]any) { c["device_lass"] = "duration" }, `key "device_lass"`},
		{"object_id", func(_, c map[string]any) { c["object_id"] = "x" }, "object_id"},
		{"missing state_topic", func(_, c map[string]any) { delete(c, "state_topic") }, `missing required key "state_topic"`},
		{"bad enum", func(_, c map[string]any) { c["state_class"] = "average" }, "state_class = average"},
		{"both availability", func(r, _ map[string]any) { r["availability"] = []any{map[string]any{"topic": "x"}} }, "both availability styles"},
		{"no unique_id", func(_, c map[string]any) { delete(c, "unique_id") }, "no unique_id"},
		{"bad default_entity_id", func(_, c map[string]any) { c["default_entity_id"] = "lifeops_alex" }, "default_entity_id"},
		{"no origin name", func(r, _ map[string]any) { r["origin"] = map[string]any{"sw_version": "1"} }, "origin: no name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var root map[string]any
			if err := json.Unmarshal(good.Payload, &root); err != nil {
				t.Fatal(err)
			}
			comp := root["components"].(map[string]any)["life_score"].(map[string]any)
			tt.mutate(root, comp)
			b, _ := json.Marshal(root)
			problems := kt.checkConfig(good.Topic, b, map[string]string{})
			if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, tt.want) }) {
				t.Errorf("problems %q do not mention %q", problems, tt.want)
			}
		})
	}
}
