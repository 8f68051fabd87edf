package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/domain"
)

// TestSensorNightsAgreeInSQLAndGo: the nights PostgreSQL groups (a zone it
// knows by name) equal the nights grouped here (time.Local, which it does
// not), across both DST changes.
func TestSensorNightsAgreeInSQLAndGo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := NewStore(dbtest.New(t))
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	from, to := domain.NewDay(2026, 3, 25), domain.NewDay(2026, 11, 2)
	if _, err := s.q.Exec(ctx, `INSERT INTO readings_1h (sensor, bucket, count, num_count, min, max, sum, last_state, last_at)
		SELECT 'sensor.t', b, 4, 4, v - 1, v + 2, 4 * v, 'x', b
		FROM (SELECT b, 15 + 10 * random() AS v FROM generate_series($1::timestamptz, $2::timestamptz, interval '1 hour') b) x`,
		from.Add(-1).Start(loc), to.End(loc).Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	inSQL, err := s.InsightSensorNights(ctx, []string{"sensor.t"}, from, to, loc)
	if err != nil {
		t.Fatal(err)
	}
	here, err := s.insightNightsHere(ctx, []string{"sensor.t"}, from, to, from.Add(-1).Start(loc), to.End(loc), loc)
	if err != nil {
		t.Fatal(err)
	}
	if len(inSQL) != to.Sub(from)+1 || len(here) != len(inSQL) {
		t.Fatalf("%d nights in SQL, %d here, want %d", len(inSQL), len(here), to.Sub(from)+1)
	}
	for i := range inSQL {
		a, b := inSQL[i], here[i]
		if a.Day != b.Day || a.Min != b.Min || a.Max != b.Max || a.Mean-b.Mean > 1e-9 || b.Mean-a.Mean > 1e-9 {
			t.Errorf("night %d: SQL %+v, here %+v", i, a, b)
		}
	}
}
