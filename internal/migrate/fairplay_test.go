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
