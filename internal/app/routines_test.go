package app_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jonboulle/clockwork"
	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/character"
	"github.com/lifeops/lifeops/internal/domain/routine"
	"github.com/lifeops/lifeops/internal/jobs"
	"github.com/lifeops/lifeops/internal/postgres"
)

// notes records reminders, as the HA bridge would send them.
type notes struct {
	mu  sync.Mutex
	all []string // "HH:MM title" in Berlin time
	now func() time.Time
}

func (n *notes) Notify(_ context.Context, note app.Notification) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.all = append(n.all, n.now().In(berlin).Format("15:04")+" "+note.Message)
	return nil
}

func (n *notes) list() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.all)
}

func clockItem(title string, h, m, xp, grace int) routine.Item {
	return routine.Item{Title: title, Anchor: routine.Anchor{Kind: routine.AnchorClock, At: domain.Clock(h, m)}, XP: xp, GraceMin: routine.GraceOf(grace)}
}

// statuses maps a timeline's titles to their statuses.
func statuses(t *testing.T, f *fixture, person string, day domain.Day) map[string]routine.Status {
	t.Helper()
	tl, err := f.svc.Timeline(context.Background(), person, day)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]routine.Status{}
	for _, e := range tl {
		out[e.Title] = e.Status
	}
	return out
}

func totalXP(t *testing.T, f *fixture, person string) int64 {
	t.Helper()
	v, err := f.svc.Today(context.Background(), person)
	if err != nil {
		t.Fatal(err)
	}
	return v.TotalXP
}

