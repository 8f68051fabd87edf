package addontest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The image the Supervisor pulls is the one the workflow pushes: config.yaml
// names ghcr.io/<owner>/{arch}-addon-lifeops, the workflow builds the same
// name per architecture and tags it with VERSION, which config.yaml's
// version equals (TestVersionMatches… guards that).
func TestImageIsTheOneTheWorkflowPushes(t *testing.T) {
	m := manifest(t)
	image, _ := m["image"].(string)
	const suffix = "/{arch}-addon-lifeops"
	if !strings.HasPrefix(image, "ghcr.io/") || !strings.HasSuffix(image, suffix) {
		t.Fatalf("config.yaml image = %q, want ghcr.io/<owner>%s", image, suffix)
	}
	wf, err := os.ReadFile(filepath.Join(repoRoot(t), ".github", "workflows", "ci.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`image="ghcr.io/${GITHUB_REPOSITORY_OWNER,,}/${{ matrix.arch }}-addon-lifeops"`,
		`--tag "$image:$version"`,
		`tags: ["v*"]`,
	} {
		if !strings.Contains(string(wf), want) {
			t.Errorf("ci.yml does not contain %s", want)
		}
	}
	arches, _ := m["arch"].([]any)
	for _, a := range arches {
		if !strings.Contains(string(wf), a.(string)) {
			t.Errorf("config.yaml ships %s but the workflow builds no image for it", a)
		}
	}
}

// Renovate reads its configuration strictly: a syntax error silently stops
// every dependency update.
func TestRenovateConfigIsJSON(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot(t), ".github", "renovate.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		PinDigests      bool     `json:"pinDigests"`
		EnabledManagers []string `json:"enabledManagers"`
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	if err := dec.Decode(&cfg); err != nil {
		t.Fatalf("renovate.json: %v", err)
	}
	if !cfg.PinDigests || len(cfg.EnabledManagers) < 4 {
		t.Fatalf("renovate.json = %+v: want digests pinned and the dockerfile, gomod, npm and github-actions managers", cfg)
	}
}

// What each packaged file needs of Home Assistant is declared where HA reads
// it: the add-on's minimum version in config.yaml, each blueprint's
// min_version.
func TestMinimumHomeAssistantVersionsAreDeclared(t *testing.T) {
	if v, _ := manifest(t)["homeassistant"].(string); v != "2025.10.0" {
		t.Errorf("config.yaml homeassistant = %q, want 2025.10.0 (default_entity_id in MQTT discovery)", v)
	}
	files, err := filepath.Glob(filepath.Join(repoRoot(t), "homeassistant", "blueprints", "automation", "lifeops", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no blueprints: %v", err)
	}
	for _, f := range files {
		var doc struct {
			Blueprint struct {
				HomeAssistant struct {
					MinVersion string `yaml:"min_version"`
				} `yaml:"homeassistant"`
			} `yaml:"blueprint"`
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		// Blueprints use !input tags; only the header is decoded here.
		if err := yaml.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", filepath.Base(f), err)
		}
		if doc.Blueprint.HomeAssistant.MinVersion == "" {
			t.Errorf("%s declares no homeassistant.min_version", filepath.Base(f))
		}
	}
}
