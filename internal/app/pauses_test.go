package app_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

// pauseRig is a person with a daily habit done on day 0, missed on day 1,
// and done this morning (day 2, today, 12:00).
func pauseRig(t *testing.T) (*fixture, domain.Person, domain.Day) {
	t.Helper()
	ctx := context.Background()
	f := newFixture(t, at(2026, 3, 2, 12, 0, 0))
	p := f.person(t, "Ann")
	d0 := domain.NewDay(2026, 3, 2)
	f.habit(t, "ann", "Walk", d0)
	if _, err := f.svc.CheckIn(ctx, app.CheckInInput{Person: "ann", Habit: "walk"}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		f.clock.Add(24 * time.Hour)
		if err := f.svc.Rollover(ctx); err != nil {
			t.Fatal(err)
		}
	}
	f.clock.Set(at(2026, 3, 4, 8, 0, 0))
	if _, err := f.svc.CheckIn(ctx, app.CheckInInput{Person: "ann", Habit: "walk"}); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(at(2026, 3, 4, 12, 0, 0))
	return f, p, d0
}

func dayStatuses(t *testing.T, f *fixture, habit string, from, to domain.Day) string {
	t.Helper()
	cal, err := f.svc.HabitCalendar(context.Background(), "ann", habit, from, to)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range cal {
		out = append(out, string(d.Status))
	}
	return strings.Join(out, " ")
}

// TestPauseNeverErasesADoneDay: a sick pause over three days (two back)
// keeps the done days done, with their streak, and forgives the missed one;
// every stored number is recomputed at once.
func TestPauseNeverErasesADoneDay(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, p, d0 := pauseRig(t)
	if got := dayStatuses(t, f, "walk", d0, d0.Add(2)); got != "done missed done" {
		t.Fatalf("before the pause: %s", got)
	}
	before, _ := f.svc.Today(ctx, "ann")
	if got := before.Habits[0].Streak; got.Best != 1 {
		t.Fatalf("streak before the pause = %+v", got)
	}

	pause, err := f.svc.Pause(ctx, app.PauseInput{Person: "ann", Reason: domain.PauseSick, From: d0, Until: d0.Add(2)})
	if err != nil {
		t.Fatal(err)
	}
	if got := dayStatuses(t, f, "walk", d0, d0.Add(2)); got != "done paused done" {
		t.Fatalf("inside the pause: %s, want done paused done (a pause never erases a done day)", got)
	}
	after, _ := f.svc.Today(ctx, "ann")
	if got := after.Habits[0]; got.Result.Status != domain.StatusDone || got.Streak.Current != 2 || got.Streak.Best != 2 {
		t.Fatalf("today in a sick pause = %s, streak %+v; want done, 2 in a row", got.Result.Status, got.Streak)
	}
	for _, d := range verify(t, f).Differences {
		t.Errorf("verify right after the pause: %s", d)
	}
	assertTodayScoreFresh(t, f, p.ID)
	if k := f.events.kinds(); k[domain.EventPauseChanged] != 1 {
		t.Errorf("pause_changed events = %d", k[domain.EventPauseChanged])
	}

	// Ending it early (yesterday) makes today count again; removing it
	// restores the missed day.
	y := d0.Add(1)
	ended, err := f.svc.UpdatePause(ctx, "ann", pause.Value.ID, app.PauseChange{Until: &y}, pause.Version)
	if err != nil {
		t.Fatal(err)
	}
	if ended.Version != pause.Version+1 || ended.Value.Until != y {
		t.Fatalf("ended: %+v", ended)
	}
	if _, err := f.svc.UpdatePause(ctx, "ann", pause.Value.ID, app.PauseChange{Until: &y}, pause.Version); !errors.Is(err, domain.ErrPrecondition) {
		t.Fatalf("stale If-Match: %v", err)
	}
	if err := f.svc.DeletePause(ctx, "ann", pause.Value.ID, 0); err != nil {
		t.Fatal(err)
	}
	if got := dayStatuses(t, f, "walk", d0, d0.Add(2)); got != "done missed done" {
		t.Fatalf("after removing the pause: %s", got)
	}
	for _, d := range verify(t, f).Differences {
		t.Errorf("verify after removing the pause: %s", d)
	}
	assertTodayScoreFresh(t, f, p.ID)
}

