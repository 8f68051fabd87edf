package addontest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// compileSchema compiles one of the add-on linter's schemas in testdata.
func compileSchema(t *testing.T, name string) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	abs, err := filepath.Abs(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(abs)
	if err != nil {
		t.Fatalf("compile %s: %v", name, err)
	}
	return sch
}

func TestConfigMatchesLinterSchema(t *testing.T) {
	t.Parallel()
	sch := compileSchema(t, "config.schema.json")
	b, err := json.Marshal(manifest(t))
	if err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("config.yaml fails the add-on linter's schema:\n%v", err)
	}
}

// TestSchemaCatchesMistakes proves the schema check above can fail.
func TestSchemaCatchesMistakes(t *testing.T) {
	t.Parallel()
	sch := compileSchema(t, "config.schema.json")
	for name, doc := range map[string]string{
		"misspelt key":      `{"name":"x","version":"1","slug":"x","description":"x","arch":["amd64"],"ingres":true}`,
		"missing version":   `{"name":"x","slug":"x","description":"x","arch":["amd64"]}`,
		"bad service":       `{"name":"x","version":"1","slug":"x","description":"x","arch":["amd64"],"services":["mqtt:needs"]}`,
		"bad map":           `{"name":"x","version":"1","slug":"x","description":"x","arch":["amd64"],"map":["ssl:rx"]}`,
		"ingress_port type": `{"name":"x","version":"1","slug":"x","description":"x","arch":["amd64"],"ingress_port":"8000"}`,
	} {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		if sch.Validate(inst) == nil {
			t.Errorf("%s: the schema accepted %s", name, doc)
		}
	}
}

// linterRules are the checks frenck/action-addon-linter makes on top of its
// JSON schema (its lint.py). Its warnings count as errors here: each names
// something HA is dropping or a setting that does nothing.
func linterRules(cfg map[string]any, schemaProps map[string]any, buildFile map[string]any) []string {
	var problems []string
	bad := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }

	keys := make([]string, 0, len(cfg))
	for k := range cfg {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		prop, _ := schemaProps[k].(map[string]any)
		if def, ok := prop["default"]; ok && reflect.DeepEqual(cfg[k], def) {
			bad("%s: %v is the default; remove the key", k, cfg[k])
		}
	}
	if arch, ok := cfg["arch"].([]any); ok {
		for _, a := range arch {
			if a == "armhf" || a == "armv7" || a == "i386" {
				bad("arch: %v is no longer supported by Home Assistant", a)
			}
		}
	}
	if cfg["ingress"] == true {
		if _, ok := cfg["webui"]; ok {
			bad("webui: not allowed with ingress")
		}
		if p, ok := cfg["ingress_port"].(float64); ok && p == 0 && cfg["host_network"] != true {
			bad("ingress_port: 0 needs host_network")
		}
	}
	if _, ok := cfg["full_access"]; ok {
		bad("full_access: grant devices, gpio, uart or usb instead")
	}
	if cfg["advanced"] == true {
		bad("advanced: Home Assistant is dropping the flag")
	}
	if _, ok := cfg["auto_uart"]; ok {
		bad("auto_uart: use uart")
	}
	if devs, ok := cfg["devices"].([]any); ok {
		for _, d := range devs {
			if s, _ := d.(string); strings.Contains(s, ":") {
				bad("devices: %q must be a plain path", s)
			}
		}
	}
	if v, ok := cfg["tmpfs"]; ok {
		if _, isBool := v.(bool); !isBool {
			bad("tmpfs: must be a boolean")
		}
	}
	if cfg["backup"] == "cold" {
		for _, k := range []string{"backup_pre", "backup_post"} {
			if _, ok := cfg[k]; ok {
				bad("%s: not allowed with backup: cold", k)
			}
		}
	}
	if _, ok := cfg["watchdog"]; ok {
		bad("watchdog: use a Docker HEALTHCHECK")
	}
	if _, ok := cfg["codenotary"]; ok {
		bad("codenotary: no longer supported")
	}
	if maps, ok := cfg["map"].([]any); ok {
		types := map[string]bool{}
		for _, m := range maps {
			switch m := m.(type) {
			case string:
				typ, _, _ := strings.Cut(m, ":")
				types[typ] = true
			case map[string]any:
				typ, _ := m["type"].(string)
				types[typ] = true
			}
		}
		if types["config"] {
			bad("map: config is deprecated; use homeassistant_config or addon_config")
		}
	}
	for _, k := range []string{"squash", "codenotary"} {
		if _, ok := buildFile[k]; ok {
			bad("build file: %s is not allowed", k)
		}
	}
	return problems
}

