package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/insight"
)

var _ app.InsightStore = (*Store)(nil)

// InsightSensors implements app.InsightStore.
func (s *Store) InsightSensors(ctx context.Context, personID int64) ([]insight.SensorLink, error) {
	rows, err := s.q.Query(ctx, `SELECT sensor, name, unit, kind, room FROM insight_sensors WHERE person_id = $1 ORDER BY sensor`, personID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (insight.SensorLink, error) {
		var l insight.SensorLink
		err := r.Scan(&l.Sensor, &l.Name, &l.Unit, &l.Kind, &l.Room)
		return l, err
	})
}

// InsightSensorKeys implements app.InsightStore.
func (s *Store) InsightSensorKeys(ctx context.Context) ([]string, error) {
	rows, err := s.q.Query(ctx, `SELECT DISTINCT sensor FROM insight_sensors ORDER BY sensor`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// InsightSensorPut implements app.InsightStore: a link to the same sensor
// is replaced.
func (s *Store) InsightSensorPut(ctx context.Context, personID int64, l insight.SensorLink) error {
	_, err := s.q.Exec(ctx, `INSERT INTO insight_sensors (person_id, sensor, name, unit, kind, room) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (person_id, sensor) DO UPDATE SET name = EXCLUDED.name, unit = EXCLUDED.unit, kind = EXCLUDED.kind, room = EXCLUDED.room`,
		personID, l.Sensor, l.Name, l.Unit, l.Kind, l.Room)
	return err
}

// InsightSensorDelete implements app.InsightStore.
func (s *Store) InsightSensorDelete(ctx context.Context, personID int64, sensor string) error {
	tag, err := s.q.Exec(ctx, `DELETE FROM insight_sensors WHERE person_id = $1 AND sensor = $2`, personID, sensor)
	if err == nil && tag.RowsAffected() == 0 {
		return fmt.Errorf("insight sensor %q: %w", sensor, domain.ErrNotFound)
	}
	return err
}

// The per-day roll-ups insights read, one statement each, sent in one batch.
const (
	insightScoresSQL = `SELECT day, score, result FROM daily_scores
		WHERE person_id = $1 AND day BETWEEN $2 AND $3 AND score IS NOT NULL ORDER BY day`
	insightBiometricsSQL = `SELECT day, sleep_score, readiness_score, activity_score, steps::double precision FROM daily_biometrics
		WHERE person_id = $1 AND day BETWEEN $2 AND $3 ORDER BY day`
	// A habit's day counts when something was due and decided.
	insightHabitsSQL = `SELECT hd.habit_id, h.name, hd.day, hd.completion FROM habit_days hd JOIN habits h ON h.id = hd.habit_id
		WHERE h.person_id = $1 AND hd.day BETWEEN $2 AND $3 AND hd.status IN ('done', 'missed') ORDER BY hd.habit_id, hd.day`
	// Skipped items were chosen away: they count neither way. Done counts
	// as on time up to its grace after the planned time.
	insightRoutineSQL = `SELECT day,
		  count(*) FILTER (WHERE status IN ('done', 'missed')),
		  count(*) FILTER (WHERE status = 'done' AND completed_at <= planned + make_interval(mins => grace_min))
		FROM timeline_entries WHERE person_id = $1 AND day BETWEEN $2 AND $3 GROUP BY day ORDER BY day`
	insightActivitiesSQL = `SELECT type, day, sum(amount) FROM activities
		WHERE person_id = $1 AND day BETWEEN $2 AND $3 GROUP BY type, day ORDER BY type, day`
	insightMoodsSQL = `SELECT day, avg(value)::double precision FROM moods
		WHERE person_id = $1 AND day BETWEEN $2 AND $3 GROUP BY day ORDER BY day`
)

// InsightFacts implements app.InsightStore. Activity names and units are
// left to the caller (the catalogue); sensors are read by
// InsightSensorNights and InsightSensorChanges.
func (s *Store) InsightFacts(ctx context.Context, personID int64, from, to domain.Day) (insight.Facts, error) {
	f := insight.Facts{From: from, To: to}
	b := &pgx.Batch{}
	b.Queue(insightScoresSQL, personID, from, to).Query(func(rows pgx.Rows) error {
		var err error
		f.Scores, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (insight.ScoreDay, error) {
			var d insight.ScoreDay
			var raw []byte
			if err := r.Scan(&d.Day, &d.Score, &raw); err != nil {
				return d, err
			}
			var res domain.DayScore
			if err := json.Unmarshal(raw, &res); err != nil {
				return d, fmt.Errorf("score of %s: %w", d.Day, err)
			}
			d.Components = map[domain.Component]float64{}
			for _, c := range res.Contributors {
				if c.Present {
					d.Components[c.Component] = c.Value
				}
			}
			return d, nil
		})
		return err
	})
	b.Queue(insightBiometricsSQL, personID, from, to).Query(func(rows pgx.Rows) error {
		var err error
		f.Biometrics, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (insight.BiometricDay, error) {
			var d insight.BiometricDay
			err := r.Scan(&d.Day, &d.Sleep, &d.Readiness, &d.Activity, &d.Steps)
			return d, err
		})
		return err
	})
	b.Queue(insightHabitsSQL, personID, from, to).Query(func(rows pgx.Rows) error {
		var err error
		f.Habits, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (insight.HabitDay, error) {
			var d insight.HabitDay
			err := r.Scan(&d.HabitID, &d.Name, &d.Day, &d.Completion)
			return d, err
		})
		return err
	})
	b.Queue(insightRoutineSQL, personID, from, to).Query(func(rows pgx.Rows) error {
		var err error
		f.Routine, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (insight.RoutineDay, error) {
			var d insight.RoutineDay
			err := r.Scan(&d.Day, &d.Due, &d.OnTime)
			return d, err
		})
		return err
	})
	b.Queue(insightActivitiesSQL, personID, from, to).Query(func(rows pgx.Rows) error {
		var err error
		f.Activities, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (insight.ActivityDay, error) {
			var d insight.ActivityDay
			err := r.Scan(&d.Type, &d.Day, &d.Amount)
			return d, err
		})
		return err
	})
	b.Queue(insightMoodsSQL, personID, from, to).Query(func(rows pgx.Rows) error {
		var err error
		f.Moods, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (insight.MoodDay, error) {
			var d insight.MoodDay
			err := r.Scan(&d.Day, &d.Mean)
			return d, err
		})
		return err
	})
	if err := s.q.SendBatch(ctx, b).Close(); err != nil {
		return f, fmt.Errorf("insight facts of person %d: %w", personID, err)
	}
	return f, nil
}

