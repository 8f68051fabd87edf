package httpapi

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/app"
)

// problemBody is the part of a problem the tests look at.
type problemBody struct {
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Location string `json:"location"`
		Message  string `json:"message"`
		Value    any    `json:"value"`
	} `json:"errors"`
}

func (e *env) person(name string) PersonBody {
	e.t.Helper()
	var p PersonBody
	e.do(req{method: "POST", path: "/api/v1/people", token: e.admin, body: map[string]any{"name": name}}).want(e.t, 201).decode(e.t, &p)
	return p
}

func TestPeopleETagsAndInputChecks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	res := e.do(req{method: "POST", path: "/api/v1/people", token: e.admin, body: map[string]any{"name": "Anna Müller"}}).want(t, 201)
	var anna PersonBody
	res.decode(t, &anna)
	if anna.Slug != "anna_mueller" || res.Header.Get("ETag") != `"1"` || res.Header.Get("Location") == "" {
		t.Fatalf("created %+v, ETag %q", anna, res.Header.Get("ETag"))
	}
	path := fmt.Sprintf("/api/v1/people/%d", anna.ID)
	e.do(req{method: "GET", path: "/api/v1/people/anna_mueller", token: e.admin}).want(t, 200)

	tests := []struct {
		name     string
		body     any
		ifMatch  string
		status   int
		location string
	}{
		{"current etag", map[string]any{"name": "Anna"}, `"1"`, 200, ""},
		{"stale etag", map[string]any{"name": "Anna B"}, `"1"`, 412, ""},
		{"garbage etag", map[string]any{"name": "Anna B"}, `"x"`, 412, ""},
		{"bad colour", map[string]any{"color": "red"}, "", 422, "body.color"},
		{"unknown field", map[string]any{"nickname": "A"}, "", 422, "body.nickname"},
		{"wrong type", map[string]any{"name": 7}, "", 422, "body.name"},
		{"not utf-8", []byte("{\"name\":\"\xff\xfe\"}"), "", 422, ""},
		{"not json", "{", "", 400, ""},
		{"too large", append(append([]byte(`{"name":"`), bytes.Repeat([]byte("a"), MaxBodyBytes)...), `"}`...), "", 413, ""},
	}
	for _, tt := range tests {
		r := req{method: "PATCH", path: path, token: e.admin, body: tt.body}
		if tt.ifMatch != "" {
			r.header = map[string]string{"If-Match": tt.ifMatch}
		}
		res := e.do(r)
		if res.StatusCode != tt.status {
			t.Errorf("%s: %d, want %d: %s", tt.name, res.StatusCode, tt.status, res.body)
			continue
		}
		if ct := res.Header.Get("Content-Type"); tt.status >= 400 && ct != "application/problem+json" {
			t.Errorf("%s: content type %q", tt.name, ct)
		}
		if tt.location != "" {
			var p problemBody
			res.decode(t, &p)
			if len(p.Errors) == 0 || !strings.HasPrefix(p.Errors[0].Location, tt.location) {
				t.Errorf("%s: errors %+v, want location %s", tt.name, p.Errors, tt.location)
			}
		}
	}
	got := e.do(req{method: "GET", path: path, token: e.admin}).want(t, 200)
	if got.Header.Get("ETag") != `"2"` {
		t.Errorf("ETag after one update: %q", got.Header.Get("ETag"))
	}
	e.do(req{method: "DELETE", path: path, token: e.admin}).want(t, 204)
	e.do(req{method: "GET", path: path, token: e.admin}).want(t, 404)
}

func TestActivitiesPageAndUndo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.person("Ben")
	base := fmt.Sprintf("/api/v1/people/%d/activities", p.ID)
	var ids []int64
	for i := range 5 {
		var a ActivityBody
		e.do(req{method: "POST", path: base, token: e.admin, body: map[string]any{"type": "walk", "amount": 10 + i}}).want(t, 201).decode(t, &a)
		ids = append(ids, a.ID)
	}
	var seen []int64
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 3 {
			t.Fatal("paging does not end")
		}
		var page ActivityPage
		e.do(req{method: "GET", path: base + "?limit=2&cursor=" + cursor, token: e.admin}).want(t, 200).decode(t, &page)
		for _, a := range page.Items {
			seen = append(seen, a.ID)
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	if fmt.Sprint(seen) != fmt.Sprint([]int64{ids[4], ids[3], ids[2], ids[1], ids[0]}) {
		t.Errorf("paged %v, logged %v", seen, ids)
	}
	e.do(req{method: "GET", path: base + "?limit=201", token: e.admin}).want(t, 422)
	e.do(req{method: "GET", path: base + "?cursor=abc", token: e.admin}).want(t, 422)
	e.do(req{method: "DELETE", path: fmt.Sprintf("%s/%d", base, ids[0]), token: e.admin}).want(t, 204)
	e.do(req{method: "DELETE", path: fmt.Sprintf("%s/%d", base, ids[0]), token: e.admin}).want(t, 404)
	e.do(req{method: "POST", path: base, token: e.admin, body: map[string]any{"type": "flying", "amount": 1}}).want(t, 422)

	var types struct{ Items []ActivityTypeBody }
	e.do(req{method: "GET", path: "/api/v1/activity-types", token: e.admin}).want(t, 200).decode(t, &types)
	custom := map[string]any{"key": "gardening", "name": "Gardening", "unit": "minutes", "xp_per_unit": 1, "full_units_per_day": 60,
		"category": "chores", "stats": []string{"STR"}}
	e.do(req{method: "POST", path: "/api/v1/activity-types", token: e.admin, body: custom}).want(t, 201)
	e.do(req{method: "POST", path: "/api/v1/activity-types", token: e.admin, body: custom}).want(t, 409)
	e.do(req{method: "POST", path: base, token: e.admin, body: map[string]any{"type": "gardening", "amount": 30}}).want(t, 201)
}

