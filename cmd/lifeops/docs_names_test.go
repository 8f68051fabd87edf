package main

import (
	"encoding/json"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/config"
	"github.com/lifeops/lifeops/internal/discovery"
	"github.com/lifeops/lifeops/internal/httpapi"
	"github.com/lifeops/lifeops/internal/sensors"
)

// guides are the documents whose names TestDocsNameOnlyWhatExists checks.
func guides(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	return append(files, "../../README.md", "../../DOCS.md")
}

// docVars are the shell variables the guides' examples set themselves;
// they look like settings but are not.
var docVars = []string{"LIFEOPS_URL"}

var (
	inlineCode  = regexp.MustCompile("`([^`\n]+)`")
	envName     = regexp.MustCompile(`\b(?:LIFEOPS|SUPERVISOR)_[A-Z0-9_]*[A-Z0-9](?:_\*)?`)
	apiPath     = regexp.MustCompile(`/api/v1/[A-Za-z0-9_.{}$<>/-]*|/api/today\b`)
	otherPath   = regexp.MustCompile("(?:^|[\\s(`'\"])(/(?:healthz|readyz|health|metrics|docs|openapi[A-Za-z0-9.-]*\\.json))\\b")
	cmdUse      = regexp.MustCompile(`(?:^|[\s(;&|"` + "`" + `])lifeops ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?`)
	goLiteral   = regexp.MustCompile(`"(?:[^"\\\n]|\\.)*"`)
	commandWord = regexp.MustCompile(`^[a-z][a-z-]*$`)
	metricName  = regexp.MustCompile(`^(lifeops_[a-z0-9_]+?(?:_total|_seconds|_up|_depth|_capacity|_connections))(?:\{[a-z_,="]*\})?$`)
)

