package app_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/evidence"
	"github.com/lifeops/lifeops/internal/domain/insight"
)

// lastInterest is the sensor list the latest sensor_interest_changed
// announced, and how many were announced.
func lastInterest(f *fixture) ([]string, int) {
	f.events.mu.Lock()
	defer f.events.mu.Unlock()
	var last []string
	n := 0
	for _, ev := range f.events.all {
		if ev.Kind == domain.EventSensorInterestChanged {
			if err := ev.Validate(); err != nil {
				panic(err)
			}
			last, n = ev.Interest.Sensors, n+1
		}
	}
	return last, n
}

// TestSensorInterestAnnounced: the app owns which sensors LifeOps reads
// (what rules read and what people link) and announces the whole list
// after each change that moves it, and only then.
func TestSensorInterestAnnounced(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, at(2026, time.March, 10, 9, 0, 0))
	f.person(t, "Ana")
	f.habit(t, "ana", "Tea", domain.NewDay(2026, time.March, 10))
	ins := app.NewInsights(app.InsightsOptions{Store: f.store, Interest: f.svc, Now: f.clock.Now, Location: func() *time.Location { return berlin }})
	want := func(step string, sensors []string, announcements int) {
		t.Helper()
		got, n := lastInterest(f)
		if !slices.Equal(got, sensors) || n != announcements {
			t.Fatalf("%s: announced %v (%d times), want %v (%d times)", step, got, n, sensors, announcements)
		}
	}
	rule := func(sensor string) app.RuleInput {
		return app.RuleInput{Name: sensor, Sensors: []string{sensor}, Condition: evidence.Condition{Op: evidence.OpOn},
			Action: evidence.Action{Kind: evidence.ActionCheckIn, Habit: "tea"}, Enabled: true}
	}
	kettle, err := f.svc.CreateRule(ctx, "ana", rule("binary_sensor.kettle"))
	if err != nil {
		t.Fatal(err)
	}
	want("a rule", []string{"binary_sensor.kettle"}, 1)
	if _, err := ins.LinkSensor(ctx, "ana", insight.SensorLink{Sensor: "sensor.bedroom_temperature", Name: "bedroom", Kind: insight.SensorNumeric}); err != nil {
		t.Fatal(err)
	}
	want("a link", []string{"binary_sensor.kettle", "sensor.bedroom_temperature"}, 2)
	// A habit changes the definitions but not the sensors: nothing new.
	f.habit(t, "ana", "Walk", domain.NewDay(2026, time.March, 10))
	want("a habit", []string{"binary_sensor.kettle", "sensor.bedroom_temperature"}, 2)
	if err := f.svc.DeleteRule(ctx, "ana", kettle.Value.ID); err != nil {
		t.Fatal(err)
	}
	want("the rule deleted", []string{"sensor.bedroom_temperature"}, 3)
	if err := ins.UnlinkSensor(ctx, "ana", "sensor.bedroom_temperature"); err != nil {
		t.Fatal(err)
	}
	want("the link removed", []string{}, 4)
	if got, err := f.svc.SensorInterest(ctx); err != nil || len(got) != 0 {
		t.Fatalf("SensorInterest = %v, %v; want none", got, err)
	}
}
