package httpapi

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestGoldenBodies pins the bytes clients parse: a day, a character sheet,
// a problem with field errors, the achievements with their progress and a
// person linked to an HA user, on a fixed clock. -update rewrites them.
func TestGoldenBodies(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 10, 18, 0, 0, 0, time.UTC)
	e := newEnvAt(t, func() time.Time { return now })
	e.person("Golda")
	e.person("Linus")
	e.do(req{method: "POST", path: "/api/v1/people/golda/habits", token: e.admin,
		body: map[string]any{"name": "Stretch", "schedule": map[string]any{"kind": "daily"}}}).want(t, 201)
	e.do(req{method: "POST", path: "/api/v1/people/golda/habits/stretch/check-ins", token: e.admin, body: map[string]any{"at": "2026-03-10T07:30:00Z"}}).want(t, 201)
	e.do(req{method: "POST", path: "/api/v1/people/golda/activities", token: e.admin,
		body: map[string]any{"type": "walk", "amount": 40, "at": "2026-03-10T12:00:00Z"}}).want(t, 201)
	e.do(req{method: "POST", path: "/api/v1/people/golda/moods", token: e.admin, body: map[string]any{"value": 8, "at": "2026-03-10T17:00:00Z"}}).want(t, 201)

	for name, r := range map[string]req{
		"today":     {method: "GET", path: "/api/v1/people/golda/today", token: e.admin},
		"character": {method: "GET", path: "/api/v1/people/golda/character", token: e.admin},
		"problem":   {method: "POST", path: "/api/v1/people/golda/habits", token: e.admin, body: map[string]any{"name": "X", "schedule": map[string]any{"kind": "weekdays", "weekdays": []int{1, 1}}}},
		// Each achievement with its progress ("1 of 7 days").
		"achievements": {method: "GET", path: "/api/v1/people/golda/achievements", token: e.admin},
		// A person linked to an HA user.
		"person": {method: "PATCH", path: "/api/v1/people/linus", token: e.admin, body: map[string]any{"ha_user_id": "9f8e7d6c5b4a39281706f5e4d3c2b1a0"}},
	} {
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, e.do(r).body, "", "  "); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", name+".golden")
		if *update {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update)", err)
		}
		if !bytes.Equal(pretty.Bytes(), want) {
			t.Errorf("%s changed:\n%s\nwant:\n%s", name, pretty.Bytes(), want)
		}
	}
}