// sourceLiterals is every string literal of the program's Go files (with
// tests: false, non-test files only): log messages and env names must be
// among them.
func sourceLiterals(t *testing.T, tests bool) map[string]bool {
	t.Helper()
	lits := map[string]bool{}
	for _, root := range []string{"../../cmd", "../../internal"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || (!tests && strings.HasSuffix(path, "_test.go")) {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, q := range goLiteral.FindAllString(string(b), -1) {
				if s, err := strconv.Unquote(q); err == nil {
					lits[s] = true
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return lits
}

// subcommands reads the binary's usage text: each command and the words
// that may follow it (migrate up|down N|status → up, down, status).
func subcommands() map[string][]string {
	cmds := map[string][]string{}
	for _, line := range strings.Split(usage, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "lifeops" || !commandWord.MatchString(f[1]) {
			continue
		}
		var words []string
		for _, tok := range f[2:] {
			if strings.HasPrefix(tok, "-") || strings.HasPrefix(tok, "[") {
				break
			}
			for _, w := range strings.Split(tok, "|") {
				if w != "" && w == strings.ToLower(w) {
					words = append(words, w)
				}
			}
		}
		cmds[f[1]] = words
	}
	return cmds
}

// specPaths is the checked-in OpenAPI document's paths.
func specPaths(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var out []string
	for p := range doc.Paths {
		out = append(out, p)
	}
	return out
}

// pathMatches reports whether a path named in a guide fits a document
// path; a segment with a placeholder ({x}, $X, <x>) fits any segment.
func pathMatches(doc, spec string) bool {
	d := strings.Split(strings.TrimSuffix(doc, "/"), "/")
	s := strings.Split(spec, "/")
	if len(d) != len(s) {
		return false
	}
	for i := range d {
		if strings.ContainsAny(d[i], "{$<") || strings.HasPrefix(s[i], "{") {
			continue
		}
		if d[i] != s[i] {
			return false
		}
	}
	return true
}

// topicMatches compares a topic named in a guide with one a builder makes:
// + in the builder's and a <placeholder> segment in the guide's fit any.
func topicMatches(doc, built string) bool {
	d, b := strings.Split(doc, "/"), strings.Split(built, "/")
	if len(d) != len(b) {
		return false
	}
	for i := range d {
		if b[i] == "+" || d[i] == b[i] || (strings.Contains(d[i], "<") && strings.HasPrefix(b[i], "<")) {
			continue
		}
		return false
	}
	return true
}

var placeholder = regexp.MustCompile(`<[^>/]+>`)

// topicKnown says whether a topic named in a guide is one LifeOps builds
// or reads, asking the code's own builders and classifiers.
func topicKnown(topic string) bool {
	var built []string
	for _, base := range []string{"<base>", "lifeops"} {
		built = append(built, discovery.StatusTopic(base))
		built = append(built, discovery.CommandFilters(base)...)
	}
	for _, prefix := range []string{"<prefix>", "homeassistant"} {
		built = append(built, discovery.BirthTopic(prefix), discovery.DeviceConfigFilter(prefix))
	}
	for _, b := range built {
		if topicMatches(topic, b) {
			return true
		}
	}
	sample := placeholder.ReplaceAllString(topic, "sample")
	if rest, ok := strings.CutPrefix(sample, "sample/"); ok && strings.HasPrefix(topic, "<z2m") {
		sample = "zigbee2mqtt/" + rest
	}
	if _, ok := sensors.NewZ2M("zigbee2mqtt").Classify(sample); ok && strings.HasPrefix(sample, "zigbee2mqtt/") {
		return true
	}
	if _, ok := sensors.ClassifyESPHome(sample); ok && strings.HasPrefix(sample, "esphome/") {
		return true
	}
	return false
}

// isTopic picks the code spans that name MQTT topics rather than files.
func isTopic(span string) bool {
	if strings.ContainsAny(span, " ") || !strings.Contains(span, "/") {
		return false
	}
	for _, p := range []string{"<prefix>/", "<base>/", "<z2m_base>/", "zigbee2mqtt/", "esphome/"} {
		if strings.HasPrefix(span, p) {
			return true
		}
	}
	for _, p := range []string{"homeassistant/", "lifeops/"} {
		if strings.HasPrefix(span, p) && !strings.HasSuffix(span, "/") && !strings.Contains(filepath.Base(span), ".") {
			if _, err := os.Stat("../../" + span); err != nil {
				return true
			}
		}
	}
	return false
}

// TestDocsNameOnlyWhatExists checks every command, setting, endpoint, MQTT
// topic, metric and quoted log line the guides name against the code's own
// lists: the usage text, config.Keys, the OpenAPI document and the server's
// routes, the topic builders and classifiers, and the program's string
// literals.
func TestDocsNameOnlyWhatExists(t *testing.T) {
	t.Parallel()
	lits := sourceLiterals(t, false)
	// Tests read settings of their own (LIFEOPS_TEST_DATABASE_URL, …).
	testLits := sourceLiterals(t, true)
	cmds := subcommands()
	if len(cmds) < 10 {
		t.Fatalf("read %d commands from the usage text: %v", len(cmds), cmds)
	}
	envs := map[string]bool{}
	for _, k := range config.Keys() {
		envs[config.EnvName(k)] = true
	}
	paths := specPaths(t)
	srv := httptest.NewServer(httpapi.New(httpapi.Options{Version: "test", Logger: zerolog.Nop(), Health: app.NewHealth()}).Handler())
	defer srv.Close()
	served := map[string]int{}
	status := func(path string) int {
		if code, ok := served[path]; ok {
			return code
		}
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		served[path] = res.StatusCode
		return res.StatusCode
	}

	counts := map[string]int{}
	for _, file := range guides(t) {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(file, "../../")
		inFence := false
		for i, line := range strings.Split(string(b), "\n") {
			at := func(format string, a ...any) {
				t.Helper()
				t.Errorf("%s:%d: "+format, append([]any{name, i + 1}, a...)...)
			}
			if strings.HasPrefix(line, "```") {
				inFence = !inFence
				continue
			}
			// Code: whole lines in a fence, code spans elsewhere.
			var code []string
			if inFence {
				code = []string{line}
			} else {
				for _, m := range inlineCode.FindAllStringSubmatch(line, -1) {
					code = append(code, m[1])
				}
			}
			for _, c := range code {
				if !inFence && lits[c] {
					continue // a quoted log line or message, checked below
				}
				for _, m := range cmdUse.FindAllStringSubmatch(c, -1) {
					words, ok := cmds[m[1]]
					switch {
					case !ok:
						at("`lifeops %s` is not a command (usage lists %v)", m[1], slices.Sorted(maps.Keys(cmds)))
					case len(words) > 0 && m[2] != "" && !slices.Contains(words, m[2]):
						at("`lifeops %s %s`: %s takes %v", m[1], m[2], m[1], words)
					}
					counts["command"]++
				}
				if m := metricName.FindStringSubmatch(c); m != nil && !inFence {
					if !lits[m[1]] {
						at("metric %s is exported nowhere (no such string in the code)", m[1])
					}
					counts["metric"]++
				}
				if !inFence && isTopic(c) {
					if !topicKnown(c) {
						at("MQTT topic `%s` is built nowhere in the code", c)
					}
					counts["topic"]++
				}
			}
			for _, env := range envName.FindAllString(line, -1) {
				if family, ok := strings.CutSuffix(env, "*"); ok { // LIFEOPS_MQTT_*: some setting starts so
					if !slices.ContainsFunc(slices.Collect(maps.Keys(envs)), func(e string) bool { return strings.HasPrefix(e, family) }) {
						at("no setting starts with %s", family)
					}
					counts["env"]++
					continue
				}
				if !envs[env] && !testLits[env] && !slices.Contains(docVars, env) {
					at("%s is neither a setting (config.Keys) nor read by the code", env)
				}
				counts["env"]++
			}
			for _, p := range apiPath.FindAllString(line, -1) {
				p = strings.TrimRight(p, ".")
				if strings.HasSuffix(p, "/") || p == "/api/v1" {
					continue // a prefix, as in "/api/v1/…"
				}
				if !slices.ContainsFunc(paths, func(s string) bool { return pathMatches(p, s) }) {
					at("endpoint %s is not in openapi.json", p)
				}
				counts["endpoint"]++
			}
			for _, m := range otherPath.FindAllStringSubmatch(line, -1) {
				if code := status(m[1]); code == http.StatusNotFound {
					at("endpoint %s answers 404", m[1])
				}
				counts["endpoint"]++
			}
			if _, rest, ok := strings.Cut(line, "**Log:**"); ok {
				for _, m := range inlineCode.FindAllStringSubmatch(rest, -1) {
					if !lits[m[1]] {
						at("log line `%s` is logged nowhere (no such string in the code)", m[1])
					}
					counts["log line"]++
				}
			}
		}
	}
	// The check must have something to check: the guides name all kinds.
	for _, kind := range []string{"command", "env", "endpoint", "topic", "log line", "metric"} {
		if counts[kind] < 3 {
			t.Errorf("only %d %ss found in the guides: is the check still reading them?", counts[kind], kind)
		}
	}
	t.Logf("checked %v", counts)
}

// Every relative link and picture of the guides points at a file of the
// repository (the walkthrough's screenshots included).
func TestDocsLinksResolve(t *testing.T) {
	t.Parallel()
	link := regexp.MustCompile(`\]\(([^)\s#]+)(?:#[^)\s]*)?\)`)
	seen := 0
	for _, file := range guides(t) {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range link.FindAllStringSubmatch(string(b), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			seen++
			if _, err := os.Stat(filepath.Join(filepath.Dir(file), target)); err != nil {
				t.Errorf("%s links to %s, which does not exist", strings.TrimPrefix(file, "../../"), target)
			}
		}
	}
	if seen < 10 {
		t.Fatalf("found only %d relative links: is the pattern right?", seen)
	}
}