// insightNightsSQL summarises numeric sensors by night from the hourly
// roll-ups (kept for good): an hour belongs to the night ending on the next
// day from NightStart, to the same day's night until NightEnd, local time.
const insightNightsSQL = `
	WITH h AS (
		SELECT sensor, (bucket AT TIME ZONE $4) AS local, num_count, sum, min, max
		FROM readings_1h
		WHERE sensor = ANY($1) AND bucket >= $2 AND bucket < $3 AND num_count > 0
	), n AS (
		SELECT sensor, num_count, sum, min, max,
		       CASE WHEN local::time >= $5::time THEN local::date + 1
		            WHEN local::time < $6::time THEN local::date END AS night
		FROM h
	)
	SELECT sensor, night, sum(sum) / sum(num_count), min(min), max(max)
	FROM n WHERE night IS NOT NULL AND night BETWEEN $7 AND $8
	GROUP BY sensor, night ORDER BY sensor, night`

// insightHoursSQL reads the same roll-ups hour by hour, for a time zone
// PostgreSQL does not know by name.
const insightHoursSQL = `SELECT sensor, bucket, num_count, sum, min, max FROM readings_1h
	WHERE sensor = ANY($1) AND bucket >= $2 AND bucket < $3 AND num_count > 0 ORDER BY sensor, bucket`

// InsightSensorNights implements app.InsightStore for numeric sensors. The
// grouping into nights runs in PostgreSQL when it knows the household's
// zone by name; time.Local has none, and then it runs here, on every hour.
func (s *Store) InsightSensorNights(ctx context.Context, sensors []string, from, to domain.Day, loc *time.Location) ([]insight.SensorNight, error) {
	if len(sensors) == 0 || to.Before(from) {
		return nil, nil
	}
	start, end := from.Add(-1).Start(loc), to.End(loc)
	if name := loc.String(); name != "Local" && name != "" {
		rows, err := s.q.Query(ctx, insightNightsSQL, sensors, start, end, name,
			insight.NightStart.String(), insight.NightEnd.String(), from, to)
		if err != nil {
			return nil, fmt.Errorf("sensor nights: %w", err)
		}
		nights, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (insight.SensorNight, error) {
			var n insight.SensorNight
			err := r.Scan(&n.Sensor, &n.Day, &n.Mean, &n.Min, &n.Max)
			return n, err
		})
		if err != nil {
			return nil, fmt.Errorf("sensor nights: %w", err)
		}
		return nights, nil
	}
	return s.insightNightsHere(ctx, sensors, from, to, start, end, loc)
}

// insightNightsHere groups the hourly roll-ups into nights with
// insight.NightOf.
func (s *Store) insightNightsHere(ctx context.Context, sensors []string, from, to domain.Day, start, end time.Time, loc *time.Location) ([]insight.SensorNight, error) {
	rows, err := s.q.Query(ctx, insightHoursSQL, sensors, start, end)
	if err != nil {
		return nil, fmt.Errorf("sensor nights: %w", err)
	}
	defer rows.Close()
	var out []insight.SensorNight
	var cur *insight.SensorNight
	var sum float64
	var count int64
	flush := func() {
		if cur != nil && count > 0 {
			cur.Mean = sum / float64(count)
			out = append(out, *cur)
		}
		cur, sum, count = nil, 0, 0
	}
	for rows.Next() {
		var sensor string
		var bucket time.Time
		var n int64
		var hsum, lo, hi float64
		if err := rows.Scan(&sensor, &bucket, &n, &hsum, &lo, &hi); err != nil {
			return nil, fmt.Errorf("sensor nights: %w", err)
		}
		day, ok := insight.NightOf(bucket, loc)
		if !ok || day.Before(from) || day.After(to) {
			continue
		}
		if cur == nil || cur.Sensor != sensor || cur.Day != day {
			flush()
			cur = &insight.SensorNight{Sensor: sensor, Day: day, Min: lo, Max: hi}
		}
		sum += hsum
		count += n
		cur.Min, cur.Max = min(cur.Min, lo), max(cur.Max, hi)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sensor nights: %w", err)
	}
	flush()
	return out, nil
}

// InsightSensorChanges implements app.InsightStore: the stored readings of
// one sensor from the last one at or before since up to until, oldest first.
func (s *Store) InsightSensorChanges(ctx context.Context, sensor string, since, until time.Time) ([]insight.StateChange, error) {
	rows, err := s.q.Query(ctx, `
		(SELECT at, state FROM readings WHERE sensor = $1 AND at <= $2 ORDER BY at DESC LIMIT 1)
		UNION ALL
		(SELECT at, state FROM readings WHERE sensor = $1 AND at > $2 AND at < $3)
		ORDER BY at`, sensor, since, until)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (insight.StateChange, error) {
		var c insight.StateChange
		err := r.Scan(&c.At, &c.State)
		return c, err
	})
}
