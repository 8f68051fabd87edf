package ouratest_test

import (
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lifeops/lifeops/internal/oura/ouratest"
)

// The recordings travel inside the repository, licences beside them: a fresh
// clone with nothing around it has everything the Oura tests read.
func TestFixturesAreInTheRepository(t *testing.T) {
	t.Parallel()
	fsys := ouratest.Fixtures()
	for dir, want := range map[string]int{"responses": 83, "webhook": 6} {
		entries, err := fs.ReadDir(fsys, dir)
		if err != nil || len(entries) != want {
			t.Errorf("%s: %d files (want %d): %v", dir, len(entries), want, err)
		}
	}
	for _, f := range []string{"README.md", "LICENSE-ex_oura.txt", "LICENSE-louispires-oura-ha.txt"} {
		if _, err := os.Stat(filepath.Join("testdata", f)); err != nil {
			t.Errorf("testdata/%s: %v", f, err)
		}
	}
	if body := ouratest.Response(t, "single_sleep.200.json"); !json.Valid(body) {
		t.Error("single_sleep.200.json is not JSON")
	}
}

func get(t *testing.T, s *ouratest.Server, token, path string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

func TestPagingTokensAreBoundToTheirQuery(t *testing.T) {
	t.Parallel()
	s := ouratest.New(t, ouratest.Options{})
	s.SetCase("daily_sleep", "full_history")
	s.SetPageSize(1000)
	access, _ := s.IssueTokens()
	status, body := get(t, s, access, "/v2/usercollection/daily_sleep?start_date=2018-01-01&end_date=2025-01-01")
	var page struct {
		Data      []json.RawMessage `json:"data"`
		NextToken *string           `json:"next_token"`
	}
	if err := json.Unmarshal(body, &page); err != nil || status != 200 || len(page.Data) != 1000 || page.NextToken == nil {
		t.Fatalf("first page: %d, %d items, %v", status, len(page.Data), err)
	}
	status, _ = get(t, s, access, "/v2/usercollection/daily_sleep?start_date=2019-01-01&end_date=2025-01-01&next_token="+url.QueryEscape(*page.NextToken))
	if v := s.TakeViolations(); status != 400 || len(v) != 1 || !strings.Contains(v[0], "next_token") {
		t.Errorf("token reused with another query: status %d, violations %q", status, v)
	}
}

func TestDataRoutesNeedAValidToken(t *testing.T) {
	t.Parallel()
	s := ouratest.New(t, ouratest.Options{})
	if status, _ := get(t, s, "made-up", "/v2/usercollection/daily_sleep"); status != http.StatusUnauthorized {
		t.Errorf("unknown token: %d", status)
	}
	get(t, s, "", "/v2/usercollection/daily_sleep")
	if v := s.TakeViolations(); len(v) != 1 || !strings.Contains(v[0], "security") {
		t.Errorf("request without Authorization: violations %q", v)
	}
	access, _ := s.IssueTokens()
	if status, body := get(t, s, access, "/v2/usercollection/daily_sleep?start_date=2024-11-12&end_date=2024-11-11"); status != 422 || !strings.Contains(string(body), `"input":"2024-11-12"`) {
		t.Errorf("start after end: %d %s", status, body)
	}
}