// assertTodayScoreFresh compares today's stored score with one computed
// from scratch (Score computes when nothing is stored).
func assertTodayScoreFresh(t *testing.T, f *fixture, personID int64) {
	t.Helper()
	ctx := context.Background()
	today := domain.DayOf(f.clock.Now(), berlin)
	stored, err := f.svc.Score(ctx, personID, today)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.pool.Exec(ctx, "DELETE FROM daily_scores WHERE person_id = $1 AND day = $2", personID, today); err != nil {
		t.Fatal(err)
	}
	fresh, err := f.svc.Score(ctx, personID, today)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Score.Score != fresh.Score.Score {
		t.Errorf("today's stored score %d is stale: recomputed %d", stored.Score.Score, fresh.Score.Score)
	}
}

func TestPauseBoundsAndOverlaps(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, _, d0 := pauseRig(t)
	today := d0.Add(2)
	field := func(err error) string {
		var v *domain.ValidationError
		if !errors.As(err, &v) || len(v.Fields) != 1 {
			t.Fatalf("want one invalid field, got %v", err)
		}
		return v.Fields[0].Field
	}
	if got := field(func() error {
		_, err := f.svc.Pause(ctx, app.PauseInput{Person: "ann", Reason: domain.PauseVacation, From: today.Add(-3), Until: today})
		return err
	}()); got != "from" {
		t.Errorf("three days back: field %s", got)
	}
	if got := field(func() error {
		_, err := f.svc.Pause(ctx, app.PauseInput{Person: "ann", Reason: domain.PauseVacation, From: today.Add(366), Until: today.Add(370)})
		return err
	}()); got != "from" {
		t.Errorf("after a year: field %s", got)
	}

	first, err := f.svc.Pause(ctx, app.PauseInput{Person: "ann", Reason: domain.PauseVacation, From: today.Add(10), Until: today.Add(20)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Pause(ctx, app.PauseInput{Person: "ann", Habit: "walk", Reason: domain.PauseRest, From: today.Add(20)})
	if !errors.Is(err, domain.ErrConflict) || !strings.Contains(err.Error(), "pause "+strconv.FormatInt(first.Value.ID, 10)) {
		t.Fatalf("overlapping pause: %v, want a conflict naming pause %d", err, first.Value.ID)
	}
	// The day after is free; an open pause from there blocks every later one.
	open, err := f.svc.Pause(ctx, app.PauseInput{Person: "ann", Habit: "walk", Reason: domain.PauseRest, From: today.Add(21)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Pause(ctx, app.PauseInput{Person: "ann", Reason: domain.PauseSick, From: today.Add(300), Until: today.Add(301)}); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("pause after an open one: %v", err)
	}
	// Extending the first into the open one is a conflict too.
	long := today.Add(25)
	if _, err := f.svc.UpdatePause(ctx, "ann", first.Value.ID, app.PauseChange{Until: &long}, 0); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("extend into another pause: %v", err)
	}
	list, err := f.svc.Pauses(ctx, "ann")
	if err != nil || len(list) != 2 || list[0].Value.ID != open.Value.ID || list[1].Value.HabitID != 0 || !list[0].Value.Open() {
		t.Fatalf("list: %+v, %v", list, err)
	}
	if _, err := f.svc.PauseGet(ctx, "ann", first.Value.ID+1000); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("unknown pause: %v", err)
	}
}

// TestPauseOldHistoryStays: a pause that began long ago can be ended but
// not removed or moved, so its past days keep their pause.
func TestPauseOldHistoryStays(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, at(2026, 3, 2, 12, 0, 0))
	f.person(t, "Ann")
	d0 := domain.NewDay(2026, 3, 2)
	f.habit(t, "ann", "Walk", d0)
	p, err := f.svc.Pause(ctx, app.PauseInput{Person: "ann", Reason: domain.PauseVacation, From: d0})
	if err != nil {
		t.Fatal(err)
	}
	for range 6 {
		f.clock.Add(24 * time.Hour)
		if err := f.svc.Rollover(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.svc.DeletePause(ctx, "ann", p.Value.ID, 0); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("delete a pause that began 6 days ago: %v", err)
	}
	early := d0.Add(1)
	if _, err := f.svc.UpdatePause(ctx, "ann", p.Value.ID, app.PauseChange{Until: &early}, 0); err == nil {
		t.Fatal("ending a pause 5 days back was accepted")
	}
	y := d0.Add(5)
	if _, err := f.svc.UpdatePause(ctx, "ann", p.Value.ID, app.PauseChange{Until: &y}, 0); err != nil {
		t.Fatalf("end the open pause yesterday: %v", err)
	}
	if got := dayStatuses(t, f, "walk", d0, d0.Add(6)); got != "paused paused paused paused paused paused pending" {
		t.Fatalf("days: %s", got)
	}
	for _, d := range verify(t, f).Differences {
		t.Errorf("verify: %s", d)
	}
}

// TestVacationSwitchOnPauses: the HA switch still pauses and resumes, and
// turning it on twice is one pause.
func TestVacationSwitchOnPauses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f, _, d0 := pauseRig(t)
	for range 2 {
		if err := f.svc.SetVacation(ctx, "ann", true); err != nil {
			t.Fatal(err)
		}
	}
	v, _ := f.svc.Today(ctx, "ann")
	list, _ := f.svc.Pauses(ctx, "ann")
	if !v.Vacation || len(list) != 1 || list[0].Value.From != d0.Add(2) {
		t.Fatalf("vacation on: %v, pauses %+v", v.Vacation, list)
	}
	if err := f.svc.SetVacation(ctx, "ann", false); err != nil {
		t.Fatal(err)
	}
	v, _ = f.svc.Today(ctx, "ann")
	list, _ = f.svc.Pauses(ctx, "ann")
	if v.Vacation || len(list) != 0 {
		t.Fatalf("vacation off: %v, pauses %+v", v.Vacation, list)
	}
}

