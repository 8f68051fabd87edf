package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/insight"
	"github.com/lifeops/lifeops/internal/insights"
	"github.com/lifeops/lifeops/internal/postgres"
)

// BenchmarkInsightsTwoYears is one person's insights end to end on a real
// PostgreSQL: two years of scores with their parts, ring records, 12
// habits, 8 activity types, moods and 4 linked numeric sensors with hourly
// roll-ups (about 50 variables), read and tested with both lags. The
// issue's budget is 1 s per person. The analysis of the same table alone
// is the baseline measured in the same run: the ratio is what reading the
// facts adds.
func BenchmarkInsightsTwoYears(b *testing.B) {
	ctx := context.Background()
	pool := dbtest.New(b)
	store := postgres.NewStore(pool)
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	ins := app.NewInsights(app.InsightsOptions{Store: store, Analyzer: insights.Analyzer{}, Now: func() time.Time { return now },
		Location: func() *time.Location { return berlin }})
	var pid int64
	if err := pool.QueryRow(ctx, `INSERT INTO people (slug, name, color) VALUES ('bench', 'Bench', '#336699') RETURNING id`).Scan(&pid); err != nil {
		b.Fatal(err)
	}
	from, to := domain.DayOf(now, berlin).Add(-730), domain.DayOf(now, berlin).Add(-1)
	for _, q := range []string{
		`INSERT INTO daily_scores (person_id, day, score, result, final)
		 SELECT $1, d, 50 + random() * 40, jsonb_build_object('contributors', jsonb_build_array(
		   jsonb_build_object('component', 'sleep', 'value', random() * 100, 'present', true),
		   jsonb_build_object('component', 'readiness', 'value', random() * 100, 'present', true),
		   jsonb_build_object('component', 'activity', 'value', random() * 100, 'present', true),
		   jsonb_build_object('component', 'habits', 'value', random() * 100, 'present', true),
		   jsonb_build_object('component', 'routine', 'value', random() * 100, 'present', true),
		   jsonb_build_object('component', 'environment', 'value', random() * 100, 'present', true),
		   jsonb_build_object('component', 'mood', 'value', random() * 100, 'present', true))), true
		 FROM generate_series($2::date, $3::date, interval '1 day') d`,
		`INSERT INTO daily_biometrics (person_id, day, sleep_score, readiness_score, activity_score, steps)
		 SELECT $1, d, 60 + random() * 35, 55 + random() * 40, 50 + random() * 45, (3000 + random() * 9000)::int
		 FROM generate_series($2::date, $3::date, interval '1 day') d`,
		`INSERT INTO moods (person_id, at, day, value)
		 SELECT $1, d + interval '20 hours', d, 1 + (random() * 8)::int FROM generate_series($2::date, $3::date, interval '1 day') d`,
		`INSERT INTO activities (person_id, type, amount, at, day, source, xp)
		 SELECT $1, t, 10 + random() * 50, d + interval '18 hours', d, 'manual', 0
		 FROM generate_series($2::date, $3::date, interval '1 day') d,
		      unnest(ARRAY['walk','run','cycling','meditation','reading','deep_work','social','chores']) t
		 WHERE random() < 0.5`,
		`WITH h AS (INSERT INTO habits (person_id, slug, name, kind, schedule, target, start_day)
		   SELECT $1, 'habit_' || i, 'Habit ' || i, 'positive', '{"kind":"daily"}', '{"kind":"check"}', $2::date FROM generate_series(1, 12) i
		   RETURNING id)
		 INSERT INTO habit_days (habit_id, day, status, value, completion, streak, strength, final)
		 SELECT h.id, d, CASE WHEN random() < 0.7 THEN 'done' ELSE 'missed' END, 1, round(random()), '{}', 0.5, true
		 FROM h, generate_series($2::date, $3::date, interval '1 day') d`,
		`INSERT INTO readings_1h (sensor, bucket, count, num_count, min, max, sum, last_state, last_at)
		 SELECT s, b, 12, 12, v - 1, v + 1, 12 * v, 'x', b
		 FROM (SELECT s, b, 15 + random() * 10 AS v
		       FROM unnest(ARRAY['sensor.bedroom_temperature','sensor.bedroom_humidity','sensor.bedroom_co2','sensor.bedroom_noise']) s,
		            generate_series($2::timestamptz, $3::timestamptz + interval '1 day', interval '1 hour') b
		       WHERE $1::bigint > 0) x`,
	} {
		if _, err := pool.Exec(ctx, q, pid, from, to); err != nil {
			b.Fatalf("%v\n%s", err, q)
		}
	}
	for _, s := range []string{"sensor.bedroom_temperature", "sensor.bedroom_humidity", "sensor.bedroom_co2", "sensor.bedroom_noise"} {
		if _, err := ins.LinkSensor(ctx, "bench", insight.SensorLink{Sensor: s, Name: s[len("sensor."):], Unit: "u", Kind: insight.SensorNumeric}); err != nil {
			b.Fatal(err)
		}
	}
	person := domain.Person{ID: pid, Slug: "bench"}
	tab, err := ins.Table(ctx, person)
	if err != nil {
		b.Fatal(err)
	}
	var total, analysis time.Duration
	var res app.PersonInsights
	n := 0
	for b.Loop() {
		t0 := time.Now()
		if res, err = ins.Analyze(ctx, "bench"); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		insights.Analyzer{}.Analyze(tab)
		total += t1.Sub(t0)
		analysis += time.Since(t1)
		n++
	}
	b.ReportMetric(float64(len(tab.Series)), "variables")
	b.ReportMetric(float64(res.Pairs), "pairs")
	b.ReportMetric(float64(total.Milliseconds())/float64(n), "person_ms")
	b.ReportMetric(float64(total)/float64(analysis), "person/analysis")
	b.ReportMetric(float64(total)/float64(n)/float64(time.Second), "budget_ratio")
}
