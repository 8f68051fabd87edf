package app_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/routine"
)

// The fair-play rules of docs/rules.md, one observation of issue #18 each.

// habitXP is a person's XP without achievements (which unlock along the way).
func habitXP(t *testing.T, f *fixture, person string) int64 {
	t.Helper()
	return totalXP(t, f, person) - int64(achievementXP(t, f, person))
}

func wantInvalid(t *testing.T, err error, field, reason string) {
	t.Helper()
	var ve *domain.ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) == 0 || ve.Fields[0].Field != field || !strings.Contains(ve.Fields[0].Reason, reason) {
		t.Fatalf("error %v, want %s: …%s…", err, field, reason)
	}
}

func wantVerifyClean(t *testing.T, f *fixture) {
	t.Helper()
	if rep := verify(t, f); len(rep.Differences) > 0 {
		t.Fatalf("verify: %v", rep.Differences)
	}
}

// Item 1: a habit that starts before it exists pays for a past that never
// happened.
func TestHabitMayNotStartBeforeItIsCreated(t *testing.T) {
	t.Parallel()
	f := newFixture(t, at(2026, time.December, 7, 12, 0, 0))
	ctx := context.Background()
	f.person(t, "Kid")
	_, err := f.svc.CreateHabit(ctx, "kid", app.HabitInput{Name: "No sweets", Kind: domain.HabitNegative,
		Schedule: domain.Schedule{Kind: domain.ScheduleDaily}, Start: domain.NewDay(2025, time.December, 1)})
	wantInvalid(t, err, "start", "the day the habit is created")
	if xp := totalXP(t, f, "kid"); xp != 0 {
		t.Fatalf("refused habit left %d XP", xp)
	}
	h := f.habit(t, "kid", "Read", domain.Day{}) // today
	_, err = f.svc.UpdateHabit(ctx, "kid", h.Slug, app.HabitInput{Name: "Read", Kind: domain.HabitPositive,
		Schedule: domain.Schedule{Kind: domain.ScheduleDaily}, Target: domain.Target{Kind: domain.TargetCheck},
		Start: domain.NewDay(2026, time.November, 1)}, 0)
	wantInvalid(t, err, "start", "the day the habit is created")
}

