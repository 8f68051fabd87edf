package app_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

func TestDemoHouseholdSeedsAndRemovesExactly(t *testing.T) {
	t.Parallel()
	f := newFixture(t, at(2026, 5, 4, 12, 0, 0))
	ctx := context.Background()
	began := time.Now()
	if err := f.svc.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded the demo household in %v", time.Since(began))
	people, err := f.svc.People(ctx)
	if err != nil || len(people) != 2 {
		t.Fatalf("people after seeding: %d, %v", len(people), err)
	}
	today, err := f.svc.Today(ctx, "alex")
	if err != nil {
		t.Fatal(err)
	}
	if today.Level < 2 || len(today.Habits) != 3 {
		t.Fatalf("demo person looks empty: level %d, %d habits", today.Level, len(today.Habits))
	}
	best := 0
	for _, h := range today.Habits {
		best = max(best, h.Streak.Best)
	}
	if best < 3 {
		t.Fatalf("30 days of history left no streak of 3: best %d", best)
	}
	history, err := f.svc.ScoreHistory(ctx, "alex", domain.NewDay(2026, 4, 4), domain.NewDay(2026, 5, 3))
	if err != nil || len(history) < 28 {
		t.Fatalf("score history: %d days, %v", len(history), err)
	}
	if err := f.svc.SeedDemo(ctx); !errors.Is(err, app.ErrNotEmpty) {
		t.Fatalf("seeding twice: %v", err)
	}
	n, err := f.svc.RemoveDemo(ctx)
	if err != nil || n != 2 {
		t.Fatalf("removed %d, %v", n, err)
	}
	if people, _ := f.svc.People(ctx); len(people) != 0 {
		t.Fatalf("people left after removal: %d", len(people))
	}
	// Nothing of theirs is left behind.
	var rows int
	if err := f.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM habits) + (SELECT count(*) FROM check_ins) + (SELECT count(*) FROM activities)
		+ (SELECT count(*) FROM xp_ledger) + (SELECT count(*) FROM daily_scores) + (SELECT count(*) FROM routines)`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 0 {
		t.Fatalf("%d rows left after removing the demo", rows)
	}
}
