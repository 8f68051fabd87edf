package addontest

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestVoiceTemplatesSurviveARename renders the package's templates with
// Jinja2, the engine Home Assistant runs them on, over a registry in which
// Alex's slug was renamed to alexandra: HA kept the entity ids made from
// the old slug (sensor.lifeops_alex_…), a habit added since has the new one,
// and another integration has a sensor.kitchen_level. The find_person step
// must still find Alex's entities (by the device's identifier), pick
// _level rather than _xp_to_next_level and read rather than speed_read,
// and the answers must speak from them. It needs python3 with jinja2 and is
// skipped without them.
func TestVoiceTemplatesSurviveARename(t *testing.T) {
	t.Parallel()
	python := pythonWithJinja2()
	if python == "" {
		t.Skip("no python3 with jinja2 (make test installs Debian's python3-jinja2): the templates are checked statically only")
	}
	var pkg map[string]any
	if err := yaml.Unmarshal(haFiles(t)["homeassistant/packages/lifeops.yaml"], &pkg); err != nil {
		t.Fatal(err)
	}
	intents := pkg["intent_script"].(map[string]any)
	step := func(intent string, i int) map[string]any {
		return intents[intent].(map[string]any)["action"].([]any)[i].(map[string]any)
	}
	speech := func(intent string) string {
		return intents[intent].(map[string]any)["speech"].(map[string]any)["text"].(string)
	}
	who := step("LifeOpsLifeScore", 0)["variables"].(map[string]any)["who"].(string)
	amount := step("LifeOpsLogAmount", 0)["variables"].(map[string]any)

	type entity struct {
		Device     string         `json:"device"`
		Platform   string         `json:"platform"`
		State      string         `json:"state"`
		Attributes map[string]any `json:"attributes,omitempty"`
	}
	alex := func(state string, attrs map[string]any) entity {
		return entity{Device: "dev-alex", Platform: "mqtt", State: state, Attributes: attrs}
	}
	registry := map[string]any{
		"devices": []map[string]any{
			{"id": "dev-alex", "name": "LifeOps Alex", "identifiers": [][]string{{"mqtt", "lifeops_1"}}},
			{"id": "dev-sam", "name": "LifeOps Sam", "identifiers": [][]string{{"mqtt", "lifeops_2"}}},
			{"id": "dev-kitchen", "name": "Kitchen sensor", "identifiers": [][]string{{"mqtt", "zigbee2mqtt_0x01"}}},
		},
		"entities": map[string]entity{
			"sensor.lifeops_alex_life_score":           alex("73", map[string]any{"explanation": "Slept well."}),
			"sensor.lifeops_alex_level":                alex("4", nil),
			"sensor.lifeops_alex_xp_to_next_level":     alex("120", nil),
			"sensor.lifeops_alex_unspent_points":       alex("2", nil),
			"sensor.lifeops_alex_routine_progress":     alex("50", nil),
			"sensor.lifeops_alex_next_routine_item":    alex("Stretch", nil),
			"sensor.lifeops_alex_read_streak":          alex("6", map[string]any{"friendly_name": "LifeOps Alex Read streak", "best": 9, "at_risk": true, "habit_id": 2}),
			"sensor.lifeops_alex_speed_read_streak":    alex("1", map[string]any{"friendly_name": "LifeOps Alex Speed read streak", "best": 1, "habit_id": 3}),
			"sensor.lifeops_alexandra_piano_streak":    alex("3", map[string]any{"friendly_name": "LifeOps Alex Piano streak", "best": 3, "habit_id": 4}),
			"sensor.lifeops_sam_life_score":            {Device: "dev-sam", Platform: "mqtt", State: "41"},
			"sensor.kitchen_level":                     {Device: "dev-kitchen", Platform: "mqtt", State: "3"},
			"input_text.lifeops_voice_person":          {Platform: "input_text", State: "1"},
			"sensor.lifeops_alexandra_life_score_fake": {Platform: "template", State: "0"},
		},
	}
	type stepT [2]string
	cases := []map[string]any{
		{"name": "named", "variables": map[string]any{"person": "1"}, "steps": []stepT{{"who", who}, {"action_response", "{{ who }}"},
			{"score", speech("LifeOpsLifeScore")}, {"level", speech("LifeOpsLevel")}, {"next", speech("LifeOpsNextRoutineItem")}}},
		{"name": "my", "variables": map[string]any{}, "steps": []stepT{{"who", who}}},
		{"name": "sam", "variables": map[string]any{"person": 2}, "steps": []stepT{{"who", who}}},
		{"name": "read", "variables": map[string]any{"person": "1", "habit": "read"}, "steps": []stepT{{"who", who}, {"action_response", "{{ who }}"}, {"streak", speech("LifeOpsStreak")}}},
		{"name": "piano", "variables": map[string]any{"habit": "piano"}, "steps": []stepT{{"who", who}}},
		{"name": "nobody", "variables": map[string]any{"person": "9"}, "steps": []stepT{{"who", who}, {"action_response", "{{ who }}"}, {"score", speech("LifeOpsLifeScore")}}},
	}
	for _, a := range []struct{ name, habit, unit, amount string }{
		{"glasses", "drink_water:l", "glass", "2"}, {"ml", "drink_water:l", "ml", "500"}, {"same", "walk:km", "km", "3"},
		{"meters", "walk:km", "m", "1500"}, {"wrong", "drink_water:l", "km", "2"}, {"own", "read:pages", "pages", "12"},
	} {
		cases = append(cases, map[string]any{"name": a.name,
			"variables": map[string]any{"factors": amount["factors"], "quantity_habit": a.habit, "unit": a.unit, "amount": a.amount},
			"steps":     []stepT{{"target_habit", amount["target_habit"].(string)}, {"habit_unit", amount["habit_unit"].(string)}, {"quantity", amount["quantity"].(string)}}})
	}
	job, err := json.Marshal(map[string]any{"registry": registry, "cases": cases})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, filepath.Join("testdata", "ha_templates.py"))
	cmd.Stdin = bytes.NewReader(job)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("rendering: %v\n%s", err, stderr.String())
	}
	var results []struct {
		Name  string         `json:"name"`
		Steps map[string]any `json:"steps"`
	}
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	got := map[string]map[string]any{}
	for _, r := range results {
		got[r.Name] = r.Steps
	}
	field := func(c, step, key string) any {
		m, _ := got[c][step].(map[string]any)
		return m[key]
	}
	for _, tt := range []struct {
		c, key string
		want   any
	}{
		{"named", "life_score", "sensor.lifeops_alex_life_score"},
		{"named", "level", "sensor.lifeops_alex_level"},
		{"named", "xp_to_next_level", "sensor.lifeops_alex_xp_to_next_level"},
		{"named", "next_routine_item", "sensor.lifeops_alex_next_routine_item"},
		{"named", "name", "Alex"},
		{"named", "known", true},
		{"my", "person", "1"},
		{"my", "life_score", "sensor.lifeops_alex_life_score"},
		{"sam", "life_score", "sensor.lifeops_sam_life_score"},
		{"sam", "level", ""},
		{"read", "streak", "sensor.lifeops_alex_read_streak"},
		{"piano", "streak", "sensor.lifeops_alexandra_piano_streak"},
		{"nobody", "known", false},
	} {
		if g := field(tt.c, "who", tt.key); g != tt.want {
			t.Errorf("%s: who[%s] = %v, want %v (who: %v)", tt.c, tt.key, g, tt.want, got[tt.c]["who"])
		}
	}
	for _, tt := range []struct{ c, step, want string }{
		{"named", "score", "Alex's life score is 73 out of 100."},
		{"named", "level", "Level 4, with 120 XP to level 5."},
		{"named", "level", "Alex has 2 stat points to spend."},
		{"named", "next", "Next is Stretch"},
		{"read", "streak", "Read streak is 6 days"},
		{"read", "streak", "Do it today to keep it."},
		{"nobody", "score", "LifeOps has no person 9"},
	} {
		if s := strings.Join(strings.Fields(toString(got[tt.c][tt.step])), " "); !strings.Contains(s, tt.want) {
			t.Errorf("%s %s: %q lacks %q", tt.c, tt.step, s, tt.want)
		}
	}
	for c, want := range map[string]float64{"glasses": 0.5, "ml": 0.5, "same": 3, "meters": 1.5, "wrong": 0, "own": 12} {
		if g, ok := got[c]["quantity"].(float64); !ok || g != want {
			t.Errorf("%s: quantity %v, want %v (%v)", c, got[c]["quantity"], want, got[c])
		}
	}
	if got["glasses"]["target_habit"] != "drink_water" || got["glasses"]["habit_unit"] != "l" {
		t.Errorf("glasses: habit %v unit %v", got["glasses"]["target_habit"], got["glasses"]["habit_unit"])
	}
}

func toString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// pythonWithJinja2 is a python3 that imports jinja2: Debian's (what
// scripts/services installs), else the first on PATH; "" when neither.
func pythonWithJinja2() string {
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(p, "-c", "import jinja2").Run() == nil {
			return p
		}
	}
	return ""
}
