package httpapi

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/app"
)

func TestRoutinesAndTimeline(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 10, 6, 0, 0, 0, time.UTC)
	e := newEnvAt(t, func() time.Time { return now })
	p := e.person("Rita")
	base := fmt.Sprintf("/api/v1/people/%d", p.ID)

	var h HabitBody
	e.do(req{method: "POST", path: base + "/habits", token: e.admin, body: map[string]any{
		"name": "Brush teeth", "schedule": map[string]any{"kind": "daily"}}}).want(t, 201).decode(t, &h)

	body := map[string]any{
		"name":     "Morning",
		"schedule": map[string]any{"kind": "daily"},
		"items": []map[string]any{
			{"title": "Water", "anchor": map[string]any{"kind": "clock", "at": "06:30"}, "xp": 10},
			{"title": "Brush teeth", "anchor": map[string]any{"kind": "wake", "offset_min": 15}, "habit_id": h.ID, "duration_min": 3, "xp": 20},
		},
	}
	res := e.do(req{method: "POST", path: base + "/routines", token: e.admin, body: body}).want(t, 201)
	var r RoutineBody
	res.decode(t, &r)
	if r.ID == 0 || len(r.Items) != 2 || r.Items[0].ID == 0 || r.Items[0].Anchor.At != "06:30" || res.Header.Get("ETag") != `"1"` {
		t.Fatalf("created %+v (ETag %q)", r, res.Header.Get("ETag"))
	}
	rpath := fmt.Sprintf("%s/routines/%d", base, r.ID)

	// Field errors name the item and field.
	bad := map[string]any{"name": "Bad", "schedule": map[string]any{"kind": "every_n_days", "every": 3},
		"items": []map[string]any{{"title": "x", "anchor": map[string]any{"kind": "clock", "at": "25:99"}}}}
	var prob problemBody
	e.do(req{method: "POST", path: base + "/routines", token: e.admin, body: bad}).want(t, 422).decode(t, &prob)
	if len(prob.Errors) == 0 || !strings.Contains(fmt.Sprint(prob.Errors), "items[0].anchor.at") {
		t.Errorf("bad routine: %+v", prob)
	}

	var tl TimelineList
	e.do(req{method: "GET", path: base + "/timeline", token: e.admin}).want(t, 200).decode(t, &tl)
	if tl.Day != "2026-03-10" || len(tl.Items) != 2 || tl.Items[0].Status != "pending" {
		t.Fatalf("timeline %+v", tl)
	}

	// Done checks in the linked habit and earns XP; repeating it is a 409;
	// pending undoes both.
	var done ItemStatusResultBody
	e.do(req{method: "POST", path: base + "/timeline/brush%20teeth/status", token: e.admin, body: map[string]any{"status": "done"}}).want(t, 200).decode(t, &done)
	if done.Item.Status != "done" || !done.CheckedIn || done.XP <= 0 {
		t.Fatalf("done: %+v", done)
	}
	e.do(req{method: "POST", path: base + "/timeline/brush%20teeth/status", token: e.admin, body: map[string]any{"status": "done"}}).want(t, 409)
	var today TodayBody
	e.do(req{method: "GET", path: base + "/today", token: e.admin}).want(t, 200).decode(t, &today)
	if len(today.Timeline) != 2 || today.Habits[0].Status != "done" {
		t.Fatalf("today after done: timeline %+v habits %+v", today.Timeline, today.Habits)
	}
	var undo ItemStatusResultBody
	e.do(req{method: "POST", path: fmt.Sprintf("%s/timeline/%d/status", base, done.Item.ItemID), token: e.admin, body: map[string]any{"status": "pending"}}).want(t, 200).decode(t, &undo)
	if undo.XP != -done.XP || undo.Item.Status != "pending" {
		t.Fatalf("undo: %+v after %+v", undo, done)
	}
	e.do(req{method: "POST", path: base + "/timeline/nothing/status", token: e.admin, body: map[string]any{"status": "done"}}).want(t, 404)

	// Updates need the current ETag; items keep their ids when sent back.
	r.Items[0].Title = "Big glass of water"
	upd := map[string]any{"name": "Morning", "schedule": map[string]any{"kind": "daily"}, "items": r.Items}
	e.do(req{method: "PUT", path: rpath, token: e.admin, body: upd, header: map[string]string{"If-Match": `"1"`}}).want(t, 200)
	e.do(req{method: "PUT", path: rpath, token: e.admin, body: upd, header: map[string]string{"If-Match": `"1"`}}).want(t, 412)
	var got RoutineBody
	e.do(req{method: "GET", path: rpath, token: e.admin}).want(t, 200).decode(t, &got)
	if got.Items[0].ID != r.Items[0].ID || got.Items[0].Title != "Big glass of water" || got.Version != 2 {
		t.Fatalf("after update %+v", got)
	}
	e.do(req{method: "DELETE", path: rpath, token: e.admin}).want(t, 204)
	e.do(req{method: "GET", path: rpath, token: e.admin}).want(t, 404)
	var list RoutineList
	e.do(req{method: "GET", path: base + "/routines", token: e.admin}).want(t, 200).decode(t, &list)
	if len(list.Items) != 0 {
		t.Fatalf("routines after delete: %+v", list)
	}
}

