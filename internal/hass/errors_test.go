package hass_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/hass"
)

// TestActionErrorsSayWhatToDo: every refused action's lifeops_result names
// the field as the script spells it and the value it sent, and says what is
// allowed, in plain words: the cases a new household ran into (issue #20).
func TestActionErrorsSayWhatToDo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, caller, results := actionsFixture(t)
	if _, err := svc.CreateHabit(ctx, "alex", app.HabitInput{Name: "Drink", Schedule: domain.Schedule{Kind: domain.ScheduleDaily},
		Target: domain.Target{Kind: domain.TargetAtLeast, Value: 2, Unit: "l"}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		event string
		data  map[string]any
		want  string // the whole error, or its start when it ends in …
	}{
		{"quantity as a word", hass.EventCheckIn, map[string]any{"habit": "Water", "quantity": "lots"},
			`quantity "lots" must be a number, e.g. 0.5 (without quotes).`},
		{"habit as a list", hass.EventCheckIn, map[string]any{"habit": []string{"read"}},
			`habit ["read"] must be text: the habit's id, slug or name.`},
		{"minutes in quotes", hass.EventLogActivity, map[string]any{"activity": "walk", "duration_min": "30"},
			`duration_min "30" must be a number of minutes, e.g. 30 (without quotes).`},
		{"mood as a word", hass.EventLogMood, map[string]any{"value": "happy"},
			`value "happy" must be a whole number from 1 to 9.`},
		{"mood with a fraction", hass.EventLogMood, map[string]any{"value": 5.5},
			`value 5.5 must be a whole number from 1 to 9.`},
		{"two wrong fields at once", hass.EventLogActivity, map[string]any{"activity": 7.5e3, "duration_min": true, "quantity": "x"},
			`duration_min true must be a number of minutes, e.g. 30 (without quotes). quantity "x" must be a number, e.g. 0.5 (without quotes).`},
		{"no amount", hass.EventLogActivity, map[string]any{"activity": "walk"},
			`duration_min is required: give duration_min (minutes) or quantity (an amount in the activity's unit).`},
		{"unknown activity", hass.EventLogActivity, map[string]any{"activity": "swimming", "duration_min": 30},
			`activity "swimming" is not an activity type LifeOps knows; say one of Workout (workout), Walk (walk), …`},
		{"amount 0 in minutes", hass.EventLogActivity, map[string]any{"activity": "walk", "duration_min": 0},
			`duration_min 0 must be more than 0.`},
		{"amount 0 as a quantity", hass.EventLogActivity, map[string]any{"activity": "run", "quantity": 0},
			`quantity 0 must be more than 0.`},
		{"quantity habit without an amount", hass.EventCheckIn, map[string]any{"habit": "Drink"},
			`quantity is required: Drink is counted in l (target at least 2 l); say how much, e.g. quantity: 0.5.`},
		{"no item", hass.EventCompleteRoutineItem, map[string]any{},
			`item is required (the item's id or title in today's timeline).`},
		{"missing item", hass.EventCompleteRoutineItem, map[string]any{"item": "Stretch"},
			`No item called "Stretch" is on Alex's timeline for …`},
		{"unknown node", hass.EventAllocateStatPoint, map[string]any{"node": "xyz_9"},
			`There is no node "xyz_9" in the stat tree; the Character page and GET /api/v1/people/{person}/character list the nodes (ids like str_1).`},
		{"no points left", hass.EventAllocateStatPoint, map[string]any{"node": "str_1"},
			`Alex has no stat points left to spend on node "str_1" (0 unspent); each level from level 2 on brings one.`},
		{"unknown person", hass.EventCheckIn, map[string]any{"person": "zoe", "habit": "Water"},
			`No person is called "zoe"; the household has Alex (alex).`},
	}
	var golden bytes.Buffer
	for i, tt := range tests {
		id := fmt.Sprintf("e%d", i)
		data := map[string]any{"person": "alex", "request_id": id}
		for k, v := range tt.data {
			data[k] = v
		}
		if err := caller.FireEvent(ctx, tt.event, data); err != nil {
			t.Fatal(err)
		}
		r := await(t, results, id)
		checkSentence(t, tt.name, r, tt.want)
		line, err := json.Marshal(map[string]any{"action": tt.event, "data": data, "ok": r.OK, "error": r.Error})
		if err != nil {
			t.Fatal(err)
		}
		golden.Write(line)
		golden.WriteByte('\n')
	}
	// The answers as scripts parse them, dated parts masked.
	got := regexp.MustCompile(`\d{4}-\d{2}-\d{2}`).ReplaceAll(golden.Bytes(), []byte("YYYY-MM-DD"))
	path := filepath.Join("testdata", "action_errors.golden")
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("lifeops_result errors changed (go test -run TestActionErrorsSayWhatToDo -update):\n%s\nwant:\n%s", got, want)
	}
	today, err := svc.Today(ctx, "alex")
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range today.Habits {
		if h.Result.CheckIns != 0 {
			t.Errorf("a refused action checked in %s", h.Habit.Name)
		}
	}
}

func checkSentence(t *testing.T, name string, r result, want string) {
	t.Helper()
	got := r.Error
	if prefix, cut := strings.CutSuffix(want, "…"); cut {
		if r.OK || !strings.HasPrefix(got, prefix) {
			t.Errorf("%s: %q, want it to start %q", name, got, prefix)
		}
	} else if r.OK || got != want {
		t.Errorf("%s:\n got %q\nwant %q", name, got, want)
	}
	for _, bad := range []string{"conflict", "precondition failed", "not found", "Data must be", "invalid input", "Duration_min", "Amount", "Type "} {
		if strings.Contains(got, bad) {
			t.Errorf("%s: %q has the internal words %q", name, got, bad)
		}
	}
}

// TestActionsTakeNamesAsPeopleSayThem: a person by display name in any case,
// an activity by its spoken name or an alias, as voice delivers them.
func TestActionsTakeNamesAsPeopleSayThem(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, caller, results := actionsFixture(t)
	if _, err := svc.CreatePerson(ctx, app.PersonInput{Name: "Anna Lee"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		event string
		data  map[string]any
	}{
		{hass.EventCheckIn, map[string]any{"person": "ALEX", "habit": "water"}},
		{hass.EventLogActivity, map[string]any{"person": "anna lee", "activity": "walking", "duration_min": 20}},
		{hass.EventLogActivity, map[string]any{"person": "Anna Lee", "activity": "Deep Work", "duration_min": 45}},
		{hass.EventLogActivity, map[string]any{"person": " anna_lee ", "activity": "deep work", "duration_min": 15}},
		{hass.EventLogActivity, map[string]any{"person": "alex", "activity": "jogging", "quantity": 3}},
	}
	for i, tt := range tests {
		id := fmt.Sprintf("n%d", i)
		tt.data["request_id"] = id
		if err := caller.FireEvent(ctx, tt.event, tt.data); err != nil {
			t.Fatal(err)
		}
		if r := await(t, results, id); !r.OK {
			t.Errorf("%v: %+v", tt.data, r)
		}
	}
	acts, err := svc.Activities(ctx, "anna_lee", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, a := range acts {
		types = append(types, a.Type)
	}
	sort.Strings(types)
	if strings.Join(types, ",") != "deep_work,deep_work,walk" {
		t.Errorf("Anna's activities are %v, want walk and deep_work twice (stored by key)", types)
	}
}
