package app_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/evidence"
)

func bedRule(sensors ...string) app.RuleInput {
	return app.RuleInput{
		Name: "In bed", Sensors: sensors, Condition: evidence.Condition{Op: evidence.OpOn}, For: 5 * time.Minute,
		Action: evidence.Action{Kind: evidence.ActionCheckIn, Habit: "In bed"}, Enabled: true,
	}
}

// TestSensorCatalogReplacesAList: a source's list replaces the one before
// in one go, an unchanged list writes no entry again, entries of another
// source or of no key shape are skipped, and the listing joins the catalog
// with the sensors that have readings.
func TestSensorCatalogReplacesAList(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := at(2026, time.March, 10, 8, 0, 0)
	f := newFixture(t, now)
	changed := now.Add(-time.Hour)
	list := []app.CatalogEntry{
		{Sensor: "binary_sensor.bed", Name: "Bed", DeviceClass: "occupancy", State: "off", StateAt: changed},
		{Sensor: "sensor.bedroom_temperature", Name: "Bedroom temperature", Unit: "°C", State: "20.5", StateAt: changed},
		{Sensor: "zigbee2mqtt/bed/occupancy", Name: "not HA's"},
		{Sensor: "Bed Sensor!"},
	}
	got, err := f.svc.ListSensors(ctx, "ha", list)
	if err != nil || got != (app.CatalogChange{Added: 2, Skipped: 2}) {
		t.Fatalf("first list: %+v, %v", got, err)
	}
	if got, err = f.svc.ListSensors(ctx, "ha", list); err != nil || got != (app.CatalogChange{Skipped: 2}) {
		t.Fatalf("the same list again: %+v, %v (want nothing written)", got, err)
	}
	list = []app.CatalogEntry{
		{Sensor: "binary_sensor.bed", Name: "Bed", DeviceClass: "occupancy", State: "on", StateAt: now},
		{Sensor: "light.desk", Name: "Desk lamp", State: "off", StateAt: changed},
	}
	if got, err = f.svc.ListSensors(ctx, "ha", list); err != nil || got != (app.CatalogChange{Added: 1, Changed: 1, Removed: 1}) {
		t.Fatalf("a changed list: %+v, %v", got, err)
	}
	if _, err := f.svc.ListSensors(ctx, "zigbee", nil); err == nil {
		t.Fatal("an unknown source was taken")
	}
	observe(t, f, app.Reading{Source: "zigbee2mqtt", Sensor: "zigbee2mqtt/desk/occupancy", State: "true", At: now})

	all, err := f.svc.Sensors(ctx, app.SensorFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, s := range all {
		keys = append(keys, s.Sensor)
	}
	if strings.Join(keys, " ") != "binary_sensor.bed light.desk" {
		// No rule reads the desk: Observe keeps no state of it.
		t.Fatalf("sensors %v", keys)
	}
	if b := all[0]; b.Name != "Bed" || b.State != "on" || b.At == nil || !b.At.Equal(now) || !b.Listed || b.Seen || b.Source != "ha" {
		t.Fatalf("bed %+v", b)
	}
	desk, err := f.svc.Sensors(ctx, app.SensorFilter{Query: "LAMP"})
	if err != nil || len(desk) != 1 || desk[0].Sensor != "light.desk" {
		t.Fatalf("query lamp: %+v, %v", desk, err)
	}
	if none, err := f.svc.Sensors(ctx, app.SensorFilter{Source: "zigbee2mqtt"}); err != nil || len(none) != 0 {
		t.Fatalf("zigbee2mqtt sensors: %+v, %v", none, err)
	}
}

// TestRuleSensorsMustExist: once Home Assistant has listed its entities, a
// rule naming one it does not have is refused with a sentence saying what
// to do; a key with readings passes, Zigbee2MQTT keys pass while it has
// listed nothing, and an update keeping a sensor that has gone is not
// refused for it.
func TestRuleSensorsMustExist(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := at(2026, time.March, 10, 8, 0, 0)
	f := newFixture(t, now)
	f.person(t, "Ana")
	f.habit(t, "ana", "In bed", domain.DayOf(now, berlin))

	// No list yet: LifeOps cannot know, so an invented key passes.
	if _, err := f.svc.CreateRule(ctx, "ana", bedRule("binary_sensor.made_up")); err != nil {
		t.Fatalf("a key before any list: %v", err)
	}
	if _, err := f.svc.ListSensors(ctx, "ha", []app.CatalogEntry{{Sensor: "binary_sensor.bed", Name: "Bed"}}); err != nil {
		t.Fatal(err)
	}
	rule, err := f.svc.CreateRule(ctx, "ana", bedRule("binary_sensor.bed", "zigbee2mqtt/bed/occupancy"))
	if err != nil {
		t.Fatalf("a listed entity and a Zigbee2MQTT key before its list: %v", err)
	}
	_, err = f.svc.CreateRule(ctx, "ana", bedRule("binary_sensor.bed", "binary_sensor.bedd"))
	var v *domain.ValidationError
	if !errors.As(err, &v) || len(v.Fields) != 1 || v.Fields[0].Field != "sensors[1]" {
		t.Fatalf("binary_sensor.bedd: %v", err)
	}
	text, _ := domain.Say(err)
	want := `sensors entry 2 ("binary_sensor.bedd") is not an entity Home Assistant has; pick one from the sensor list`
	if !strings.HasPrefix(text, want) || !strings.Contains(text, "GET /api/v1/sensors") {
		t.Fatalf("refusal %q, want it to start %q and name GET /api/v1/sensors", text, want)
	}

	// A sensor with readings passes though no list has it.
	observe(t, f, app.Reading{Source: "ha", Sensor: "binary_sensor.bed", State: "on", At: now})
	f.clock.Set(now.Add(time.Minute))
	if _, err := f.svc.ListSensors(ctx, "zigbee2mqtt", []app.CatalogEntry{{Sensor: "zigbee2mqtt/desk/occupancy"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ListSensors(ctx, "ha", []app.CatalogEntry{{Sensor: "light.desk"}}); err != nil {
		t.Fatal(err)
	}
	// binary_sensor.bed left HA's list but has readings; the Zigbee2MQTT
	// key of the rule is in no list now and has none, yet the rule keeps
	// it through an edit of its name.
	in := bedRule("binary_sensor.bed", "zigbee2mqtt/bed/occupancy")
	in.Name = "In bed early"
	if _, err := f.svc.UpdateRule(ctx, "ana", rule.Value.ID, in, rule.Version); err != nil {
		t.Fatalf("an edit keeping the rule's sensors: %v", err)
	}
	in.Sensors = append(in.Sensors, "zigbee2mqtt/bed/vibration")
	_, err = f.svc.UpdateRule(ctx, "ana", rule.Value.ID, in, 0)
	if !errors.As(err, &v) || len(v.Fields) != 1 || v.Fields[0].Field != "sensors[2]" ||
		!strings.Contains(v.Fields[0].Reason, "Zigbee2MQTT") {
		t.Fatalf("a new Zigbee2MQTT key no device exposes: %v", err)
	}
	if _, err := f.svc.CreateRule(ctx, "ana", bedRule("zigbee2mqtt/desk/occupancy", "esphome/desk/binary_sensor/presence")); err != nil {
		t.Fatalf("a listed Zigbee2MQTT key and an ESPHome key (ESPHome lists nothing): %v", err)
	}
}

// TestSensorCatalogOfALargeHome: a Home Assistant with 5000 entities is
// listed in one statement; announcing it again writes no entry, and a
// change of one state writes that one. The times are logged (not judged:
// the machines are shared).
func TestSensorCatalogOfALargeHome(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := at(2026, time.March, 10, 8, 0, 0)
	f := newFixture(t, now)
	list := make([]app.CatalogEntry, 5000)
	for i := range list {
		list[i] = app.CatalogEntry{Sensor: fmt.Sprintf("sensor.room_%04d_temperature", i), Name: fmt.Sprintf("Room %d temperature", i),
			Unit: "°C", DeviceClass: "temperature", State: "20.5", StateAt: now.Add(-time.Hour)}
	}
	for _, step := range []struct {
		what string
		edit func()
		want app.CatalogChange
	}{
		{"first list", func() {}, app.CatalogChange{Added: 5000}},
		{"the same list", func() {}, app.CatalogChange{}},
		{"one state changed", func() { list[42].State, list[42].StateAt = "21", now }, app.CatalogChange{Changed: 1}},
		{"one entity gone", func() { list = list[1:] }, app.CatalogChange{Removed: 1}},
	} {
		step.edit()
		start := time.Now()
		got, err := f.svc.ListSensors(ctx, "ha", list)
		if err != nil || got != step.want {
			t.Fatalf("%s: %+v, %v; want %+v", step.what, got, err, step.want)
		}
		t.Logf("%s: %v", step.what, time.Since(start))
	}
}
