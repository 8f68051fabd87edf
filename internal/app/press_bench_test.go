package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/evidence"
)

// BenchmarkPressObserve times the rules' share of a button press alone
// (Service.Observe of a reading that completes a habit, without MQTT), the
// same presses back to back and with 300 ms of quiet before each, as at
// home: on a small machine the quiet costs by itself, per round trip to
// PostgreSQL. ratio_idle_warm = idle p50 ÷ warm p50; round_trips/press
// is the pool's count (a statement or a pipelined batch each). The
// household is people with fifteen habits each, one rule per habit; run it
// with -benchtime 1x (40 presses of each kind, about 15 s).
func BenchmarkPressObserve(b *testing.B) {
	const presses, perPerson = 40, 15
	ctx := context.Background()
	trips := &dbtest.RoundTrips{}
	f := tracedFixture(b, at(2026, time.March, 10, 9, 0, 0), trips)
	svc, clk := f.svc, f.clock
	var person string
	for i := range 2*presses + 1 { // one warm-up press
		if i%perPerson == 0 {
			p, err := svc.CreatePerson(ctx, app.PersonInput{Name: fmt.Sprintf("Person %d", i/perPerson)})
			if err != nil {
				b.Fatal(err)
			}
			person = p.Value.Slug
		}
		h, err := svc.CreateHabit(ctx, person, app.HabitInput{Name: fmt.Sprintf("Habit %d", i), Schedule: domain.Schedule{Kind: domain.ScheduleDaily}})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := svc.CreateRule(ctx, person, app.RuleInput{Name: fmt.Sprintf("button %d", i),
			Sensors:   []string{fmt.Sprintf("zigbee2mqtt/button_%d/action", i)},
			Condition: evidence.Condition{Op: evidence.OpEq, Value: "single"},
			Action:    evidence.Action{Kind: evidence.ActionCheckIn, Habit: h.Value.Slug}, Enabled: true}); err != nil {
			b.Fatal(err)
		}
	}
	next := 0
	press := func() (time.Duration, int64) {
		sensor := fmt.Sprintf("zigbee2mqtt/button_%d/action", next)
		next++
		before := trips.N()
		start := time.Now()
		if err := svc.Observe(ctx, []app.Reading{{Source: "zigbee2mqtt", Sensor: sensor, State: "single", At: clk.Now()}}); err != nil {
			b.Fatal(err)
		}
		return time.Since(start), trips.N() - before
	}
	var warm, idle []time.Duration
	var n int64
	for b.Loop() {
		press()
		for range presses {
			took, t := press()
			warm, n = append(warm, took), t
		}
		for range presses {
			time.Sleep(300 * time.Millisecond)
			took, _ := press()
			idle = append(idle, took)
		}
	}
	w, i := dbtest.Quantile(warm, 0.5), dbtest.Quantile(idle, 0.5)
	b.ReportMetric(float64(w.Microseconds()), "warm_p50_µs")
	b.ReportMetric(float64(i.Microseconds()), "idle_p50_µs")
	b.ReportMetric(float64(dbtest.Quantile(idle, 0.95).Microseconds()), "idle_p95_µs")
	b.ReportMetric(float64(n), "round_trips/press")
	b.ReportMetric(float64(i)/float64(w), "ratio_idle_warm")
}
