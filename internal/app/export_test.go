package app_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

// TestExportReimportsLosslessly: a person with habits, check-ins, a pause,
// activities, a mood, an imported Loop history, a goal with milestones and
// closed days is exported, restored into another LifeOps, and exported
// again: every table's rows for the person are the same, and verify is
// clean there.
func TestExportReimportsLosslessly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := newFixture(t, at(2026, 3, 8, 9, 0, 0))
	src.person(t, "Zoe")
	src.habit(t, "zoe", "Stretch", domain.NewDay(2026, 3, 8))
	if _, err := src.svc.ImportLoop(ctx, "zoe", loopFixture(t), false); err != nil {
		t.Fatal(err)
	}
	for d := 8; d <= 10; d++ {
		src.clock.Set(at(2026, 3, d, 20, 0, 0))
		if _, err := src.svc.CheckIn(ctx, app.CheckInInput{Person: "zoe", Habit: "stretch", Note: "with \"quotes\", commas"}); err != nil {
			t.Fatal(err)
		}
		if _, err := src.svc.LogActivity(ctx, app.ActivityInput{Person: "zoe", Type: "run", Amount: 4.25}); err != nil {
			t.Fatal(err)
		}
		src.clock.Set(at(2026, 3, d+1, 0, 5, 0))
		if err := src.svc.Rollover(ctx); err != nil {
			t.Fatal(err)
		}
	}
	src.clock.Set(at(2026, 3, 11, 9, 0, 0))
	if _, _, err := src.svc.LogMood(ctx, app.MoodInput{Person: "zoe", Value: 7, Note: "ok"}); err != nil {
		t.Fatal(err)
	}
	if _, err := src.svc.Pause(ctx, app.PauseInput{Person: "zoe", Habit: "stretch", Reason: domain.PauseSick, From: domain.NewDay(2026, 3, 12)}); err != nil {
		t.Fatal(err)
	}
	if _, err := src.svc.CreateGoal(ctx, app.GoalInput{Person: "zoe", Name: "Run 20 km", Kind: domain.GoalActivityTotal, Activity: "run",
		Target: 20, Period: domain.PeriodMonth}); err != nil {
		t.Fatal(err)
	}
	first, err := src.svc.ExportPerson(ctx, "zoe")
	if err != nil {
		t.Fatal(err)
	}
	zipped, err := app.ExportZip(first)
	if err != nil {
		t.Fatal(err)
	}

	dst := newFixture(t, at(2026, 3, 11, 9, 0, 0))
	dump, err := app.ReadPersonDump(zipped)
	if err != nil {
		t.Fatal(err)
	}
	if err := dst.svc.ImportPerson(ctx, dump); err != nil {
		t.Fatal(err)
	}
	second, err := dst.svc.ExportPerson(ctx, "zoe")
	if err != nil {
		t.Fatal(err)
	}
	tables := map[string]int{}
	for _, tb := range first.Tables {
		tables[tb.Name] = len(tb.Rows)
	}
	for _, want := range []string{"people", "habits", "check_ins", "habit_days", "pauses", "activities", "moods", "xp_ledger",
		"person_progress", "daily_scores", "goals", "goal_milestones", "imports", "import_habits"} {
		if tables[want] == 0 {
			t.Errorf("the export has no rows of %s", want)
		}
	}
	if len(second.Tables) != len(first.Tables) {
		t.Fatalf("%d tables, then %d", len(first.Tables), len(second.Tables))
	}
	for i, a := range first.Tables {
		b := second.Tables[i]
		if a.Name != b.Name || len(a.Rows) != len(b.Rows) {
			t.Errorf("table %s: %d rows, after the round trip %s: %d", a.Name, len(a.Rows), b.Name, len(b.Rows))
			continue
		}
		for j := range a.Rows {
			if !bytes.Equal(a.Rows[j], b.Rows[j]) {
				t.Errorf("table %s row %d:\n%s\n%s", a.Name, j, a.Rows[j], b.Rows[j])
				break
			}
		}
	}
	verifyClean(t, dst, "after the re-import")

	// The same ids here already: refused, nothing written.
	if err := src.svc.ImportPerson(ctx, dump); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("re-import over the person: %v", err)
	}
	// New rows get new ids after a restore.
	dst.clock.Add(time.Hour)
	if _, err := dst.svc.LogActivity(ctx, app.ActivityInput{Person: "zoe", Type: "walk", Amount: 10}); err != nil {
		t.Fatalf("after the restore: %v", err)
	}
}
