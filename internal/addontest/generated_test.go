package addontest

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/discovery/hafiles"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/routine"
)

var update = flag.Bool("update", false, "rewrite homeassistant/ from the generator's output for the demo household")

// TestHomeAssistantFilesAreTheDemoHouseholdsGenerated: the example files
// under homeassistant/ are what the generator writes for the demo
// household, byte for byte, so they cannot drift from it.
func TestHomeAssistantFilesAreTheDemoHouseholdsGenerated(t *testing.T) {
	t.Parallel()
	h, err := hafiles.Read(context.Background(), demoService(t), "0.0.0", "lifeops", "homeassistant")
	if err != nil {
		t.Fatal(err)
	}
	files, err := hafiles.Generate(h, hafiles.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range hafiles.FileNames() {
		got, _ := files.Get(name)
		path := filepath.Join(repoRoot(t), "homeassistant", files.Paths[name])
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("homeassistant/%s differs from the generator's %s for the demo household; run go test ./internal/addontest -run %s -update",
				files.Paths[name], name, t.Name())
		}
	}
}

// TestGeneratedFilesWorkForAnotherHousehold: a household that is not the
// demo (two people with accented and short names, a quantity habit, a
// habit to avoid, a routine and the household's own activity type) gets
// files that need no hand edit. Every entity id the dashboard names is one
// the discovery payloads of that household announce, the package and
// sentences pass every check the examples pass, and every value of the
// sentences' lists is a person id, habit slug or activity key LifeOps has.
func TestGeneratedFilesWorkForAnotherHousehold(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc := newService(t)
	ana, err := svc.CreatePerson(ctx, app.PersonInput{Name: "Ana Lúcia"})
	if err != nil {
		t.Fatal(err)
	}
	jo, err := svc.CreatePerson(ctx, app.PersonInput{Name: "Jo"})
	if err != nil {
		t.Fatal(err)
	}
	daily := domain.Schedule{Kind: domain.ScheduleDaily}
	for _, h := range []struct {
		person string
		in     app.HabitInput
	}{
		{ana.Value.Slug, app.HabitInput{Name: "Drink water", Schedule: daily, Target: domain.Target{Kind: domain.TargetAtLeast, Value: 8, Unit: "glasses"}}},
		{ana.Value.Slug, app.HabitInput{Name: "Piano", Schedule: daily}},
		{jo.Value.Slug, app.HabitInput{Name: "Walk", Schedule: daily, Target: domain.Target{Kind: domain.TargetAtLeast, Value: 5, Unit: "km"}}},
		{jo.Value.Slug, app.HabitInput{Name: "No sugar", Kind: domain.HabitNegative, Schedule: daily}},
	} {
		if _, err := svc.CreateHabit(ctx, h.person, h.in); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.CreateRoutine(ctx, jo.Value.Slug, app.RoutineInput{Name: "Evening", Schedule: routine.Schedule{Kind: routine.ScheduleDaily},
		Items: []routine.Item{{Title: "Feed the cat", XP: 5, Anchor: routine.Anchor{Kind: routine.AnchorWake, OffsetMin: 30}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddActivityType(ctx, domain.ActivityType{Key: "bouldering", Name: "Bouldering", Unit: domain.UnitMinutes,
		XPPerUnit: 1, FullUnitsPerDay: 60, Category: domain.CategoryFitness, Stats: []domain.Stat{domain.STR}}); err != nil {
		t.Fatal(err)
	}

	h, err := hafiles.Read(ctx, svc, "0.0.0", "lifeops", "homeassistant")
	if err != nil {
		t.Fatal(err)
	}
	files, err := hafiles.Generate(h, hafiles.Options{VoicePerson: "jo"})
	if err != nil {
		t.Fatal(err)
	}
	pub := publishedBy(t, svc)

	// The dashboard names only entities this household has, exactly.
	var dash any
	if err := yaml.Unmarshal(files.Dashboard, &dash); err != nil {
		t.Fatal(err)
	}
	published := map[string]bool{}
	for _, e := range pub.catalog.Entities {
		published[e.EntityID] = true
	}
	ids := map[string]bool{}
	collectEntityIDs(dash, ids)
	for id := range ids {
		if !published[id] {
			t.Errorf("dashboard names %s, which LifeOps does not publish for this household", id)
		}
	}
	for _, want := range []string{"sensor.lifeops_ana_lucia_life_score", "sensor.lifeops_ana_lucia_drink_water_streak",
		"binary_sensor.lifeops_jo_no_sugar_done_today", "button.lifeops_jo_complete_feed_the_cat", "event.lifeops_jo_events"} {
		if !ids[want] {
			t.Errorf("dashboard lacks %s", want)
		}
	}
	if len(ids) < 40 {
		t.Errorf("dashboard names only %d entities", len(ids))
	}

	// The package, the sentences and the shipped blueprints pass the
	// checks of the examples against this household's entities.
	all := map[string][]byte{}
	for k, v := range haFiles(t) {
		if strings.HasPrefix(k, "homeassistant/blueprints/") {
			all[k] = v
		}
	}
	for _, name := range hafiles.FileNames() {
		all["homeassistant/"+files.Paths[name]], _ = files.Get(name)
	}
	c := checkHA(all, pub)
	for _, p := range c.problems {
		t.Error(p)
	}

	// Every list value is something LifeOps has.
	var sent struct {
		Intents map[string]struct {
			Data []struct {
				Slots map[string]string `yaml:"slots"`
			} `yaml:"data"`
		} `yaml:"intents"`
		Lists map[string]struct {
			Values []struct{ In, Out string } `yaml:"values"`
		} `yaml:"lists"`
	}
	if err := yaml.Unmarshal(files.Sentences, &sent); err != nil {
		t.Fatal(err)
	}
	people := map[string]string{}
	habits := map[string]string{} // slug → unit ("" without an amount)
	for _, p := range h.Discovery.People {
		people[strconv.FormatInt(p.ID, 10)] = p.Name
		for _, hb := range p.Habits {
			habits[hb.Slug] = ""
			if a, ok := h.Amounts[hb.ID]; ok {
				habits[hb.Slug] = hafiles.UnitOf(a.Unit)
			}
		}
	}
	types, err := svc.ActivityTypes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, ty := range types {
		keys[ty.Key] = true
	}
	fixed := 0
	for name, in := range sent.Intents {
		for _, d := range in.Data {
			if a, ok := d.Slots["activity"]; ok {
				fixed++
				if !keys[a] {
					t.Errorf("intent %s: the fixed activity %q is not an activity type", name, a)
				}
			}
		}
	}
	if fixed == 0 {
		t.Error("no sentence names its activity (I ran 5 km)")
	}
	spoken := map[string]map[string]string{}
	for name, l := range sent.Lists {
		spoken[name] = map[string]string{}
		for _, v := range l.Values {
			spoken[name][v.In] = v.Out
			var ok bool
			switch name {
			case "person":
				_, ok = people[v.Out]
			case "habit":
				_, ok = habits[v.Out]
			case "quantity_habit":
				slug, unit, _ := strings.Cut(v.Out, ":")
				ok = habits[slug] == unit && unit != ""
			case "activity":
				ok = keys[v.Out]
			default:
				ok = true
			}
			if !ok {
				t.Errorf("list %s: %q → %q is not a person id, habit or activity type of this household", name, v.In, v.Out)
			}
		}
	}
	for list, want := range map[string]map[string]string{
		"person":         {"Ana Lúcia": strconv.FormatInt(ana.Value.ID, 10), "Ana": strconv.FormatInt(ana.Value.ID, 10), "Jo": strconv.FormatInt(jo.Value.ID, 10)},
		"habit":          {"Piano": "piano", "No sugar": "no_sugar"},
		"quantity_habit": {"Drink water": "drink_water:glass", "water": "drink_water:glass", "Walk": "walk:km"},
		"unit":           {"glasses": "glass", "ml": "ml", "kilometers": "km"},
		"activity":       {"Bouldering": "bouldering", "Deep work": "deep_work", "Social time": "social"},
	} {
		for in, out := range want {
			if got, ok := spoken[list][in]; !ok || got != out {
				t.Errorf("list %s: %q → %q, want %q", list, in, got, out)
			}
		}
	}
	// "My" is Jo, as asked.
	if !bytes.Contains(files.Package, []byte(`initial: "`+strconv.FormatInt(jo.Value.ID, 10)+`"`)) {
		t.Errorf("the voice person is not Jo (%d)", jo.Value.ID)
	}
}

// collectEntityIDs gathers every entity id a dashboard names: entity,
// entity_id and entities rows, and plain strings in entities lists.
func collectEntityIDs(v any, into map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && (k == "entity" || k == "entity_id") {
				into[s] = true
			}
			collectEntityIDs(x, into)
		}
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok && strings.Contains(s, ".lifeops_") {
				into[s] = true
			}
			collectEntityIDs(x, into)
		}
	}
}
