package httpapi

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/lifeops/lifeops/internal/app"
)

// TestHAFiles: GET /api/v1/ha/{file} answers an admin with YAML written
// for the household's people and habits, refuses other scopes, and names
// a bad option with its value.
func TestHAFiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.person("Ana Lúcia")
	e.do(req{method: "POST", path: "/api/v1/people/ana_lucia/habits", token: e.admin,
		body: map[string]any{"name": "Drink water", "schedule": map[string]any{"kind": "daily"}, "target": map[string]any{"kind": "at_least", "value": 2, "unit": "l"}}}).want(t, 201)

	var dash HAFileBody
	e.do(req{method: "GET", path: "/api/v1/ha/dashboard", token: e.admin}).want(t, 200).decode(t, &dash)
	if dash.Path != "dashboards/lifeops.yaml" || !strings.Contains(dash.Content, "sensor.lifeops_ana_lucia_drink_water_streak") {
		t.Errorf("dashboard %s:\n%s", dash.Path, dash.Content)
	}
	var sent HAFileBody
	e.do(req{method: "GET", path: "/api/v1/ha/sentences?language=en&voice_person=ana_lucia", token: e.admin}).want(t, 200).decode(t, &sent)
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(sent.Content), &doc); err != nil || sent.Path != "custom_sentences/en/lifeops.yaml" || !strings.Contains(sent.Content, `out: "drink_water:l"`) {
		t.Errorf("sentences %s (%v):\n%s", sent.Path, err, sent.Content)
	}
	e.do(req{method: "GET", path: "/api/v1/ha/package", token: e.token(app.ScopeWrite, "")}).want(t, 403)
	e.do(req{method: "GET", path: "/api/v1/ha/package"}).want(t, 401)

	for _, tt := range []struct{ path, location, value string }{
		{"/api/v1/ha/sentences?language=xx", "query.language", "xx"},
		{"/api/v1/ha/package?voice_person=nobody", "query.voice_person", "nobody"},
	} {
		var p struct {
			Errors []struct{ Location, Message, Value string }
		}
		e.do(req{method: "GET", path: tt.path, token: e.admin}).want(t, 422).decode(t, &p)
		if len(p.Errors) != 1 || p.Errors[0].Location != tt.location || p.Errors[0].Value != tt.value || p.Errors[0].Message == "" {
			t.Errorf("%s: %+v", tt.path, p)
		}
	}
	e.do(req{method: "GET", path: "/api/v1/ha/blueprint", token: e.admin}).want(t, 422)

	// The body a client parses, pinned.
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, e.do(req{method: "GET", path: "/api/v1/ha/dashboard", token: e.admin}).want(t, 200).body, "", "  "); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "ha_dashboard.golden")
	if *update {
		if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(pretty.Bytes(), want) {
		t.Errorf("ha_dashboard changed:\n%s\nwant:\n%s", pretty.Bytes(), want)
	}
}
