package httpapi

import (
	"strings"
	"testing"
)

// TestProblemsSayWhatToDo: every refused request's problem+json names the
// field as the client spells it and the value, and says what is allowed,
// in plain words (issue #20); the status codes and the RFC 9457 shape with
// huma's errors[] stay as they were.
func TestProblemsSayWhatToDo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.person("Anna")
	for _, body := range []map[string]any{
		{"name": "Read", "schedule": map[string]any{"kind": "daily"}},
		{"name": "Water", "schedule": map[string]any{"kind": "daily"}, "target": map[string]any{"kind": "at_least", "value": 2, "unit": "l"}},
	} {
		e.do(req{method: "POST", path: "/api/v1/people/anna/habits", token: e.admin, body: body}).want(t, 201)
	}
	tests := []struct {
		name     string
		method   string
		path     string
		body     any
		ifMatch  string
		status   int
		detail   string // whole, or its start when it ends in …
		location string // errors[0].location, when the problem has errors
	}{
		{"slug taken", "POST", "/api/v1/people", map[string]any{"name": "Anna B", "slug": "anna"}, "", 409,
			`The slug "anna" is already used by Anna. Choose another.`, ""},
		{"stale version", "PUT", "/api/v1/people/anna/habits/read", map[string]any{"name": "Read", "schedule": map[string]any{"kind": "daily"}}, `"999"`, 412,
			`Habit "Read" changed since you loaded it (version 1 now, you sent 999); reload and try again.`, ""},
		{"time of day 25:00", "POST", "/api/v1/people/anna/routines", map[string]any{"name": "Morning", "schedule": map[string]any{"kind": "daily"},
			"items": []any{map[string]any{"title": "Stretch", "anchor": map[string]any{"kind": "clock", "at": "25:00"}}}}, "", 422,
			`Item 1's time "25:00" is not a time of day (00:00–23:59).`, "body.items[0].anchor.at"},
		{"quantity as a word", "POST", "/api/v1/people/anna/habits/water/check-ins", map[string]any{"quantity": "lots"}, "", 422,
			`quantity "lots" must be a number, e.g. 0.5 (without quotes).`, "body.quantity"},
		{"quantity habit without an amount", "POST", "/api/v1/people/anna/habits/water/check-ins", map[string]any{}, "", 422,
			`quantity is required: Water is counted in l (target at least 2 l); say how much, e.g. quantity: 0.5.`, "body.quantity"},
		{"amount 0", "POST", "/api/v1/people/anna/activities", map[string]any{"type": "walk", "amount": 0}, "", 422,
			`amount 0 must be more than 0.`, "body.amount"},
		{"unknown activity", "POST", "/api/v1/people/anna/activities", map[string]any{"type": "swimming", "amount": 20}, "", 422,
			`type "swimming" is not an activity type LifeOps knows; say one of Workout (workout), Walk (walk), …`, "body.type"},
		{"unknown field", "POST", "/api/v1/people/anna/moods", map[string]any{"value": 5, "mood": 5}, "", 422,
			`mood is not a field of this request; check its spelling.`, "body.mood"},
		{"evidence rule checking in an amount without one", "POST", "/api/v1/people/anna/evidence-rules", map[string]any{
			"name": "Bottle", "sensors": []string{"sensor.bottle_weight"}, "condition": map[string]any{"op": "on"},
			"action": map[string]any{"kind": "check_in", "habit": "water"}}, "", 422,
			`action.quantity is required: Water is counted in l (target at least 2 l); say where the amount comes from (fixed, duration_minutes or state).`, "body.action.quantity"},
		{"unknown person", "GET", "/api/v1/people/zoe", nil, "", 404,
			`No person is called "zoe"; the household has Anna (anna).`, ""},
		{"unknown node", "POST", "/api/v1/people/anna/character/allocations", map[string]any{"node": "xyz_9"}, "", 404,
			`There is no node "xyz_9" in the stat tree; …`, ""},
		{"no points", "POST", "/api/v1/people/anna/character/allocations", map[string]any{"node": "str_1"}, "", 409,
			`Anna has no stat points left to spend on node "str_1" (0 unspent); each level from level 2 on brings one.`, ""},
	}
	for _, tt := range tests {
		r := req{method: tt.method, path: tt.path, token: e.admin, body: tt.body}
		if tt.ifMatch != "" {
			r.header = map[string]string{"If-Match": tt.ifMatch}
		}
		res := e.do(r)
		if res.StatusCode != tt.status || res.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s, want a %d problem", tt.name, res.StatusCode, res.body, tt.status)
			continue
		}
		var p problemBody
		res.decode(t, &p)
		if prefix, cut := strings.CutSuffix(tt.detail, "…"); cut {
			if !strings.HasPrefix(p.Detail, prefix) {
				t.Errorf("%s: detail %q, want it to start %q", tt.name, p.Detail, prefix)
			}
		} else if p.Detail != tt.detail {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, p.Detail, tt.detail)
		}
		if tt.location != "" && (len(p.Errors) == 0 || p.Errors[0].Location != tt.location || p.Errors[0].Message != p.Detail) {
			t.Errorf("%s: errors %+v, want %s with the detail's sentence", tt.name, p.Errors, tt.location)
		}
		for _, bad := range []string{"conflict", "precondition failed", "not found", "validation failed", "expected ", "body.", "Amount", "Type "} {
			if strings.Contains(p.Detail, bad) {
				t.Errorf("%s: detail %q has the internal words %q", tt.name, p.Detail, bad)
			}
		}
	}
	// A person is named as people say it, on every path that takes one.
	for _, ref := range []string{"anna", "Anna", "ANNA", " anna "} {
		e.do(req{method: "GET", path: "/api/v1/people/" + strings.ReplaceAll(ref, " ", "%20") + "/habits", token: e.admin}).want(t, 200)
	}
}

