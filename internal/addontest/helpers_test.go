package addontest

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"
)

// repoRoot is the repository root, which is also the add-on's folder.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root %s has no go.mod: %v", root, err)
	}
	return root
}

// readYAML decodes a YAML file under the root into JSON-shaped values
// (maps, slices, strings, float64, bool, nil), as the JSON schema and the
// Supervisor see it.
func readYAML(t *testing.T, rel string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := yaml.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	m, ok := jsonShape(t, v).(map[string]any)
	if !ok {
		t.Fatalf("%s: top level is %T, want a mapping", rel, v)
	}
	return m
}

// jsonShape round-trips v through encoding/json so numbers are float64 and
// maps are map[string]any, whatever the YAML decoder produced.
func jsonShape(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func manifest(t *testing.T) map[string]any { return readYAML(t, "config.yaml") }

// stringMap returns m[key] as a map, failing when it is something else.
func stringMap(t *testing.T, m map[string]any, key string) map[string]any {
	t.Helper()
	v, ok := m[key]
	if !ok {
		return map[string]any{}
	}
	sub, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s is %T, want a mapping", key, v)
	}
	return sub
}

// needTool finds a linter or fails saying how to install it: a missing tool
// must not turn into a test that silently passes.
func needTool(t *testing.T, name, install string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is not installed: %s (scripts/services --test-tools, run by make test and .ci/run, should install it)", name, install)
	}
	return p
}