func schemaProperties(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "config.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Properties map[string]any `json:"properties"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s.Properties
}

func TestConfigPassesLinterRules(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	for _, name := range []string{"build.yaml", "build.yml", "build.json"} {
		if _, err := os.Stat(filepath.Join(root, name)); err == nil {
			t.Errorf("%s exists: Home Assistant retired build files in 2026; use the Dockerfile's FROM, ARG and LABEL", name)
		}
	}
	for _, p := range linterRules(manifest(t), schemaProperties(t), nil) {
		t.Error("config.yaml: " + p)
	}
}

// TestLinterRulesCatchMistakes proves each rule above can fire.
func TestLinterRulesCatchMistakes(t *testing.T) {
	t.Parallel()
	props := schemaProperties(t)
	tests := []struct {
		cfg   string
		build string
		want  string
	}{
		{`{"init": true}`, ``, "init: true is the default"},
		{`{"ingress_port": 8099}`, ``, "ingress_port: 8099 is the default"},
		{`{"boot": "auto"}`, ``, "boot: auto is the default"},
		{`{"arch": ["amd64", "armv7"]}`, ``, "armv7"},
		{`{"ingress": true, "webui": "http://[HOST]:[PORT:80]"}`, ``, "webui"},
		{`{"ingress": true, "ingress_port": 0}`, ``, "host_network"},
		{`{"full_access": true}`, ``, "full_access"},
		{`{"advanced": true}`, ``, "advanced"},
		{`{"auto_uart": true}`, ``, "auto_uart"},
		{`{"devices": ["/dev/ttyUSB0:/dev/ttyUSB0:rwm"]}`, ``, "plain path"},
		{`{"tmpfs": "size=10m"}`, ``, "tmpfs"},
		{`{"backup": "cold", "backup_pre": "/x"}`, ``, "backup_pre"},
		{`{"watchdog": "http://[HOST]:[PORT:80]/"}`, ``, "watchdog"},
		{`{"codenotary": "a@b.c"}`, ``, "codenotary"},
		{`{"map": ["config:rw"]}`, ``, "deprecated"},
		{`{}`, `{"squash": true}`, "squash"},
	}
	for _, tt := range tests {
		var cfg, build map[string]any
		if err := json.Unmarshal([]byte(tt.cfg), &cfg); err != nil {
			t.Fatal(err)
		}
		if tt.build != "" {
			if err := json.Unmarshal([]byte(tt.build), &build); err != nil {
				t.Fatal(err)
			}
		}
		got := strings.Join(linterRules(cfg, props, build), "\n")
		if !strings.Contains(got, tt.want) {
			t.Errorf("linterRules(%s, build %s) = %q, want a problem mentioning %q", tt.cfg, tt.build, got, tt.want)
		}
	}
}

// The Supervisor's own grammar (supervisor/addons/options.py), which the
// linter's JSON schema does not check. A manifest it cannot parse makes the
// add-on disappear from the store without a word.
var (
	slugPattern   = regexp.MustCompile(`^[-_.A-Za-z0-9]+$`)
	schemaElement = regexp.MustCompile(`^(?:` +
		`|bool|email|url|port` +
		`|device(?:\((?P<filter>subsystem=[a-z]+)\))?` +
		`|str(?:\((?P<s_min>\d+)?,(?P<s_max>\d+)?\))?` +
		`|password(?:\((?P<p_min>\d+)?,(?P<p_max>\d+)?\))?` +
		`|int(?:\((?P<i_min>-?\d+)?,(?P<i_max>-?\d+)?\))?` +
		`|float(?:\((?P<f_min>-?[\d.]+)?,(?P<f_max>-?[\d.]+)?\))?` +
		`|match\((?P<match>.*)\)` +
		`|list\((?P<list>.+)\)` +
		`)(?P<optional>\?)?$`)
)

