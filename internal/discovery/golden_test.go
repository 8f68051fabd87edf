package discovery_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/discovery"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/locale"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the current output")

// fixture is a fixed household: Alex has habits (one negative, one of
// amounts), routine items, allocatable nodes and a ring; Sam has none of
// them, so the optional parts are covered both ways.
func fixture() discovery.Household {
	return discovery.Household{
		Version:          "0.1.0",
		BaseTopic:        "lifeops",
		Prefix:           "homeassistant",
		ConfigurationURL: "homeassistant://hassio/ingress/local_lifeops",
		People: []discovery.Person{
			{
				ID: 1, Slug: "alex", Name: "Alex", OuraLinked: true,
				Habits: []discovery.Habit{
					{ID: 11, Slug: "water", Name: "Water"},
					{ID: 12, Slug: "no-smoking", Name: "No smoking", Negative: true},
					{ID: 13, Slug: "drink", Name: "Drink", Amount: &discovery.Amount{Target: 2, Unit: "l"}},
				},
				RoutineItems: []discovery.Item{
					{ID: 101, Title: "Morning stretch"},
					{ID: 102, Title: "Read 20 min"},
				},
				AllocatableNodes: []discovery.Node{
					{ID: "str_1", Name: "Iron Body"},
					{ID: "int_1", Name: "Deep Focus"},
				},
			},
			{ID: 2, Slug: "sam", Name: "Sam"},
		},
	}
}

func fixtureSnapshot() discovery.Snapshot {
	at := time.Date(2026, 3, 29, 7, 30, 0, 0, time.FixedZone("CEST", 2*3600))
	mood := 7
	return discovery.Snapshot{
		BaseTopic: "lifeops",
		Connections: discovery.Connections{
			HomeAssistant: discovery.Connection{State: discovery.ConnOK, Since: at.Add(-time.Hour)},
			Oura:          discovery.Connection{State: discovery.ConnDown, Error: "oura api: 503 service unavailable", Since: at},
			Database:      discovery.Connection{State: discovery.ConnOK},
		},
		People: []discovery.PersonState{
			{
				PersonID: 1,
				LifeScore: &discovery.LifeScore{
					Value: 72.5,
					Contributors: []discovery.Contributor{
						{Name: "sleep", Score: 80, Weight: 0.4, Points: 32},
						{Name: "activity", Score: 60, Weight: 0.35, Points: 21},
						{Name: "habits", Score: 78, Weight: 0.25, Points: 19.5},
					},
					Explanation: "sleep was good, activity is behind",
					Freshness: []discovery.Freshness{
						{Source: "oura", UpdatedAt: at, Stale: false},
						{Source: "sensors", UpdatedAt: at.Add(-3 * time.Hour), Stale: true},
					},
				},
				Level: 5, XP: 1234, XPToNextLevel: 266, UnspentPoints: 2,
				Stats: []discovery.StatState{
					{Stat: discovery.STR, Value: 12, Breakdown: []discovery.StatPart{{Source: "base", Points: 10}, {Source: "node:7", Points: 2}}},
					{Stat: discovery.INT, Value: 9, Breakdown: []discovery.StatPart{{Source: "base", Points: 9}}},
					{Stat: discovery.WIS, Value: 10},
					{Stat: discovery.STA, Value: 11},
					{Stat: discovery.CHA, Value: 8},
					// LCK left out: published as unknown.
				},
				Habits: []discovery.HabitState{
					{HabitID: 11, Streak: 6, Best: 14, Strength: 0.83, AtRisk: true, DoneToday: false},
					{HabitID: 12, Streak: 30, Best: 30, Strength: 0.97, DoneToday: true},
					{HabitID: 13, Streak: 2, Best: 9, Strength: 0.5, AtRisk: true, Logged: ptr(1.25)},
				},
				Routine:      discovery.RoutineState{Done: 1, Total: 3, Next: &discovery.NextItem{ItemID: 102, Title: "Read 20 min", Due: at.Add(90 * time.Minute)}},
				Mood:         &mood,
				OuraLastSync: at,
				Oura:         discovery.OuraState{Connected: true, NeedsReauth: true, ReauthReason: "oura authorization required: invalid grant", LastError: "oura authorization required: invalid grant"},
				Vacation:     false,
				Insights: &discovery.InsightsState{Pairs: 212, Top: []discovery.InsightState{{
					ID:       "sensor.sensor.bedroom_temperature.mean~ring.sleep~0",
					Sentence: "On nights with bedroom temperature at night (average) of 20 °C or more, sleep score was 6 points lower than on nights with 18 °C or less (37 nights against 41; strong).",
					Strength: "strong", Variable: "bedroom temperature at night (average)", Outcome: "sleep score", Difference: -6, Unit: "points", Days: 118,
				}}},
			},
			{PersonID: 2, Vacation: true, Insights: &discovery.InsightsState{Top: []discovery.InsightState{}}},
		},
	}
}

func ptr[T any](v T) *T { return &v }

// goldenMessages renders messages as a stable, readable JSON document:
// payloads that are JSON objects are embedded with sorted keys.
func goldenMessages(t *testing.T, msgs []discovery.Message) []byte {
	t.Helper()
	type row struct {
		Topic   string `json:"topic"`
		Retain  bool   `json:"retain"`
		Payload any    `json:"payload"`
	}
	rows := make([]row, len(msgs))
	for i, m := range msgs {
		var v any = string(m.Payload)
		var obj map[string]any
		if len(m.Payload) > 0 && json.Unmarshal(m.Payload, &obj) == nil {
			v = obj
		}
		rows[i] = row{Topic: m.Topic, Retain: m.Retain, Payload: v}
	}
	b, err := json.MarshalIndent(rows, "", "  ")
	if err != nil {
		t.Fatalf("marshal golden: %v", err)
	}
	return append(b, '\n')
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("write golden: %v", err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run go test -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s (rerun with -update and review the diff):\n%s", name, path, firstDiff(got, want))
	}
}

