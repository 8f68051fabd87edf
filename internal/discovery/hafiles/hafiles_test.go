package hafiles

import (
	"errors"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/lifeops/lifeops/internal/discovery"
	"github.com/lifeops/lifeops/internal/domain"
)

func household() Household {
	return Household{
		Discovery: discovery.Household{Version: "1", BaseTopic: "lifeops", Prefix: "homeassistant", People: []discovery.Person{
			{ID: 7, Slug: "yes", Name: "Yes", Habits: []discovery.Habit{
				{ID: 1, Slug: "on", Name: "on"},
				{ID: 2, Slug: "n1_read", Name: "#1 Read: 20 pages"},
			}, RoutineItems: []discovery.Item{{ID: 3, Title: "- dash & \"quote\""}}},
			{ID: 9, Slug: "zoe", Name: "Zoë: the 2nd", Habits: []discovery.Habit{{ID: 4, Slug: "drink_water", Name: "Drink water"}}},
		}},
		Amounts:       map[int64]Amount{4: {Value: 2, Unit: "Litres"}, 2: {Value: 20, Unit: "pages"}},
		ActivityTypes: []ActivityType{{Key: "deep_work", Name: "Deep work"}, {Key: "yes", Name: "true"}},
	}
}

// TestNamesSurviveYAML: names that YAML would read as something else
// (booleans, comments, mappings, sequences, quotes) come back as written.
func TestNamesSurviveYAML(t *testing.T) {
	t.Parallel()
	f, err := Generate(household(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Views []struct {
			Title string `yaml:"title"`
			Cards []struct {
				Title    string `yaml:"title"`
				Entities []any  `yaml:"entities"`
				Cards    []struct {
					Name      string         `yaml:"name"`
					TapAction map[string]any `yaml:"tap_action"`
				} `yaml:"cards"`
			} `yaml:"cards"`
		} `yaml:"views"`
	}
	if err := yaml.Unmarshal(f.Dashboard, &dash); err != nil {
		t.Fatalf("%v\n%s", err, f.Dashboard)
	}
	if len(dash.Views) != 2 || dash.Views[0].Title != "Yes" || dash.Views[1].Title != "Zoë: the 2nd" {
		t.Fatalf("views %+v", dash.Views)
	}
	names := map[string]bool{}
	for _, c := range dash.Views[0].Cards {
		for _, e := range c.Entities {
			if m, ok := e.(map[string]any); ok {
				if n, ok := m["name"].(string); ok {
					names[n] = true
				}
			}
		}
	}
	for _, want := range []string{"on", "#1 Read: 20 pages", "#1 Read: 20 pages, best", "- dash & \"quote\""} {
		if !names[want] {
			t.Errorf("dashboard lost the name %q (has %v)", want, names)
		}
	}
	// Zoë's water habit logs a quarter litre per tap, through the script.
	var grid []struct {
		Name      string         `yaml:"name"`
		TapAction map[string]any `yaml:"tap_action"`
	}
	for _, c := range dash.Views[1].Cards {
		if c.Title == "Check in" {
			for _, b := range c.Cards {
				grid = append(grid, struct {
					Name      string         `yaml:"name"`
					TapAction map[string]any `yaml:"tap_action"`
				}{b.Name, b.TapAction})
			}
		}
	}
	if len(grid) != 1 || grid[0].Name != "Drink water +0.25 Litres" || grid[0].TapAction["perform_action"] != "script.lifeops_check_in" {
		t.Fatalf("check-in grid %+v", grid)
	}
	data := grid[0].TapAction["data"].(map[string]any)
	if data["person"] != "9" || data["habit"] != "drink_water" || data["quantity"] != 0.25 {
		t.Errorf("amount button data %v", data)
	}

	var sent struct {
		Lists map[string]struct {
			Values []struct{ In, Out string } `yaml:"values"`
		} `yaml:"lists"`
	}
	if err := yaml.Unmarshal(f.Sentences, &sent); err != nil {
		t.Fatal(err)
	}
	got := map[string]map[string]string{}
	for name, l := range sent.Lists {
		got[name] = map[string]string{}
		for _, v := range l.Values {
			got[name][v.In] = v.Out
		}
	}
	for list, want := range map[string]map[string]string{
		"person":         {"Yes": "7", "Zoë: the 2nd": "9", "Zoë": "9"},
		"habit":          {"on": "on", "#1 Read: 20 pages": "n1_read", "Drink water": "drink_water"},
		"quantity_habit": {"Drink water": "drink_water:l", "water": "drink_water:l", "#1 Read: 20 pages": "n1_read:pages"},
		"unit":           {"pages": "pages", "litres": "l", "glasses": "glass", "ml": "ml"},
		"activity":       {"Deep work": "deep_work", "true": "yes"},
	} {
		for in, out := range want {
			if got[list][in] != out {
				t.Errorf("list %s: %q → %q, want %q", list, in, got[list][in], out)
			}
		}
	}
	if _, ok := got["unit"]["km"]; ok {
		t.Error("unit lists km though no habit counts a distance")
	}
	// Two people called Ana: "Ana" names neither.
	two := household()
	two.Discovery.People[0].Name, two.Discovery.People[1].Name = "Ana Lúcia", "Ana Maria"
	f2, err := Generate(two, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(f2.Sentences), `in: "Ana"`) || !strings.Contains(string(f2.Sentences), `in: "Ana Maria"`) {
		t.Errorf("first names shared by two people are listed:\n%s", f2.Sentences)
	}
	if !strings.Contains(string(f.Package), `initial: "7"`) {
		t.Error("the voice person is not the first person")
	}
}

func TestBadOptionsAreNamed(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		h     Household
		o     Options
		field string
		value any
	}{
		{household(), Options{Language: "de"}, "language", "de"},
		{household(), Options{VoicePerson: "Ana"}, "voice_person", "Ana"},
		{Household{Discovery: discovery.Household{Version: "1", BaseTopic: "lifeops", Prefix: "homeassistant"}}, Options{}, "people", nil},
	} {
		_, err := Generate(tt.h, tt.o)
		var ve *domain.ValidationError
		if !errors.As(err, &ve) || len(ve.Fields) != 1 || ve.Fields[0].Field != tt.field || ve.Fields[0].Value != tt.value || ve.Fields[0].Reason == "" {
			t.Errorf("%+v: %v, want a problem with %s (%v)", tt.o, err, tt.field, tt.value)
		}
	}
	for _, ref := range []string{"9", "zoe", "ZOË: THE 2ND"} {
		f, err := Generate(household(), Options{VoicePerson: ref})
		if err != nil || !strings.Contains(string(f.Package), `initial: "9"`) {
			t.Errorf("voice person %q: %v", ref, err)
		}
	}
}

func TestGerund(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]string{"Run": "running", "Walk": "walking", "Swim": "swimming", "Hike": "hiking",
		"Jog": "jogging", "Read": "reading", "Cook": "cooking", "Row": "rowing", "Yoga": "", "Cycling": "", "Deep work": "", "Workout": ""} {
		if got, _ := gerund(name); got != want {
			t.Errorf("gerund(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestPortion(t *testing.T) {
	t.Parallel()
	for target, want := range map[float64]float64{2: 0.25, 8: 1, 10000: 1300, 0.05: 0.01, 0: 1, 3: 0.38, 1.5: 0.19} {
		if got := Portion(target); got != want {
			t.Errorf("Portion(%v) = %v, want %v", target, got, want)
		}
	}
}
