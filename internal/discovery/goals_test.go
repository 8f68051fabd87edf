package discovery

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

// An active goal is a sensor: its progress in % as state, the numbers and
// the pace as attributes.
func TestGoalSensors(t *testing.T) {
	t.Parallel()
	day := func(s string) domain.Day {
		d, err := domain.ParseDay(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	views := []app.GoalView{
		{Goal: domain.Goal{ID: 7, Name: "Run 100 km", Target: 100, From: day("2026-12-01"), Until: day("2026-12-31")}, Unit: "km",
			Progress: domain.GoalProgress{Current: 12.345, Target: 100, Percent: 12.345, ProjectedFinish: day("2027-01-20")}, PaceText: "behind by 8.9 km"},
	}
	shape, states := goalSensors(views)
	if len(shape) != 1 || shape[0].ID != 7 || len(states) != 1 {
		t.Fatalf("goal sensors = %+v, %+v; want goal 7", shape, states)
	}
	h := Household{BaseTopic: "lo", Prefix: "homeassistant", People: []Person{{ID: 1, Slug: "ann", Name: "Ann", Goals: shape}}}
	var device string
	for _, m := range Configs(h) {
		if strings.Contains(string(m.Payload), "Goal Run 100 km") {
			device = string(m.Payload)
		}
	}
	if !strings.Contains(device, `"unit_of_measurement":"%"`) || !strings.Contains(device, "lo/1/goal/7/progress/state") {
		t.Errorf("no goal sensor in the device configs: %s", device)
	}
	msgs, err := States(Snapshot{BaseTopic: "lo", People: []PersonState{{PersonID: 1, Goals: states}}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, m := range msgs {
		got[m.Topic] = string(m.Payload)
	}
	if got["lo/1/goal/7/progress/state"] != "12.3" {
		t.Errorf("goal state = %q, want 12.3", got["lo/1/goal/7/progress/state"])
	}
	var attrs map[string]any
	if err := json.Unmarshal([]byte(got["lo/1/goal/7/progress/attributes"]), &attrs); err != nil {
		t.Fatal(err)
	}
	if attrs["pace"] != "behind by 8.9 km" || attrs["deadline"] != "2026-12-31" || attrs["current"] != 12.35 || attrs["projected_finish"] != "2027-01-20" {
		t.Errorf("goal attributes = %v", attrs)
	}
}