// Item 5: a yes/no day pays once, however many check-ins and undos.
func TestHabitDayPaysOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, at(2026, time.June, 10, 12, 0, 0))
	ctx := context.Background()
	f.person(t, "Kid")
	f.habit(t, "kid", "Read", domain.Day{})
	var ids []int64
	paid := 0
	for i := range 5 {
		r, err := f.svc.CheckIn(ctx, app.CheckInInput{Person: "kid", Habit: "read", At: f.clock.Now().Add(-time.Duration(i) * time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.CheckIn.ID)
		paid += r.XP
	}
	if got := habitXP(t, f, "kid"); got != domain.CheckInXP || paid != domain.CheckInXP {
		t.Fatalf("five check-ins: total %d XP, answers said %d; want %d once", got, paid, domain.CheckInXP)
	}
	// Undo every one and check in again: still paid once.
	for _, id := range ids {
		if err := f.svc.UndoCheckIn(ctx, "kid", id); err != nil {
			t.Fatal(err)
		}
	}
	if got := habitXP(t, f, "kid"); got != 0 {
		t.Fatalf("after undoing all: %d XP", got)
	}
	if _, err := f.svc.CheckIn(ctx, app.CheckInInput{Person: "kid", Habit: "read"}); err != nil {
		t.Fatal(err)
	}
	if got := habitXP(t, f, "kid"); got != domain.CheckInXP {
		t.Fatalf("undo then redo: %d XP, want %d", got, domain.CheckInXP)
	}
	wantVerifyClean(t, f)
}

// Item 5: a quantity habit needs a quantity; a check-in outside the window
// is recorded, misses the day and pays nothing.
func TestQuantityAndWindowCheckIns(t *testing.T) {
	t.Parallel()
	f := newFixture(t, at(2026, time.June, 10, 15, 0, 0))
	ctx := context.Background()
	f.person(t, "Kid")
	f.clock.Set(at(2026, time.June, 9, 5, 0, 0)) // created yesterday morning
	if _, err := f.svc.CreateHabit(ctx, "kid", app.HabitInput{Name: "Water", Schedule: domain.Schedule{Kind: domain.ScheduleDaily},
		Target: domain.Target{Kind: domain.TargetAtLeast, Value: 2, Unit: "glasses"},
		Window: domain.TimeWindow{From: domain.Clock(6, 0), Until: domain.Clock(12, 0)}}); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(at(2026, time.June, 10, 15, 0, 0))
	_, err := f.svc.CheckIn(ctx, app.CheckInInput{Person: "kid", Habit: "water", Quantity: 0})
	wantInvalid(t, err, "quantity", "is required: Water is counted in glasses (target at least 2 glasses)")
	// Yesterday 14:00 is outside 06:00–12:00.
	r, err := f.svc.CheckIn(ctx, app.CheckInInput{Person: "kid", Habit: "water", Quantity: 3, At: at(2026, time.June, 9, 14, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if r.XP != 0 || r.Day.Status != domain.StatusMissed || habitXP(t, f, "kid") != 0 {
		t.Fatalf("outside the window: %d XP, status %s, total %d; want 0, missed, 0", r.XP, r.Day.Status, habitXP(t, f, "kid"))
	}
	wantVerifyClean(t, f)
}

// The XP window: a check-in dated up to XPWindowDays back pays, an older
// one is recorded (the day is done) and pays nothing.
func TestBackdatedCheckInsPayOnlyInTheWindow(t *testing.T) {
	t.Parallel()
	f := newFixture(t, at(2026, time.June, 10, 12, 0, 0))
	ctx := context.Background()
	f.person(t, "Kid")
	f.habit(t, "kid", "Read", domain.NewDay(2026, time.June, 1))
	for _, tt := range []struct {
		back int
		xp   int
	}{{domain.XPWindowDays, domain.CheckInXP}, {domain.XPWindowDays + 1, 0}, {9, 0}} {
		r, err := f.svc.CheckIn(ctx, app.CheckInInput{Person: "kid", Habit: "read", At: f.clock.Now().AddDate(0, 0, -tt.back)})
		if err != nil {
			t.Fatalf("%d days back: %v", tt.back, err)
		}
		if r.XP != tt.xp || r.Day.Status != domain.StatusDone {
			t.Errorf("%d days back: %d XP, day %s; want %d XP, done", tt.back, r.XP, r.Day.Status, tt.xp)
		}
	}
	_, err := f.svc.CheckIn(ctx, app.CheckInInput{Person: "kid", Habit: "read", At: at(2026, time.May, 31, 12, 0, 0)})
	wantInvalid(t, err, "at", "before the habit started")
	_, err = f.svc.CheckIn(ctx, app.CheckInInput{Person: "kid", Habit: "read", At: f.clock.Now().Add(domain.ClockSkew + time.Minute)})
	wantInvalid(t, err, "at", "must not be in the future")
	wantVerifyClean(t, f)
}

// Item 2: no routine item of a future day, and so no XP from the future.
func TestRoutineItemOfAFutureDayIsRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t, at(2026, time.June, 10, 12, 0, 0))
	ctx := context.Background()
	f.person(t, "Kid")
	if _, err := f.svc.CreateRoutine(ctx, "kid", app.RoutineInput{Name: "Morning", Schedule: routine.Schedule{Kind: routine.ScheduleDaily},
		Items: []routine.Item{clockItem("Stretch", 7, 0, 20, 60)}}); err != nil {
		t.Fatal(err)
	}
	for _, day := range []domain.Day{domain.NewDay(2026, time.June, 11), domain.NewDay(2030, time.January, 1)} {
		_, err := f.svc.SetItemStatus(ctx, app.ItemStatusInput{Person: "kid", Item: "Stretch", Day: day, Status: routine.StatusDone})
		wantInvalid(t, err, "day", "today")
	}
	if xp := totalXP(t, f, "kid"); xp != 0 {
		t.Fatalf("future items paid %d XP", xp)
	}
}

// Item 3: verify is clean after a check-in backdated four days, and the
// perfect day it makes counts (the achievement unlocks).
func TestBackdatedCheckInClosesItsDayAgain(t *testing.T) {
	t.Parallel()
	f := newFixture(t, at(2026, time.June, 10, 12, 0, 0))
	ctx := context.Background()
	f.person(t, "Kid")
	f.habit(t, "kid", "Read", domain.NewDay(2026, time.June, 5))
	if err := f.svc.Rollover(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CheckIn(ctx, app.CheckInInput{Person: "kid", Habit: "read", At: at(2026, time.June, 6, 10, 0, 0)}); err != nil {
		t.Fatal(err)
	}
	wantVerifyClean(t, f)
	achs, err := f.svc.Achievements(ctx, "kid")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range achs {
		if a.Key == "perfect_day" && a.UnlockedAt == nil {
			t.Fatal("the corrected perfect day did not unlock perfect_day")
		}
	}
}

// The ceiling: however much a day earns, it credits at most DailyXPCeiling.
func TestDailyXPCeiling(t *testing.T) {
	t.Parallel()
	f := newFixture(t, at(2026, time.June, 10, 20, 0, 0))
	ctx := context.Background()
	f.person(t, "Kid")
	items := []routine.Item{}
	for i := range 8 {
		items = append(items, clockItem(string(rune('A'+i))+" task", 7, i, 100, 60))
	}
	if _, err := f.svc.CreateRoutine(ctx, "kid", app.RoutineInput{Name: "Big day", Schedule: routine.Schedule{Kind: routine.ScheduleDaily}, Items: items}); err != nil {
		t.Fatal(err)
	}
	paid := 0
	for _, it := range items {
		r, err := f.svc.SetItemStatus(ctx, app.ItemStatusInput{Person: "kid", Item: it.Title, Status: routine.StatusDone})
		if err != nil {
			t.Fatal(err)
		}
		paid += r.XP
	}
	got := habitXP(t, f, "kid")
	if paid <= domain.DailyXPCeiling || got != domain.DailyXPCeiling {
		t.Fatalf("items earned %d XP, the day credited %d; want the ceiling %d", paid, got, domain.DailyXPCeiling)
	}
	wantVerifyClean(t, f)
	// The next day starts afresh.
	f.clock.Set(at(2026, time.June, 11, 20, 0, 0))
	if _, err := f.svc.SetItemStatus(ctx, app.ItemStatusInput{Person: "kid", Item: items[0].Title, Status: routine.StatusDone}); err != nil {
		t.Fatal(err)
	}
	if got := habitXP(t, f, "kid"); got != domain.DailyXPCeiling+100 {
		t.Fatalf("next day: %d XP, want %d", got, domain.DailyXPCeiling+100)
	}
	wantVerifyClean(t, f)
}

// The ceiling holds when a day's awards race: routine items and check-ins
// of one person at once, past the ceiling together. Each award reads what
// the day earned under the person's lock (a fold reads it along and the
// unit holds it), so no two credit the same room under the ceiling.
func TestDailyXPCeilingUnderConcurrentAwards(t *testing.T) {
	t.Parallel()
	f := newFixture(t, at(2026, time.June, 10, 20, 0, 0))
	ctx := context.Background()
	var items []routine.Item
	for i := range 8 {
		items = append(items, clockItem(string(rune('A'+i))+" task", 7, i, 100, 60))
	}
	habits := []string{"Read", "Walk", "Stretch"}
	// Four people race at once, each on their own: four chances to catch
	// a doubled credit per run.
	people := []string{"ann", "ben", "cat", "dan"}
	for _, p := range people {
		f.person(t, p)
		if _, err := f.svc.CreateRoutine(ctx, p, app.RoutineInput{Name: "Big day", Schedule: routine.Schedule{Kind: routine.ScheduleDaily}, Items: items}); err != nil {
			t.Fatal(err)
		}
		for _, h := range habits {
			f.habit(t, p, h, domain.NewDay(2026, time.June, 10))
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(people)*(len(items)+len(habits)))
	for _, p := range people {
		for _, it := range items {
			wg.Go(func() {
				_, err := f.svc.SetItemStatus(ctx, app.ItemStatusInput{Person: p, Item: it.Title, Status: routine.StatusDone})
				errs <- err
			})
		}
		for _, h := range habits {
			wg.Go(func() {
				_, err := f.svc.CheckIn(ctx, app.CheckInInput{Person: p, Habit: h, Source: domain.SourceManual})
				errs <- err
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range people {
		if got := habitXP(t, f, p); got != domain.DailyXPCeiling {
			t.Errorf("%s: the day credited %d XP, want the ceiling %d", p, got, domain.DailyXPCeiling)
		}
	}
	wantVerifyClean(t, f)
}

// Item 8: a respec with nothing allocated starts no cooldown, and the
// character sheet says when the next respec is possible.
func TestRespecCooldownOnlyWhenPointsWereRefunded(t *testing.T) {
	t.Parallel()
	f := newFixture(t, at(2026, time.June, 10, 20, 0, 0))
	ctx := context.Background()
	f.person(t, "Kid")
	c, err := f.svc.Respec(ctx, "kid")
	if err != nil || !c.NextRespecAt.IsZero() {
		t.Fatalf("respec of nothing: next %v, %v; want no cooldown", c.NextRespecAt, err)
	}
	// Earn a level, spend the point, respec: now the cooldown runs.
	items := []routine.Item{clockItem("Big", 7, 0, 100, 60), clockItem("Bigger", 7, 5, 100, 60)}
	if _, err := f.svc.CreateRoutine(ctx, "kid", app.RoutineInput{Name: "R", Schedule: routine.Schedule{Kind: routine.ScheduleDaily}, Items: items}); err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if _, err := f.svc.SetItemStatus(ctx, app.ItemStatusInput{Person: "kid", Item: it.Title, Status: routine.StatusDone}); err != nil {
			t.Fatal(err)
		}
	}
	if c, err = f.svc.Character(ctx, "kid"); err != nil || len(c.Allocatable) == 0 || c.Sheet.UnspentPoints == 0 {
		t.Fatalf("character %+v, %v: want a point to spend", c.Sheet, err)
	}
	if _, err := f.svc.Allocate(ctx, "kid", string(c.Allocatable[0])); err != nil {
		t.Fatal(err)
	}
	if c, err = f.svc.Respec(ctx, "kid"); err != nil {
		t.Fatal(err)
	}
	if want := f.clock.Now().Add(7 * 24 * time.Hour); !c.NextRespecAt.Equal(want) {
		t.Fatalf("after a refund: next respec %v, want %v", c.NextRespecAt, want)
	}
	if c, err = f.svc.Character(ctx, "kid"); err != nil || c.NextRespecAt.IsZero() {
		t.Fatalf("character sheet: next respec %v, %v", c.NextRespecAt, err)
	}
}

// Item 8: every activity type grows exactly the stats it advertises,
// custom types included, whatever its unit.
func TestActivityTypesGrowWhatTheyAdvertise(t *testing.T) {
	t.Parallel()
	f := newFixture(t, at(2026, time.June, 10, 20, 0, 0))
	ctx := context.Background()
	climbing := domain.ActivityType{Key: "climbing", Name: "Climbing", Unit: domain.UnitMinutes, XPPerUnit: 1, FullUnitsPerDay: 60,
		Category: domain.CategoryFitness, Stats: []domain.Stat{domain.STR, domain.WIS}}
	if _, err := f.svc.AddActivityType(ctx, climbing); err != nil {
		t.Fatal(err)
	}
	types := append(domain.BuiltinActivityTypes(), climbing)
	for i, typ := range types {
		t.Run(typ.Key, func(t *testing.T) {
			person := f.person(t, "P"+string(rune('a'+i)))
			amount := map[domain.Unit]float64{domain.UnitMinutes: 60, domain.UnitKm: 10, domain.UnitCount: 4}[typ.Unit]
			if _, err := f.svc.LogActivity(ctx, app.ActivityInput{Person: person.Slug, Type: typ.Key, Amount: amount}); err != nil {
				t.Fatal(err)
			}
			c, err := f.svc.Character(ctx, person.Slug)
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range c.Sheet.Stats {
				advertised := false
				for _, s := range typ.Stats {
					advertised = advertised || string(s) == line.Stat.String()
				}
				if grew := line.Growth > 0; grew != advertised {
					t.Errorf("%s: %s growth %v, advertised %v", typ.Key, line.Stat, line.Growth, typ.Stats)
				}
			}
		})
	}
	wantVerifyClean(t, f)
}

// Item 8: a streak milestone grows LCK, as the stat tree says.
func TestStreakMilestoneGrowsLuck(t *testing.T) {
	t.Parallel()
	f := newFixture(t, at(2026, time.June, 10, 20, 0, 0))
	ctx := context.Background()
	f.person(t, "Kid")
	start := domain.NewDay(2026, time.June, 3)
	f.habit(t, "kid", "Read", start)
	for d := start; d.Before(domain.NewDay(2026, time.June, 10)); d = d.Add(1) {
		f.clock.Set(d.Start(berlin).Add(20 * time.Hour))
		if _, err := f.svc.CheckIn(ctx, app.CheckInInput{Person: "kid", Habit: "read"}); err != nil {
			t.Fatal(err)
		}
		f.clock.Set(d.Add(1).Start(berlin).Add(time.Minute))
		if err := f.svc.Rollover(ctx); err != nil {
			t.Fatal(err)
		}
	}
	c, err := f.svc.Character(ctx, "kid")
	if err != nil {
		t.Fatal(err)
	}
	if lck := c.Sheet.Stats[5]; lck.Stat.String() != "LCK" || lck.Growth <= 0 {
		t.Fatalf("after a 7-day streak: %s growth %v, want LCK above 0", lck.Stat, lck.Growth)
	}
	wantVerifyClean(t, f)
}

// A clock a few minutes ahead near midnight does not date a fact on
// tomorrow: within ClockSkew the fact is stored as now, and pays today.
func TestClockSkewNeverDatesTomorrow(t *testing.T) {
	t.Parallel()
	f := newFixture(t, at(2026, time.June, 10, 23, 58, 0))
	ctx := context.Background()
	f.person(t, "Kid")
	f.habit(t, "kid", "Read", domain.Day{})
	r, err := f.svc.CheckIn(ctx, app.CheckInInput{Person: "kid", Habit: "read", At: at(2026, time.June, 11, 0, 2, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if r.Day.Day != domain.NewDay(2026, time.June, 10) || r.XP != domain.CheckInXP || !r.CheckIn.At.Equal(f.clock.Now()) {
		t.Fatalf("check-in 4 minutes ahead at 23:58: day %s, %d XP, at %s", r.Day.Day, r.XP, r.CheckIn.At)
	}
	a, err := f.svc.LogActivity(ctx, app.ActivityInput{Person: "kid", Type: "walk", Amount: 20, At: at(2026, time.June, 11, 0, 2, 0)})
	if err != nil || domain.DayOf(a.Activity.At, berlin) != domain.NewDay(2026, time.June, 10) || a.Activity.XP == 0 {
		t.Fatalf("activity 4 minutes ahead: %+v, %v", a.Activity, err)
	}
	wantVerifyClean(t, f)
}

// A routine item linked to a habit counted in amounts is still done: the
// check-in it cannot make (no quantity) is left out, not farmed with 0.
func TestRoutineItemLinkedToAQuantityHabit(t *testing.T) {
	t.Parallel()
	f := newFixture(t, at(2026, time.June, 10, 7, 5, 0))
	ctx := context.Background()
	f.person(t, "Kid")
	h, err := f.svc.CreateHabit(ctx, "kid", app.HabitInput{Name: "Water", Schedule: domain.Schedule{Kind: domain.ScheduleDaily},
		Target: domain.Target{Kind: domain.TargetAtLeast, Value: 8, Unit: "glasses"}})
	if err != nil {
		t.Fatal(err)
	}
	item := clockItem("Glass of water", 7, 0, 5, 60)
	item.HabitID = &h.Value.ID
	if _, err := f.svc.CreateRoutine(ctx, "kid", app.RoutineInput{Name: "Morning", Schedule: routine.Schedule{Kind: routine.ScheduleDaily},
		Items: []routine.Item{item}}); err != nil {
		t.Fatal(err)
	}
	r, err := f.svc.SetItemStatus(ctx, app.ItemStatusInput{Person: "kid", Item: "Glass of water", Status: routine.StatusDone})
	if err != nil || r.CheckedIn || r.XP != 5 {
		t.Fatalf("item done: %+v, %v; want 5 XP and no check-in", r, err)
	}
	wantVerifyClean(t, f)
}

// A limit habit pays kept-day XP only for days on which it was, at that
// time, an active limit habit: redefining a positive habit as a limit, or
// bringing an archived limit habit back, pays nothing for the days before.
func TestLimitHabitPaysOnlyDaysItWasAnActiveLimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t, at(2026, time.December, 1, 12, 0, 0))
	ctx := context.Background()
	f.person(t, "Kid")
	h := f.habit(t, "kid", "Sweets", domain.Day{})
	goTo := func(d int) {
		t.Helper()
		f.clock.Set(at(2026, time.December, d, 12, 0, 0))
		if err := f.svc.Rollover(ctx); err != nil {
			t.Fatal(err)
		}
	}
	wantXP := func(when string, want int64) {
		t.Helper()
		if got := habitXP(t, f, "kid"); got != want {
			t.Fatalf("%s: %d XP, want %d", when, got, want)
		}
		wantVerifyClean(t, f)
	}
	goTo(11)
	wantXP("ten positive days without a check-in", 0)
	limit := app.HabitInput{Name: "No sweets", Kind: domain.HabitNegative,
		Schedule: domain.Schedule{Kind: domain.ScheduleDaily}, Target: domain.Target{Kind: domain.TargetCheck}}
	if _, err := f.svc.UpdateHabit(ctx, "kid", h.Slug, limit, 0); err != nil {
		t.Fatal(err)
	}
	wantXP("redefined as a limit on the 11th", 0) // the 1st–10th were kept only on paper
	goTo(13)
	wantXP("the 11th and 12th kept as a limit", 2*domain.KeptDayXP)

	if err := f.svc.ArchiveHabit(ctx, "kid", h.Slug); err != nil {
		t.Fatal(err)
	}
	goTo(20)
	if _, err := f.svc.UnarchiveHabit(ctx, "kid", h.Slug); err != nil {
		t.Fatal(err)
	}
	wantXP("back from the archive on the 20th", 2*domain.KeptDayXP) // archived 13th–19th pay nothing
	goTo(21)
	wantXP("the 20th kept as a limit again", 3*domain.KeptDayXP)

	// Redefined positive and back: the days in between were positive days.
	positive := limit
	positive.Kind = domain.HabitPositive
	if _, err := f.svc.UpdateHabit(ctx, "kid", h.Slug, positive, 0); err != nil {
		t.Fatal(err)
	}
	wantXP("redefined positive on the 21st", 0) // a redefinition judges every day anew
	goTo(24)
	if _, err := f.svc.UpdateHabit(ctx, "kid", h.Slug, limit, 0); err != nil {
		t.Fatal(err)
	}
	// The 11th–12th and the 20th were limit days and pay again; the 21st–23rd
	// were positive days and pay nothing.
	wantXP("a limit again on the 24th", 3*domain.KeptDayXP)
	goTo(25)
	wantXP("the 24th kept", 4*domain.KeptDayXP)
}
