package main

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/oura"
	"github.com/lifeops/lifeops/internal/oura/ouratest"
)

// TestServeWiresOura: with an Oura application configured, serve creates
// the sealing key under the data directory, reports Oura ready, and
// answers Oura's redirect without credentials (a bad state is a 400).
func TestServeWiresOura(t *testing.T) {
	t.Parallel()
	fake := ouratest.New(t, ouratest.Options{})
	data := t.TempDir()
	p := start(t, dbtest.Empty(t), "LIFEOPS_OURA_CLIENT_ID="+fake.ClientID(), "LIFEOPS_OURA_CLIENT_SECRET="+fake.ClientSecret(),
		"LIFEOPS_OURA_API_URL="+fake.URL, "LIFEOPS_DATA_DIR="+data, "LIFEOPS_OURA_REDIRECT_URL=http://lifeops.test/api/v1/oura/callback")
	var ready struct {
		Checks map[string]struct{ Status, Error string }
	}
	if code := getJSON(t, "http://"+p.addr+"/readyz", &ready); code != http.StatusOK || ready.Checks["oura"].Status != "ok" {
		t.Fatalf("/readyz = %d, oura %+v", code, ready.Checks["oura"])
	}
	fi, err := os.Stat(filepath.Join(data, oura.KeyFileName))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("sealing key: %v %v", fi, err)
	}
	var problem struct {
		Status int
		Errors []struct{ Location string }
	}
	if code := getJSON(t, "http://"+p.addr+"/api/v1/oura/callback?code=x&state=nope", &problem); code != http.StatusBadRequest ||
		len(problem.Errors) == 0 || problem.Errors[0].Location != "query.state" {
		t.Errorf("callback with a bad state: %d %+v", code, problem)
	}
}
