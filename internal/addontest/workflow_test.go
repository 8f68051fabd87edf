package addontest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestWorkflowLint runs actionlint (pinned as a Go tool in its own module,
// tools/actionlint) on the GitHub Actions workflows; it checks run: scripts
// with shellcheck, which scripts/services --test-tools installs.
func TestWorkflowLint(t *testing.T) {
	root := repoRoot(t)
	files, err := filepath.Glob(filepath.Join(root, ".github", "workflows", "*.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no workflows found (%v)", err)
	}
	if _, err := exec.LookPath("shellcheck"); err != nil {
		t.Fatal("shellcheck is not installed: run scripts/services --test-tools (make test does)")
	}
	cmd := exec.Command("go", append([]string{"tool", "actionlint", "-no-color"}, files...)...)
	cmd.Dir = filepath.Join(root, "tools", "actionlint")
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("actionlint: %v\n%s", err, strings.TrimSpace(string(out)))
	}
}