// element is one parsed option type of the Supervisor's mini-language.
type element struct {
	kind     string // bool, email, url, port, device, str, password, int, float, match, list
	groups   map[string]string
	optional bool
}

func parseElement(s string) (element, error) {
	m := schemaElement.FindStringSubmatch(s)
	if m == nil || s == "" || s == "?" {
		return element{}, fmt.Errorf("%q is not an option type the Supervisor knows", s)
	}
	e := element{groups: map[string]string{}, optional: strings.HasSuffix(s, "?")}
	for i, name := range schemaElement.SubexpNames() {
		if name != "" && m[i] != "" {
			e.groups[name] = m[i]
		}
	}
	e.kind = strings.TrimSuffix(s, "?")
	if i := strings.IndexByte(e.kind, '('); i >= 0 {
		e.kind = e.kind[:i]
	}
	if e.kind == "match" {
		if _, err := regexp.Compile(e.groups["match"]); err != nil {
			return e, fmt.Errorf("%q: bad regular expression: %v", s, err)
		}
	}
	return e, nil
}

// check says whether v, a value from options (a default), fits e.
func (e element) check(v any) error {
	bounds := func(lo, hi string, n float64) error {
		if lo != "" {
			if min, _ := strconv.ParseFloat(lo, 64); n < min {
				return fmt.Errorf("%v is below %s", n, lo)
			}
		}
		if hi != "" {
			if max, _ := strconv.ParseFloat(hi, 64); n > max {
				return fmt.Errorf("%v is above %s", n, hi)
			}
		}
		return nil
	}
	switch e.kind {
	case "bool":
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("%v is not a boolean", v)
		}
		return nil
	case "int", "port", "float":
		n, ok := v.(float64)
		if !ok || (e.kind != "float" && n != math.Trunc(n)) {
			return fmt.Errorf("%v is not a %s", v, e.kind)
		}
		switch e.kind {
		case "int":
			return bounds(e.groups["i_min"], e.groups["i_max"], n)
		case "port":
			return bounds("1", "65535", n)
		}
		return bounds(e.groups["f_min"], e.groups["f_max"], n)
	}
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("%v is not a string", v)
	}
	switch e.kind {
	case "str":
		return bounds(e.groups["s_min"], e.groups["s_max"], float64(len([]rune(s))))
	case "password":
		return bounds(e.groups["p_min"], e.groups["p_max"], float64(len([]rune(s))))
	case "list":
		if !slices.Contains(strings.Split(e.groups["list"], "|"), s) {
			return fmt.Errorf("%q is not one of %s", s, e.groups["list"])
		}
	case "match":
		if !regexp.MustCompile(`^(?:` + e.groups["match"] + `)`).MatchString(s) {
			return fmt.Errorf("%q does not match %s", s, e.groups["match"])
		}
	case "url":
		if u, err := url.Parse(s); err != nil || u.Scheme == "" || u.Host == "" {
			return fmt.Errorf("%q is not a URL", s)
		}
	case "email":
		if !strings.Contains(s, "@") {
			return fmt.Errorf("%q is not an email address", s)
		}
	}
	return nil
}

