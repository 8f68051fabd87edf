package httpapi

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// lintDir holds the pinned linters (package.json + package-lock.json).
const lintDir = "../../tools/openapi-lint"

// TestOpenAPILint runs @redocly/cli and @stoplight/spectral-cli (spectral:oas)
// on the checked-in document; errors fail, warnings are tolerated (listed in
// the package README of tools/openapi-lint).
func TestOpenAPILint(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("npm"); err != nil {
		t.Fatal("npm is not installed: the OpenAPI linters run on Node.js 20 (apt-get install -y nodejs npm)")
	}
	if _, err := os.Stat(filepath.Join(lintDir, "node_modules", ".bin", "spectral")); err != nil {
		npm := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		npm.Dir = lintDir
		if out, err := npm.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s: %v\n%s", lintDir, err, out)
		}
	}
	doc, err := filepath.Abs("../../openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	for name, args := range map[string][]string{
		"redocly":  {"redocly", "lint", doc, "--config", "redocly.yaml"},
		"spectral": {"spectral", "lint", doc, "--ruleset", ".spectral.yaml", "--fail-severity", "error"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command("npx", append([]string{"--no-install"}, args...)...)
			cmd.Dir = lintDir
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("%s found errors: %v\n%s", name, err, out)
			}
		})
	}
}
