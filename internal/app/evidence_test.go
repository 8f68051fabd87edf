package app_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/character"
	"github.com/lifeops/lifeops/internal/domain/evidence"
	"github.com/lifeops/lifeops/internal/domain/routine"
)

func observe(t *testing.T, f *fixture, rs ...app.Reading) {
	t.Helper()
	if err := f.svc.Observe(context.Background(), rs); err != nil {
		t.Fatal(err)
	}
}

func tick(t *testing.T, f *fixture) {
	t.Helper()
	if err := f.svc.EvidenceTick(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func matches(t *testing.T, f *fixture, person string, rule int64) []app.EvidenceMatch {
	t.Helper()
	ms, err := f.svc.Matches(context.Background(), person, rule, 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func checkInsOn(t *testing.T, f *fixture, habitID int64, day domain.Day) []domain.CheckIn {
	t.Helper()
	cs, err := f.store.CheckIns(context.Background(), habitID, day, day)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// TestEvidenceBedCheckIn: bed occupancy on before 23:00 checks in "in bed by
// 23:00" once, whether HA or Zigbee2MQTT reports it first, however often the
// readings are replayed; undo takes the check-in and its XP back and the
// rule does not fire again that day.
func TestEvidenceBedCheckIn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	day := domain.NewDay(2026, time.March, 10)
	f := newFixture(t, at(2026, time.March, 10, 22, 40, 0))
	f.person(t, "Ana")
	h := f.habit(t, "ana", "In bed by 23:00", day.Add(-5))
	rule, err := f.svc.CreateRule(ctx, "ana", app.RuleInput{
		Name: "In bed by 23:00", Sensors: []string{"binary_sensor.bed_occupancy", "zigbee2mqtt/bed/occupancy"},
		Condition: evidence.Condition{Op: evidence.OpOn}, For: 5 * time.Minute,
		Window: &evidence.Window{Start: domain.Clock(18, 0), End: domain.Clock(23, 0)},
		Action: evidence.Action{Kind: evidence.ActionCheckIn, Habit: "in-bed-by-2300-does-not-exist"}, Enabled: true,
	})
	var v *domain.ValidationError
	if !errors.As(err, &v) || v.Fields[0].Field != "action.habit" {
		t.Fatalf("a rule for an unknown habit: %v", err)
	}
	in := app.RuleInput{
		Name: "In bed by 23:00", Sensors: []string{"binary_sensor.bed_occupancy", "zigbee2mqtt/bed/occupancy"},
		Condition: evidence.Condition{Op: evidence.OpOn}, For: 5 * time.Minute,
		Window: &evidence.Window{Start: domain.Clock(18, 0), End: domain.Clock(23, 0)},
		Action: evidence.Action{Kind: evidence.ActionCheckIn, Habit: "In bed by 23:00"}, Enabled: true,
	}
	rule, err = f.svc.CreateRule(ctx, "ana", in)
	if err != nil {
		t.Fatal(err)
	}
	if rule.Value.Action.Habit != sourceIDOf(h.ID) {
		t.Fatalf("the rule keeps habit %q, want its id %d", rule.Value.Action.Habit, h.ID)
	}
	sensors, err := f.svc.SensorInterest(ctx)
	if err != nil || len(sensors) != 2 {
		t.Fatalf("evidence sensors %v, %v", sensors, err)
	}
	xp0 := totalXP(t, f, "ana")

	ha := app.Reading{Source: "ha", Sensor: "binary_sensor.bed_occupancy", State: "on", At: at(2026, time.March, 10, 22, 40, 0)}
	z2m := app.Reading{Source: "zigbee2mqtt", Sensor: "zigbee2mqtt/bed/occupancy", State: "true", At: at(2026, time.March, 10, 22, 41, 0)}
	observe(t, f, ha)
	if n := len(checkInsOn(t, f, h.ID, day)); n != 0 {
		t.Fatalf("checked in after no time in bed (%d)", n)
	}
	f.clock.Set(at(2026, time.March, 10, 22, 46, 30))
	observe(t, f, z2m) // Zigbee2MQTT's run is 5 min 30 s old: it fires
	tick(t, f)         // so does HA's, but the day is taken
	observe(t, f, ha, z2m, ha)
	cs := checkInsOn(t, f, h.ID, day)
	if len(cs) != 1 || cs[0].Source != domain.SourceSensor {
		t.Fatalf("check-ins %+v, want one from the sensor", cs)
	}
	ms := matches(t, f, "ana", rule.Value.ID)
	if len(ms) != 1 || ms[0].CheckInID != cs[0].ID || ms[0].Day != day || ms[0].Error != "" {
		t.Fatalf("matches %+v", ms)
	}
	m := ms[0]
	if m.Sensor != "zigbee2mqtt/bed/occupancy" || !m.StartedAt.Equal(z2m.At) || !m.EndedAt.Equal(z2m.At.Add(5*time.Minute)) ||
		len(m.Readings) != 1 || m.Readings[0].State != "true" {
		t.Fatalf("evidence %+v", m)
	}
	if xp := totalXP(t, f, "ana"); xp <= xp0 {
		t.Fatalf("XP %d after the check-in, %d before", xp, xp0)
	}

	undone, err := f.svc.UndoMatch(ctx, "ana", m.ID)
	if err != nil || undone.UndoneAt == nil {
		t.Fatalf("undo: %+v, %v", undone, err)
	}
	if n := len(checkInsOn(t, f, h.ID, day)); n != 0 {
		t.Fatalf("%d check-ins after undo", n)
	}
	// Achievements stay unlocked (as with any undo); the check-in's XP is gone.
	if xp := totalXP(t, f, "ana") - int64(achievementXP(t, f, "ana")); xp != xp0 {
		t.Fatalf("XP %d after undo (without achievements), want %d", xp, xp0)
	}
	if _, err := f.svc.UndoMatch(ctx, "ana", m.ID); err != nil {
		t.Fatalf("second undo: %v", err)
	}
	observe(t, f, ha, z2m)
	tick(t, f)
	if n := len(checkInsOn(t, f, h.ID, day)); n != 0 {
		t.Fatalf("the rule fired again after undo: %d check-ins", n)
	}

	// The next evening counts again; after 23:00 it does not.
	f.clock.Set(at(2026, time.March, 11, 23, 30, 0))
	observe(t, f, app.Reading{Source: "ha", Sensor: "binary_sensor.bed_occupancy", State: "off", At: at(2026, time.March, 11, 7, 0, 0)},
		app.Reading{Source: "ha", Sensor: "binary_sensor.bed_occupancy", State: "on", At: at(2026, time.March, 11, 22, 57, 0)})
	if n := len(checkInsOn(t, f, h.ID, day.Add(1))); n != 0 {
		t.Fatalf("in bed at 22:57 for 3 minutes before 23:00 checked in (%d)", n)
	}
	f.clock.Set(at(2026, time.March, 12, 22, 0, 0))
	observe(t, f, app.Reading{Source: "zigbee2mqtt", Sensor: "zigbee2mqtt/bed/occupancy", State: "false", At: at(2026, time.March, 12, 7, 0, 0)},
		app.Reading{Source: "zigbee2mqtt", Sensor: "zigbee2mqtt/bed/occupancy", State: "true", At: at(2026, time.March, 12, 21, 0, 0)})
	if n := len(checkInsOn(t, f, h.ID, day.Add(2))); n != 1 {
		t.Fatalf("in bed at 21:00: %d check-ins, want 1", n)
	}

	// Disabling the rule stops it; the sensors leave the subscription.
	in.Enabled = false
	if _, err := f.svc.UpdateRule(ctx, "ana", rule.Value.ID, in, rule.Version+1); !errors.Is(err, domain.ErrPrecondition) {
		t.Fatalf("update with a stale version: %v", err)
	}
	if _, err := f.svc.UpdateRule(ctx, "ana", rule.Value.ID, in, rule.Version); err != nil {
		t.Fatal(err)
	}
	if sensors, _ := f.svc.SensorInterest(ctx); len(sensors) != 0 {
		t.Fatalf("a disabled rule's sensors are still read: %v", sensors)
	}
	if f.events.kinds()[domain.EventDefinitionsChanged] == 0 {
		t.Fatal("rule changes published no definitions_changed event")
	}
}

// TestEvidenceDeskDeepWork: two hours at the desk log 120 minutes of deep
// work once the two hours are up (by the tick: the sensor says nothing new);
// a numeric state becomes the quantity when the rule says so.
func TestEvidenceDeskDeepWork(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, at(2026, time.March, 10, 9, 0, 0))
	f.person(t, "Ana")
	desk, err := f.svc.CreateRule(ctx, "ana", app.RuleInput{
		Name: "Deep work at the desk", Sensors: []string{"binary_sensor.desk_presence"},
		Condition: evidence.Condition{Op: evidence.OpOn}, For: 2 * time.Hour,
		Action:  evidence.Action{Kind: evidence.ActionActivity, Activity: "deep_work", Quantity: &evidence.Quantity{Kind: evidence.QuantityDuration}},
		Enabled: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CreateRule(ctx, "ana", app.RuleInput{
		Name: "Reading minutes", Sensors: []string{"esphome/reader/sensor/minutes_today"},
		Condition: evidence.Condition{Op: evidence.OpGe, Value: "30"},
		Action:    evidence.Action{Kind: evidence.ActionActivity, Activity: "reading", Quantity: &evidence.Quantity{Kind: evidence.QuantityState}},
		Enabled:   true,
	}); err != nil {
		t.Fatal(err)
	}
	observe(t, f, app.Reading{Source: "ha", Sensor: "binary_sensor.desk_presence", State: "on", At: at(2026, time.March, 10, 9, 0, 0)},
		app.Reading{Source: "ha", Sensor: "sensor.nobody_asked", State: "1", At: at(2026, time.March, 10, 9, 0, 0)})
	var stored int
	if err := f.pool.QueryRow(ctx, "SELECT count(*) FROM sensor_state").Scan(&stored); err != nil || stored != 1 {
		t.Fatalf("%d sensor states stored (%v), want only the desk's", stored, err)
	}
	f.clock.Set(at(2026, time.March, 10, 10, 59, 59))
	tick(t, f)
	if acts, _ := f.svc.Activities(ctx, "ana", 0, 10); len(acts) != 0 {
		t.Fatalf("activities before two hours: %+v", acts)
	}
	// A restart between the reading and the two-hour mark: a new service on
	// the same database knows since when the desk is occupied.
	tree, err := character.Default()
	if err != nil {
		t.Fatal(err)
	}
	restarted := app.New(app.Options{Store: f.store, Logger: zerolog.Nop(), Now: f.clock.Now,
		Location: func() *time.Location { return berlin }, Tree: tree})
	f.clock.Set(at(2026, time.March, 10, 11, 0, 30))
	if err := restarted.EvidenceTick(ctx); err != nil {
		t.Fatal(err)
	}
	tick(t, f)
	observe(t, f, app.Reading{Source: "esphome", Sensor: "esphome/reader/sensor/minutes_today", State: "12", At: at(2026, time.March, 10, 10, 0, 0)},
		app.Reading{Source: "esphome", Sensor: "esphome/reader/sensor/minutes_today", State: "45", At: at(2026, time.March, 10, 11, 0, 0)})
	acts, err := f.svc.Activities(ctx, "ana", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, a := range acts {
		got[a.Type] += a.Amount
		if a.Source != domain.SourceSensor {
			t.Errorf("activity %s from %s", a.Type, a.Source)
		}
	}
	if len(acts) != 2 || got["deep_work"] != 120 || got["reading"] != 45 {
		t.Fatalf("activities %+v, want 120 min deep work and 45 min reading", acts)
	}
	ms := matches(t, f, "ana", desk.Value.ID)
	if len(ms) != 1 || ms[0].ActivityID == 0 || ms[0].Quantity == nil || *ms[0].Quantity != 120 {
		t.Fatalf("desk matches %+v", ms)
	}
	if all := matches(t, f, "ana", 0); len(all) != 2 || all[0].ID < all[1].ID {
		t.Fatalf("all matches, newest first: %+v", all)
	}
	if _, err := f.svc.UndoMatch(ctx, "ana", ms[0].ID); err != nil {
		t.Fatal(err)
	}
	acts, _ = f.svc.Activities(ctx, "ana", 0, 10)
	if len(acts) != 1 || acts[0].Type != "reading" {
		t.Fatalf("after undo: %+v", acts)
	}
	if _, err := f.svc.UndoMatch(ctx, "bob", ms[0].ID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("undo for someone else: %v", err)
	}
}

// TestEvidenceToothbrush: the toothbrush drawing more than 2 W for 90 s in
// the morning window completes "Brush teeth"; a shorter run does not; undo
// puts the item back.
func TestEvidenceToothbrush(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	day := domain.NewDay(2026, time.March, 10)
	f := newFixture(t, at(2026, time.March, 10, 6, 0, 0))
	f.person(t, "Ana")
	if _, err := f.svc.CreateRoutine(ctx, "ana", app.RoutineInput{Name: "Morning", Schedule: routine.Schedule{Kind: routine.ScheduleDaily},
		Items: []routine.Item{clockItem("Brush teeth", 7, 0, 10, 60)}}); err != nil {
		t.Fatal(err)
	}
	rule, err := f.svc.CreateRule(ctx, "ana", app.RuleInput{
		Name: "Brushed", Sensors: []string{"sensor.toothbrush_power", "zigbee2mqtt/toothbrush_plug/power"},
		Condition: evidence.Condition{Op: evidence.OpGt, Value: "2"}, For: 90 * time.Second,
		Window:  &evidence.Window{Start: domain.Clock(6, 0), End: domain.Clock(10, 0)},
		Action:  evidence.Action{Kind: evidence.ActionRoutineItem, Item: "Brush teeth"},
		Enabled: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	plug := func(h, m, s int, w string) app.Reading {
		return app.Reading{Source: "zigbee2mqtt", Sensor: "zigbee2mqtt/toothbrush_plug/power", State: w, At: at(2026, time.March, 10, h, m, s)}
	}
	f.clock.Set(at(2026, time.March, 10, 6, 55, 0))
	observe(t, f, plug(6, 50, 0, "0.3"), plug(6, 51, 0, "4.1"), plug(6, 52, 0, "0.2")) // 60 s: not enough
	if st := statuses(t, f, "ana", day)["Brush teeth"]; st != routine.StatusPending {
		t.Fatalf("after a minute of brushing the item is %s", st)
	}
	f.clock.Set(at(2026, time.March, 10, 7, 3, 0))
	burst := []app.Reading{plug(7, 1, 0, "3.2"), plug(7, 1, 50, "3.5"), plug(7, 2, 20, "unavailable"), plug(7, 2, 25, "3.4"), plug(7, 2, 40, "0.4")}
	observe(t, f, burst...) // 80 s, a gap, 15 s: not enough either
	if st := statuses(t, f, "ana", day)["Brush teeth"]; st != routine.StatusPending {
		t.Fatalf("a run broken by unavailable completed the item (%s)", st)
	}
	f.clock.Set(at(2026, time.March, 10, 7, 10, 0))
	observe(t, f, plug(7, 5, 0, "3.0"), plug(7, 6, 0, "3.3"), plug(7, 6, 40, "0.1"))
	observe(t, f, plug(7, 5, 0, "3.0"), plug(7, 6, 0, "3.3"), plug(7, 6, 40, "0.1")) // redelivered
	if st := statuses(t, f, "ana", day)["Brush teeth"]; st != routine.StatusDone {
		t.Fatalf("after 100 s of brushing the item is %s", st)
	}
	ms := matches(t, f, "ana", rule.Value.ID)
	if len(ms) != 1 || ms[0].ItemID == 0 || ms[0].ItemDay != day || len(ms[0].Readings) != 2 || ms[0].State != "3.3" {
		t.Fatalf("matches %+v", ms)
	}
	if _, err := f.svc.UndoMatch(ctx, "ana", ms[0].ID); err != nil {
		t.Fatal(err)
	}
	if st := statuses(t, f, "ana", day)["Brush teeth"]; st != routine.StatusPending {
		t.Fatalf("after undo the item is %s", st)
	}

	// An item of no routine is refused when the rule is made, by name.
	flossRule := app.RuleInput{
		Name: "Floss", Sensors: []string{"sensor.toothbrush_power"},
		Condition: evidence.Condition{Op: evidence.OpGt, Value: "2"}, For: 90 * time.Second,
		Action: evidence.Action{Kind: evidence.ActionRoutineItem, Item: "Floss"}, Enabled: true,
	}
	var ve *domain.ValidationError
	if _, err := f.svc.CreateRule(ctx, "ana", flossRule); !errors.As(err, &ve) || ve.Fields[0].Field != "action.item" {
		t.Fatalf("a rule for an item of no routine: %v", err)
	}
	// An item that is not on today's timeline (its routine is for Sundays;
	// this is a Tuesday) is recorded as a refused match.
	if _, err := f.svc.CreateRoutine(ctx, "ana", app.RoutineInput{Name: "Sunday", Schedule: routine.Schedule{Kind: routine.ScheduleDays, Days: []time.Weekday{time.Sunday}},
		Items: []routine.Item{clockItem("Floss", 20, 0, 5, 60)}}); err != nil {
		t.Fatal(err)
	}
	bad, err := f.svc.CreateRule(ctx, "ana", flossRule)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Set(at(2026, time.March, 10, 20, 10, 0))
	observe(t, f, app.Reading{Source: "ha", Sensor: "sensor.toothbrush_power", State: "5", At: at(2026, time.March, 10, 20, 0, 0)})
	ms = matches(t, f, "ana", bad.Value.ID)
	if len(ms) != 1 || ms[0].Error == "" || ms[0].ItemID != 0 {
		t.Fatalf("refused match %+v", ms)
	}
}

func TestEvidenceRuleCRUD(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, at(2026, time.March, 10, 9, 0, 0))
	f.person(t, "Ana")
	_, err := f.svc.CreateRule(ctx, "ana", app.RuleInput{Name: "", Sensors: nil, Condition: evidence.Condition{Op: "maybe"},
		Action: evidence.Action{Kind: evidence.ActionActivity, Activity: "deep_work"}})
	var v *domain.ValidationError
	if !errors.As(err, &v) || len(v.Fields) != 4 {
		t.Fatalf("want 4 field errors, got %v", err)
	}
	_, err = f.svc.CreateRule(ctx, "ana", app.RuleInput{Name: "x", Sensors: []string{"sensor.x"}, Condition: evidence.Condition{Op: evidence.OpOn},
		Action: evidence.Action{Kind: evidence.ActionActivity, Activity: "juggling", Quantity: &evidence.Quantity{Kind: evidence.QuantityFixed, Value: 1}}})
	if !errors.As(err, &v) || v.Fields[0].Field != "action.activity" {
		t.Fatalf("unknown activity type: %v", err)
	}
	in := app.RuleInput{Name: "Walk", Sensors: []string{"sensor.x"}, Condition: evidence.Condition{Op: evidence.OpOn},
		Action: evidence.Action{Kind: evidence.ActionActivity, Activity: "walk", Quantity: &evidence.Quantity{Kind: evidence.QuantityFixed, Value: 10}}, Enabled: true}
	r, err := f.svc.CreateRule(ctx, "ana", in)
	if err != nil {
		t.Fatal(err)
	}
	in.Sensors = []string{"sensor.y"}
	up, err := f.svc.UpdateRule(ctx, "ana", r.Value.ID, in, r.Version)
	if err != nil || up.Version != r.Version+1 {
		t.Fatalf("update %+v, %v", up, err)
	}
	if got, err := f.svc.Rule(ctx, "ana", r.Value.ID); err != nil || got.Value.Sensors[0] != "sensor.y" || got.Version != up.Version {
		t.Fatalf("rule %+v, %v", got, err)
	}
	// The index follows the change at once: readings of the new key count.
	f.clock.Set(at(2026, time.March, 10, 9, 0, 1))
	observe(t, f, app.Reading{Source: "ha", Sensor: "sensor.y", State: "on", At: at(2026, time.March, 10, 9, 0, 1)})
	if acts, _ := f.svc.Activities(ctx, "ana", 0, 10); len(acts) != 1 {
		t.Fatalf("after the update the new sensor logged %d activities", len(acts))
	}
	if err := f.svc.DeleteRule(ctx, "ana", r.Value.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Rule(ctx, "ana", r.Value.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("deleted rule: %v", err)
	}
	if rules, err := f.svc.Rules(ctx, "ana"); err != nil || len(rules) != 0 {
		t.Fatalf("rules %+v, %v", rules, err)
	}
	if ms := matches(t, f, "ana", 0); len(ms) != 1 {
		t.Fatalf("the deleted rule's matches: %+v", ms)
	}
	if err := f.svc.Observe(ctx, []app.Reading{{Sensor: "sensor.y", State: "on"}}); err != nil {
		t.Fatalf("a reading no rule reads: %v", err)
	}
}

// TestEvidenceConcurrentSources: the same bed seen through HA and
// Zigbee2MQTT, delivered many times at once (replicas, redelivery), still
// checks in once; the store's unique (rule, day) is what decides.
func TestEvidenceConcurrentSources(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	day := domain.NewDay(2026, time.March, 10)
	f := newFixture(t, at(2026, time.March, 10, 22, 30, 0))
	f.person(t, "Ana")
	h := f.habit(t, "ana", "In bed", day.Add(-1))
	rule, err := f.svc.CreateRule(ctx, "ana", app.RuleInput{
		Name: "bed", Sensors: []string{"binary_sensor.bed_occupancy", "zigbee2mqtt/bed/occupancy"},
		Condition: evidence.Condition{Op: evidence.OpOn}, For: 5 * time.Minute,
		Action: evidence.Action{Kind: evidence.ActionCheckIn, Habit: "in_bed"}, Enabled: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	readings := []app.Reading{
		{Source: "ha", Sensor: "binary_sensor.bed_occupancy", State: "on", At: at(2026, time.March, 10, 22, 0, 0)},
		{Source: "zigbee2mqtt", Sensor: "zigbee2mqtt/bed/occupancy", State: "true", At: at(2026, time.March, 10, 22, 0, 1)},
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Go(func() { errs <- f.svc.Observe(ctx, readings[i%2:i%2+1]) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := len(checkInsOn(t, f, h.ID, day)); n != 1 {
		t.Fatalf("%d check-ins, want 1", n)
	}
	ms := matches(t, f, "ana", rule.Value.ID)
	if len(ms) != 1 {
		t.Fatalf("matches %+v", ms)
	}
	again := ms[0]
	again.ID = 0
	if _, inserted, err := f.store.EvidenceMatchInsert(ctx, again); err != nil || inserted {
		t.Fatalf("a second match of the day was stored (inserted %v, %v)", inserted, err)
	}
}

// durabilitySpy records, for each transaction that stored a check-in,
// whether it asked to commit lazily.
type durabilitySpy struct {
	app.Store
	mu   *sync.Mutex
	lazy *bool   // this transaction asked (nil outside one)
	log  *[]bool // one entry per check-in stored: lazily?
}

func (s durabilitySpy) InTx(ctx context.Context, fn func(tx app.Store) error) error {
	return s.Store.InTx(ctx, func(tx app.Store) error {
		lazy := false
		return fn(durabilitySpy{Store: tx, mu: s.mu, lazy: &lazy, log: s.log})
	})
}

func (s durabilitySpy) CommitLazily(ctx context.Context) error {
	if s.lazy != nil {
		*s.lazy = true
	}
	return s.Store.CommitLazily(ctx)
}

// SensorObserve makes the transaction commit lazily too.
func (s durabilitySpy) SensorObserve(ctx context.Context, sensor string, lock bool, from domain.Day) (app.SensorObservation, error) {
	if s.lazy != nil {
		*s.lazy = true
	}
	return s.Store.SensorObserve(ctx, sensor, lock, from)
}

func (s durabilitySpy) CheckInInsert(ctx context.Context, c *domain.CheckIn, day domain.Day, key string) error {
	s.mu.Lock()
	*s.log = append(*s.log, s.lazy != nil && *s.lazy)
	s.mu.Unlock()
	return s.Store.CheckInInsert(ctx, c, day, key)
}

// TestSensorCheckInsCommitLazily: a check-in a rule makes from a sensor
// commits as its readings do, without waiting for the disk; a check-in a
// person makes waits for it.
func TestSensorCheckInsCommitLazily(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, at(2026, time.March, 10, 8, 0, 0))
	var log []bool
	spy := durabilitySpy{Store: f.store, mu: &sync.Mutex{}, log: &log}
	tree, err := character.Default()
	if err != nil {
		t.Fatal(err)
	}
	svc := app.New(app.Options{Store: spy, Logger: zerolog.Nop(), Now: f.clock.Now,
		Location: func() *time.Location { return berlin }, Tree: tree})
	if _, err := svc.CreatePerson(ctx, app.PersonInput{Name: "Ana"}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Water", "Stretch"} {
		if _, err := svc.CreateHabit(ctx, "ana", app.HabitInput{Name: name, Schedule: domain.Schedule{Kind: domain.ScheduleDaily}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.CreateRule(ctx, "ana", app.RuleInput{Name: "Button", Sensors: []string{"zigbee2mqtt/button/action"},
		Condition: evidence.Condition{Op: evidence.OpEq, Value: "single"},
		Action:    evidence.Action{Kind: evidence.ActionCheckIn, Habit: "stretch"}, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CheckIn(ctx, app.CheckInInput{Person: "ana", Habit: "water", Source: domain.SourceAPI}); err != nil {
		t.Fatal(err)
	}
	if err := svc.Observe(ctx, []app.Reading{{Source: "zigbee2mqtt", Sensor: "zigbee2mqtt/button/action", State: "single", At: f.clock.Now()}}); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(log) != "[false true]" {
		t.Errorf("check-ins stored lazily: %v, want [false true] (the person's waits, the sensor's does not)", log)
	}
}
