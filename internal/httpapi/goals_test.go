package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/app"
)

func TestGoalsResource(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 10, 18, 0, 0, 0, time.UTC)
	e := newEnvAt(t, func() time.Time { return now })
	p := e.person("Gwen")
	base := fmt.Sprintf("/api/v1/people/%d", p.ID)
	e.do(req{method: "POST", path: base + "/activities", token: e.admin, body: map[string]any{"type": "run", "amount": 12, "at": "2026-03-09T07:00:00Z"}}).want(t, 201)

	// Bad input: every field named, nothing stored.
	var pb problemBody
	e.do(req{method: "POST", path: base + "/goals", token: e.admin, body: map[string]any{"name": "Run", "kind": "activity_total",
		"activity": "flying", "target": -3, "period": "month", "milestones": []int{50, 25}}}).want(t, 422).decode(t, &pb)
	got := map[string]bool{}
	for _, f := range pb.Errors {
		got[f.Location] = true
	}
	if !got["body.target"] || !got["body.milestones"] {
		t.Errorf("problem: %+v", pb.Errors)
	}
	e.do(req{method: "POST", path: base + "/goals", token: e.admin, body: map[string]any{"name": "Run", "kind": "activity_total",
		"activity": "flying", "target": 3, "period": "month"}}).want(t, 422).decode(t, &pb)
	if len(pb.Errors) != 1 || pb.Errors[0].Location != "body.activity" {
		t.Errorf("unknown activity: %+v", pb.Errors)
	}

	var g GoalBody
	res := e.do(req{method: "POST", path: base + "/goals", token: e.admin, body: map[string]any{"name": "Run 40 km in March",
		"kind": "activity_total", "activity": "run", "target": 40, "period": "month"}}).want(t, 201)
	res.decode(t, &g)
	if g.From != "2026-03-01" || g.Until != "2026-03-31" || g.Progress.Current != 12 || g.Unit != "km" || res.Header.Get("ETag") != `"1"` ||
		!strings.HasSuffix(res.Header.Get("Location"), "/goals/"+strconv.FormatInt(g.ID, 10)) {
		t.Fatalf("created %+v, headers %v", g, res.Header)
	}
	if len(g.Reached) != 1 || g.Reached[0].Percent != 25 || g.Progress.PaceText != "behind by 0.9 km" {
		t.Errorf("12 of 40 km on 10 March: %+v", g)
	}
	one := fmt.Sprintf("%s/goals/%d", base, g.ID)
	e.do(req{method: "PATCH", path: one, token: e.admin, body: map[string]any{"target": 20}, header: map[string]string{"If-Match": `"7"`}}).want(t, 412)
	e.do(req{method: "PATCH", path: one, token: e.admin, body: map[string]any{"target": 20}, header: map[string]string{"If-Match": `"1"`}}).want(t, 200).decode(t, &g)
	if g.Version != 2 || g.Progress.Percent != 60 || len(g.Reached) != 2 {
		t.Errorf("after PATCH: %+v", g)
	}
	var list GoalList
	e.do(req{method: "GET", path: base + "/goals", token: e.admin}).want(t, 200).decode(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != g.ID {
		t.Errorf("list %+v", list)
	}
	// A person's token reads only its own goals.
	other := e.person("Otto")
	own := e.token(app.ScopeRead, other.Slug)
	e.do(req{method: "GET", path: base + "/goals", token: own}).want(t, 403)
	e.do(req{method: "GET", path: base + "/goals/999999", token: e.admin}).want(t, 404)
	e.do(req{method: "DELETE", path: one, token: e.admin, header: map[string]string{"If-Match": `"1"`}}).want(t, 412)
	e.do(req{method: "DELETE", path: one, token: e.admin}).want(t, 204)
	e.do(req{method: "GET", path: one, token: e.admin}).want(t, 404)
}

// TestGoldenGoal pins a goal's body on a fixed clock; -update rewrites it.
func TestGoldenGoal(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 10, 18, 0, 0, 0, time.UTC)
	e := newEnvAt(t, func() time.Time { return now })
	e.person("Gina")
	e.do(req{method: "POST", path: "/api/v1/people/gina/activities", token: e.admin, body: map[string]any{"type": "run", "amount": 5, "at": "2026-03-09T07:00:00Z"}}).want(t, 201)
	res := e.do(req{method: "POST", path: "/api/v1/people/gina/goals", token: e.admin, body: map[string]any{"name": "Run 100 km this quarter",
		"kind": "activity_total", "activity": "run", "target": 100, "period": "quarter"}}).want(t, 201)
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, res.body, "", "  "); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "goal.golden")
	if *update {
		if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(pretty.Bytes(), want) {
		t.Errorf("goal changed:\n%s\nwant:\n%s", pretty.Bytes(), want)
	}
}
