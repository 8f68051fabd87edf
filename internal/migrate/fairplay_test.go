package migrate_test

import (
	"context"
	"testing"

	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/migrate"
)

// Before 0014 a stored grace_min of 0 meant "the default, 60"; 0014 makes 0
// mean 0, so it rewrites the stored 0s to 60 and leaves other values alone.
func TestGraceZeroBecomesTheDefault(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := open(t, dbtest.Empty(t))
	migs := shipped(t)
	if _, err := migrate.New(pool, migs[:13]).Up(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := pool.Exec(ctx, `
		INSERT INTO people (slug, name, color) VALUES ('ann', 'Ann', '#112233');
		INSERT INTO routines (person_id, name, schedule) SELECT id, 'Morning', '{"kind":"daily"}' FROM people;
		INSERT INTO routine_items (routine_id, position, title, anchor_kind, anchor_at, grace_min)
		  SELECT id, 0, 'Stretch', 'clock', 420, 0 FROM routines;
		INSERT INTO routine_items (routine_id, position, title, anchor_kind, anchor_at, grace_min)
		  SELECT id, 1, 'Pill', 'clock', 480, 15 FROM routines;
		INSERT INTO timeline_entries (item_id, day, person_id, routine_id, routine_name, title, planned, duration_min, grace_min, xp, status)
		  SELECT i.id, '2026-12-01', r.person_id, r.id, r.name, i.title, '2026-12-01T07:00:00Z', 0, i.grace_min, 0, 'pending'
		    FROM routine_items i JOIN routines r ON r.id = i.routine_id`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrate.New(pool, migs[:14]).Up(ctx); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"routine_items", "timeline_entries"} {
		var stretch, pill int
		if err := pool.QueryRow(ctx, `SELECT
			(SELECT grace_min FROM `+table+` WHERE title = 'Stretch'),
			(SELECT grace_min FROM `+table+` WHERE title = 'Pill')`).Scan(&stretch, &pill); err != nil {
			t.Fatal(err)
		}
		if stretch != 60 || pill != 15 {
			t.Errorf("%s: grace of Stretch, Pill = %d, %d; want 60 (stored 0 was the default), 15", table, stretch, pill)
		}
	}
	// An item inserted without a grace gets the default.
	var g int
	if err := pool.QueryRow(ctx, `INSERT INTO routine_items (routine_id, position, title, anchor_kind, anchor_at)
		SELECT id, 2, 'Read', 'clock', 1200 FROM routines RETURNING grace_min`).Scan(&g); err != nil {
		t.Fatal(err)
	}
	if g != 60 {
		t.Errorf("default grace_min = %d, want 60", g)
	}
}

// Habits kept by a limit were paid for every kept day since their start
// until 0014: they get one span from their start (open while active, up to
// their last stored day when archived), so nothing already paid changes.
func TestLimitHabitsGetASpanFromTheirStart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := open(t, dbtest.Empty(t))
	migs := shipped(t)
	if _, err := migrate.New(pool, migs[:13]).Up(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := pool.Exec(ctx, `
		INSERT INTO people (slug, name, color) VALUES ('ann', 'Ann', '#112233');
		INSERT INTO habits (person_id, slug, name, kind, schedule, target, start_day)
		  SELECT id, 'sweets', 'No sweets', 'negative', '{"Kind":"daily"}', '{"Kind":"check"}', '2026-11-02' FROM people;
		INSERT INTO habits (person_id, slug, name, kind, schedule, target, start_day, archived_at)
		  SELECT id, 'coffee', 'Coffee', 'positive', '{"Kind":"daily"}', '{"Kind":"at_most","Value":2}', '2026-11-03', now() FROM people;
		INSERT INTO habits (person_id, slug, name, kind, schedule, target, start_day, archived_at)
		  SELECT id, 'gone', 'Gone', 'negative', '{"Kind":"daily"}', '{"Kind":"check"}', '2026-11-04', now() FROM people;
		INSERT INTO habits (person_id, slug, name, kind, schedule, target, start_day)
		  SELECT id, 'read', 'Read', 'positive', '{"Kind":"daily"}', '{"Kind":"check"}', '2026-11-05' FROM people;
		INSERT INTO habit_days (habit_id, day, status, value, completion, streak, strength, final)
		  SELECT h.id, d::date, 'done', 0, 1, '{}', 0, true
		    FROM habits h, generate_series('2026-11-03'::date, '2026-11-09'::date, '1 day') d WHERE h.slug = 'coffee'`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrate.New(pool, migs[:14]).Up(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"sweets": `[{"from": "2026-11-02"}]`,
		"coffee": `[{"from": "2026-11-03", "until": "2026-11-09"}]`,
		"gone":   `[]`, // archived with no stored day: nothing was ever paid
		"read":   `[]`,
	}
	for slug, w := range want {
		var got string
		if err := pool.QueryRow(ctx, "SELECT limit_spans::text FROM habits WHERE slug = $1", slug).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != w {
			t.Errorf("%s: limit_spans %s, want %s", slug, got, w)
		}
	}
}
