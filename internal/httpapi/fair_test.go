package httpapi

import (
	"strings"
	"testing"
	"time"
)

// TestFairPlayBoundsOverHTTP replays issue #18's requests: each is refused
// with a problem+json naming the field, and refused input changes nothing.
func TestFairPlayBoundsOverHTTP(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, time.December, 7, 12, 0, 0, 0, time.UTC)
	e := newEnvAt(t, func() time.Time { return now })
	e.do(req{method: "POST", path: "/api/v1/people", token: e.admin, body: map[string]any{"name": "Kid"}}).want(t, 201)
	e.do(req{method: "POST", path: "/api/v1/people/kid/habits", token: e.admin, body: map[string]any{
		"name": "Water", "schedule": map[string]any{"kind": "daily"}, "target": map[string]any{"kind": "at_least", "value": 8}}}).want(t, 201)
	e.do(req{method: "POST", path: "/api/v1/people/kid/habits", token: e.admin, body: map[string]any{
		"name": "Read", "schedule": map[string]any{"kind": "daily"}}}).want(t, 201)
	daily := map[string]any{"kind": "daily"}
	tests := []struct {
		name, path string
		body       map[string]any
		location   string
		reason     string
	}{
		{"habit started in the past (item 1)", "/api/v1/people/kid/habits",
			map[string]any{"name": "No sweets", "kind": "negative", "schedule": daily, "start": "2025-12-01"}, "body.start", "the day the habit is created"},
		{"habit started in 1950 (item 6)", "/api/v1/people/kid/habits",
			map[string]any{"name": "Old", "schedule": daily, "start": "1950-01-01"}, "body.start", "the day the habit is created"},
		{"habit started 10 years ahead", "/api/v1/people/kid/habits",
			map[string]any{"name": "Later", "schedule": daily, "start": "2036-12-07"}, "body.start", "must be between 2000-01-01 and"},
		{"every on a daily schedule (item 6)", "/api/v1/people/kid/habits",
			map[string]any{"name": "Daily", "schedule": map[string]any{"kind": "daily", "every": -1}}, "body.schedule.every", "applies only to an every_n_days schedule"},
		{"anchor of 9999-12-31 (item 6)", "/api/v1/people/kid/habits",
			map[string]any{"name": "Blocks", "schedule": map[string]any{"kind": "every_n_days", "every": 3, "anchor": "9999-12-31"}}, "body.schedule.anchor", "must be between 2000-01-01 and"},
		{"check-in at the zero time (item 6)", "/api/v1/people/kid/habits/read/check-ins",
			map[string]any{"at": "0001-01-01T00:00:00Z"}, "body.at", "must be between 2000-01-01 and now"},
		{"check-in tomorrow", "/api/v1/people/kid/habits/read/check-ins",
			map[string]any{"at": "2026-12-08T10:00:00Z"}, "body.at", "must not be in the future"},
		{"quantity 0 (item 5)", "/api/v1/people/kid/habits/water/check-ins",
			map[string]any{"quantity": 0}, "body.quantity", "quantity is required: Water is counted in units (target at least 8 units); say how much"},
		{"quantity missing (item 5)", "/api/v1/people/kid/habits/water/check-ins",
			map[string]any{}, "body.quantity", "quantity is required: Water is counted in units (target at least 8 units); say how much"},
		{"activity at the zero time", "/api/v1/people/kid/activities",
			map[string]any{"type": "walk", "amount": 10, "at": "0001-01-01T00:00:00Z"}, "body.at", "must be between 2000-01-01 and now"},
		{"mood at the zero time", "/api/v1/people/kid/moods",
			map[string]any{"value": 5, "at": "0001-01-01T00:00:00Z"}, "body.at", "must be between 2000-01-01 and now"},
	}
	for _, tt := range tests {
		res := e.do(req{method: "POST", path: tt.path, token: e.admin, body: tt.body})
		if res.StatusCode != 422 || res.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s, want a 422 problem", tt.name, res.StatusCode, res.body)
			continue
		}
		var p problemBody
		res.decode(t, &p)
		if len(p.Errors) == 0 || p.Errors[0].Location != tt.location || !strings.Contains(p.Errors[0].Message, tt.reason) {
			t.Errorf("%s: errors %+v, want %s: …%s…", tt.name, p.Errors, tt.location, tt.reason)
		}
	}
	var sheet struct {
		XP int64 `json:"xp"`
	}
	e.do(req{method: "GET", path: "/api/v1/people/kid/character", token: e.admin}).want(t, 200).decode(t, &sheet)
	if sheet.XP != 0 {
		t.Errorf("refused requests left %d XP", sheet.XP)
	}
}

// Item 8: score history returns every day of the range; a day nothing was
// recorded on says so (has_data false) instead of being left out.
func TestScoreHistoryHasEveryDay(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, time.December, 7, 12, 0, 0, 0, time.UTC)
	e := newEnvAt(t, func() time.Time { return now })
	e.do(req{method: "POST", path: "/api/v1/people", token: e.admin, body: map[string]any{"name": "Kid"}}).want(t, 201)
	e.do(req{method: "POST", path: "/api/v1/people/kid/moods", token: e.admin, body: map[string]any{"value": 7}}).want(t, 201)
	var list ScoreList
	e.do(req{method: "GET", path: "/api/v1/people/kid/scores?from=2026-12-04&to=2026-12-07", token: e.admin}).want(t, 200).decode(t, &list)
	var days []string
	for _, s := range list.Items {
		days = append(days, s.Day)
		if s.HasData != (s.Day == "2026-12-07") {
			t.Errorf("%s: has_data %v", s.Day, s.HasData)
		}
	}
	if strings.Join(days, " ") != "2026-12-04 2026-12-05 2026-12-06 2026-12-07" {
		t.Fatalf("days %v, want every day of the range", days)
	}
}
