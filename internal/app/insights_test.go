package app_test

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/insight"
	"github.com/lifeops/lifeops/internal/insights"
)

// TestInsightsFromStoredFacts plants two relationships in a person's stored
// facts, written through the use cases (walks, moods) and as the sensor
// roll-ups and ring records the other parts store: the sleep score is
// 85 − 2 × (bedroom temperature at night − 18) + noise, and the mood rises
// with yesterday's walk. Both are found with the right sign and lag, and
// every variable they rest on equals a recomputation from what was written.
func TestInsightsFromStoredFacts(t *testing.T) {
	t.Parallel()
	const days = 90
	d0 := domain.NewDay(2026, 2, 1)
	f := newFixture(t, d0.Start(berlin).Add(8*time.Hour))
	ctx := context.Background()
	kim := f.person(t, "Kim")
	heard := &events{}
	ins := app.NewInsights(app.InsightsOptions{Store: f.store, Analyzer: insights.Analyzer{}, Now: f.clock.Now,
		Location: func() *time.Location { return berlin }, Sinks: []app.EventSink{heard}})
	if _, err := ins.LinkSensor(ctx, "kim", insight.SensorLink{Sensor: "sensor.bedroom_temperature", Name: "bedroom temperature", Unit: "°C", Kind: insight.SensorNumeric, Room: "bedroom"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ins.LinkSensor(ctx, "kim", insight.SensorLink{Sensor: "binary_sensor.bedroom_window", Name: "bedroom window", Kind: insight.SensorBinary, Room: "bedroom"}); err != nil {
		t.Fatal(err)
	}
	// Linking is a definitions change too: the sensor feeds record what is
	// linked from now on.
	if k := heard.kinds(); k[app.EventInsightsChanged] != 2 || k[domain.EventDefinitionsChanged] != 2 {
		t.Errorf("events after two links: %v", k)
	}
	if keys, err := ins.LinkedSensors(ctx); err != nil || len(keys) != 2 {
		t.Errorf("linked sensors %v, %v", keys, err)
	}
	// Bad input names the field and stores nothing.
	_, err := ins.LinkSensor(ctx, "kim", insight.SensorLink{Sensor: "sensor.x", Name: "x", Kind: "analog"})
	var ve *domain.ValidationError
	if !errors.As(err, &ve) || ve.Fields[0].Field != "kind" {
		t.Fatalf("bad kind: %v", err)
	}
	if links, _ := ins.InsightSensors(ctx, "kim"); len(links) != 2 {
		t.Fatalf("a rejected link was stored: %+v", links)
	}

	r := rand.New(rand.NewPCG(5, 6))
	temp := map[domain.Day]float64{}
	sleep := map[domain.Day]float64{}
	walk := map[domain.Day]float64{}
	mood := map[domain.Day]int{}
	windowOn := map[domain.Day]float64{}
	for i := range days {
		d := d0.Add(i)
		// The night ending on d: hourly roll-ups from 22:00 to 06:00 local
		// time (one fewer on the spring-forward night, when 02:00 does not
		// exist), and a warm afternoon that is
		// part of no night.
		temp[d] = 17 + 5*r.Float64()
		prev := d.Add(-1)
		night := time.Date(prev.Year, prev.Month, prev.Day, 22, 0, 0, 0, berlin)
		for h := range 9 {
			bucket := time.Date(prev.Year, prev.Month, prev.Day, 22+h, 0, 0, 0, berlin)
			x := temp[d]
			if _, err := f.pool.Exec(ctx, `INSERT INTO readings_1h (sensor, bucket, count, num_count, min, max, sum, last_state, last_at)
				VALUES ('sensor.bedroom_temperature', $1, 12, 12, $2, $3, $4, $5, $1) ON CONFLICT DO NOTHING`,
				bucket, x-0.5-0.1*float64(h), x+0.5, 12*x, "x"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.pool.Exec(ctx, `INSERT INTO readings_1h (sensor, bucket, count, num_count, min, max, sum, last_state, last_at)
			VALUES ('sensor.bedroom_temperature', $1, 1, 1, 30, 30, 30, '30', $1)`, d.Start(berlin).Add(15*time.Hour)); err != nil {
			t.Fatal(err)
		}
		// The window opens at 23:00 for a random while.
		open := float64(r.IntN(120))
		windowOn[d] = open
		if _, err := f.pool.Exec(ctx, `INSERT INTO readings (source, sensor, state, at) VALUES
			('ha', 'binary_sensor.bedroom_window', 'on', $1), ('ha', 'binary_sensor.bedroom_window', 'off', $2)`,
			night.Add(time.Hour), night.Add(time.Hour+time.Duration(open)*time.Minute)); err != nil {
			t.Fatal(err)
		}
		s := 85 - 2*(temp[d]-18) + 2*r.NormFloat64()
		sleep[d] = s
		if err := f.store.BiometricsPut(ctx, kim.ID, app.Biometrics{Day: d, Sleep: &s}); err != nil {
			t.Fatal(err)
		}
		f.clock.Set(d.Start(berlin).Add(18 * time.Hour))
		if r.Float64() < 0.8 {
			walk[d] = float64(10 + r.IntN(80))
			if _, err := f.svc.LogActivity(ctx, app.ActivityInput{Person: "kim", Type: "walk", Amount: walk[d], Source: domain.SourceManual}); err != nil {
				t.Fatal(err)
			}
		}
		f.clock.Set(d.Start(berlin).Add(20 * time.Hour))
		m := int(math.Round(3 + walk[d.Add(-1)]/20 + 0.7*r.NormFloat64()))
		mood[d] = min(max(m, 1), 9)
		if _, _, err := f.svc.LogMood(ctx, app.MoodInput{Person: "kim", Value: mood[d], Source: domain.SourceManual}); err != nil {
			t.Fatal(err)
		}
	}
	f.clock.Set(d0.Add(days).Start(berlin).Add(9 * time.Hour))
	if _, err := f.pool.Exec(ctx, `INSERT INTO readings (source, sensor, state, at) VALUES ('ha', 'binary_sensor.bedroom_window', 'off', $1)`, f.clock.Now()); err != nil {
		t.Fatal(err)
	}

	// The variables equal a recomputation from what was written.
	tab, err := ins.Table(ctx, kim)
	if err != nil {
		t.Fatal(err)
	}
	series := map[string][]float64{}
	for _, s := range tab.Series {
		series[s.Key] = s.Values
	}
	check := func(key string, want map[domain.Day]float64, zeroMissing bool) {
		t.Helper()
		vals, ok := series[key]
		if !ok {
			t.Fatalf("no variable %s", key)
		}
		for i := range days {
			d := d0.Add(i)
			w, ok := want[d]
			if !ok && zeroMissing {
				w, ok = 0, true
			}
			got := vals[d.Sub(tab.From)]
			if !ok && !math.IsNaN(got) || ok && math.Abs(got-w) > 1e-9 {
				t.Errorf("%s on %s = %v, want %v", key, d, got, w)
			}
		}
	}
	check("ring.sleep", sleep, false)
	check("sensor.sensor.bedroom_temperature.mean", temp, false)
	check("sensor.binary_sensor.bedroom_window.on", windowOn, false)
	moods := map[domain.Day]float64{}
	for d, m := range mood {
		moods[d] = float64(m)
	}
	check("mood", moods, false)
	vals := series["activity.walk"]
	for i := range days {
		d := d0.Add(i)
		if got := vals[d.Sub(tab.From)]; !math.IsNaN(got) && got != walk[d] {
			t.Errorf("walk on %s = %v, want %v", d, got, walk[d])
		}
	}

	res, err := ins.Analyze(ctx, "kim")
	if err != nil {
		t.Fatal(err)
	}
	found := func(a, b string, lag int, negative bool) {
		t.Helper()
		for _, in := range res.Insights {
			if in.A.Key == a && in.B.Key == b && in.Lag == lag {
				if (in.Rho < 0) != negative || (in.Difference < 0) != negative {
					t.Errorf("%s: ρ %.2f, difference %.2f: wrong sign", in.ID(), in.Rho, in.Difference)
				}
				t.Logf("%s", in.Sentence())
				return
			}
		}
		t.Errorf("%s → %s lag %d not found in %d insights over %d pairs", a, b, lag, len(res.Insights), res.Pairs)
	}
	found("sensor.sensor.bedroom_temperature.mean", "ring.sleep", 0, true)
	found("activity.walk", "mood", 1, false)
	for _, in := range res.Insights {
		if in.A.Key == "sensor.binary_sensor.bedroom_window.on" {
			t.Errorf("the window's random minutes became an insight: %s", in.Sentence())
		}
	}

	// The ring's sleep scores are corrected to ones unrelated to the room:
	// the insight stops holding and is gone, with nothing stored to undo.
	for i := range days {
		s := 60 + 35*r.Float64()
		if err := f.store.BiometricsPut(ctx, kim.ID, app.Biometrics{Day: d0.Add(i), Sleep: &s}); err != nil {
			t.Fatal(err)
		}
	}
	if res, err = ins.Analyze(ctx, "kim"); err != nil {
		t.Fatal(err)
	}
	for _, in := range res.Insights {
		if in.B.Key == "ring.sleep" && strings.HasPrefix(in.A.Key, "sensor.sensor.bedroom_temperature") {
			t.Errorf("an insight that stopped holding is still said: %s", in.Sentence())
		}
	}
	found("activity.walk", "mood", 1, false)
}
