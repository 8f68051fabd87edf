package app_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

// TestHabitCalendarAndSetDay: a water habit (2 l a day) shows done,
// partial with its amount, missed, paused and future days; any past day
// back to the start can be set or cleared, the future and the days before
// the start cannot, and verify stays clean throughout.
func TestHabitCalendarAndSetDay(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, at(2026, 3, 2, 12, 0, 0))
	f.person(t, "Ann")
	d0 := domain.NewDay(2026, 3, 2)
	if _, err := f.svc.CreateHabit(ctx, "ann", app.HabitInput{Name: "Water", Schedule: domain.Schedule{Kind: domain.ScheduleDaily},
		Target: domain.Target{Kind: domain.TargetAtLeast, Value: 2, Unit: "l"}, Start: d0}); err != nil {
		t.Fatal(err)
	}
	// A second habit never done: no day becomes perfect (a backdated perfect
	// day is the fair-play rules' business, not the calendar's).
	f.habit(t, "ann", "Read", d0)
	if _, err := f.svc.CheckIn(ctx, app.CheckInInput{Person: "ann", Habit: "water", Quantity: 2}); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		f.clock.Add(24 * time.Hour)
		if err := f.svc.Rollover(ctx); err != nil {
			t.Fatal(err)
		}
	}
	today := d0.Add(4)
	if _, err := f.svc.CheckIn(ctx, app.CheckInInput{Person: "ann", Habit: "water", Quantity: 0.5, At: at(2026, 3, 3, 9, 0, 0)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Pause(ctx, app.PauseInput{Person: "ann", Reason: domain.PauseRest, From: today.Add(2), Until: today.Add(2)}); err != nil {
		t.Fatal(err)
	}
	cal, err := f.svc.HabitCalendar(ctx, "ann", "water", d0.Add(-1), today.Add(3))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		status app.CalendarStatus
		value  float64
	}{{"not_due", 0}, {"done", 2}, {"partial", 0.5}, {"missed", 0}, {"missed", 0}, {"pending", 0}, {"future", 0}, {"paused", 0}, {"future", 0}}
	if len(cal) != len(want) {
		t.Fatalf("calendar has %d days, want %d", len(cal), len(want))
	}
	for i, w := range want {
		if cal[i].Day != d0.Add(i-1) || cal[i].Status != w.status || cal[i].Value != w.value {
			t.Errorf("day %d: %+v, want %s %g", i, cal[i], w.status, w.value)
		}
	}

	// Set a missed day, then set it again (nothing changes), then clear it.
	missed := d0.Add(2)
	res, err := f.svc.SetHabitDay(ctx, app.SetDayInput{Person: "ann", Habit: "water", Day: missed, Quantity: 2.5})
	if err != nil {
		t.Fatal(err)
	}
	if res.Day.Status != domain.StatusDone || domain.DayOf(res.CheckIn.At, berlin) != missed {
		t.Fatalf("set day: %+v", res)
	}
	again, err := f.svc.SetHabitDay(ctx, app.SetDayInput{Person: "ann", Habit: "water", Day: missed, Quantity: 2.5})
	if err != nil || !again.Replayed || again.CheckIn.ID != res.CheckIn.ID {
		t.Fatalf("set the same day again: %+v, %v", again, err)
	}
	// Setting the partial day replaces its 0.5 l with 2 l.
	if _, err := f.svc.SetHabitDay(ctx, app.SetDayInput{Person: "ann", Habit: "water", Day: d0.Add(1), Quantity: 2}); err != nil {
		t.Fatal(err)
	}
	list, err := f.svc.CheckInPage(ctx, "ann", "water", app.CheckInQuery{From: d0.Add(1), To: d0.Add(1), Limit: 10})
	if err != nil || len(list) != 1 || list[0].Quantity != 2 {
		t.Fatalf("check-ins of the corrected day: %+v, %v", list, err)
	}
	for _, d := range verify(t, f).Differences {
		t.Errorf("verify after setting days: %s", d)
	}
	n, err := f.svc.ClearHabitDay(ctx, "ann", "water", missed)
	if err != nil || n != 1 {
		t.Fatalf("clear: %d, %v", n, err)
	}
	cal, _ = f.svc.HabitCalendar(ctx, "ann", "water", missed, missed)
	if cal[0].Status != app.CalendarMissed {
		t.Fatalf("cleared day: %+v", cal[0])
	}
	for _, d := range verify(t, f).Differences {
		t.Errorf("verify after clearing a day: %s", d)
	}

	for name, day := range map[string]domain.Day{"before the start": d0.Add(-1), "tomorrow": today.Add(1)} {
		_, err := f.svc.SetHabitDay(ctx, app.SetDayInput{Person: "ann", Habit: "water", Day: day, Quantity: 2})
		var v *domain.ValidationError
		if !errors.As(err, &v) || v.Fields[0].Field != "day" {
			t.Errorf("set %s: %v", name, err)
		}
	}
	if _, err := f.svc.SetHabitDay(ctx, app.SetDayInput{Person: "ann", Habit: "water", Day: missed}); err == nil {
		t.Error("set a water day without an amount was accepted")
	}
}

