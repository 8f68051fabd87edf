package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/routine"
)

// TestEveryChangeIsAnnounced: each use case that changes what a person's
// entities show, and each job that does, publishes after its commit an
// event naming that person (or everyone), so no adapter has to poll.
func TestEveryChangeIsAnnounced(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, at(2026, time.June, 10, 7, 0, 0))
	ana := f.person(t, "Ana")
	f.habit(t, "ana", "Water", domain.NewDay(2026, time.June, 1))
	if _, err := f.svc.CreateRoutine(ctx, "ana", app.RoutineInput{Name: "Morning", Schedule: routine.Schedule{Kind: routine.ScheduleDaily},
		Items: []routine.Item{clockItem("Stretch", 7, 30, 20, 1), clockItem("Vitamins", 8, 0, 5, 30)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.pool.Exec(ctx, "UPDATE person_progress SET total_xp = 100000 WHERE person_id = $1", ana.ID); err != nil {
		t.Fatal(err)
	}
	node := func() string {
		c, err := f.svc.Character(ctx, "ana")
		if err != nil || len(c.Allocatable) == 0 {
			t.Fatalf("character %+v %v", c, err)
		}
		return string(c.Allocatable[0])
	}
	today := domain.NewDay(2026, time.June, 10)
	for _, c := range []struct {
		name string
		do   func() error
		want domain.EventKind
	}{
		{"pause", func() error {
			_, err := f.svc.Pause(ctx, app.PauseInput{Person: "ana", Reason: domain.PauseRest, Habit: "water", From: today.Add(40), Until: today.Add(41)})
			return err
		}, domain.EventPauseChanged},
		{"vacation on", func() error { return f.svc.SetVacation(ctx, "ana", true) }, domain.EventPauseChanged},
		{"vacation off", func() error { return f.svc.SetVacation(ctx, "ana", false) }, domain.EventPauseChanged},
		{"allocate", func() error { _, err := f.svc.Allocate(ctx, "ana", node()); return err }, domain.EventPersonChanged},
		{"respec", func() error { _, err := f.svc.Respec(ctx, "ana"); return err }, domain.EventPersonChanged},
		{"score weights", func() error {
			_, err := f.svc.SetScoreWeights(ctx, domain.ScoreWeights{Habits: 3, Routine: 1, Mood: 1, Sleep: 1, Readiness: 1, Activity: 1, Environment: 1})
			return err
		}, domain.EventPersonChanged},
		{"mood", func() error {
			_, _, err := f.svc.LogMood(ctx, app.MoodInput{Person: "ana", Value: 6})
			return err
		}, domain.EventPersonChanged},
		{"item skipped", func() error {
			_, err := f.svc.SetItemStatus(ctx, app.ItemStatusInput{Person: "ana", Item: "Vitamins", Status: routine.StatusSkipped})
			return err
		}, domain.EventRoutineItemClosed},
		{"tick marks missed", func() error {
			f.clock.Set(at(2026, time.June, 10, 7, 35, 0))
			return f.svc.TimelineTick(ctx, f.clock.Now(), &notes{now: f.clock.Now})
		}, domain.EventRoutineMissed},
		{"rollover", func() error {
			f.clock.Set(at(2026, time.June, 11, 0, 1, 0))
			return f.svc.Rollover(ctx)
		}, domain.EventPersonChanged},
	} {
		f.events.mu.Lock()
		before := len(f.events.all)
		f.events.mu.Unlock()
		if err := c.do(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		f.events.mu.Lock()
		got := f.events.all[before:]
		f.events.mu.Unlock()
		found := false
		for _, ev := range got {
			if ev.Kind == c.want && (ev.PersonID == ana.ID || ev.PersonID == 0) {
				if err := ev.Validate(); err != nil {
					t.Errorf("%s: %v", c.name, err)
				}
				found = true
			}
		}
		if !found {
			t.Errorf("%s announced no %s for Ana: %+v", c.name, c.want, got)
		}
	}
}

// TestActionResultsKeptADay: an answer is found by its key, a second keep
// of the same key leaves the first, and the prune drops answers only after
// ActionResultTTL.
func TestActionResultsKeptADay(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, at(2026, time.June, 10, 7, 0, 0))
	if err := f.svc.KeepActionResult(ctx, "ha:a", "lifeops_check_in", []byte(`{"ok":true,"request_id":"a"}`)); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.KeepActionResult(ctx, "ha:a", "lifeops_check_in", []byte(`{"ok":false}`)); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(app.ActionResultTTL - time.Minute)
	if n, err := f.svc.PruneActionResults(ctx); err != nil || n != 0 {
		t.Fatalf("pruned %d before a day: %v", n, err)
	}
	got, found, err := f.svc.ActionResult(ctx, "ha:a")
	if err != nil || !found || string(got) != `{"ok":true,"request_id":"a"}` {
		t.Fatalf("kept %s %v %v", got, found, err)
	}
	if _, found, err := f.svc.ActionResult(ctx, "ha:b"); err != nil || found {
		t.Fatalf("unknown key found %v %v", found, err)
	}
	f.clock.Add(2 * time.Minute)
	if n, err := f.svc.PruneActionResults(ctx); err != nil || n != 1 {
		t.Fatalf("pruned %d after a day: %v", n, err)
	}
	if _, found, _ := f.svc.ActionResult(ctx, "ha:a"); found {
		t.Error("an answer older than a day is still kept")
	}
}
