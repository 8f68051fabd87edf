package app_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/character"
	"github.com/lifeops/lifeops/internal/postgres"
)

// clock is a settable time for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time)     { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// events records what the service published.
type events struct {
	mu  sync.Mutex
	all []domain.Event
}

func (e *events) Publish(_ context.Context, evs []domain.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.all = append(e.all, evs...)
}

func (e *events) kinds() map[domain.EventKind]int {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := map[domain.EventKind]int{}
	for _, ev := range e.all {
		out[ev.Kind]++
	}
	return out
}

var berlin = mustLoad("Europe/Berlin")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

type fixture struct {
	pool   *pgxpool.Pool
	svc    *app.Service
	store  *postgres.Store
	clock  *clock
	events *events
}

func newFixture(t *testing.T, start time.Time) *fixture {
	t.Helper()
	return tracedFixture(t, start, nil)
}

// tracedFixture is newFixture with tracer on the pool's connections (see
// dbtest.Traced), for tests and benchmarks that count statements.
func tracedFixture(t testing.TB, start time.Time, tracer pgx.QueryTracer) *fixture {
	t.Helper()
	tree, err := character.Default()
	if err != nil {
		t.Fatal(err)
	}
	pool := dbtest.Traced(t, tracer)
	f := &fixture{pool: pool, store: postgres.NewStore(pool), clock: &clock{t: start}, events: &events{}}
	f.svc = app.New(app.Options{
		Store: f.store, Logger: zerolog.Nop(), Now: f.clock.Now,
		Location: func() *time.Location { return berlin }, Sinks: []app.EventSink{f.events}, Tree: tree,
	})
	return f
}