func TestCheckInAndMoodPages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, at(2026, 3, 2, 12, 0, 0))
	f.person(t, "Ann")
	d0 := domain.NewDay(2026, 3, 2)
	f.habit(t, "ann", "Walk", d0)
	f.habit(t, "ann", "Read", d0)
	for i := range 3 {
		for _, h := range []string{"walk", "read"} {
			if _, err := f.svc.CheckIn(ctx, app.CheckInInput{Person: "ann", Habit: h}); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := f.svc.LogMood(ctx, app.MoodInput{Person: "ann", Value: 3 + i}); err != nil {
			t.Fatal(err)
		}
		f.clock.Add(24 * time.Hour)
	}
	all, err := f.svc.CheckInPage(ctx, "ann", "", app.CheckInQuery{Limit: 100})
	if err != nil || len(all) != 6 {
		t.Fatalf("all check-ins: %d, %v", len(all), err)
	}
	walk, _ := f.svc.CheckInPage(ctx, "ann", "walk", app.CheckInQuery{Limit: 2})
	if len(walk) != 2 || walk[0].ID < walk[1].ID || walk[0].HabitID != walk[1].HabitID {
		t.Fatalf("first page of walk: %+v", walk)
	}
	rest, _ := f.svc.CheckInPage(ctx, "ann", "walk", app.CheckInQuery{Before: walk[1].ID, Limit: 2})
	if len(rest) != 1 || rest[0].ID >= walk[1].ID {
		t.Fatalf("second page of walk: %+v", rest)
	}
	day1, _ := f.svc.CheckInPage(ctx, "ann", "", app.CheckInQuery{From: d0.Add(1), To: d0.Add(1), Limit: 100})
	if len(day1) != 2 {
		t.Fatalf("check-ins of day 1: %+v", day1)
	}
	moods, err := f.svc.Moods(ctx, "ann", d0.Add(1), d0.Add(5), 0, 100)
	if err != nil || len(moods) != 2 || moods[0].Value != 5 || moods[1].Value != 4 {
		t.Fatalf("moods from day 1: %+v, %v", moods, err)
	}
	if _, err := f.svc.Moods(ctx, "ann", d0.Add(1), d0, 0, 10); err == nil {
		t.Fatal("a range ending before it starts was accepted")
	}
}

// TestUnarchiveHabit: an archived habit comes back, its archived days are
// judged, and every stored score agrees with a recomputation.
func TestUnarchiveHabit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, at(2026, 3, 2, 12, 0, 0))
	f.person(t, "Ann")
	d0 := domain.NewDay(2026, 3, 2)
	f.habit(t, "ann", "Walk", d0)
	f.habit(t, "ann", "Read", d0)
	if _, err := f.svc.CheckIn(ctx, app.CheckInInput{Person: "ann", Habit: "walk"}); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(24 * time.Hour)
	if err := f.svc.Rollover(ctx); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.ArchiveHabit(ctx, "ann", "walk"); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		f.clock.Add(24 * time.Hour)
		if err := f.svc.Rollover(ctx); err != nil {
			t.Fatal(err)
		}
	}
	h, err := f.svc.UnarchiveHabit(ctx, "ann", "walk")
	if err != nil || h.Value.Archived {
		t.Fatalf("unarchive: %+v, %v", h, err)
	}
	list, _ := f.svc.Habits(ctx, "ann")
	if len(list) != 2 {
		t.Fatalf("active habits after unarchive: %d", len(list))
	}
	if got := dayStatuses(t, f, "walk", d0, d0.Add(4)); got != "done missed missed missed pending" {
		t.Fatalf("days of the unarchived habit: %s", got)
	}
	for _, d := range verify(t, f).Differences {
		t.Errorf("verify after unarchive: %s", d)
	}
}