func TestIdempotencyKeyReplaysTheFirstAnswer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.person("Cleo")
	habit := map[string]any{"name": "Water", "schedule": map[string]any{"kind": "daily"}}
	e.do(req{method: "POST", path: fmt.Sprintf("/api/v1/people/%d/habits", p.ID), token: e.admin, body: habit}).want(t, 201)
	tests := []struct {
		name, path  string
		body, other any
	}{
		{"activity", fmt.Sprintf("/api/v1/people/%d/activities", p.ID), map[string]any{"type": "run", "amount": 5}, map[string]any{"type": "run", "amount": 6}},
		{"check-in", fmt.Sprintf("/api/v1/people/%d/habits/water/check-ins", p.ID), map[string]any{}, map[string]any{"note": "other"}},
		{"mood", fmt.Sprintf("/api/v1/people/%d/moods", p.ID), map[string]any{"value": 7}, map[string]any{"value": 3}},
	}
	for _, tt := range tests {
		key := map[string]string{"Idempotency-Key": "k-" + tt.name}
		first := e.do(req{method: "POST", path: tt.path, token: e.admin, body: tt.body, header: key}).want(t, 201)
		again := e.do(req{method: "POST", path: tt.path, token: e.admin, body: tt.body, header: key}).want(t, 201)
		if !bytes.Equal(first.body, again.body) || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("%s: replay %s (replayed=%q), first %s", tt.name, again.body, again.Header.Get("Idempotent-Replayed"), first.body)
		}
		e.do(req{method: "POST", path: tt.path, token: e.admin, body: tt.other, header: key}).want(t, 422)
		// Another caller's key space is its own.
		other := e.token(app.ScopeWrite, "")
		e.do(req{method: "POST", path: tt.path, token: other, body: tt.other, header: key}).want(t, 201)
	}
	var page ActivityPage
	e.do(req{method: "GET", path: tests[0].path, token: e.admin}).want(t, 200).decode(t, &page)
	if len(page.Items) != 2 {
		t.Errorf("%d activities after a replay, want 2 (one per caller)", len(page.Items))
	}
}

func TestHabitsCheckInsStreaksToday(t *testing.T) {
	t.Parallel()
	// Noon: the habit's window opens at 06:00, and a check-in before it
	// earns no XP that the undo could take back (on the wall clock this
	// failed between midnight and six).
	noon := time.Now().UTC().Truncate(24 * time.Hour).Add(12 * time.Hour)
	e := newEnvAt(t, func() time.Time { return noon })
	p := e.person("Dora")
	base := fmt.Sprintf("/api/v1/people/%d", p.ID)
	habit := map[string]any{"name": "Read", "schedule": map[string]any{"kind": "weekdays", "weekdays": []int{0, 1, 2, 3, 4, 5, 6}},
		"target": map[string]any{"kind": "at_least", "value": 20, "unit": "min"}, "window": map[string]any{"from": "06:00", "until": "24:00"}}
	var h HabitBody
	res := e.do(req{method: "POST", path: base + "/habits", token: e.admin, body: habit}).want(t, 201)
	res.decode(t, &h)
	bad := map[string]any{"name": "X", "schedule": map[string]any{"kind": "weekdays", "weekdays": []int{9}}}
	var pb problemBody
	e.do(req{method: "POST", path: base + "/habits", token: e.admin, body: bad}).want(t, 422).decode(t, &pb)
	if len(pb.Errors) != 1 || pb.Errors[0].Location != "body.schedule.weekdays[0]" {
		t.Errorf("bad weekday: %+v", pb.Errors)
	}
	habit["name"] = "Read more"
	e.do(req{method: "PUT", path: base + "/habits/read", token: e.admin, body: habit, header: map[string]string{"If-Match": `"7"`}}).want(t, 412)
	e.do(req{method: "PUT", path: base + "/habits/read", token: e.admin, body: habit, header: map[string]string{"If-Match": res.Header.Get("ETag")}}).want(t, 200)

	var c CheckInBody
	e.do(req{method: "POST", path: base + "/habits/read/check-ins", token: e.admin, body: map[string]any{"quantity": 25}}).want(t, 201).decode(t, &c)
	var streaks struct{ Items []StreakBody }
	e.do(req{method: "GET", path: base + "/streaks", token: e.admin}).want(t, 200).decode(t, &streaks)
	var today TodayBody
	e.do(req{method: "GET", path: base + "/today", token: e.admin}).want(t, 200).decode(t, &today)
	if len(today.Habits) != 1 || today.Score.Explanation == "" || len(today.Score.Contributors) == 0 || today.Person.ID != p.ID {
		t.Errorf("today: %+v", today)
	}
	e.do(req{method: "DELETE", path: fmt.Sprintf("%s/check-ins/%d", base, c.ID), token: e.admin}).want(t, 204)
	// The cached day must not outlive the undo.
	var after TodayBody
	e.do(req{method: "GET", path: base + "/today", token: e.admin}).want(t, 200).decode(t, &after)
	if after.XP.Total >= today.XP.Total {
		t.Errorf("XP %d after undo, %d before", after.XP.Total, today.XP.Total)
	}
	e.do(req{method: "GET", path: "/api/today", token: e.admin}).want(t, 200)
	e.do(req{method: "POST", path: base + "/pauses", token: e.admin, body: map[string]any{"reason": "sick", "until": "2099-01-01"}}).want(t, 422)
	e.do(req{method: "POST", path: base + "/moods", token: e.admin, body: map[string]any{"value": 10}}).want(t, 422)
	e.do(req{method: "GET", path: base + "/scores?from=2026-01-02&to=2026-01-01", token: e.admin}).want(t, 422)
	e.do(req{method: "GET", path: base + "/achievements", token: e.admin}).want(t, 200)
	e.do(req{method: "DELETE", path: base + "/habits/read", token: e.admin}).want(t, 204)
}