// optionSchema checks schema (and the defaults in options) the way the
// Supervisor reads them, nesting at most two levels.
func optionSchema(schema, options map[string]any, depth int) []string {
	var problems []string
	for _, key := range sortedKeys(schema) {
		def, hasDef := options[key]
		switch typ := schema[key].(type) {
		case string:
			e, err := parseElement(typ)
			switch {
			case err != nil:
				problems = append(problems, key+": "+err.Error())
			case e.optional && hasDef:
				problems = append(problems, key+": has a default, so the ? of "+typ+" does nothing; drop one")
			case !e.optional && !hasDef:
				problems = append(problems, key+": required without a default: the add-on cannot start until it is filled in")
			case hasDef:
				if err := e.check(def); err != nil {
					problems = append(problems, key+": default "+err.Error())
				}
			}
		case map[string]any, []any:
			if depth >= 2 {
				problems = append(problems, key+": options nest at most two levels")
				continue
			}
			sub, _ := typ.(map[string]any)
			if list, ok := typ.([]any); ok {
				if len(list) != 1 {
					problems = append(problems, key+": a list type has exactly one element type")
					continue
				}
				if s, ok := list[0].(string); ok {
					if _, err := parseElement(s); err != nil {
						problems = append(problems, key+": "+err.Error())
					}
					continue
				}
				sub, _ = list[0].(map[string]any)
			}
			subDefaults, _ := def.(map[string]any)
			for _, p := range optionSchema(sub, subDefaults, depth+1) {
				problems = append(problems, key+"."+p)
			}
		default:
			problems = append(problems, fmt.Sprintf("%s: %T is not an option type", key, typ))
		}
	}
	for _, key := range sortedKeys(options) {
		if _, ok := schema[key]; !ok {
			problems = append(problems, key+": has a default but no schema entry")
		}
	}
	return problems
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func TestConfigPassesSupervisorChecks(t *testing.T) {
	t.Parallel()
	cfg := manifest(t)
	if slug, _ := cfg["slug"].(string); !slugPattern.MatchString(slug) {
		t.Errorf("slug %q does not match %s", slug, slugPattern)
	}
	if _, ok := cfg["version"].(string); !ok {
		t.Errorf("version is %T: quote it, or YAML may read 1.0 as a number", cfg["version"])
	}
	for _, p := range optionSchema(stringMap(t, cfg, "schema"), stringMap(t, cfg, "options"), 1) {
		t.Error("config.yaml options/schema: " + p)
	}
}

// TestSupervisorChecksCatchMistakes proves the grammar check can fail.
func TestSupervisorChecksCatchMistakes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		schema, options string
		want            string
	}{
		{`{"a":"str=x"}`, `{}`, "not an option type"},
		{`{"a":"string?"}`, `{}`, "not an option type"},
		{`{"a":"int(1,10)"}`, `{"a":11}`, "above 10"},
		{`{"a":"int(1,10)"}`, `{"a":"3"}`, "not a int"},
		{`{"a":"list(x|y)"}`, `{"a":"z"}`, "not one of"},
		{`{"a":"bool"}`, `{"a":"false"}`, "not a boolean"},
		{`{"a":"str?"}`, `{"a":"x"}`, "does nothing"},
		{`{"a":"str"}`, `{}`, "required without a default"},
		{`{"a":"match(^[a-z]+$)"}`, `{"a":"ABC"}`, "does not match"},
		{`{"a":"match(([)"}`, `{}`, "bad regular expression"},
		{`{}`, `{"b":1}`, "no schema entry"},
		{`{"a":{"b":{"c":"str"}}}`, `{}`, "at most two levels"},
	}
	for _, tt := range tests {
		var schema, options map[string]any
		if err := json.Unmarshal([]byte(tt.schema), &schema); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(tt.options), &options); err != nil {
			t.Fatal(err)
		}
		got := strings.Join(optionSchema(schema, options, 1), "\n")
		if !strings.Contains(got, tt.want) {
			t.Errorf("optionSchema(%s, %s) = %q, want a problem mentioning %q", tt.schema, tt.options, got, tt.want)
		}
	}
	for _, ok := range []string{"bool", "str?", "int(-5,5)", "float(0.5,)", "password(8,)?", "device(subsystem=tty)", "list(a|b)?", "match(^\\d+$)", "email", "url?", "port"} {
		if _, err := parseElement(ok); err != nil {
			t.Errorf("parseElement(%q): %v", ok, err)
		}
	}
}

func TestVersionMatchesVERSIONFile(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "VERSION"))
	if err != nil {
		t.Fatal(err)
	}
	want := strings.TrimSpace(string(b))
	if got := manifest(t)["version"]; got != want {
		t.Errorf("config.yaml version %v, VERSION says %q: bump them together", got, want)
	}
}

// TestOneAddonPerRepository: the store treats every config.{yaml,yml,json}
// in the repository as an add-on manifest.
func TestOneAddonPerRepository(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		switch d.Name() {
		case "config.yaml", "config.yml", "config.json":
			if rel, _ := filepath.Rel(root, path); rel != "config.yaml" {
				t.Errorf("%s would show up in the add-on store as a second add-on; rename it", rel)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