func TestScoreWeights(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var w WeightsBody
	e.do(req{method: "GET", path: "/api/v1/household/score-weights", token: e.admin}).want(t, 200).decode(t, &w)
	if w.Sleep != 25 || w.Mood != 5 {
		t.Fatalf("defaults %+v", w)
	}
	w.Sleep, w.Mood = 10, 20
	e.do(req{method: "PUT", path: "/api/v1/household/score-weights", token: e.admin, body: w}).want(t, 200)
	var got WeightsBody
	e.do(req{method: "GET", path: "/api/v1/household/score-weights", token: e.admin}).want(t, 200).decode(t, &got)
	if got != w {
		t.Fatalf("stored %+v, want %+v", got, w)
	}
	e.do(req{method: "PUT", path: "/api/v1/household/score-weights", token: e.admin, body: WeightsBody{}}).want(t, 422)
	e.do(req{method: "PUT", path: "/api/v1/household/score-weights", token: e.token("write", ""), body: w}).want(t, 403)
}

// grace_min 0 is honoured (missed right at the planned time); a grace left
// out is 60.
func TestRoutineGraceZero(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 10, 6, 0, 0, 0, time.UTC)
	e := newEnvAt(t, func() time.Time { return now })
	p := e.person("Gus")
	base := fmt.Sprintf("/api/v1/people/%d", p.ID)
	body := map[string]any{
		"name":     "Pills",
		"schedule": map[string]any{"kind": "daily"},
		"items": []map[string]any{
			{"title": "Pill", "anchor": map[string]any{"kind": "clock", "at": "06:30"}, "grace_min": 0},
			{"title": "Water", "anchor": map[string]any{"kind": "clock", "at": "06:30"}},
			{"title": "Stretch", "anchor": map[string]any{"kind": "clock", "at": "06:30"}, "grace_min": 5},
		},
	}
	var r RoutineBody
	e.do(req{method: "POST", path: base + "/routines", token: e.admin, body: body}).want(t, 201).decode(t, &r)
	var got []int
	for _, it := range r.Items {
		if it.GraceMin == nil {
			t.Fatalf("item %q without grace_min: %+v", it.Title, r)
		}
		got = append(got, *it.GraceMin)
	}
	if fmt.Sprint(got) != "[0 60 5]" {
		t.Errorf("grace_min of the created items = %v, want [0 60 5]", got)
	}
	var tl TimelineList
	e.do(req{method: "GET", path: base + "/timeline", token: e.admin}).want(t, 200).decode(t, &tl)
	got = nil
	for _, it := range tl.Items {
		got = append(got, it.GraceMin)
	}
	if fmt.Sprint(got) != "[0 60 5]" {
		t.Errorf("grace_min on the timeline = %v, want [0 60 5]", got)
	}

	// At 06:30 the grace-0 item is missed, the others are due.
	now = time.Date(2026, 3, 10, 6, 30, 0, 0, time.UTC)
	if err := e.svc.TimelineTick(context.Background(), now, quietNotifier{}); err != nil {
		t.Fatal(err)
	}
	e.do(req{method: "GET", path: base + "/timeline", token: e.admin}).want(t, 200).decode(t, &tl)
	status := map[string]string{}
	for _, it := range tl.Items {
		status[it.Title] = it.Status
	}
	if status["Pill"] != "missed" || status["Water"] != "pending" || status["Stretch"] != "pending" {
		t.Errorf("statuses at 06:30 = %v, want Pill missed, Water and Stretch pending", status)
	}

	bad := map[string]any{"name": "Bad", "schedule": map[string]any{"kind": "daily"},
		"items": []map[string]any{{"title": "x", "anchor": map[string]any{"kind": "clock", "at": "07:00"}, "grace_min": -1}}}
	var prob problemBody
	e.do(req{method: "POST", path: base + "/routines", token: e.admin, body: bad}).want(t, 422).decode(t, &prob)
	if !strings.Contains(fmt.Sprint(prob.Errors), "grace_min") {
		t.Errorf("grace_min -1: %+v", prob)
	}
}

type quietNotifier struct{}

func (quietNotifier) Notify(context.Context, app.Notification) error { return nil }
