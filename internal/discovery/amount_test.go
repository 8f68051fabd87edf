package discovery_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/discovery"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/routine"
	"github.com/lifeops/lifeops/internal/locale"
	"github.com/lifeops/lifeops/internal/mqtt/mqtttest"
)

type announced struct {
	Components map[string]map[string]any `json:"components"`
	Device     map[string]any            `json:"device"`
}

func decodeConfig(t *testing.T, payload []byte) announced {
	t.Helper()
	var a announced
	if err := json.Unmarshal(payload, &a); err != nil {
		t.Fatalf("config %s: %v", payload, err)
	}
	return a
}

// TestAmountFromHomeAssistant: a quantity habit is a number entity in HA
// (min, max, step and unit from the habit, a box), not a button; setting
// it logs that amount through the check-in use case, and its state is
// today's total. It follows the habit's renames and archiving.
func TestAmountFromHomeAssistant(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newBridgeEnv(t)
	p, err := e.svc.CreatePerson(ctx, app.PersonInput{Name: "Alex"})
	if err != nil {
		t.Fatal(err)
	}
	h, err := e.svc.CreateHabit(ctx, "alex", app.HabitInput{Name: "Water", Schedule: domain.Schedule{Kind: domain.ScheduleDaily},
		Target: domain.Target{Kind: domain.TargetAtLeast, Value: 2, Unit: "l"}})
	if err != nil {
		t.Fatal(err)
	}
	pid, hid := p.Value.ID, h.Value.ID
	obs := mqtttest.NewObserver(t, e.url, e.root+"/#")
	e.startBridge(t, discovery.BridgeOptions{Refresh: time.Hour})

	configTopic := fmt.Sprintf("%s/device/lifeops_%d/config", e.prefix, pid)
	id := fmt.Sprintf("habit_%d_amount", hid)
	cfg := obs.WaitFor(5*time.Second, "the number entity", func(r mqtttest.Received) bool {
		return r.Topic == configTopic && strings.Contains(string(r.Payload), id)
	})
	c := decodeConfig(t, cfg.Payload).Components[id]
	want := map[string]any{"platform": "number", "min": 0.0, "max": 1e6, "step": 0.01, "mode": "box",
		"unit_of_measurement": "l", "name": "Water amount", "default_entity_id": "number.lifeops_alex_water_amount",
		"command_topic": e.habitTopic(pid, hid, "amount/set"), "state_topic": e.habitTopic(pid, hid, "amount/state")}
	for k, v := range want {
		if c[k] != v {
			t.Errorf("number %s = %v, want %v", k, c[k], v)
		}
	}
	if _, ok := decodeConfig(t, cfg.Payload).Components[fmt.Sprintf("habit_%d_check_in", hid)]; ok {
		t.Errorf("a quantity habit still has a check-in button (it would log no amount)")
	}
	amountState := e.habitTopic(pid, hid, "amount/state")
	obs.WaitPayload(5*time.Second, amountState, "0")

	// HA sets 0.5, then 1.25: two check-ins, the state is their total and
	// the target of 2 l is not met yet; 0.25 more meets it.
	for _, set := range []struct{ amount, total string }{{"0.5", "0.5"}, {"1.25", "1.75"}, {"0.25", "2"}} {
		obs.Publish(e.habitTopic(pid, hid, "amount/set"), false, set.amount)
		obs.WaitPayload(5*time.Second, amountState, set.total)
	}
	today, err := e.svc.Today(ctx, "alex")
	if err != nil {
		t.Fatal(err)
	}
	if r := today.Habits[0].Result; r.CheckIns != 3 || r.Value != 2 || r.Status != domain.StatusDone {
		t.Errorf("after 0.5 + 1.25 + 0.25 l: %d check-ins, %v l, %s; want 3, 2, done", r.CheckIns, r.Value, r.Status)
	}
	obs.WaitPayload(5*time.Second, e.habitTopic(pid, hid, "done_today/state"), "ON")

	// A redelivered set (QoS 1) counts once; a refused amount changes nothing.
	obs.Publish(e.habitTopic(pid, hid, "amount/set"), false, "0.25")
	obs.Publish(e.habitTopic(pid, hid, "amount/set"), false, "0")
	obs.Publish(e.habitTopic(pid, hid, "amount/set"), false, "lots")
	time.Sleep(300 * time.Millisecond)
	if today, _ = e.svc.Today(ctx, "alex"); today.Habits[0].Result.CheckIns != 3 {
		t.Errorf("check-ins after a redelivery and two bad amounts: %d, want 3", today.Habits[0].Result.CheckIns)
	}

	// Renamed: the number is renamed; archived: it goes.
	if _, err := e.svc.UpdateHabit(ctx, "alex", "water", app.HabitInput{Name: "Drink", Kind: domain.HabitPositive, Schedule: domain.Schedule{Kind: domain.ScheduleDaily},
		Target: domain.Target{Kind: domain.TargetAtLeast, Value: 2000, Unit: "ml"}}, 0); err != nil {
		t.Fatal(err)
	}
	cfg = obs.WaitFor(5*time.Second, "the renamed number", func(r mqtttest.Received) bool {
		return r.Topic == configTopic && strings.Contains(string(r.Payload), `"Drink amount"`)
	})
	if c := decodeConfig(t, cfg.Payload).Components[id]; c["unit_of_measurement"] != "ml" || c["step"] != 1.0 ||
		c["default_entity_id"] != "number.lifeops_alex_water_amount" {
		t.Errorf("renamed number: %v (unit ml, step 1 and the first entity id expected)", c)
	}
	if err := e.svc.ArchiveHabit(ctx, "alex", "water"); err != nil {
		t.Fatal(err)
	}
	obs.WaitFor(5*time.Second, "the number removed", func(r mqtttest.Received) bool {
		return r.Topic == configTopic && len(r.Payload) > 0 && !strings.Contains(string(r.Payload), id)
	})
}

