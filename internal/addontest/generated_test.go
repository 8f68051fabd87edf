package addontest

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/lifeops/lifeops/internal/discovery/hafiles"
)

var update = flag.Bool("update", false, "rewrite homeassistant/ from the generator's output for the demo household")

// TestHomeAssistantFilesAreTheDemoHouseholdsGenerated: the example files
// under homeassistant/ are what the generator writes for the demo
// household, byte for byte, so they cannot drift from it.
func TestHomeAssistantFilesAreTheDemoHouseholdsGenerated(t *testing.T) {
	t.Parallel()
	h, err := hafiles.Read(context.Background(), demoService(t), "0.0.0", "lifeops", "homeassistant")
	if err != nil {
		t.Fatal(err)
	}
	files, err := hafiles.Generate(h, hafiles.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range hafiles.FileNames() {
		got, _ := files.Get(name)
		path := filepath.Join(repoRoot(t), "homeassistant", files.Paths[name])
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("homeassistant/%s differs from the generator's %s for the demo household; run go test ./internal/addontest -run %s -update",
				files.Paths[name], name, t.Name())
		}
	}
}
