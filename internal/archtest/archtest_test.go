package archtest

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/lifeops/lifeops"

// adapters may not import each other; only cmd/lifeops meets them all.
var adapters = []string{
	"internal/config", "internal/postgres", "internal/migrate", "internal/hass", "internal/mqtt",
	"internal/discovery", "internal/sensors", "internal/oura", "internal/httpapi", "internal/jobs",
	"internal/supervisor", "internal/web", "internal/caldav",
}

// adapterOf names the adapter a package belongs to (its own test helpers,
// such as hass/hatest, count as part of it), or "".
func adapterOf(pkg string) string {
	for _, a := range adapters {
		if pkg == a || strings.HasPrefix(pkg, a+"/") {
			return a
		}
	}
	return ""
}

func isStdlib(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

// imports maps each package directory (relative to the module root) to the
// imports of its non-test files.
func imports(t *testing.T) map[string]map[string]bool {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]bool{}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		rel = filepath.ToSlash(rel)
		if out[rel] == nil {
			out[rel] = map[string]bool{}
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			out[rel][p] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestLayering(t *testing.T) {
	t.Parallel()
	all := imports(t)
	if len(all) < 5 {
		t.Fatalf("found only %d packages: is the walk rooted right?", len(all))
	}
	for pkg, imps := range all {
		for imp := range imps {
			own, isOwn := strings.CutPrefix(imp, module+"/")
			switch {
			case strings.HasPrefix(pkg, "internal/domain"):
				if !isStdlib(imp) && !(isOwn && strings.HasPrefix(own, "internal/domain")) {
					t.Errorf("%s imports %s: the domain imports the standard library only", pkg, imp)
				}
			case pkg == "internal/app":
				if isOwn && !strings.HasPrefix(own, "internal/domain") {
					t.Errorf("%s imports %s: app imports only the domain", pkg, imp)
				}
				if !isOwn && !isStdlib(imp) && imp != "github.com/rs/zerolog" {
					t.Errorf("%s imports %s: app stays free of drivers and frameworks", pkg, imp)
				}
			case adapterOf(pkg) != "" && isOwn:
				if a := adapterOf(own); a != "" && a != adapterOf(pkg) {
					t.Errorf("%s imports %s: adapters do not import each other (only cmd/lifeops wires them)", pkg, imp)
				}
			}
		}
	}
}

// TestWalkSeesTheTree guards the test above against passing because it read
// nothing: the module root must hold go.mod.
func TestWalkSeesTheTree(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("../../go.mod"); err != nil {
		t.Fatal(err)
	}
}