func TestCharacterAllocationAndTree(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.person("Eli")
	base := fmt.Sprintf("/api/v1/people/%d", p.ID)
	var ch CharacterBody
	e.do(req{method: "GET", path: base + "/character", token: e.admin}).want(t, 200).decode(t, &ch)
	if len(ch.Allocatable) == 0 {
		t.Fatal("nothing allocatable")
	}
	e.do(req{method: "POST", path: base + "/character/allocations", token: e.admin, body: map[string]any{"node": ch.Allocatable[0]}}).want(t, 409)
	e.do(req{method: "POST", path: base + "/activities", token: e.admin, body: map[string]any{"type": "run", "amount": 12}}).want(t, 201)
	e.do(req{method: "POST", path: base + "/character/allocations", token: e.admin, body: map[string]any{"node": "nowhere"}}).want(t, 404)
	e.do(req{method: "POST", path: base + "/character/allocations", token: e.admin, body: map[string]any{"node": ch.Allocatable[0]}}).want(t, 200).decode(t, &ch)
	if len(ch.Allocated) != 1 {
		t.Errorf("allocated %v", ch.Allocated)
	}
	e.do(req{method: "POST", path: base + "/character/respec", token: e.admin}).want(t, 200).decode(t, &ch)
	if ch.NextRespecAt == nil {
		t.Error("after a respec the sheet does not say when the next one is possible")
	}
	// Nothing allocated: a respec refunds nothing and is no conflict.
	e.do(req{method: "POST", path: base + "/character/respec", token: e.admin}).want(t, 200)
	e.do(req{method: "POST", path: base + "/character/allocations", token: e.admin, body: map[string]any{"node": ch.Allocatable[0]}}).want(t, 200)
	e.do(req{method: "POST", path: base + "/character/respec", token: e.admin}).want(t, 409)
	svg := e.do(req{method: "GET", path: "/api/v1/stat-tree.svg?person=" + p.Slug, token: e.admin}).want(t, 200)
	if svg.Header.Get("Content-Type") != "image/svg+xml" || !bytes.HasPrefix(bytes.TrimSpace(svg.body), []byte("<svg")) {
		t.Errorf("svg: %q %.40s", svg.Header.Get("Content-Type"), svg.body)
	}
	var tree StatTreeBody
	e.do(req{method: "GET", path: "/api/v1/stat-tree", token: e.admin}).want(t, 200).decode(t, &tree)
	if len(tree.Nodes) < 10 || tree.Start == "" {
		t.Errorf("tree: %d nodes", len(tree.Nodes))
	}
}

func TestDocsAndDocumentsArePublic(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for path, ct := range map[string]string{"/docs": "text/html", "/openapi.json": "application/", "/openapi-3.0.json": "application/", "/openapi.yaml": "application/"} {
		res := e.do(req{method: "GET", path: path}).want(t, 200)
		if !strings.HasPrefix(res.Header.Get("Content-Type"), ct) {
			t.Errorf("%s: %s", path, res.Header.Get("Content-Type"))
		}
	}
	if docs := e.do(req{method: "GET", path: "/docs"}); bytes.Contains(docs.body, []byte("https://")) && bytes.Contains(docs.body, []byte("<script src")) {
		t.Error("/docs loads a script from the internet")
	}
	e.do(req{method: "GET", path: "/health"}).want(t, 200)
}

var _ = http.StatusOK