func firstDiff(got, want []byte) string {
	gl, wl := bytes.Split(got, []byte("\n")), bytes.Split(want, []byte("\n"))
	for i := 0; i < len(gl) || i < len(wl); i++ {
		var g, w []byte
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if !bytes.Equal(g, w) {
			return "line " + strconv.Itoa(i+1) + ":\n  got:  " + string(g) + "\n  want: " + string(w)
		}
	}
	return "(no line differs)"
}

func TestGoldenConfigs(t *testing.T) {
	t.Parallel()
	h := fixture()
	if err := h.Validate(); err != nil {
		t.Fatalf("fixture invalid: %v", err)
	}
	checkGolden(t, "configs", goldenMessages(t, discovery.Configs(h)))
}

// The same household in German: names change, ids do not (checked in
// TestLanguageKeepsIDs).
func TestGoldenConfigsGerman(t *testing.T) {
	t.Parallel()
	h := fixture()
	h.Language = "de"
	checkGolden(t, "configs_de", goldenMessages(t, discovery.Configs(h)))
}

// A household without Oura settings and without HA: their diagnostics and
// everyone's Oura entity are registered disabled.
func TestGoldenConfigsNotConfigured(t *testing.T) {
	t.Parallel()
	h := fixture()
	h.People = h.People[:1]
	h.NotConfigured = discovery.NotConfigured{HomeAssistant: true, Oura: true}
	h.ConfigurationURL = "https://lifeops.example.org/"
	checkGolden(t, "configs_not_configured", goldenMessages(t, discovery.Configs(h)))
}

func TestGoldenStates(t *testing.T) {
	t.Parallel()
	msgs, err := discovery.States(fixtureSnapshot())
	if err != nil {
		t.Fatalf("States: %v", err)
	}
	checkGolden(t, "states", goldenMessages(t, msgs))
}

func TestGoldenRemovals(t *testing.T) {
	t.Parallel()
	prev := fixture()
	next := fixture()
	next.People = next.People[:1]                     // Sam leaves
	next.People[0].Habits = next.People[0].Habits[:1] // "No smoking" deleted
	next.People[0].RoutineItems = nil                 // a new day, nothing planned
	next.People[0].AllocatableNodes = nil             // no points to spend
	next.People[0].Name = "Alexandra"                 // a rename changes names, not ids
	checkGolden(t, "removals", goldenMessages(t, discovery.Removals(prev, next)))
}

func TestGoldenEvents(t *testing.T) {
	t.Parallel()
	var msgs []discovery.Message
	for _, e := range []discovery.Event{
		{Type: discovery.EventLevelUp, Data: map[string]any{"level": 6}},
		{Type: discovery.EventAchievementUnlocked, Data: map[string]any{"achievement": "early_bird", "title": "Early bird"}},
		{Type: discovery.EventStreakBroken, Data: map[string]any{"habit_id": 11, "streak": 6}},
		{Type: discovery.EventStreakMilestone, Data: map[string]any{"habit_id": 12, "streak": 30}},
		{Type: discovery.EventRoutineMissed, Data: map[string]any{"item_id": 101, "title": "Morning stretch"}},
	} {
		m, err := discovery.EventMessage("lifeops", 1, e)
		if err != nil {
			t.Fatalf("EventMessage(%s): %v", e.Type, err)
		}
		msgs = append(msgs, m)
	}
	checkGolden(t, "events", goldenMessages(t, msgs))
}

// TestGoldenEventsFromDomain: what each domain event fires on the event
// entity, in English and German (only "message" differs).
func TestGoldenEventsFromDomain(t *testing.T) {
	t.Parallel()
	day := domain.NewDay(2026, 3, 29)
	planned := time.Date(2026, 3, 29, 7, 0, 0, 0, time.UTC)
	evs := []domain.Event{
		{Kind: domain.EventLevelUp, PersonID: 1, LevelUp: &domain.LevelUpData{Level: 6, TotalXP: 1500, Points: 1}},
		{Kind: domain.EventAchievementUnlocked, PersonID: 1, Achievement: &domain.AchievementUnlockedData{Key: "early_bird", Name: "Early bird", XP: 50}},
		{Kind: domain.EventStreakBroken, PersonID: 1, Streak: &domain.StreakData{HabitID: 11, Day: day, Previous: 6}},
		{Kind: domain.EventStreakMilestone, PersonID: 1, Streak: &domain.StreakData{HabitID: 12, Day: day, Current: 30, Milestone: 30}},
		{Kind: domain.EventRoutineMissed, PersonID: 1, Item: &domain.RoutineItemData{ItemID: 101, Title: "Morning stretch", Day: day, Planned: planned}},
		{Kind: domain.EventGoalMilestone, PersonID: 1, Goal: &domain.GoalMilestoneData{GoalID: 3, Name: "Walk far", Percent: 50, Current: 50, Target: 100, XP: 20}},
	}
	for _, lang := range []string{"en", "de"} {
		var msgs []discovery.Message
		for _, ev := range evs {
			e, ok := discovery.EventFor(ev, locale.For(lang))
			if !ok {
				t.Fatalf("%s: no event entity event", ev.Kind)
			}
			m, err := discovery.EventMessage("lifeops", ev.PersonID, e)
			if err != nil {
				t.Fatal(err)
			}
			msgs = append(msgs, m)
		}
		checkGolden(t, "events_from_domain_"+lang, goldenMessages(t, msgs))
	}
}
