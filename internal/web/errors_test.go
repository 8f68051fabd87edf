package web_test

import (
	"net/url"
	"strings"
	"testing"
)

// TestPanelErrorsSayWhatToDo: the panel shows a refused form's problem in
// plain words, naming the field and the value and what is allowed, with
// none of the internal words the issue saw ("conflict", "precondition
// failed", items[0].anchor.at).
func TestPanelErrorsSayWhatToDo(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	mustStatus(t, e.post("/people", url.Values{"name": {"Anna"}}), 303)
	mustStatus(t, e.post("/habits", url.Values{"person": {"anna"}, "name": {"Read"}, "schedule.kind": {"daily"}, "target.kind": {"check"}}), 303)
	mustStatus(t, e.post("/habits", url.Values{"person": {"anna"}, "name": {"Water"}, "schedule.kind": {"daily"},
		"target.kind": {"at_least"}, "target.value": {"2"}, "target.unit": {"l"}}), 303)
	tests := []struct {
		name   string
		path   string
		form   url.Values
		status int
		want   string // shown on the page (as a field error or above the form)
	}{
		{"slug taken", "/people", url.Values{"name": {"Anna B"}, "slug": {"anna"}}, 409,
			`The slug "anna" is already used by Anna. Choose another.`},
		{"stale version", "/habits/read", url.Values{"person": {"anna"}, "name": {"Read"}, "schedule.kind": {"daily"}, "target.kind": {"check"}, "version": {"999"}}, 412,
			`Habit "Read" changed since you loaded it (version 1 now, you sent 999); reload and try again.`},
		{"time of day 25:00", "/routines", url.Values{"person": {"anna"}, "name": {"Morning"}, "schedule.kind": {"daily"}, "items": {"25:00 Stretch"}}, 422,
			`Item 1's time "25:00" is not a time of day (00:00–23:59) or wake+minutes.`},
		{"quantity habit without an amount", "/check-in", url.Values{"person": {"anna"}, "habit": {"water"}}, 422,
			`quantity is required: Water is counted in l (target at least 2 l); say how much, e.g. quantity: 0.5.`},
		{"no points", "/character/allocate", url.Values{"person": {"anna"}, "node": {"str_1"}}, 409,
			`Anna has no stat points left to spend on node "str_1" (0 unspent); each level from level 2 on brings one.`},
	}
	for _, tt := range tests {
		r := e.post(tt.path, tt.form)
		body := htmlUnescape(r.body)
		if r.status != tt.status || !strings.Contains(body, tt.want) {
			i := strings.Index(body, `role="alert"`)
			t.Errorf("%s: %d, want %d showing %q; alert: %.300s", tt.name, r.status, tt.status, tt.want, body[max(i, 0):])
		}
		for _, bad := range []string{": conflict", "precondition failed", "anchor.at", "invalid input"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s: the page has the internal words %q", tt.name, bad)
			}
		}
	}
}
