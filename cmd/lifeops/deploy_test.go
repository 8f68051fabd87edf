package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"gopkg.in/yaml.v3"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/httpapi"
)

// definedMetrics are the metric names LifeOps' code defines (its registry's
// descriptors and vector options), plus what the Go and process collectors
// export and Prometheus' own up.
func definedMetrics(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{"up": true}
	def := regexp.MustCompile(`(?:NewDesc\(|Name:\s*)"(lifeops_[a-z0-9_]+)"`)
	root := filepath.Join("..", "..")
	for _, dir := range []string{"internal", "cmd"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil || !bytes.Contains(b, []byte("prometheus")) {
				return err
			}
			for _, m := range def.FindAllSubmatch(b, -1) {
				names[string(m[1])] = true
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		names[f.GetName()] = true
	}
	return names
}

var (
	promStrings  = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	promMatchers = regexp.MustCompile(`\{[^}]*\}`)
	promRanges   = regexp.MustCompile(`\[[^\]]*\]`)
	promGrouping = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	promIdent    = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*(\s*\()?`)
	promWords    = map[string]bool{"and": true, "or": true, "unless": true, "bool": true, "offset": true, "by": true, "without": true}
)

// metricNames extracts the metric names a PromQL expression reads, and
// fails on unbalanced brackets.
func metricNames(t *testing.T, where, expr string) []string {
	t.Helper()
	depth := map[rune]int{}
	pairs := map[rune]rune{')': '(', '}': '{', ']': '['}
	for _, r := range promStrings.ReplaceAllString(expr, `""`) {
		switch r {
		case '(', '{', '[':
			depth[r]++
		case ')', '}', ']':
			depth[pairs[r]]--
			if depth[pairs[r]] < 0 {
				t.Errorf("%s: unbalanced %q in %s", where, r, expr)
			}
		}
	}
	for r, n := range depth {
		if n != 0 {
			t.Errorf("%s: unbalanced %q in %s", where, r, expr)
		}
	}
	s := promStrings.ReplaceAllString(expr, `""`)
	s = promMatchers.ReplaceAllString(s, " ")
	s = promRanges.ReplaceAllString(s, " ")
	s = promGrouping.ReplaceAllString(s, " ")
	var out []string
	for _, m := range promIdent.FindAllStringSubmatch(s, -1) {
		if m[1] != "" || promWords[m[0]] { // a function call or a keyword
			continue
		}
		out = append(out, m[0])
	}
	if len(out) == 0 && !strings.Contains(expr, "time()") {
		t.Errorf("%s: no metric in %s", where, expr)
	}
	return out
}

func checkMetric(t *testing.T, defined map[string]bool, where, name string) {
	t.Helper()
	base := name
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if b, ok := strings.CutSuffix(name, suffix); ok && defined[b] {
			base = b
		}
	}
	if !defined[base] {
		t.Errorf("%s uses %s, which LifeOps does not export", where, name)
	}
}

func TestDeployFilesUseExportedMetrics(t *testing.T) {
	t.Parallel()
	defined := definedMetrics(t)

	// The source scan finds what a live registry exports.
	pool := dbtest.New(t)
	health := app.NewHealth("database")
	health.Set("database", func(context.Context) app.DepStatus { return app.DepStatus{State: app.DepOK} })
	m := httpapi.NewMetrics(pool, health)
	m.JobRun("rollover", nil, time.Millisecond)
	m.WatchOura(func(context.Context) (map[string]time.Time, error) {
		return map[string]time.Time{"ann": time.Now()}, nil
	})
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if !defined[f.GetName()] {
			t.Errorf("the registry exports %s, which the source scan missed", f.GetName())
		}
	}

	var rules struct {
		Groups []struct {
			Name  string `yaml:"name"`
			Rules []struct {
				Alert       string            `yaml:"alert"`
				Expr        string            `yaml:"expr"`
				For         string            `yaml:"for"`
				Labels      map[string]string `yaml:"labels"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	raw, err := os.ReadFile(filepath.Join("..", "..", "deploy", "prometheus", "alerts.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&rules); err != nil {
		t.Fatalf("alerts.yaml: %v", err)
	}
	seen := map[string]bool{}
	alertName := regexp.MustCompile(`^[A-Z][A-Za-z0-9]+$`)
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			where := "alert " + r.Alert
			if !alertName.MatchString(r.Alert) || seen[r.Alert] {
				t.Errorf("%s: name must be unique CamelCase", where)
			}
			seen[r.Alert] = true
			if r.For != "" {
				if _, err := time.ParseDuration(r.For); err != nil {
					t.Errorf("%s: for %q: %v", where, r.For, err)
				}
			}
			if s := r.Labels["severity"]; s != "critical" && s != "warning" {
				t.Errorf("%s: severity %q, want critical or warning", where, s)
			}
			if r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
				t.Errorf("%s: needs a summary and a description", where)
			}
			for _, name := range metricNames(t, where, r.Expr) {
				checkMetric(t, defined, where, name)
			}
		}
	}
	for _, want := range []string{"LifeOpsDatabaseDown", "LifeOpsMQTTDown", "LifeOpsHomeAssistantDown", "LifeOpsOuraStale", "LifeOpsIngestBacklog"} {
		if !seen[want] {
			t.Errorf("alerts.yaml lacks %s", want)
		}
	}

	var dash struct {
		UID    string `json:"uid"`
		Panels []struct {
			ID      int    `json:"id"`
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	raw, err = os.ReadFile(filepath.Join("..", "..", "deploy", "grafana", "lifeops.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("lifeops.json: %v", err)
	}
	ids := map[int]bool{}
	for _, p := range dash.Panels {
		where := "panel " + p.Title
		if ids[p.ID] || len(p.Targets) == 0 {
			t.Errorf("%s: duplicate id %d or no targets", where, p.ID)
		}
		ids[p.ID] = true
		for _, tg := range p.Targets {
			for _, name := range metricNames(t, where, tg.Expr) {
				checkMetric(t, defined, where, name)
			}
		}
	}
	if dash.UID == "" || len(dash.Panels) < 10 {
		t.Errorf("dashboard uid %q with %d panels", dash.UID, len(dash.Panels))
	}
}

// TestMetricLabelsLeavePrometheusAlone: a label Prometheus sets itself (job,
// instance) would be renamed exported_… when scraped, and alerts and panels
// written for it would read the scrape's value instead.
func TestMetricLabelsLeavePrometheusAlone(t *testing.T) {
	t.Parallel()
	m := httpapi.NewMetrics(nil, nil)
	m.JobRun("rollover", nil, time.Millisecond)
	families, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		for _, metric := range f.GetMetric() {
			for _, l := range metric.GetLabel() {
				if l.GetName() == "job" || l.GetName() == "instance" {
					t.Errorf("%s has a label %q, which Prometheus sets itself", f.GetName(), l.GetName())
				}
			}
		}
	}
}

// TestAlertRulesUnitTested: every alert of alerts.yaml has a promtool case
// in which it fires and one in which it must not, and promtool passes them.
func TestAlertRulesUnitTested(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("..", "..", "deploy", "prometheus")
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	var tests struct {
		Tests []struct {
			AlertRuleTest []struct {
				Alertname string           `yaml:"alertname"`
				ExpAlerts []map[string]any `yaml:"exp_alerts"`
			} `yaml:"alert_rule_test"`
		} `yaml:"tests"`
	}
	for name, v := range map[string]any{"alerts.yaml": &rules, "alerts_test.yaml": &tests} {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(raw, v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	fires, quiet := map[string]bool{}, map[string]bool{}
	for _, tc := range tests.Tests {
		for _, a := range tc.AlertRuleTest {
			if len(a.ExpAlerts) > 0 {
				fires[a.Alertname] = true
			} else {
				quiet[a.Alertname] = true
			}
		}
	}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if !fires[r.Alert] || !quiet[r.Alert] {
				t.Errorf("alert %s: alerts_test.yaml needs a case where it fires (%v) and one where it does not (%v)", r.Alert, fires[r.Alert], quiet[r.Alert])
			}
		}
	}
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatal("promtool is missing: bash scripts/services promtool (installs Debian's prometheus package)")
	}
	out, err := exec.Command(promtool, "test", "rules", filepath.Join(dir, "alerts_test.yaml")).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool test rules: %v\n%s", err, out)
	}
}

// TestDependencyPanelMapsUpAndDown: the dependency panel shows 0 as a red
// "down" and 1 as a green "up", not both as green numbers.
func TestDependencyPanelMapsUpAndDown(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("..", "..", "deploy", "grafana", "lifeops.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title       string `json:"title"`
			FieldConfig struct {
				Defaults struct {
					Mappings []struct {
						Type    string `json:"type"`
						Options map[string]struct {
							Text  string `json:"text"`
							Color string `json:"color"`
						} `json:"options"`
					} `json:"mappings"`
				} `json:"defaults"`
			} `json:"fieldConfig"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range dash.Panels {
		if len(p.Targets) == 0 || !strings.HasPrefix(p.Targets[0].Expr, "lifeops_dependency_up") {
			continue
		}
		found = true
		got := map[string]string{}
		for _, m := range p.FieldConfig.Defaults.Mappings {
			if m.Type == "value" {
				for v, o := range m.Options {
					got[v] = o.Text + " " + o.Color
				}
			}
		}
		if got["0"] != "down red" || got["1"] != "up green" {
			t.Errorf("panel %q maps values %v, want 0 → down red and 1 → up green", p.Title, got)
		}
	}
	if !found {
		t.Error("no panel shows lifeops_dependency_up")
	}
}
