package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/insights"
)

func withInsights(now func() time.Time) envOption {
	return func(o *Options) {
		o.Insights = app.NewInsights(app.InsightsOptions{Store: o.Idempotency.(app.InsightStore), Analyzer: insights.Analyzer{},
			Now: now, Location: func() *time.Location { return time.UTC }})
	}
}

// TestInsightsAPI plants a bedroom temperature that goes with the sleep
// score, pins the insights and variables payloads (-update rewrites them)
// and checks paging, filters and bad input.
func TestInsightsAPI(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 10, 18, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	e := newEnvAt(t, clock, withInsights(clock))
	id := e.person("Ines").ID
	ctx := context.Background()

	e.do(req{method: "PUT", path: "/api/v1/people/ines/insights/sensors", token: e.admin,
		body: map[string]any{"sensor": "sensor.bedroom_temperature", "name": "bedroom temperature", "unit": "°C", "kind": "numeric", "room": "bedroom"}}).want(t, 200)
	// Bad input names the field and links nothing.
	bad := e.do(req{method: "PUT", path: "/api/v1/people/ines/insights/sensors", token: e.admin,
		body: map[string]any{"sensor": "Bedroom Temp", "name": "x", "kind": "numeric"}}).want(t, 422)
	if !bytes.Contains(bad.body, []byte(`"body.sensor"`)) {
		t.Errorf("bad sensor: %s", bad.body)
	}
	var links []SensorLinkBody
	e.do(req{method: "GET", path: "/api/v1/people/ines/insights/sensors", token: e.admin}).want(t, 200).decode(t, &links)
	if len(links) != 1 {
		t.Fatalf("links = %+v", links)
	}

	r := rand.New(rand.NewPCG(3, 4))
	today := domain.DayOf(now, time.UTC)
	for i := 1; i <= 60; i++ {
		d := today.Add(-i)
		temp := 17 + 5*r.Float64()
		for h := range 9 {
			bucket := d.Start(time.UTC).Add(time.Duration(h-2) * time.Hour)
			if _, err := e.pool.Exec(ctx, `INSERT INTO readings_1h (sensor, bucket, count, num_count, min, max, sum, last_state, last_at)
				VALUES ('sensor.bedroom_temperature', $1, 1, 1, $2, $2, $2, 'x', $1)`, bucket, temp); err != nil {
				t.Fatal(err)
			}
		}
		sleep := 85 - 2*(temp-18) + 2*r.NormFloat64()
		steps := 4000 + 8000*r.Float64() // unrelated
		if _, err := e.pool.Exec(ctx, `INSERT INTO daily_biometrics (person_id, day, sleep_score, steps) VALUES ($1, $2, $3, $4)`, id, d, sleep, int(steps)); err != nil {
			t.Fatal(err)
		}
	}
	// A variable with too little data is collecting.
	for i := 1; i <= 12; i++ {
		if _, err := e.pool.Exec(ctx, `INSERT INTO moods (person_id, at, day, value) VALUES ($1, $2, $3, 5)`, id, today.Add(-i).Start(time.UTC).Add(12*time.Hour), today.Add(-i)); err != nil {
			t.Fatal(err)
		}
	}

	page := e.do(req{method: "GET", path: "/api/v1/people/ines/insights?limit=1", token: e.admin}).want(t, 200)
	vars := e.do(req{method: "GET", path: "/api/v1/people/ines/insights/variables", token: e.admin}).want(t, 200)
	for name, body := range map[string][]byte{"insights": page.body, "insight_variables": vars.body} {
		golden(t, name, body)
	}
	var p InsightPage
	page.decode(t, &p)
	if len(p.Items) != 1 || p.Items[0].A.Key != "sensor.sensor.bedroom_temperature.mean" && p.Items[0].A.Key != "sensor.sensor.bedroom_temperature.min" && p.Items[0].A.Key != "sensor.sensor.bedroom_temperature.max" || p.Items[0].B.Key != "ring.sleep" || p.Items[0].Difference >= 0 {
		t.Fatalf("top insight: %+v", p.Items)
	}
	if p.NextCursor == "" {
		t.Fatal("no next page; mean, min and max all go with the sleep score")
	}
	var p2 InsightPage
	e.do(req{method: "GET", path: "/api/v1/people/ines/insights?limit=1&cursor=" + p.NextCursor, token: e.admin}).want(t, 200).decode(t, &p2)
	if len(p2.Items) != 1 || p2.Items[0].ID == p.Items[0].ID {
		t.Errorf("second page %+v repeats the first %+v", p2.Items, p.Items)
	}
	var lagged InsightPage
	e.do(req{method: "GET", path: "/api/v1/people/ines/insights?lag=1&variable=ring.steps", token: e.admin}).want(t, 200).decode(t, &lagged)
	if len(lagged.Items) != 0 {
		t.Errorf("steps were random, yet: %+v", lagged.Items)
	}
	e.do(req{method: "GET", path: "/api/v1/people/ines/insights?lag=2", token: e.admin}).want(t, 422)
	e.do(req{method: "GET", path: "/api/v1/people/ines/insights?min_strength=huge", token: e.admin}).want(t, 422)
	e.do(req{method: "GET", path: "/api/v1/people/ines/insights?cursor=x", token: e.admin}).want(t, 422)
	e.do(req{method: "GET", path: "/api/v1/people/nobody/insights", token: e.admin}).want(t, 404)
	e.do(req{method: "DELETE", path: "/api/v1/people/ines/insights/sensors?sensor=sensor.bedroom_temperature", token: e.admin}).want(t, 204)
	e.do(req{method: "DELETE", path: "/api/v1/people/ines/insights/sensors?sensor=sensor.bedroom_temperature", token: e.admin}).want(t, 404)
	var after InsightPage
	e.do(req{method: "GET", path: "/api/v1/people/ines/insights", token: e.admin}).want(t, 200).decode(t, &after)
	if len(after.Items) != 0 {
		t.Errorf("unlinked sensor still speaks: %+v", after.Items)
	}
}

// golden compares a JSON body, indented, with testdata/name.golden
// (-update rewrites it).
func golden(t *testing.T, name string, body []byte) {
	t.Helper()
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, body, "", "  "); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(pretty.Bytes(), want) {
		t.Errorf("%s changed:\n%s\nwant:\n%s", name, pretty.Bytes(), want)
	}
}