// TestActivityTypesInTheHouseholdsWords: a household names a type its own
// way; activities are then logged by any of its names, and an alias that
// already names another type is refused, naming the alias and the type.
func TestActivityTypesInTheHouseholdsWords(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.person("Anna")
	var walk ActivityTypeBody
	e.do(req{method: "PUT", path: "/api/v1/activity-types/walk/names", token: e.admin,
		body: map[string]any{"name": "Spaziergang", "aliases": []string{"spazieren", "Gassi gehen"}}}).want(t, 200).decode(t, &walk)
	if walk.Name != "Spaziergang" || strings.Join(walk.Aliases, ",") != "spazieren,Gassi gehen" {
		t.Fatalf("renamed walk: %+v", walk)
	}
	for _, name := range []string{"Spazieren", "gassi gehen", "SPAZIERGANG", "walk"} {
		var a ActivityBody
		e.do(req{method: "POST", path: "/api/v1/people/anna/activities", token: e.admin, body: map[string]any{"type": name, "amount": 10}}).want(t, 201).decode(t, &a)
		if a.Type != "walk" {
			t.Errorf("%q logged as %q, want walk", name, a.Type)
		}
	}
	// The shipped English aliases are gone with the household's own list.
	e.do(req{method: "POST", path: "/api/v1/people/anna/activities", token: e.admin, body: map[string]any{"type": "walking", "amount": 10}}).want(t, 422)
	var types ActivityTypeList
	e.do(req{method: "GET", path: "/api/v1/activity-types", token: e.admin}).want(t, 200).decode(t, &types)
	if types.Items[1].Key != "walk" || types.Items[1].Name != "Spaziergang" || len(types.Items[2].Aliases) == 0 {
		t.Errorf("catalogue: %+v %+v", types.Items[1], types.Items[2])
	}
	tests := []struct {
		key    string
		body   map[string]any
		status int
		detail string
	}{
		{"walk", map[string]any{"aliases": []string{"jogging"}}, 422,
			`aliases entry 1 ("jogging") already names Run (run); choose a word no other type uses.`},
		{"walk", map[string]any{"aliases": []string{"stroll", "Stroll"}}, 422,
			`aliases entry 2 ("Stroll") is said twice; give each name once.`},
		{"walk", map[string]any{"name": "Deep work", "aliases": []string{}}, 422,
			`name "Deep work" already names Deep work (deep_work); choose a name no other type uses.`},
		{"swim", map[string]any{"aliases": []string{"swimming"}}, 404,
			`No activity type has the key "swim"; the catalogue has Workout (workout), Spaziergang (walk), …`},
	}
	for _, tt := range tests {
		res := e.do(req{method: "PUT", path: "/api/v1/activity-types/" + tt.key + "/names", token: e.admin, body: tt.body})
		if res.StatusCode != tt.status {
			t.Errorf("%v: %d %s, want %d", tt.body, res.StatusCode, res.body, tt.status)
			continue
		}
		var p problemBody
		res.decode(t, &p)
		want, prefix := strings.CutSuffix(tt.detail, "…")
		if (prefix && !strings.HasPrefix(p.Detail, want)) || (!prefix && p.Detail != want) {
			t.Errorf("%v:\n got %q\nwant %q", tt.body, p.Detail, tt.detail)
		}
	}
	// Nothing refused changed the names.
	e.do(req{method: "GET", path: "/api/v1/activity-types", token: e.admin}).want(t, 200).decode(t, &types)
	if strings.Join(types.Items[1].Aliases, ",") != "spazieren,Gassi gehen" {
		t.Errorf("refused renames changed walk: %+v", types.Items[1])
	}
}
