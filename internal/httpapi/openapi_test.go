package httpapi

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
)

// TestOpenAPIDocumentIsCurrent fails when the checked-in openapi.json differs
// from what the code serves: run `make openapi` and commit the result.
func TestOpenAPIDocumentIsCurrent(t *testing.T) {
	t.Parallel()
	version, err := os.ReadFile("../../VERSION")
	if err != nil {
		t.Fatal(err)
	}
	s := New(Options{Version: strings.TrimSpace(string(version)), Logger: zerolog.Nop(), Health: app.NewHealth()})
	want, err := json.MarshalIndent(s.OpenAPI(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../openapi.json")
	if err != nil {
		t.Fatalf("read checked-in document: %v (run `make openapi`)", err)
	}
	if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(want)) {
		t.Fatal("openapi.json is stale: run `make openapi` and commit it")
	}
}