// TestLanguageNamesButKeepsIDs: the German configs name every entity in
// German but announce the same devices, components, unique ids, entity ids,
// topics and units as the English ones.
func TestLanguageNamesButKeepsIDs(t *testing.T) {
	t.Parallel()
	en, de := fixture(), fixture()
	de.Language = "de"
	em, dm := discovery.Configs(en), discovery.Configs(de)
	if len(em) != len(dm) {
		t.Fatalf("%d English configs, %d German", len(em), len(dm))
	}
	renamed := 0
	for i := range em {
		if em[i].Topic != dm[i].Topic {
			t.Fatalf("topic %s became %s", em[i].Topic, dm[i].Topic)
		}
		ec, dc := decodeConfig(t, em[i].Payload), decodeConfig(t, dm[i].Payload)
		if len(ec.Components) != len(dc.Components) {
			t.Errorf("%s: %d components in English, %d in German", em[i].Topic, len(ec.Components), len(dc.Components))
		}
		for id, c := range ec.Components {
			g, ok := dc.Components[id]
			if !ok {
				t.Errorf("%s: component %s missing in German", em[i].Topic, id)
				continue
			}
			for k, v := range c {
				if k == "name" {
					if v != g[k] {
						renamed++
					}
					continue
				}
				if fmt.Sprint(g[k]) != fmt.Sprint(v) {
					t.Errorf("%s %s: %s is %v in German, %v in English", em[i].Topic, id, k, g[k], v)
				}
			}
		}
	}
	if renamed < 30 {
		t.Errorf("only %d names differ between English and German", renamed)
	}
}

// TestEventTextsFollowTheLanguage: the event entity's events carry a
// sentence in the household's language; the data keys stay the same.
func TestEventTextsFollowTheLanguage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newBridgeEnv(t)
	p, err := e.svc.CreatePerson(ctx, app.PersonInput{Name: "Alex"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CreateRoutine(ctx, "alex", app.RoutineInput{Name: "Noon", Schedule: routine.Schedule{Kind: routine.ScheduleDaily},
		Items: []routine.Item{{Title: "Walk", Anchor: routine.Anchor{Kind: routine.AnchorClock, At: domain.Clock(11, 57)}, GraceMin: routine.GraceOf(1)}}}); err != nil {
		t.Fatal(err)
	}
	lang := locale.NewSetting("")
	obs := mqtttest.NewObserver(t, e.url, e.root+"/#")
	bridge := e.startBridge(t, discovery.BridgeOptions{Refresh: time.Hour, Language: lang})
	lang.OnChange(bridge.Refresh)
	configTopic := fmt.Sprintf("%s/device/lifeops_%d/config", e.prefix, p.Value.ID)
	obs.WaitFor(5*time.Second, "English names", func(r mqtttest.Received) bool {
		return r.Topic == configTopic && strings.Contains(string(r.Payload), `"Routine progress"`)
	})
	// HA reports German: the names follow without a restart.
	lang.SetFromHA("de-DE")
	obs.WaitFor(5*time.Second, "German names", func(r mqtttest.Received) bool {
		return r.Topic == configTopic && strings.Contains(string(r.Payload), `"Routine-Fortschritt"`) &&
			strings.Contains(string(r.Payload), `"sensor.lifeops_alex_routine_progress"`)
	})
	today := e.svc.CurrentDay()
	noon := time.Date(today.Year, today.Month, today.Day, 12, 0, 0, 0, time.UTC)
	if err := e.svc.TimelineTick(ctx, noon, noNotes{}); err != nil {
		t.Fatal(err)
	}
	events := fmt.Sprintf("%s/%d/events", e.base, p.Value.ID)
	m := obs.WaitFor(5*time.Second, "routine_missed", func(r mqtttest.Received) bool {
		return r.Topic == events && strings.Contains(string(r.Payload), `"event_type":"routine_missed"`)
	})
	var data map[string]any
	if err := json.Unmarshal(m.Payload, &data); err != nil {
		t.Fatal(err)
	}
	if data["message"] != "Verpasst: Walk" || data["title"] != "Walk" {
		t.Errorf("event %s: want message \"Verpasst: Walk\" and title Walk", m.Payload)
	}
}

// The household diagnostics tell "not configured" (unknown) from "down"
// (OFF), and say which in the status attribute.
func TestConnectionDiagnostics(t *testing.T) {
	t.Parallel()
	msgs, err := discovery.States(discovery.Snapshot{BaseTopic: "lifeops", Connections: discovery.Connections{
		HomeAssistant: discovery.Connection{State: discovery.ConnDown, Error: "dial: connection refused"},
		Oura:          discovery.Connection{State: discovery.ConnNotConfigured},
		Database:      discovery.Connection{State: discovery.ConnOK},
	}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, m := range msgs {
		got[m.Topic] = string(m.Payload)
	}
	for topic, want := range map[string]string{
		"lifeops/household/connection/ha/state":            "OFF",
		"lifeops/household/connection/ha/attributes":       `{"error":"dial: connection refused","since":null,"status":"down"}`,
		"lifeops/household/connection/oura/state":          discovery.PayloadNone,
		"lifeops/household/connection/oura/attributes":     `{"error":"","since":null,"status":"not_configured"}`,
		"lifeops/household/connection/database/state":      "ON",
		"lifeops/household/connection/database/attributes": `{"error":"","since":null,"status":"ok"}`,
	} {
		if got[topic] != want {
			t.Errorf("%s = %s, want %s", topic, got[topic], want)
		}
	}
}
