package discovery_test

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/lifeops/lifeops/internal/discovery"
)

func TestParseCommand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		topic   string
		payload string
		want    discovery.Command
		wantErr error
		errHas  string
	}{
		{"check-in", "lifeops/1/habit/11/check_in/set", "PRESS", discovery.Command{Kind: discovery.CommandCheckIn, PersonID: 1, HabitID: 11}, nil, ""},
		{"amount", "lifeops/1/habit/13/amount/set", "0.25", discovery.Command{Kind: discovery.CommandAmount, PersonID: 1, HabitID: 13, Amount: 0.25}, nil, ""},
		{"whole amount", "lifeops/1/habit/13/amount/set", "500\n", discovery.Command{Kind: discovery.CommandAmount, PersonID: 1, HabitID: 13, Amount: 500}, nil, ""},
		{"zero amount", "lifeops/1/habit/13/amount/set", "0", discovery.Command{}, discovery.ErrBadCommand, `payload "0": want an amount more than 0 and at most 1e+06`},
		{"negative amount", "lifeops/1/habit/13/amount/set", "-1", discovery.Command{}, discovery.ErrBadCommand, "more than 0"},
		{"huge amount", "lifeops/1/habit/13/amount/set", "2e6", discovery.Command{}, discovery.ErrBadCommand, "at most"},
		{"amount not a number", "lifeops/1/habit/13/amount/set", "lots", discovery.Command{}, discovery.ErrBadCommand, `payload "lots": want an amount`},
		{"amount NaN", "lifeops/1/habit/13/amount/set", "NaN", discovery.Command{}, discovery.ErrBadCommand, "want an amount"},
		{"amount bad habit", "lifeops/1/habit/x/amount/set", "1", discovery.Command{}, discovery.ErrBadCommand, `habit id "x"`},
		{"complete item", "lifeops/2/routine/item/101/complete/set", "PRESS\n", discovery.Command{Kind: discovery.CommandCompleteItem, PersonID: 2, ItemID: 101}, nil, ""},
		{"allocate option", "lifeops/1/stat_tree/allocate/set", "Iron Body (#str_7)", discovery.Command{Kind: discovery.CommandAllocate, PersonID: 1, NodeID: "str_7"}, nil, ""},
		{"allocate name with parens", "lifeops/1/stat_tree/allocate/set", "Body (mind) (#int_12)", discovery.Command{Kind: discovery.CommandAllocate, PersonID: 1, NodeID: "int_12"}, nil, ""},
		{"allocate bare id", "lifeops/1/stat_tree/allocate/set", "sta_8", discovery.Command{Kind: discovery.CommandAllocate, PersonID: 1, NodeID: "sta_8"}, nil, ""},
		{"vacation on", "lifeops/3/vacation/set", "ON", discovery.Command{Kind: discovery.CommandVacation, PersonID: 3, On: true}, nil, ""},
		{"vacation off", "lifeops/3/vacation/set", "OFF", discovery.Command{Kind: discovery.CommandVacation, PersonID: 3}, nil, ""},
		{"nested base", "home/lifeops/1/vacation/set", "ON", discovery.Command{}, discovery.ErrNotCommand, ""},
		{"other base", "zigbee2mqtt/1/vacation/set", "ON", discovery.Command{}, discovery.ErrNotCommand, ""},
		{"not a set topic", "lifeops/1/vacation/state", "ON", discovery.Command{}, discovery.ErrNotCommand, ""},
		{"unknown command", "lifeops/1/teleport/set", "ON", discovery.Command{}, discovery.ErrNotCommand, ""},
		{"bad person", "lifeops/alex/vacation/set", "ON", discovery.Command{}, discovery.ErrBadCommand, `person id "alex"`},
		{"zero person", "lifeops/0/vacation/set", "ON", discovery.Command{}, discovery.ErrBadCommand, "positive integer"},
		{"bad habit", "lifeops/1/habit/-3/check_in/set", "PRESS", discovery.Command{}, discovery.ErrBadCommand, `habit id "-3"`},
		{"bad item", "lifeops/1/routine/item/x/complete/set", "PRESS", discovery.Command{}, discovery.ErrBadCommand, `item id "x"`},
		{"wrong press payload", "lifeops/1/habit/11/check_in/set", "ON", discovery.Command{}, discovery.ErrBadCommand, `want "PRESS"`},
		{"bad vacation payload", "lifeops/1/vacation/set", "maybe", discovery.Command{}, discovery.ErrBadCommand, `payload "maybe"`},
		{"bad option", "lifeops/1/stat_tree/allocate/set", "Iron Body", discovery.Command{}, discovery.ErrBadCommand, "node option"},
		{"long payload clipped", "lifeops/1/vacation/set", strings.Repeat("x", 500), discovery.Command{}, discovery.ErrBadCommand, "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := discovery.ParseCommand("lifeops", tt.topic, []byte(tt.payload))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("ParseCommand error = %v, want %v containing %q", err, tt.wantErr, tt.errHas)
				}
				if len(err.Error()) > 300 {
					t.Errorf("error message too long (%d bytes)", len(err.Error()))
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseCommand: %v", err)
			}
			if got != tt.want {
				t.Errorf("ParseCommand = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// Every command topic the configs announce must parse, and must be matched by
// one of the command filters, or a button would do nothing.
func TestAnnouncedCommandTopicsRoundTrip(t *testing.T) {
	t.Parallel()
	for _, m := range discovery.Configs(fixture()) {
		var p struct {
			Components map[string]struct {
				Platform     string   `json:"platform"`
				CommandTopic string   `json:"command_topic"`
				PayloadPress string   `json:"payload_press"`
				PayloadOn    string   `json:"payload_on"`
				Options      []string `json:"options"`
			} `json:"components"`
		}
		if err := json.Unmarshal(m.Payload, &p); err != nil {
			t.Fatal(err)
		}
		for id, c := range p.Components {
			if c.CommandTopic == "" {
				continue
			}
			payload := c.PayloadPress + c.PayloadOn
			if c.Platform == "number" {
				payload = "0.5"
			}
			if len(c.Options) > 0 {
				payload = c.Options[len(c.Options)-1]
			}
			cmd, err := discovery.ParseCommand("lifeops", c.CommandTopic, []byte(payload))
			if err != nil {
				t.Errorf("%s: %s %q: %v", id, c.CommandTopic, payload, err)
				continue
			}
			if want := "homeassistant/device/lifeops_" + strconv.FormatInt(cmd.PersonID, 10) + "/config"; m.Topic != want {
				t.Errorf("%s: command for person %d announced on %s", id, cmd.PersonID, m.Topic)
			}
			matched := false
			for _, f := range discovery.CommandFilters("lifeops") {
				matched = matched || matchFilter(f, c.CommandTopic)
			}
			if !matched {
				t.Errorf("%s: %s matches no command filter", id, c.CommandTopic)
			}
		}
	}
}

func matchFilter(filter, topic string) bool {
	fs, ts := strings.Split(filter, "/"), strings.Split(topic, "/")
	if len(fs) != len(ts) {
		return false
	}
	for i := range fs {
		if fs[i] != "+" && fs[i] != ts[i] {
			return false
		}
	}
	return true
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(*discovery.Household)
		want   string
	}{
		{"valid", func(*discovery.Household) {}, ""},
		{"wildcard base", func(h *discovery.Household) { h.BaseTopic = "life/#" }, `base_topic ("life/#")`},
		{"empty prefix", func(h *discovery.Household) { h.Prefix = "" }, "prefix"},
		{"no version", func(h *discovery.Household) { h.Version = "" }, "version: must not be empty"},
		{"duplicate person", func(h *discovery.Household) { h.People[1].ID = 1 }, "people[1].id (1): duplicate person"},
		{"bad slug", func(h *discovery.Household) { h.People[0].Slug = "Alex Smith" }, `people[0].slug ("Alex Smith")`},
		{"duplicate slug", func(h *discovery.Household) { h.People[1].Slug = "alex" }, "duplicate slug"},
		{"no name", func(h *discovery.Household) { h.People[1].Name = " " }, "people[1].name"},
		{"duplicate habit", func(h *discovery.Household) { h.People[0].Habits[1].ID = 11 }, "habits[1].id (11): duplicate habit"},
		{"zero item", func(h *discovery.Household) { h.People[0].RoutineItems[0].ID = 0 }, "routine_items[0].id (0)"},
		{"unnamed node", func(h *discovery.Household) { h.People[0].AllocatableNodes[0].Name = "" }, "allocatable_nodes[0].name"},
		{"zero amount target", func(h *discovery.Household) { h.People[0].Habits[2].Amount.Target = 0 }, "habits[2].amount.target (0): must be more than 0"},
		{"panel link by name", func(h *discovery.Household) { h.ConfigurationURL = "lifeops panel" }, `configuration_url ("lifeops panel")`},
		{"panel link ftp", func(h *discovery.Household) { h.ConfigurationURL = "ftp://nas/lifeops" }, "must be an http(s) URL or homeassistant://"},
		{"panel link https", func(h *discovery.Household) { h.ConfigurationURL = "https://lifeops.example.org/" }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := fixture()
			tt.mutate(&h)
			err := h.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func components(t *testing.T, payload []byte) map[string]map[string]any {
	t.Helper()
	var p struct {
		Components map[string]map[string]any `json:"components"`
	}
	if err := json.Unmarshal(payload, &p); err != nil {
		t.Fatalf("payload: %v", err)
	}
	return p.Components
}

func TestRemovals(t *testing.T) {
	t.Parallel()
	prev := fixture()

	t.Run("nothing changed", func(t *testing.T) {
		t.Parallel()
		if got := discovery.Removals(prev, fixture()); len(got) != 0 {
			t.Errorf("Removals of an unchanged household = %d messages, want none", len(got))
		}
	})
	t.Run("rename keeps everything", func(t *testing.T) {
		t.Parallel()
		next := fixture()
		next.People[0].Name, next.People[0].Slug = "Alexandra", "alexandra"
		next.People[0].Habits[0].Name = "Drink water"
		if got := discovery.Removals(prev, next); len(got) != 0 {
			t.Errorf("a rename produced removals: %v", got)
		}
		if a, b := discovery.Configs(prev)[1].Topic, discovery.Configs(next)[1].Topic; a != b {
			t.Errorf("rename moved the device topic %s → %s", a, b)
		}
	})
	t.Run("habit removed", func(t *testing.T) {
		t.Parallel()
		next := fixture()
		next.People[0].Habits = next.People[0].Habits[:1]
		got := discovery.Removals(prev, next)
		if len(got) != 1 || got[0].Topic != "homeassistant/device/lifeops_1/config" || !got[0].Retain {
			t.Fatalf("Removals = %+v, want one retained message for lifeops_1", got)
		}
		comps := components(t, got[0].Payload)
		for id, platform := range map[string]string{"habit_12_streak": "sensor", "habit_12_done_today": "binary_sensor", "habit_12_check_in": "button"} {
			c := comps[id]
			if len(c) != 1 || c["platform"] != platform {
				t.Errorf("%s = %v, want only {platform: %s}", id, c, platform)
			}
		}
		if c := comps["habit_11_streak"]; c["unique_id"] != "lifeops_1_habit_11_streak" {
			t.Errorf("kept habit cut too: %v", c)
		}
		final := components(t, discovery.Configs(next)[1].Payload)
		if _, ok := final["habit_12_streak"]; ok {
			t.Error("Configs(next) still has the removed habit")
		}
	})
	t.Run("person removed", func(t *testing.T) {
		t.Parallel()
		next := fixture()
		next.People = next.People[:1]
		got := discovery.Removals(prev, next)
		if len(got) != 1 || got[0].Topic != "homeassistant/device/lifeops_2/config" || len(got[0].Payload) != 0 || !got[0].Retain {
			t.Fatalf("Removals = %+v, want one empty retained payload for lifeops_2", got)
		}
	})
	t.Run("prefix changed", func(t *testing.T) {
		t.Parallel()
		next := fixture()
		next.Prefix = "ha2"
		got := discovery.Removals(prev, next)
		if len(got) != 3 {
			t.Fatalf("Removals = %d messages, want the 3 old device topics cleared", len(got))
		}
		for _, m := range got {
			if !strings.HasPrefix(m.Topic, "homeassistant/") || len(m.Payload) != 0 {
				t.Errorf("unexpected removal %s %q", m.Topic, m.Payload)
			}
		}
	})
}

func TestStatesUnknownAndInvalid(t *testing.T) {
	t.Parallel()
	msgs, err := discovery.States(discovery.Snapshot{BaseTopic: "lifeops", People: []discovery.PersonState{{PersonID: 9}}})
	if err != nil {
		t.Fatalf("States: %v", err)
	}
	got := map[string]string{}
	for _, m := range msgs {
		if !m.Retain {
			t.Errorf("%s: state not retained", m.Topic)
		}
		got[m.Topic] = string(m.Payload)
	}
	for _, topic := range []string{"lifeops/9/life_score/state", "lifeops/9/mood/state", "lifeops/9/oura/last_sync/state", "lifeops/9/routine/progress/state", "lifeops/9/routine/next_item/state", "lifeops/9/stat/lck/state"} {
		if got[topic] != discovery.PayloadNone {
			t.Errorf("%s = %q, want %q (unknown)", topic, got[topic], discovery.PayloadNone)
		}
	}
	if got["lifeops/9/life_score/attributes"] != "{}" {
		t.Errorf("attributes of an unknown score = %q, want {}", got["lifeops/9/life_score/attributes"])
	}

	_, err = discovery.States(discovery.Snapshot{BaseTopic: "lifeops", People: []discovery.PersonState{{
		PersonID: 9, Habits: []discovery.HabitState{{HabitID: 1, Strength: math.NaN()}},
	}}})
	if err == nil || !strings.Contains(err.Error(), "lifeops/9/habit/1/streak/attributes") {
		t.Errorf("States with NaN strength = %v, want an error naming the topic", err)
	}
}

func TestEventMessageRejects(t *testing.T) {
	t.Parallel()
	if _, err := discovery.EventMessage("lifeops", 1, discovery.Event{Type: "party"}); err == nil || !strings.Contains(err.Error(), `event type "party"`) {
		t.Errorf("unknown event type: err = %v", err)
	}
	if _, err := discovery.EventMessage("lifeops", 1, discovery.Event{Type: discovery.EventLevelUp, Data: map[string]any{"event_type": "x"}}); err == nil {
		t.Error("reserved key event_type accepted")
	}
	m, err := discovery.EventMessage("lifeops", 1, discovery.Event{Type: discovery.EventLevelUp})
	if err != nil || m.Retain || string(m.Payload) != `{"event_type":"level_up"}` {
		t.Errorf("EventMessage = %+v, %v; want a non-retained {\"event_type\":\"level_up\"}", m, err)
	}
}