// TestSickTodayRescoresToday: a sick pause from today changes today's
// stored score at once (it stayed stale until the next event).
func TestSickTodayRescoresToday(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, at(2026, 3, 2, 12, 0, 0))
	p := f.person(t, "Ann")
	d0 := domain.NewDay(2026, 3, 2)
	f.habit(t, "ann", "Walk", d0)
	f.habit(t, "ann", "Read", d0)
	if _, err := f.svc.CheckIn(ctx, app.CheckInInput{Person: "ann", Habit: "walk"}); err != nil {
		t.Fatal(err)
	}
	before, err := f.svc.Score(ctx, p.ID, d0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Pause(ctx, app.PauseInput{Person: "ann", Habit: "read", Reason: domain.PauseSick}); err != nil {
		t.Fatal(err)
	}
	after, err := f.svc.Score(ctx, p.ID, d0)
	if err != nil {
		t.Fatal(err)
	}
	if after.Score.Score == before.Score.Score {
		t.Errorf("today's score stayed %d after the only undone habit was paused", before.Score.Score)
	}
	assertTodayScoreFresh(t, f, p.ID)
}

// TestPauseRejudgesItsPeriodsEarlierDays: a habit counted per week judges
// each day by the whole week, so a pause from Thursday on changes
// Wednesday's verdict too (the week's three can no longer be met). The
// stored days must say so at once, as verify's recomputation does; the
// model-based test found them left as they were.
func TestPauseRejudgesItsPeriodsEarlierDays(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, at(2026, 6, 10, 6, 50, 0)) // a Wednesday
	f.person(t, "Ann")
	wed := domain.NewDay(2026, 6, 10)
	if _, err := f.svc.CreateHabit(ctx, "ann", app.HabitInput{Name: "Swim",
		Schedule: domain.Schedule{Kind: domain.ScheduleTimesPerWeek, Times: 3}, Target: domain.Target{Kind: domain.TargetCheck}}); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(24 * time.Hour)
	if err := f.svc.Rollover(ctx); err != nil {
		t.Fatal(err)
	}
	before := dayStatuses(t, f, "swim", wed, wed)
	if _, err := f.svc.Pause(ctx, app.PauseInput{Person: "ann", Reason: domain.PauseRest, From: wed.Add(1), Until: wed.Add(10)}); err != nil {
		t.Fatal(err)
	}
	rep, err := f.svc.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Differences) != 0 {
		t.Fatalf("Wednesday was %s before the pause; verify found differences after it: %+v", before, rep.Differences)
	}
	if got := dayStatuses(t, f, "swim", wed, wed); got == before {
		t.Errorf("Wednesday stayed %s although the pause leaves the week's three out of reach", got)
	}
}
