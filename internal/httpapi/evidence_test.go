package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/app"
)

// testClock is a settable clock for the app behind the API.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time             { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) set(t time.Time)            { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }
func utcAt(d, h, m int) time.Time               { return time.Date(2026, time.March, d, h, m, 0, 0, time.UTC) }
func ruleMatchesPath(p string, id int64) string { return fmt.Sprintf("%s/%d/matches", p, id) }

func TestEvidenceRulesAPI(t *testing.T) {
	t.Parallel()
	clk := &testClock{t: utcAt(10, 12, 0)}
	e := newEnvAt(t, clk.now)
	e.person("Ana")
	e.do(req{method: "POST", path: "/api/v1/people/ana/habits", token: e.admin,
		body: map[string]any{"name": "In bed by 23:00", "schedule": map[string]any{"kind": "daily"}}}).want(t, 201)
	base := "/api/v1/people/ana/evidence-rules"
	rule := map[string]any{
		"name": "In bed by 23:00", "sensors": []string{"binary_sensor.bed_occupancy", "zigbee2mqtt/bed/occupancy"},
		"condition": map[string]any{"op": "on"}, "for_seconds": 300,
		"window": map[string]any{"start": "18:00", "end": "23:00"},
		"action": map[string]any{"kind": "check_in", "habit": "In bed by 23:00"},
	}

	bad := []struct {
		name     string
		edit     func(map[string]any)
		location string
	}{
		{"unknown op", func(b map[string]any) { b["condition"] = map[string]any{"op": "between"} }, "body.condition.op"},
		{"gt needs a number", func(b map[string]any) { b["condition"] = map[string]any{"op": "gt", "value": "warm"} }, "body.condition.value"},
		{"bad window", func(b map[string]any) { b["window"] = map[string]any{"start": "18:00", "end": "25:00"} }, "body.window.end"},
		{"unknown habit", func(b map[string]any) { b["action"] = map[string]any{"kind": "check_in", "habit": "juggle"} }, "body.action.habit"},
		{"no sensors", func(b map[string]any) { b["sensors"] = []string{} }, "body.sensors"},
	}
	for _, tt := range bad {
		b := map[string]any{}
		for k, v := range rule {
			b[k] = v
		}
		tt.edit(b)
		var p problemBody
		e.do(req{method: "POST", path: base, token: e.admin, body: b}).want(t, 422).decode(t, &p)
		if len(p.Errors) == 0 || p.Errors[0].Location != tt.location {
			t.Errorf("%s: errors %+v, want %s", tt.name, p.Errors, tt.location)
		}
	}

	var created RuleBody
	res := e.do(req{method: "POST", path: base, token: e.admin, body: rule}).want(t, 201)
	res.decode(t, &created)
	if res.Header.Get("ETag") != `"1"` || !created.Enabled || created.ForSeconds != 300 || created.Window == nil || created.Window.End != "23:00" {
		t.Fatalf("created %+v, ETag %q", created, res.Header.Get("ETag"))
	}
	path := fmt.Sprintf("%s/%d", base, created.ID)
	var list RuleList
	e.do(req{method: "GET", path: base, token: e.admin}).want(t, 200).decode(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != created.ID {
		t.Fatalf("list %+v", list)
	}
	e.do(req{method: "PUT", path: path, token: e.admin, body: rule, header: map[string]string{"If-Match": `"7"`}}).want(t, 412)
	rule["for_seconds"] = 600
	var updated RuleBody
	e.do(req{method: "PUT", path: path, token: e.admin, body: rule, header: map[string]string{"If-Match": `"1"`}}).want(t, 200).decode(t, &updated)
	if updated.Version != 2 || updated.ForSeconds != 600 {
		t.Fatalf("updated %+v", updated)
	}
	e.do(req{method: "GET", path: base + "/999", token: e.admin}).want(t, 404)

	// Two evenings in bed make two matches: a page of one, then the next.
	ctx := context.Background()
	for _, d := range []int{10, 11} {
		clk.set(utcAt(d, 22, 30))
		if err := e.svc.Observe(ctx, []app.Reading{{Source: "ha", Sensor: "binary_sensor.bed_occupancy", State: "off", At: utcAt(d, 7, 0)},
			{Source: "ha", Sensor: "binary_sensor.bed_occupancy", State: "on", At: utcAt(d, 22, 0)}}); err != nil {
			t.Fatal(err)
		}
	}
	var page MatchPage
	e.do(req{method: "GET", path: ruleMatchesPath(base, created.ID) + "?limit=1", token: e.admin}).want(t, 200).decode(t, &page)
	if len(page.Items) != 1 || page.NextCursor == "" || page.Items[0].Day != "2026-03-11" {
		t.Fatalf("first page %+v", page)
	}
	m := page.Items[0]
	if m.CheckInID == 0 || !m.From.Equal(utcAt(11, 22, 0)) || !m.To.Equal(utcAt(11, 22, 10)) || len(m.Readings) != 1 || m.Readings[0].State != "on" {
		t.Fatalf("match %+v", m)
	}
	next := page.NextCursor
	page = MatchPage{}
	e.do(req{method: "GET", path: ruleMatchesPath(base, created.ID) + "?limit=1&cursor=" + next, token: e.admin}).want(t, 200).decode(t, &page)
	if len(page.Items) != 1 || page.NextCursor != "" || page.Items[0].Day != "2026-03-10" {
		t.Fatalf("second page %+v", page)
	}
	e.do(req{method: "GET", path: ruleMatchesPath(base, created.ID) + "?cursor=x", token: e.admin}).want(t, 422)
	var all MatchPage
	e.do(req{method: "GET", path: "/api/v1/people/ana/evidence-matches", token: e.admin}).want(t, 200).decode(t, &all)
	if len(all.Items) != 2 {
		t.Fatalf("all matches %+v", all)
	}

	var undone MatchBody
	undo := fmt.Sprintf("/api/v1/people/ana/evidence-matches/%d/undo", m.ID)
	e.do(req{method: "POST", path: undo, token: e.admin}).want(t, 200).decode(t, &undone)
	if undone.UndoneAt == nil {
		t.Fatalf("undone %+v", undone)
	}
	e.do(req{method: "POST", path: undo, token: e.admin}).want(t, 200)
	e.do(req{method: "DELETE", path: fmt.Sprintf("/api/v1/people/ana/check-ins/%d", m.CheckInID), token: e.admin}).want(t, 404) // already undone
	e.do(req{method: "POST", path: "/api/v1/people/ana/evidence-matches/99999/undo", token: e.admin}).want(t, 404)
	reader := e.token(app.ScopeRead, "")
	e.do(req{method: "POST", path: undo, token: reader}).want(t, 403)

	e.do(req{method: "DELETE", path: path, token: e.admin}).want(t, 204)
	e.do(req{method: "GET", path: path, token: e.admin}).want(t, 404)
	all = MatchPage{}
	e.do(req{method: "GET", path: "/api/v1/people/ana/evidence-matches", token: e.admin}).want(t, 200).decode(t, &all)
	if len(all.Items) != 2 {
		t.Fatalf("a deleted rule's matches are gone: %+v", all)
	}
}

// TestEvidenceGolden pins the rule and match bodies clients (the panel, HA
// dashboards) parse, on a fixed clock. -update rewrites them.
func TestEvidenceGolden(t *testing.T) {
	t.Parallel()
	clk := &testClock{t: utcAt(10, 7, 0)}
	e := newEnvAt(t, clk.now)
	e.person("Golda")
	e.do(req{method: "POST", path: "/api/v1/people/golda/routines", token: e.admin, body: map[string]any{
		"name": "Morning", "schedule": map[string]any{"kind": "daily"},
		"items": []any{map[string]any{"title": "Brush teeth", "anchor": map[string]any{"kind": "clock", "at": "06:30"}, "xp": 5}},
	}}).want(t, 201)
	e.do(req{method: "POST", path: "/api/v1/people/golda/evidence-rules", token: e.admin, body: map[string]any{
		"name": "Brushed teeth", "sensors": []string{"sensor.toothbrush_plug_power", "zigbee2mqtt/toothbrush_plug/power"},
		"condition": map[string]any{"op": "gt", "value": "2"}, "for_seconds": 90,
		"window": map[string]any{"start": "06:00", "end": "10:00"},
		"action": map[string]any{"kind": "routine_item", "item": "Brush teeth"},
	}}).want(t, 201)
	e.do(req{method: "POST", path: "/api/v1/people/golda/evidence-rules", token: e.admin, body: map[string]any{
		"name": "Deep work at the desk", "sensors": []string{"binary_sensor.desk_presence"},
		"condition": map[string]any{"op": "on"}, "for_seconds": 7200,
		"action": map[string]any{"kind": "activity", "activity": "deep_work", "quantity": map[string]any{"kind": "duration_minutes"}},
	}}).want(t, 201)
	z := func(m, s int, w string) app.Reading {
		return app.Reading{Source: "zigbee2mqtt", Sensor: "zigbee2mqtt/toothbrush_plug/power", State: w, At: utcAt(10, 6, m).Add(time.Duration(s) * time.Second)}
	}
	if err := e.svc.Observe(context.Background(), []app.Reading{z(5, 0, "3"), z(6, 0, "3.3"), z(6, 40, "0.1")}); err != nil {
		t.Fatal(err)
	}
	for name, path := range map[string]string{
		"evidence_rules":   "/api/v1/people/golda/evidence-rules",
		"evidence_matches": "/api/v1/people/golda/evidence-matches",
	} {
		res := e.do(req{method: "GET", path: path, token: e.admin}).want(t, 200)
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, res.body, "", "  "); err != nil {
			t.Fatal(err)
		}
		file := filepath.Join("testdata", name+".golden")
		if *update {
			if err := os.WriteFile(file, pretty.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%v (run with -update)", err)
		}
		if !bytes.Equal(pretty.Bytes(), want) {
			t.Errorf("%s changed:\n%s\nwant:\n%s", name, pretty.Bytes(), want)
		}
	}
}