// TestMorningRoutineDay drives one morning minute by minute: reminders when
// items come due, done with XP and the linked habit's check-in, a snooze and
// its second reminder, a miss after the grace period, and an undo.
func TestMorningRoutineDay(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	day := domain.NewDay(2026, time.June, 10)
	f := newFixture(t, at(2026, time.June, 10, 5, 0, 0))
	f.person(t, "Ana")
	water := f.habit(t, "ana", "Drink water", day.Add(-10))
	// Ana's ring says she woke at 06:40.
	wake := at(2026, time.June, 10, 6, 40, 0)
	if err := f.store.BiometricsPut(ctx, 1, app.Biometrics{Day: day, SleepEnd: &wake}); err != nil {
		t.Fatal(err)
	}
	habitID := water.ID
	r, err := f.svc.CreateRoutine(ctx, "ana", app.RoutineInput{
		Name: "Morning", Schedule: routine.Schedule{Kind: routine.ScheduleDaily},
		Items: []routine.Item{
			{Title: "Water", Anchor: routine.Anchor{Kind: routine.AnchorWake, OffsetMin: 5}, XP: 5, HabitID: &habitID},
			clockItem("Stretch", 7, 0, 20, 30),
			clockItem("Vitamins", 7, 30, 5, 60),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Value.Items) != 3 || r.Value.Items[0].ID == 0 {
		t.Fatalf("created %+v", r.Value)
	}
	n := &notes{now: f.clock.Now}
	xpBefore := totalXP(t, f, "ana")

	act := map[string]func(){
		"06:50": func() { // Water, done from HA: 5 XP and a check-in of the habit
			res, err := f.svc.SetItemStatus(ctx, app.ItemStatusInput{Person: "ana", Item: "water", Status: routine.StatusDone, Source: domain.SourceHA})
			if err != nil || res.XP != 5 || !res.CheckedIn || res.Entry.Source != domain.SourceHA {
				t.Errorf("water done: %+v, %v", res, err)
			}
		},
		"07:10": func() { // Stretch snoozed for 15 minutes
			if _, err := f.svc.SetItemStatus(ctx, app.ItemStatusInput{Person: "ana", Item: "Stretch", Status: routine.StatusSnoozed, SnoozeMin: 15}); err != nil {
				t.Error(err)
			}
		},
		"07:40": func() { // Stretch done: on time is planned + grace (07:30), so no bonus either way
			res, err := f.svc.SetItemStatus(ctx, app.ItemStatusInput{Person: "ana", Item: sourceIDOf(r.Value.Items[1].ID), Status: routine.StatusDone})
			if err != nil || res.XP != 20 {
				t.Errorf("stretch done: %+v, %v", res, err)
			}
		},
		"09:00": func() { // Water undone: XP and check-in go back; it is long past its grace, so the next tick misses it
			res, err := f.svc.UndoItem(ctx, "ana", "Water", domain.Day{})
			if err != nil || res.XP != -5 || res.Entry.Status != routine.StatusPending || res.Entry.CheckInID != 0 {
				t.Errorf("water undo: %+v, %v", res, err)
			}
		},
	}
	for m := at(2026, time.June, 10, 5, 0, 0); !m.After(at(2026, time.June, 10, 10, 0, 0)); m = m.Add(time.Minute) {
		f.clock.Set(m)
		if err := f.svc.TimelineTick(ctx, m, n); err != nil {
			t.Fatalf("tick at %s: %v", m.Format("15:04"), err)
		}
		if a := act[m.Format("15:04")]; a != nil {
			a()
			if m.Format("15:04") == "06:50" {
				v, err := f.svc.Today(ctx, "ana")
				if err != nil || len(v.Habits) != 1 || v.Habits[0].Result.Status != domain.StatusDone {
					t.Errorf("the habit is not done after the item: %+v, %v", v.Habits, err)
				}
			}
		}
	}

	want := []string{"06:45 Water", "07:00 Stretch", "07:25 Stretch", "07:30 Vitamins"}
	if got := n.list(); !slices.Equal(got, want) {
		t.Errorf("reminders %v, want %v", got, want)
	}
	got := statuses(t, f, "ana", day)
	wantStatus := map[string]routine.Status{"Water": routine.StatusMissed, "Stretch": routine.StatusDone, "Vitamins": routine.StatusMissed}
	for title, st := range wantStatus {
		if got[title] != st {
			t.Errorf("%s is %s, want %s", title, got[title], st)
		}
	}
	// Achievements unlocked on the way keep their XP; the rest is Stretch's.
	if gained := totalXP(t, f, "ana") - xpBefore - int64(achievementXP(t, f, "ana")); gained != 20 {
		t.Errorf("gained %d XP besides achievements, want 20 (Stretch; Water's 5 and its check-in's XP were given back)", gained)
	}
	v, err := f.svc.Today(ctx, "ana")
	if err != nil || v.Habits[0].Result.Status == domain.StatusDone {
		t.Errorf("the habit is still done after the undo: %+v, %v", v.Habits, err)
	}
	tally, err := f.svc.RoutineTally(ctx, "ana", day)
	if err != nil || tally.Due != 3 || tally.Done != 1 || tally.Lost != 2 || !tally.At.Equal(at(2026, time.June, 10, 7, 40, 0)) {
		t.Errorf("tally %+v, %v; want 3 due, 1 done at 07:40, 2 lost", tally, err)
	}
}

func sourceIDOf(id int64) string { return fmt.Sprint(id) }

func TestTimelineOnDSTDays(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		day     domain.Day
		planned time.Time // of the 02:30 item
	}{
		{domain.NewDay(2026, time.March, 29), time.Date(2026, time.March, 29, 1, 0, 0, 0, time.UTC)},      // 03:00 CEST, at the jump
		{domain.NewDay(2026, time.October, 25), time.Date(2026, time.October, 25, 0, 30, 0, 0, time.UTC)}, // the first 02:30
	}
	for _, tt := range tests {
		t.Run(tt.day.String(), func(t *testing.T) {
			t.Parallel()
			start := tt.day.Start(berlin)
			f := newFixture(t, start)
			f.person(t, "Ana")
			if _, err := f.svc.CreateRoutine(ctx, "ana", app.RoutineInput{Name: "Night meds", Schedule: routine.Schedule{Kind: routine.ScheduleDaily},
				Items: []routine.Item{clockItem("Pill", 2, 30, 5, 30)}}); err != nil {
				t.Fatal(err)
			}
			first, err := f.svc.Timeline(ctx, "ana", tt.day)
			if err != nil || len(first) != 1 || !first[0].Planned.Equal(tt.planned) {
				t.Fatalf("timeline %+v, %v; want the pill at %s", first, err, tt.planned)
			}
			n := &notes{now: f.clock.Now}
			var reminded []time.Time
			for m := start; m.Before(start.Add(5 * time.Hour)); m = m.Add(time.Minute) {
				f.clock.Set(m)
				before := len(n.list())
				if err := f.svc.TimelineTick(ctx, m, n); err != nil {
					t.Fatal(err)
				}
				if len(n.list()) > before {
					reminded = append(reminded, m)
				}
			}
			if len(reminded) != 1 || !reminded[0].Equal(tt.planned) {
				t.Errorf("reminded at %v, want once at %s", reminded, tt.planned)
			}
			again, err := f.svc.Timeline(ctx, "ana", tt.day)
			if err != nil || len(again) != 1 || again[0].Status != routine.StatusMissed || !again[0].Planned.Equal(tt.planned) {
				t.Errorf("after the night: %+v, %v; want the one pill, missed", again, err)
			}
		})
	}
}

// TestTimelineCatchUpAfterDowntime: LifeOps is down from 22:00 to 09:00.
// The first tick back marks what passed its grace while it was down (last
// night's item, this morning's early item) missed, without reminding of
// them, and reminds once of what is due now.
func TestTimelineCatchUpAfterDowntime(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	day := domain.NewDay(2026, time.June, 10)
	f := newFixture(t, at(2026, time.June, 10, 21, 0, 0))
	f.person(t, "Ana")
	if _, err := f.svc.CreateRoutine(ctx, "ana", app.RoutineInput{Name: "Day", Schedule: routine.Schedule{Kind: routine.ScheduleDaily},
		Items: []routine.Item{clockItem("Early", 6, 0, 5, 60), clockItem("Late morning", 8, 30, 5, 60), clockItem("Evening", 21, 45, 5, 60)}}); err != nil {
		t.Fatal(err)
	}
	n := &notes{now: f.clock.Now}
	for m := at(2026, time.June, 10, 21, 0, 0); !m.After(at(2026, time.June, 10, 22, 0, 0)); m = m.Add(time.Minute) {
		f.clock.Set(m)
		if err := f.svc.TimelineTick(ctx, m, n); err != nil {
			t.Fatal(err)
		}
	}
	// Down. Back at 09:00, ticking again.
	for m := at(2026, time.June, 11, 9, 0, 0); !m.After(at(2026, time.June, 11, 9, 5, 0)); m = m.Add(time.Minute) {
		f.clock.Set(m)
		if err := f.svc.TimelineTick(ctx, m, n); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := n.list(), []string{"21:45 Evening", "09:00 Late morning"}; !slices.Equal(got, want) {
		t.Errorf("reminders %v, want %v", got, want)
	}
	if got := statuses(t, f, "ana", day); got["Evening"] != routine.StatusMissed {
		t.Errorf("yesterday's evening item is %s, want missed", got["Evening"])
	}
	got := statuses(t, f, "ana", day.Add(1))
	if got["Early"] != routine.StatusMissed || got["Late morning"] != routine.StatusPending || got["Evening"] != routine.StatusPending {
		t.Errorf("today: %v, want Early missed, the rest pending", got)
	}
}

// rfix is a service over a pool the test can also give a job runner.
type rfix struct {
	pool *pgxpool.Pool
	svc  *app.Service
}

func newRFix(t *testing.T, now func() time.Time) rfix {
	t.Helper()
	tree, err := character.Default()
	if err != nil {
		t.Fatal(err)
	}
	pool := dbtest.New(t)
	svc := app.New(app.Options{Store: postgres.NewStore(pool), Logger: zerolog.Nop(), Now: now,
		Location: func() *time.Location { return berlin }, Tree: tree})
	return rfix{pool: pool, svc: svc}
}

// TestTwoSchedulersRemindOnce runs the timeline tick on two job runners
// (two replicas) sharing one database: every reminder goes out once.
func TestTwoSchedulersRemindOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	start := at(2026, time.June, 10, 6, 55, 0)
	clocks := []*clockwork.FakeClock{clockwork.NewFakeClockAt(start), clockwork.NewFakeClockAt(start)}
	f := newRFix(t, clocks[0].Now)
	if _, err := f.svc.CreatePerson(ctx, app.PersonInput{Name: "Ana"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CreateRoutine(ctx, "ana", app.RoutineInput{Name: "Morning", Schedule: routine.Schedule{Kind: routine.ScheduleDaily},
		Items: []routine.Item{clockItem("Stretch", 7, 0, 20, 30), clockItem("Vitamins", 7, 5, 5, 60)}}); err != nil {
		t.Fatal(err)
	}
	n := &notes{now: clocks[0].Now}
	var mu sync.Mutex
	attempts := map[string]int{} // "owner slot" → attempts over
	var runners []*jobs.Runner
	for i, c := range clocks {
		owner := fmt.Sprint("replica", i)
		r := jobs.New(jobs.Options{Pool: f.pool, Clock: c, Location: berlin, Owner: owner, OnReport: func(rep jobs.Report) {
			mu.Lock()
			defer mu.Unlock()
			attempts[rep.Owner+" "+rep.Slot.Format("15:04")]++
		}})
		if err := r.Add(jobs.Job{Name: "timeline_tick", Schedule: jobs.Every(time.Minute),
			Run: func(ctx context.Context, slot time.Time) error { return f.svc.TimelineTick(ctx, slot, n) }}); err != nil {
			t.Fatal(err)
		}
		if err := r.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = r.Stop(context.Background()) })
		runners = append(runners, r)
	}
	for m := start.Add(time.Minute); !m.After(start.Add(15 * time.Minute)); m = m.Add(time.Minute) {
		for _, c := range clocks {
			if err := c.BlockUntilContext(ctx, 1); err != nil {
				t.Fatal(err)
			}
			c.Advance(time.Minute)
		}
		waitUntil(t, func() bool {
			mu.Lock()
			defer mu.Unlock()
			return attempts["replica0 "+m.Format("15:04")] > 0 && attempts["replica1 "+m.Format("15:04")] > 0
		})
	}
	for _, r := range runners {
		if err := r.Stop(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := n.list(), []string{"07:00 Stretch", "07:05 Vitamins"}; !slices.Equal(got, want) {
		t.Errorf("reminders %v, want each once: %v", got, want)
	}
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestRoutineDefinitions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	day := domain.NewDay(2026, time.June, 10)
	f := newFixture(t, at(2026, time.June, 10, 7, 10, 0))
	f.person(t, "Ana")
	f.person(t, "Ben")
	bens := f.habit(t, "ben", "Floss", day)
	bad := int64(999)

	_, err := f.svc.CreateRoutine(ctx, "ana", app.RoutineInput{Name: " ", Schedule: routine.Schedule{Kind: routine.ScheduleRRule, RRule: "FREQ=HOURLY"},
		Items: []routine.Item{{Title: "x", Anchor: routine.Anchor{Kind: routine.AnchorClock, At: domain.Clock(7, 0)}, HabitID: &bens.ID}, {Title: "y", Anchor: routine.Anchor{Kind: "moon"}, HabitID: &bad}}})
	var ve *domain.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want a validation error, got %v", err)
	}
	var fields []string
	for _, fe := range ve.Fields {
		fields = append(fields, fe.Field)
	}
	slices.Sort(fields)
	if want := []string{"items[0].habit_id", "items[1].anchor.kind", "items[1].habit_id", "name", "schedule.rrule"}; !slices.Equal(fields, want) {
		t.Errorf("fields %v, want %v (%v)", fields, want, err)
	}

	r, err := f.svc.CreateRoutine(ctx, "ana", app.RoutineInput{Name: "Morning", Schedule: routine.Schedule{Kind: routine.ScheduleDaily},
		Items: []routine.Item{clockItem("Stretch", 7, 0, 20, 30), clockItem("Vitamins", 7, 30, 5, 60), clockItem("Read", 8, 0, 5, 60)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SetItemStatus(ctx, app.ItemStatusInput{Person: "ana", Item: "stretch", Status: routine.StatusDone}); err != nil {
		t.Fatal(err)
	}
	// Edit: Stretch (done) and Vitamins (open) are dropped, Read moves to
	// 09:00, Journal is new.
	items := []routine.Item{r.Value.Items[2], clockItem("Journal", 21, 0, 5, 60)}
	items[0].Anchor.At = domain.Clock(9, 0)
	up, err := f.svc.UpdateRoutine(ctx, "ana", r.Value.ID, app.RoutineInput{Name: "Morning", Schedule: r.Value.Schedule, Items: items}, r.Version)
	if err != nil {
		t.Fatal(err)
	}
	if up.Version != r.Version+1 || up.Value.Items[0].ID != r.Value.Items[2].ID || up.Value.Items[1].ID == 0 {
		t.Errorf("updated %+v", up)
	}
	tl, err := f.svc.Timeline(ctx, "ana", day)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range tl {
		got = append(got, fmt.Sprintf("%s %s %s", e.Planned.In(berlin).Format("15:04"), e.Title, e.Status))
	}
	if want := []string{"07:00 Stretch done", "09:00 Read pending", "21:00 Journal pending"}; !slices.Equal(got, want) {
		t.Errorf("timeline after the edit %v, want %v", got, want)
	}
	if _, err := f.svc.UpdateRoutine(ctx, "ana", r.Value.ID, app.RoutineInput{Name: "Stale", Schedule: r.Value.Schedule, Items: items}, r.Version); !errors.Is(err, domain.ErrPrecondition) {
		t.Errorf("stale version: %v, want ErrPrecondition", err)
	}
	if _, err := f.svc.GetRoutine(ctx, "ben", r.Value.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("Ben sees Ana's routine: %v", err)
	}
	if err := f.svc.DeleteRoutine(ctx, "ana", r.Value.ID); err != nil {
		t.Fatal(err)
	}
	if list, err := f.svc.ListRoutines(ctx, "ana"); err != nil || len(list) != 0 {
		t.Errorf("routines after delete: %v, %v", list, err)
	}
	if got := statuses(t, f, "ana", day); len(got) != 1 || got["Stretch"] != routine.StatusDone {
		t.Errorf("timeline after delete: %v, want only the done Stretch", got)
	}
}

func TestSetItemStatusRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, at(2026, time.June, 10, 7, 10, 0))
	f.person(t, "Ana")
	for _, name := range []string{"Morning", "Evening"} {
		if _, err := f.svc.CreateRoutine(ctx, "ana", app.RoutineInput{Name: name, Schedule: routine.Schedule{Kind: routine.ScheduleDaily},
			Items: []routine.Item{clockItem("Stretch", 7, 0, 20, 30), clockItem(name+" tea", 7, 0, 5, 30)}}); err != nil {
			t.Fatal(err)
		}
	}
	set := func(item string, st routine.Status) error {
		_, err := f.svc.SetItemStatus(ctx, app.ItemStatusInput{Person: "ana", Item: item, Status: st})
		return err
	}
	if err := set("Coffee", routine.StatusDone); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("unknown item: %v", err)
	}
	if err := set("stretch", routine.StatusDone); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("ambiguous title: %v", err)
	}
	if err := set("Morning tea", routine.StatusMissed); err == nil {
		t.Error("a person marked an item missed")
	}
	if err := set("Morning tea", routine.StatusSkipped); err != nil {
		t.Fatal(err)
	}
	if err := set("Morning tea", routine.StatusPending); err != nil {
		t.Errorf("undo skip: %v", err)
	}
	if err := set("Morning tea", routine.StatusSkipped); err != nil {
		t.Fatal(err)
	}
	// Skipped, then done after all: it pays, and undoing it gives it back.
	before := totalXP(t, f, "ana")
	r, err := f.svc.SetItemStatus(ctx, app.ItemStatusInput{Person: "ana", Item: "Morning tea", Status: routine.StatusDone})
	if err != nil || r.XP != 5 {
		t.Fatalf("skipped → done: %+v, %v; want 5 XP", r, err)
	}
	if r, err := f.svc.UndoItem(ctx, "ana", "Morning tea", domain.Day{}); err != nil || r.XP != -5 || r.Entry.Status != routine.StatusPending {
		t.Fatalf("undo of done after skip: %+v, %v", r, err)
	}
	if got := totalXP(t, f, "ana"); got != before {
		t.Errorf("after done and undo: %d XP, want %d", got, before)
	}
	// The documented minimum 0 is the default snooze; out of range names the
	// field as the API spells it.
	r, err = f.svc.SetItemStatus(ctx, app.ItemStatusInput{Person: "ana", Item: "Evening tea", Status: routine.StatusSnoozed})
	if err != nil || r.Entry.Status != routine.StatusSnoozed {
		t.Errorf("a snooze of 0 minutes: %+v, %v", r.Entry, err)
	}
	_, err = f.svc.SetItemStatus(ctx, app.ItemStatusInput{Person: "ana", Item: "Evening tea", Status: routine.StatusSnoozed, SnoozeMin: 721})
	var ve *domain.ValidationError
	if !errors.As(err, &ve) || ve.Fields[0].Field != "snooze_min" {
		t.Errorf("snooze of 721 minutes: %v, want snooze_min refused", err)
	}
}

// BenchmarkTimeline generates (and then re-reads, unchanged) the timeline of
// a person with 10 routines and 60 items on PostgreSQL.
func BenchmarkTimeline(b *testing.B) {
	ctx := context.Background()
	tree, err := character.Default()
	if err != nil {
		b.Fatal(err)
	}
	day := domain.NewDay(2026, time.June, 10)
	clk := &clock{t: at(2026, time.June, 10, 5, 0, 0)}
	svc := app.New(app.Options{Store: postgres.NewStore(dbtest.New(b)), Logger: zerolog.Nop(), Now: clk.Now,
		Location: func() *time.Location { return berlin }, Tree: tree})
	if _, err := svc.CreatePerson(ctx, app.PersonInput{Name: "Ana"}); err != nil {
		b.Fatal(err)
	}
	for r := range 10 {
		var items []routine.Item
		for i := range 6 {
			items = append(items, clockItem(fmt.Sprintf("R%d item %d", r, i), 6+r, i*5, 10, 60))
		}
		if _, err := svc.CreateRoutine(ctx, "ana", app.RoutineInput{Name: fmt.Sprint("Routine ", r), Schedule: routine.Schedule{Kind: routine.ScheduleDaily}, Items: items}); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("generate", func(b *testing.B) {
		d := day.Add(1)
		for b.Loop() {
			tl, err := svc.Timeline(ctx, "ana", d) // a day never generated before
			if err != nil || len(tl) != 60 {
				b.Fatalf("%d entries, %v", len(tl), err)
			}
			d = d.Add(1)
		}
	})
	b.Run("again", func(b *testing.B) {
		for b.Loop() {
			if tl, err := svc.Timeline(ctx, "ana", day); err != nil || len(tl) != 60 {
				b.Fatalf("%d entries, %v", len(tl), err)
			}
		}
	})
}

// noTx is the real store that refuses transactions: what runs on it only
// reads.
type noTx struct{ app.Store }

func (noTx) InTx(context.Context, func(app.Store) error) error {
	return errors.New("a read opened a transaction")
}

// TestTimelineOnlyReads: reading a timeline writes nothing, today's or a
// later day's; what a changed routine or wake-up would change shows at once
// (in memory), and the tick or the rollover stores it.
func TestTimelineOnlyReads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, at(2026, time.June, 10, 5, 0, 0))
	f.person(t, "Ana")
	if _, err := f.svc.CreateRoutine(ctx, "ana", app.RoutineInput{Name: "Morning", Schedule: routine.Schedule{Kind: routine.ScheduleDaily},
		Items: []routine.Item{clockItem("Stretch", 7, 0, 20, 30), clockItem("Vitamins", 7, 30, 5, 60)}}); err != nil {
		t.Fatal(err)
	}
	tree, err := character.Default()
	if err != nil {
		t.Fatal(err)
	}
	reader := app.New(app.Options{Store: noTx{f.store}, Logger: zerolog.Nop(), Now: f.clock.Now,
		Location: func() *time.Location { return berlin }, Tree: tree})
	today := domain.NewDay(2026, time.June, 10)
	for _, day := range []domain.Day{{}, today, today.Add(1)} {
		tl, err := reader.Timeline(ctx, "ana", day)
		if err != nil {
			t.Fatalf("timeline of %v: %v", day, err)
		}
		if len(tl) != 2 || tl[0].Title != "Stretch" || tl[1].Title != "Vitamins" {
			t.Fatalf("timeline of %v: %+v", day, tl)
		}
	}
	// The view every adapter maps from reads the same way.
	v, err := reader.PersonView(ctx, "ana")
	if err != nil {
		t.Fatal(err)
	}
	if v.Person().Slug != "ana" || len(v.Timeline) != 2 || v.Today.Day != today || v.Character.Person.ID != v.Person().ID {
		t.Errorf("person view %+v", v)
	}
	var rows int
	if err := f.pool.QueryRow(ctx, "SELECT count(*) FROM timeline_entries WHERE day = $1", today.Add(1)).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 0 {
		t.Errorf("reading tomorrow stored %d entries", rows)
	}
}