func (f *fixture) person(t *testing.T, name string) domain.Person {
	t.Helper()
	p, err := f.svc.CreatePerson(context.Background(), app.PersonInput{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return p.Value
}

// habit creates a daily habit. A habit may not start before the day it is
// created, so for a start in the past the clock goes back to that morning
// for the call.
func (f *fixture) habit(t *testing.T, person, name string, start domain.Day) app.StoredHabit {
	t.Helper()
	if now := f.clock.Now(); !start.IsZero() && start.Before(domain.DayOf(now, berlin)) {
		f.clock.Set(start.Start(berlin).Add(6 * time.Hour))
		defer f.clock.Set(now)
	}
	h, err := f.svc.CreateHabit(context.Background(), person, app.HabitInput{
		Name: name, Schedule: domain.Schedule{Kind: domain.ScheduleDaily}, Start: start,
	})
	if err != nil {
		t.Fatal(err)
	}
	return h.Value
}

func at(y int, m time.Month, d, hh, mm, ss int) time.Time {
	return time.Date(y, m, d, hh, mm, ss, 0, berlin)
}

// achievementXP is the XP a person earned from unlocked achievements.
func achievementXP(t *testing.T, f *fixture, person string) int {
	t.Helper()
	achs, err := f.svc.Achievements(context.Background(), person)
	if err != nil {
		t.Fatal(err)
	}
	xp := 0
	for _, a := range achs {
		if a.UnlockedAt != nil {
			xp += a.XP
		}
	}
	return xp
}

func TestPeopleLifecycle(t *testing.T) {
	t.Parallel()
	f := newFixture(t, at(2026, 5, 4, 9, 0, 0))
	ctx := context.Background()
	anna, err := f.svc.CreatePerson(ctx, app.PersonInput{Name: "Anna Müller"})
	if err != nil {
		t.Fatal(err)
	}
	if anna.Value.Slug != "anna_mueller" || anna.Value.Color == "" || anna.Version != 1 {
		t.Fatalf("created %+v", anna)
	}
	if _, err := f.svc.CreatePerson(ctx, app.PersonInput{Name: "Other", Slug: "anna_mueller"}); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("duplicate slug: %v", err)
	}
	var verr *domain.ValidationError
	if _, err := f.svc.CreatePerson(ctx, app.PersonInput{Name: "", Slug: "9x", Color: "blue"}); !errors.As(err, &verr) || len(verr.Fields) < 2 {
		t.Fatalf("bad person: %v", err)
	}
	name := "Anna M."
	renamed, err := f.svc.UpdatePerson(ctx, "anna_mueller", app.PersonPatch{Name: &name}, 1)
	if err != nil || renamed.Value.ID != anna.Value.ID || renamed.Version != 2 {
		t.Fatalf("rename: %+v %v", renamed, err)
	}
	if _, err := f.svc.UpdatePerson(ctx, "anna_mueller", app.PersonPatch{Name: &name}, 1); !errors.Is(err, domain.ErrPrecondition) {
		t.Fatalf("stale version: %v", err)
	}
	if err := f.svc.DeletePerson(ctx, "anna_mueller"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Person(ctx, "anna_mueller"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}

func TestCheckInDerivesDayStreakXPAndScore(t *testing.T) {
	t.Parallel()
	f := newFixture(t, at(2026, 5, 4, 9, 0, 0))
	ctx := context.Background()
	f.person(t, "Alex")
	f.habit(t, "alex", "Water", domain.NewDay(2026, 5, 4))

	res, err := f.svc.CheckIn(ctx, app.CheckInInput{Person: "alex", Habit: "water"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Day.Status != domain.StatusDone || res.Streak.Current != 1 || res.XP != domain.CheckInXP {
		t.Fatalf("check-in result %+v", res)
	}
	today, err := f.svc.Today(ctx, "alex")
	if err != nil {
		t.Fatal(err)
	}
	if !today.Score.Score.HasData || today.Score.Score.Score != 100 || today.TotalXP != int64(domain.CheckInXP+achievementXP(t, f, "alex")) {
		t.Fatalf("today %+v", today)
	}
	if today.Score.Score.Explanation == "" {
		t.Fatal("score has no explanation")
	}
	k := f.events.kinds()
	if k[domain.EventCheckIn] != 1 || k[domain.EventStreakExtended] != 1 || k[domain.EventScoreChanged] == 0 {
		t.Fatalf("events %v", k)
	}
}

func TestSameIdempotencyKeyTakesEffectOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, at(2026, 5, 4, 9, 0, 0))
	ctx := context.Background()
	f.person(t, "Alex")
	f.habit(t, "alex", "Pushups", domain.NewDay(2026, 5, 4))

	const racers = 8
	var wg sync.WaitGroup
	results := make([]app.CheckInResult, racers)
	errs := make([]error, racers)
	for i := range racers {
		wg.Go(func() {
			results[i], errs[i] = f.svc.CheckIn(ctx, app.CheckInInput{Person: "alex", Habit: "pushups", IdempotencyKey: "k-1"})
		})
	}
	wg.Wait()
	fresh := 0
	for i := range racers {
		if errs[i] != nil {
			t.Fatalf("racer %d: %v", i, errs[i])
		}
		if !results[i].Replayed {
			fresh++
		}
		if results[i].CheckIn.ID != results[0].CheckIn.ID {
			t.Fatalf("racers saw different check-ins: %d vs %d", results[i].CheckIn.ID, results[0].CheckIn.ID)
		}
	}
	if fresh != 1 {
		t.Fatalf("%d racers took effect, want 1", fresh)
	}
	today, _ := f.svc.Today(ctx, "alex")
	if today.TotalXP != int64(domain.CheckInXP+achievementXP(t, f, "alex")) {
		t.Fatalf("XP %d after one keyed check-in", today.TotalXP)
	}
}

func TestStreaksAcrossRollovers(t *testing.T) {
	t.Parallel()
	f := newFixture(t, at(2026, 5, 4, 9, 0, 0))
	ctx := context.Background()
	f.person(t, "Alex")
	f.habit(t, "alex", "Read", domain.NewDay(2026, 5, 4))

	// Five done days, then two missed days: the streak earns no shield in
	// five days (one per 7), so the first miss breaks it.
	for d := 0; d < 5; d++ {
		if _, err := f.svc.CheckIn(ctx, app.CheckInInput{Person: "alex", Habit: "read"}); err != nil {
			t.Fatal(err)
		}
		f.clock.Add(24 * time.Hour)
		if err := f.svc.Rollover(ctx); err != nil {
			t.Fatal(err)
		}
	}
	h, _ := f.svc.Today(ctx, "alex")
	if got := h.Habits[0].Streak.Current; got != 5 {
		t.Fatalf("streak after 5 days = %d", got)
	}
	f.clock.Add(24 * time.Hour)
	if err := f.svc.Rollover(ctx); err != nil {
		t.Fatal(err)
	}
	h, _ = f.svc.Today(ctx, "alex")
	if got := h.Habits[0].Streak; got.Current != 0 || got.Best != 5 {
		t.Fatalf("streak after a missed day = %+v", got)
	}
	if f.events.kinds()[domain.EventStreakBroken] != 1 {
		t.Fatalf("events %v", f.events.kinds())
	}
	// Running the rollover again changes nothing.
	before := f.events.kinds()[domain.EventStreakBroken]
	if err := f.svc.Rollover(ctx); err != nil {
		t.Fatal(err)
	}
	if f.events.kinds()[domain.EventStreakBroken] != before {
		t.Fatal("a second rollover broke the streak again")
	}
	// A backdated check-in for the missed day mends it.
	if _, err := f.svc.CheckIn(ctx, app.CheckInInput{Person: "alex", Habit: "read", At: f.clock.Now().Add(-24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	h, _ = f.svc.Today(ctx, "alex")
	if got := h.Habits[0].Streak.Current; got != 6 {
		t.Fatalf("streak after mending the missed day = %d, want 6", got)
	}
}

func TestDayBoundaryInHouseholdTimeZone(t *testing.T) {
	t.Parallel()
	// 2026-03-29 is Berlin's spring-forward day (23 hours).
	f := newFixture(t, at(2026, 3, 30, 12, 0, 0))
	ctx := context.Background()
	f.person(t, "Alex")
	f.habit(t, "alex", "Stretch", domain.NewDay(2026, 3, 28))
	late := at(2026, 3, 29, 23, 59, 59)
	early := at(2026, 3, 30, 0, 0, 0)
	r1, err := f.svc.CheckIn(ctx, app.CheckInInput{Person: "alex", Habit: "stretch", At: late})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := f.svc.CheckIn(ctx, app.CheckInInput{Person: "alex", Habit: "stretch", At: early})
	if err != nil {
		t.Fatal(err)
	}
	if r1.Day.Day != domain.NewDay(2026, 3, 29) || r2.Day.Day != domain.NewDay(2026, 3, 30) {
		t.Fatalf("days: %s and %s", r1.Day.Day, r2.Day.Day)
	}
	if r2.Streak.Current != 2 {
		t.Fatalf("streak across the DST day = %d, want 2", r2.Streak.Current)
	}
}

func TestActivityUndoRestoresExactState(t *testing.T) {
	t.Parallel()
	f := newFixture(t, at(2026, 5, 4, 9, 0, 0))
	ctx := context.Background()
	f.person(t, "Alex")
	log := func(amount float64) app.ActivityResult {
		r, err := f.svc.LogActivity(ctx, app.ActivityInput{Person: "alex", Type: "workout", Amount: amount})
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Add(time.Minute)
		return r
	}
	a := log(30)
	before, _ := f.svc.Character(ctx, "alex")
	b := log(120) // past the full-XP amount: diminishing returns
	if b.Activity.XP >= a.Activity.XP*4 {
		t.Fatalf("no diminishing returns: 30 min → %d XP, 120 more → %d", a.Activity.XP, b.Activity.XP)
	}
	if err := f.svc.UndoActivity(ctx, "alex", b.Activity.ID); err != nil {
		t.Fatal(err)
	}
	after, _ := f.svc.Character(ctx, "alex")
	if after.Sheet.XP != before.Sheet.XP || after.Sheet.Stats[0] != before.Sheet.Stats[0] {
		t.Fatalf("undo did not restore: before %+v after %+v", before.Sheet, after.Sheet)
	}
	// Undo of the earlier one re-prices the rest: the total equals the
	// curve at the remaining sum.
	c := log(45)
	if err := f.svc.UndoActivity(ctx, "alex", a.Activity.ID); err != nil {
		t.Fatal(err)
	}
	final, _ := f.svc.Character(ctx, "alex")
	cat, _ := domain.NewCatalogue()
	wt, _ := cat.Lookup("workout")
	left, err := f.svc.Activities(ctx, "alex", 0, 10)
	if err != nil || len(left) != 1 || left[0].ID != c.Activity.ID {
		t.Fatalf("activities left: %+v, %v", left, err)
	}
	want := domain.TypeDayXP(wt, c.Activity.Amount, domain.Modifiers{})
	if left[0].XP != want {
		t.Fatalf("XP of the remaining activity = %d, want %d", left[0].XP, want)
	}
	// Everything else in the total is achievements (first workout, …).
	achXP := achievementXP(t, f, "alex")
	if final.Sheet.XP != int64(want+achXP) {
		t.Fatalf("total XP %d, want %d activity + %d achievements", final.Sheet.XP, want, achXP)
	}
}

func TestLevelsPointsAndAllocationRace(t *testing.T) {
	t.Parallel()
	f := newFixture(t, at(2026, 5, 4, 9, 0, 0))
	ctx := context.Background()
	f.person(t, "Alex")
	// Level up through logged activities over several days (diminishing
	// returns make one day's grinding pointless).
	for day := 0; ; day++ {
		c, err := f.svc.Character(ctx, "alex")
		if err != nil {
			t.Fatal(err)
		}
		if c.Sheet.Level >= 10 {
			break
		}
		if day > 400 {
			t.Fatalf("still level %d after %d days", c.Sheet.Level, day)
		}
		for _, typ := range []string{"workout", "reading", "meditation", "run", "social"} {
			if _, err := f.svc.LogActivity(ctx, app.ActivityInput{Person: "alex", Type: typ, Amount: 45}); err != nil {
				t.Fatal(err)
			}
		}
		f.clock.Add(24 * time.Hour)
	}
	c, _ := f.svc.Character(ctx, "alex")
	if c.Sheet.UnspentPoints != domain.PointsForLevel(c.Sheet.Level) {
		t.Fatalf("unspent %d at level %d", c.Sheet.UnspentPoints, c.Sheet.Level)
	}
	if c.Sheet.Stats[0].Breakdown.Growth <= 0 {
		t.Fatalf("workouts grew no STR: %+v", c.Sheet.Stats[0])
	}
	// Spend all but one point, then race two allocations for the last.
	for c.Sheet.UnspentPoints > 1 {
		if c, _ = f.svc.Allocate(ctx, "alex", string(c.Allocatable[0])); c.Sheet.UnspentPoints == 0 {
			t.Fatal("allocation failed")
		}
	}
	options := c.Allocatable
	if len(options) < 2 {
		t.Fatalf("need two allocatable nodes, have %v", options)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() { _, errs[i] = f.svc.Allocate(ctx, "alex", string(options[i])) })
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) {
		t.Fatalf("want exactly one allocation to win: %v, %v", errs[0], errs[1])
	}
	c, _ = f.svc.Character(ctx, "alex")
	if c.Sheet.UnspentPoints != 0 || len(c.Sheet.Allocated) != domain.PointsForLevel(c.Sheet.Level) {
		t.Fatalf("after the race: unspent %d, allocated %v", c.Sheet.UnspentPoints, c.Sheet.Allocated)
	}
	if f.events.kinds()[domain.EventLevelUp] != c.Sheet.Level-1 {
		t.Fatalf("level_up events %d for level %d", f.events.kinds()[domain.EventLevelUp], c.Sheet.Level)
	}
}

// TestCheckInBeforeRolloverKeepsYesterday: a check-in after midnight, before
// the rollover job has closed yesterday, must still count yesterday's done
// day (yesterday's row was written as "today" and holds the state before it).
func TestCheckInBeforeRolloverKeepsYesterday(t *testing.T) {
	t.Parallel()
	f := newFixture(t, at(2026, 5, 4, 21, 0, 0))
	ctx := context.Background()
	f.person(t, "Alex")
	f.habit(t, "alex", "Walk", domain.NewDay(2026, 5, 4))
	if _, err := f.svc.CheckIn(ctx, app.CheckInInput{Person: "alex", Habit: "walk"}); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(12 * time.Hour) // 09:00 next day; no rollover ran
	r, err := f.svc.CheckIn(ctx, app.CheckInInput{Person: "alex", Habit: "walk"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Streak.Current != 2 {
		t.Fatalf("streak = %d, want 2", r.Streak.Current)
	}
}

// TestCheckInAfterDaysNeverDerived: a check-in after days no rollover
// derived (the process was down) folds them too, from the check-ins of the
// last open day on, which the fold's first read does not cover.
func TestCheckInAfterDaysNeverDerived(t *testing.T) {
	t.Parallel()
	f := newFixture(t, at(2026, 5, 4, 9, 0, 0))
	ctx := context.Background()
	f.person(t, "Alex")
	walk := f.habit(t, "alex", "Walk", domain.NewDay(2026, 5, 4))
	for range 2 {
		if _, err := f.svc.CheckIn(ctx, app.CheckInInput{Person: "alex", Habit: "walk"}); err != nil {
			t.Fatal(err)
		}
		f.clock.Add(24 * time.Hour)
	}
	f.clock.Add(48 * time.Hour) // 05-08: no rollover ran since 05-05
	r, err := f.svc.CheckIn(ctx, app.CheckInInput{Person: "alex", Habit: "walk"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Streak.Current != 1 || r.Streak.Best != 2 {
		t.Errorf("streak = %+v, want 1 now and 2 at best (05-04 and 05-05 done, 05-06 and 05-07 missed)", r.Streak)
	}
	rows, err := f.store.HabitDays(ctx, walk.ID, domain.NewDay(2026, 5, 4), domain.NewDay(2026, 5, 8))
	if err != nil {
		t.Fatal(err)
	}
	var got []domain.DayStatus
	for _, row := range rows {
		got = append(got, row.Result.Status)
	}
	want := []domain.DayStatus{domain.StatusDone, domain.StatusDone, domain.StatusMissed, domain.StatusMissed, domain.StatusDone}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("days 05-04 … 05-08 = %v, want %v", got, want)
	}
	verifyClean(t, f, "after the days no rollover derived")
}

// TestPerfectDaysCountedOnce: a closed day with every due habit done counts
// as perfect, once however often the rollover runs.
func TestPerfectDaysCountedOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, at(2026, 5, 4, 9, 0, 0))
	ctx := context.Background()
	p := f.person(t, "Alex")
	f.habit(t, "alex", "Walk", domain.NewDay(2026, 5, 4))
	f.habit(t, "alex", "Read", domain.NewDay(2026, 5, 4))
	for _, h := range []string{"walk", "read"} {
		if _, err := f.svc.CheckIn(ctx, app.CheckInInput{Person: "alex", Habit: h}); err != nil {
			t.Fatal(err)
		}
	}
	f.clock.Add(24 * time.Hour) // 05-05: only walk done, so not perfect
	if _, err := f.svc.CheckIn(ctx, app.CheckInInput{Person: "alex", Habit: "walk"}); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(24 * time.Hour)
	for range 2 {
		if err := f.svc.Rollover(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var perfect int64
	if err := f.pool.QueryRow(ctx, "SELECT perfect_days FROM person_progress WHERE person_id = $1", p.ID).Scan(&perfect); err != nil {
		t.Fatal(err)
	}
	if perfect != 1 {
		t.Fatalf("perfect days = %d, want 1", perfect)
	}
}
