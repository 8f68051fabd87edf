package archtest

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// sibling matches a path that leaves the repository for the team's folder
// beside it: a relative path up into it in a script or string, or its name
// joined onto a parent directory in Go. The pattern is assembled from parts so
// that this file does not match itself.
var sibling = regexp.MustCompile(`\.\./` + `shared\b|"shared"\s*,\s*"(fixtures|reference)"|Dir\([^)]*\)\s*,\s*"` + `shared"`)

// TestNothingReadsBesideTheRepository keeps a clone self-contained: what the
// build, the scripts and the tests read lives in the repository, because a
// user's clone has nothing beside it.
func TestNothingReadsBesideTheRepository(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (name == "node_modules" || name == "testdata" || name == "bin" || name == "artifacts" || name == ".git") {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		if !readByMachines(rel, name) {
			return nil
		}
		body, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		checked++
		for i, line := range strings.Split(string(body), "\n") {
			if sibling.MatchString(line) {
				t.Errorf("%s:%d reads a folder beside the repository, which a user's clone does not have (copy what it needs into the repository): %s", rel, i+1, strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 100 {
		t.Fatalf("checked only %d files: the walk did not see the tree", checked)
	}
}

// readByMachines says whether a file is code, a script or build input (as
// opposed to prose, where the word may appear in a sentence).
func readByMachines(rel, name string) bool {
	switch {
	case strings.HasSuffix(name, ".go"), strings.HasSuffix(name, ".sh"), strings.HasSuffix(name, ".yaml"),
		strings.HasSuffix(name, ".yml"), strings.HasSuffix(name, ".js"), strings.HasSuffix(name, ".mjs"),
		strings.HasSuffix(name, ".json"), strings.HasSuffix(name, ".py"),
		name == "Makefile", name == "Dockerfile":
		return true
	}
	top, _, _ := strings.Cut(filepath.ToSlash(rel), "/")
	return top == ".ci" || top == "scripts"
}