// TestSetDayBeyondTheCheckInWindow: a day older than the XP window can
// still be set (Loop lets a person fix any day since the start) through the
// check-in use case; it turns done and pays no XP (fair play: only recent
// facts pay), and verify stays clean.
func TestSetDayBeyondTheCheckInWindow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, at(2026, 3, 2, 12, 0, 0))
	f.person(t, "Ann")
	d0 := domain.NewDay(2026, 3, 2)
	f.habit(t, "ann", "Walk", d0)
	f.habit(t, "ann", "Read", d0)
	f.clock.Add(10 * 24 * time.Hour)
	if err := f.svc.Rollover(ctx); err != nil {
		t.Fatal(err)
	}
	old := d0.Add(1)
	// A plain check-in 9 days back is recorded too, and pays nothing.
	plain, err := f.svc.CheckIn(ctx, app.CheckInInput{Person: "ann", Habit: "read", At: at(2026, 3, 3, 12, 0, 0)})
	if err != nil {
		t.Fatalf("a plain check-in 9 days back: %v", err)
	}
	if plain.XP != 0 || plain.Day.Status != domain.StatusDone {
		t.Fatalf("a plain check-in 9 days back: xp %d, status %s", plain.XP, plain.Day.Status)
	}
	res, err := f.svc.SetHabitDay(ctx, app.SetDayInput{Person: "ann", Habit: "walk", Day: old})
	if err != nil {
		t.Fatal(err)
	}
	if res.Day.Status != domain.StatusDone || res.XP != 0 {
		t.Fatalf("old day set: status %s, xp %d (outside the XP window: 0)", res.Day.Status, res.XP)
	}
	if got := dayStatuses(t, f, "walk", d0, old.Add(1)); got != "missed done missed" {
		t.Errorf("days: %s", got)
	}
	// A day inside the window pays once, however often it is set.
	recent := f.svc.CurrentDay().Add(-domain.XPWindowDays)
	first, err := f.svc.SetHabitDay(ctx, app.SetDayInput{Person: "ann", Habit: "walk", Day: recent})
	if err != nil {
		t.Fatal(err)
	}
	if first.XP != domain.CheckInXP {
		t.Fatalf("a day %d days back set: xp %d, want %d", domain.XPWindowDays, first.XP, domain.CheckInXP)
	}
	paid := totalXP(t, f, "ann")
	if _, err := f.svc.CheckIn(ctx, app.CheckInInput{Person: "ann", Habit: "walk", At: recent.Start(berlin).Add(13 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	// Two check-ins on the day: setting it undoes both and records one.
	if _, err := f.svc.SetHabitDay(ctx, app.SetDayInput{Person: "ann", Habit: "walk", Day: recent, Note: "again"}); err != nil {
		t.Fatal(err)
	}
	if xp := totalXP(t, f, "ann"); xp != paid {
		t.Fatalf("total XP after the day was set again: %d, want %d (once per day)", xp, paid)
	}
	for _, d := range verify(t, f).Differences {
		t.Errorf("verify: %s", d)
	}
	if _, err := f.svc.ClearHabitDay(ctx, "ann", "walk", old); err != nil {
		t.Fatal(err)
	}
	for _, d := range verify(t, f).Differences {
		t.Errorf("verify after clearing: %s", d)
	}
}

// TestSetDayClockSkew: at 23:57 a client 5 minutes ahead may set its
// "today", our tomorrow: it sets today (no fact lands on a day after
// today); at 23:50 tomorrow is refused.
func TestSetDayClockSkew(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, at(2026, 3, 2, 23, 50, 0))
	f.person(t, "Ann")
	d0 := domain.NewDay(2026, 3, 2)
	f.habit(t, "ann", "Walk", d0)
	if _, err := f.svc.SetHabitDay(ctx, app.SetDayInput{Person: "ann", Habit: "walk", Day: d0.Add(1)}); err == nil {
		t.Fatal("tomorrow set 10 minutes before midnight")
	}
	f.clock.Set(at(2026, 3, 2, 23, 57, 0))
	res, err := f.svc.SetHabitDay(ctx, app.SetDayInput{Person: "ann", Habit: "walk", Day: d0.Add(1)})
	if err != nil {
		t.Fatalf("tomorrow 3 minutes before midnight: %v", err)
	}
	if got := domain.DayOf(res.CheckIn.At, berlin); got != d0 {
		t.Fatalf("the check-in counts for %s, want today %s", got, d0)
	}
	if n, err := f.svc.ClearHabitDay(ctx, "ann", "walk", d0.Add(1)); err != nil || n != 1 {
		t.Fatalf("clearing the skewed day: %d, %v", n, err)
	}
}

// TestArchiveKeepsVerifyClean: an archived habit counts on the days it was
// kept (their scores and its check-ins' XP stay) and on no later one;
// its check-ins cannot be undone until it comes back.
func TestArchiveKeepsVerifyClean(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, at(2026, 3, 2, 12, 0, 0))
	p := f.person(t, "Ann")
	d0 := domain.NewDay(2026, 3, 2)
	f.habit(t, "ann", "Walk", d0)
	f.habit(t, "ann", "Read", d0)
	c, err := f.svc.CheckIn(ctx, app.CheckInInput{Person: "ann", Habit: "walk"})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Add(24 * time.Hour)
	if err := f.svc.Rollover(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CheckIn(ctx, app.CheckInInput{Person: "ann", Habit: "walk"}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.ArchiveHabit(ctx, "ann", "walk"); err != nil {
		t.Fatal(err)
	}
	for _, d := range verify(t, f).Differences {
		t.Errorf("verify right after archiving: %s", d)
	}
	assertTodayScoreFresh(t, f, p.ID)
	if err := f.svc.UndoCheckIn(ctx, "ann", c.CheckIn.ID); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("undo a check-in of an archived habit: %v", err)
	}
	for range 2 {
		f.clock.Add(24 * time.Hour)
		if err := f.svc.Rollover(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range verify(t, f).Differences {
		t.Errorf("verify two days after archiving: %s", d)
	}
	if _, err := f.svc.UnarchiveHabit(ctx, "ann", "walk"); err != nil {
		t.Fatal(err)
	}
	for _, d := range verify(t, f).Differences {
		t.Errorf("verify after unarchiving: %s", d)
	}
}
