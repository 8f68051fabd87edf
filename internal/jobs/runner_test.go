package jobs

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jonboulle/clockwork"
	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/domain"
)

// recorder collects what job bodies did, across runners, and lets a test
// wait for a given run.
type recorder struct {
	mu        sync.Mutex
	runs      map[string][]time.Time // job → slots, in run order
	finalised []domain.Day
	reports   []Report
	changed   chan struct{} // closed and replaced on every record
}

func newRecorder() *recorder {
	return &recorder{runs: map[string][]time.Time{}, changed: make(chan struct{})}
}

func (rec *recorder) notify() {
	close(rec.changed)
	rec.changed = make(chan struct{})
}

func (rec *recorder) body(job string) JobFunc {
	return func(_ context.Context, slot time.Time) error {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		rec.runs[job] = append(rec.runs[job], slot)
		rec.notify()
		return nil
	}
}

func (rec *recorder) report(r Report) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.reports = append(rec.reports, r)
	rec.notify()
}

// rollover finalises into rec; last, when set, overrides what the "app"
// remembers as its last finalised day.
func (rec *recorder) rollover(initial domain.Day, last func() domain.Day) Rollover {
	return Rollover{
		Finalise: func(_ context.Context, day domain.Day) error {
			rec.mu.Lock()
			defer rec.mu.Unlock()
			rec.finalised = append(rec.finalised, day)
			rec.notify()
			return nil
		},
		LastFinalised: func(context.Context) (domain.Day, error) {
			if last != nil {
				return last(), nil
			}
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if n := len(rec.finalised); n > 0 {
				return slices.MaxFunc(rec.finalised, domain.Day.Compare), nil
			}
			return initial, nil
		},
	}
}

// waitFor blocks until cond holds (checked under the lock) or fails the test.
func (rec *recorder) waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		rec.mu.Lock()
		ok, ch := cond(), rec.changed
		rec.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			rec.mu.Lock()
			last := rec.reports[max(0, len(rec.reports)-5):]
			rec.mu.Unlock()
			t.Fatalf("timed out waiting for %s; last reports: %+v", what, last)
		}
	}
}

func (rec *recorder) slots(job string) []time.Time {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return slices.Clone(rec.runs[job])
}

func (rec *recorder) ran(job string, slot time.Time) bool {
	return slices.ContainsFunc(rec.runs[job], slot.Equal)
}

// rig is one runner on a fake clock.
type rig struct {
	owner  string
	clock  *clockwork.FakeClock
	r      *Runner
	timers int                 // one gocron timer per job when idle
	jobs   map[string]Schedule // every job, the rollover too
}

// attempted reports whether g's attempt at job's slot is over (whatever
// became of it). Call with rec.mu held.
func (rec *recorder) attempted(owner, job string, slot time.Time) bool {
	return slices.ContainsFunc(rec.reports, func(r Report) bool { return r.Owner == owner && r.Job == job && r.Slot.Equal(slot) })
}

func newRig(t *testing.T, rec *recorder, pool *pgxpool.Pool, loc *time.Location, start time.Time, owner string, ro *Rollover, jobs ...Job) *rig {
	t.Helper()
	clock := clockwork.NewFakeClockAt(start)
	log := zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.InfoLevel).With().Str("owner", owner).Logger()
	if testing.Verbose() {
		log = log.Level(zerolog.DebugLevel)
	}
	r := New(Options{Pool: pool, Clock: clock, Location: loc, Owner: owner, OnReport: rec.report, Logger: log})
	for _, j := range jobs {
		if err := r.Add(j); err != nil {
			t.Fatal(err)
		}
	}
	scheds := map[string]Schedule{}
	for _, j := range jobs {
		scheds[j.Name] = j.Schedule
	}
	if ro != nil {
		if err := r.SetRollover(*ro); err != nil {
			t.Fatal(err)
		}
		scheds[RolloverJob] = Daily(0, loc)
	}
	n := len(scheds)
	t.Cleanup(func() {
		if err := r.Stop(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return &rig{owner: owner, clock: clock, r: r, timers: n, jobs: scheds}
}

func (g *rig) start(t *testing.T) {
	t.Helper()
	if err := g.r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	g.settle(t)
}

// settle waits until every job has its timer armed again.
func (g *rig) settle(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := g.clock.BlockUntilContext(ctx, g.timers); err != nil {
		t.Fatalf("timers not re-armed: %v", err)
	}
}

// minutes advances the rigs' clocks together a minute at a time until until.
// Each minute it waits until every rig's attempt at every job due then is
// over (run by one of them, skipped by the others) and every timer is armed
// again. Without that wait the fake clock races ahead of jobs a busy machine
// has not got round to yet, and they find their slot gone.
func minutes(t *testing.T, rec *recorder, until time.Time, rigs ...*rig) {
	t.Helper()
	for rigs[0].clock.Now().Before(until) {
		for _, g := range rigs {
			g.clock.Advance(time.Minute)
		}
		now := rigs[0].clock.Now()
		rec.waitFor(t, "jobs at "+now.Format(time.RFC3339), func() bool {
			for _, g := range rigs {
				for name, s := range g.jobs {
					if slot, _ := lastSlot(s, now); slot.Equal(now) && !rec.attempted(g.owner, name, now) {
						return false
					}
				}
			}
			return rec.ran("tick", now)
		})
		for _, g := range rigs {
			g.settle(t)
		}
	}
}

func stop(t *testing.T, rigs ...*rig) {
	t.Helper()
	for _, g := range rigs {
		if err := g.r.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

// assertEach checks that got holds each of want exactly once and nothing else.
func assertEach(t *testing.T, what string, got, want []time.Time) {
	t.Helper()
	seen := map[int64]int{}
	for _, s := range got {
		seen[s.UnixNano()]++
	}
	for _, w := range want {
		if seen[w.UnixNano()] != 1 {
			t.Errorf("%s at %s ran %d times, want once", what, w.UTC().Format(time.RFC3339), seen[w.UnixNano()])
		}
		delete(seen, w.UnixNano())
	}
	for s, n := range seen {
		t.Errorf("%s at %s ran %d times, want never", what, time.Unix(0, s).UTC().Format(time.RFC3339), n)
	}
}

// everyMinute lists the full minutes from first through last.
func everyMinute(first, last time.Time) []time.Time {
	var out []time.Time
	for m := first; !m.After(last); m = m.Add(time.Minute) {
		out = append(out, m)
	}
	return out
}

func tickJob(rec *recorder, catchUp bool) Job {
	return Job{Name: "tick", Schedule: Every(time.Minute), Run: rec.body("tick"), CatchUp: catchUp}
}

func TestFullDay(t *testing.T) {
	t.Parallel()
	berlin := mustLoc(t, "Europe/Berlin")
	day := domain.NewDay(2026, time.June, 10)
	rec := newRecorder()
	ro := rec.rollover(day.Add(-2), nil)
	g := newRig(t, rec, nil, berlin, day.Start(berlin).Add(-time.Minute), "solo", &ro,
		tickJob(rec, false),
		Job{Name: "oura", Schedule: OuraSlots(berlin), Run: rec.body("oura")})
	g.start(t)

	began := time.Now()
	minutes(t, rec, day.End(berlin).Add(-time.Minute), g)
	t.Logf("a day of jobs in %v", time.Since(began))
	stop(t, g)

	assertEach(t, "tick", rec.slots("tick"), everyMinute(day.Start(berlin), day.End(berlin).Add(-time.Minute)))
	var oura []time.Time
	for h := range 24 {
		for q := range 4 {
			if q == 0 || (h >= 5 && h < 12) {
				oura = append(oura, time.Date(2026, time.June, 10, h, q*15, 0, 0, berlin))
			}
		}
	}
	assertEach(t, "oura", rec.slots("oura"), oura)
	if !slices.Equal(rec.finalised, []domain.Day{day.Add(-1)}) {
		t.Errorf("finalised %v, want only %s", rec.finalised, day.Add(-1))
	}
}

func TestDSTChangeDays(t *testing.T) {
	t.Parallel()
	berlin := mustLoc(t, "Europe/Berlin")
	tests := []struct {
		day     domain.Day
		minutes int       // length of the day
		nightly time.Time // when the 02:30 job runs
	}{
		{domain.NewDay(2026, time.March, 29), 23 * 60, utc("2026-03-29T01:00:00Z")},   // at the jump, 03:00 CEST
		{domain.NewDay(2026, time.October, 25), 25 * 60, utc("2026-10-25T00:30:00Z")}, // the first 02:30, CEST
	}
	for _, tt := range tests {
		t.Run(tt.day.String(), func(t *testing.T) {
			t.Parallel()
			rec := newRecorder()
			ro := rec.rollover(tt.day.Add(-2), nil)
			g := newRig(t, rec, nil, berlin, tt.day.Start(berlin).Add(-time.Minute), "solo", &ro,
				tickJob(rec, false),
				Job{Name: "nightly", Schedule: Daily(domain.Clock(2, 30), berlin), Run: rec.body("nightly")})
			g.start(t)
			// Through the next midnight, so both rollovers around the day are seen.
			minutes(t, rec, tt.day.End(berlin), g)
			stop(t, g)

			ticks := rec.slots("tick")
			if len(ticks) != tt.minutes+1 {
				t.Errorf("%d ticks, want %d (the day's minutes and the next midnight)", len(ticks), tt.minutes+1)
			}
			assertEach(t, "tick", ticks, everyMinute(tt.day.Start(berlin), tt.day.End(berlin)))
			assertEach(t, "nightly", rec.slots("nightly"), []time.Time{tt.nightly})
			if want := []domain.Day{tt.day.Add(-1), tt.day}; !slices.Equal(rec.finalised, want) {
				t.Errorf("finalised %v, want %v: one rollover at each midnight", rec.finalised, want)
			}
		})
	}
}

func TestTwoReplicasRunEachSlotOnce(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	berlin := mustLoc(t, "Europe/Berlin")
	day := domain.NewDay(2026, time.June, 10)
	rec := newRecorder()
	ro := rec.rollover(day.Add(-1), nil)
	start := day.End(berlin).Add(-10 * time.Minute)
	a := newRig(t, rec, pool, berlin, start, "a", &ro, tickJob(rec, false))
	b := newRig(t, rec, pool, berlin, start, "b", &ro, tickJob(rec, false))
	a.start(t)
	b.start(t)
	minutes(t, rec, day.End(berlin).Add(10*time.Minute), a, b)
	stop(t, a, b)

	assertEach(t, "tick", rec.slots("tick"), everyMinute(start.Add(time.Minute), day.End(berlin).Add(10*time.Minute)))
	if !slices.Equal(rec.finalised, []domain.Day{day}) {
		t.Errorf("finalised %v, want %s once", rec.finalised, day)
	}
	var skipped int
	for _, r := range rec.reports {
		if r.Job == "tick" && (r.Outcome == OutcomeSkippedBusy || r.Outcome == OutcomeSkippedDone) {
			skipped++
		}
		if r.Outcome == OutcomeFailed {
			t.Errorf("failed run: %+v", r)
		}
	}
	if skipped != 20 {
		t.Errorf("%d skipped tick attempts, want one per slot (20): did both replicas try?", skipped)
	}
	var rows, open int
	if err := pool.QueryRow(context.Background(), "SELECT count(*), count(*) FILTER (WHERE finished_at IS NULL) FROM job_runs").Scan(&rows, &open); err != nil {
		t.Fatal(err)
	}
	if rows != 21 || open != 0 {
		t.Errorf("job_runs: %d rows, %d unfinished; want 21 finished (20 ticks, 1 rollover)", rows, open)
	}
}

// TestSkewedReplicas is the case the slot rows exist for: replica A runs the
// midnight rollover and lets go of the lock before replica B, whose clock is
// 290 ms behind, fires. The "app" here never remembers what it finalised, so
// only job_runs stands between B and a second rollover.
func TestSkewedReplicas(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	berlin := mustLoc(t, "Europe/Berlin")
	day := domain.NewDay(2026, time.June, 10)
	rec := newRecorder()
	ro := rec.rollover(domain.Day{}, func() domain.Day { return day.Add(-1) })
	midnight := day.End(berlin)
	a := newRig(t, rec, pool, berlin, midnight.Add(-time.Second), "a", &ro)
	b := newRig(t, rec, pool, berlin, midnight.Add(-time.Second), "b", &ro)
	a.start(t)
	b.start(t)

	a.clock.Advance(time.Second + 10*time.Millisecond) // A: 00:00:00.010
	rec.waitFor(t, "A's rollover", func() bool { return len(rec.finalised) == 1 })
	waitUnlocked(t, pool)
	b.clock.Advance(time.Second + 300*time.Millisecond) // B: 00:00:00.300
	rec.waitFor(t, "B's attempt", func() bool {
		return slices.ContainsFunc(rec.reports, func(r Report) bool { return r.Outcome == OutcomeSkippedDone })
	})
	stop(t, a, b)
	if !slices.Equal(rec.finalised, []domain.Day{day}) {
		t.Errorf("finalised %v, want %s once", rec.finalised, day)
	}
}

// waitUnlocked waits until no job lock is held in pool's database.
func waitUnlocked(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	for range 1000 {
		var n int
		err := pool.QueryRow(context.Background(),
			"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
			lockSpace).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("job lock still held")
}

// TestCatchUpAfterDowntime: LifeOps runs until 22:00, is down through the
// night, and starts again at 09:00. Start-up finalises the day it missed,
// runs the tick and the Oura sync once for now, and a second replica starting
// at the same time repeats none of it.
func TestCatchUpAfterDowntime(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	berlin := mustLoc(t, "Europe/Berlin")
	day := domain.NewDay(2026, time.June, 10)
	at := func(d domain.Day, h, m int) time.Time { return time.Date(d.Year, d.Month, d.Day, h, m, 0, 0, berlin) }
	rec := newRecorder()
	ro := rec.rollover(day.Add(-1), nil) // day−1 was finalised at this morning's midnight
	jobs := func() []Job {
		return []Job{tickJob(rec, true), {Name: "oura", Schedule: OuraSlots(berlin), Run: rec.body("oura"), CatchUp: true}}
	}

	before := newRig(t, rec, pool, berlin, at(day, 21, 0), "before", &ro, jobs()...)
	if err := before.r.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	before.start(t)
	minutes(t, rec, at(day, 22, 0), before)
	stop(t, before)

	after := newRig(t, rec, pool, berlin, at(day.Add(1), 9, 0), "after", &ro, jobs()...)
	if err := after.r.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	second := newRig(t, rec, pool, berlin, at(day.Add(1), 9, 0), "second", &ro, jobs()...)
	if err := second.r.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	after.start(t)
	minutes(t, rec, at(day.Add(1), 9, 3), after)
	stop(t, after)

	assertEach(t, "tick", rec.slots("tick"), append(everyMinute(at(day, 21, 0), at(day, 22, 0)), everyMinute(at(day.Add(1), 9, 0), at(day.Add(1), 9, 3))...))
	assertEach(t, "oura", rec.slots("oura"), []time.Time{at(day, 21, 0), at(day, 22, 0), at(day.Add(1), 9, 0)})
	if !slices.Equal(rec.finalised, []domain.Day{day}) {
		t.Errorf("finalised %v, want %s once", rec.finalised, day)
	}
}

func TestCatchUpFinalisesEveryMissedDay(t *testing.T) {
	t.Parallel()
	berlin := mustLoc(t, "Europe/Berlin")
	day := domain.NewDay(2026, time.June, 10)
	tests := []struct {
		name string
		last domain.Day
		want []domain.Day
	}{
		{"three days down", day.Add(-4), []domain.Day{day.Add(-3), day.Add(-2), day.Add(-1)}},
		{"up to date", day.Add(-1), nil},
		{"fresh install: yesterday only", domain.Day{}, []domain.Day{day.Add(-1)}},
		{"months down: the last MaxCatchUpDays", day.Add(-200), nil}, // checked by length below
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := newRecorder()
			ro := rec.rollover(tt.last, nil)
			g := newRig(t, rec, nil, berlin, day.Start(berlin).Add(8*time.Hour), "solo", &ro)
			if err := g.r.CatchUp(context.Background()); err != nil {
				t.Fatal(err)
			}
			if tt.last == day.Add(-200) {
				if n := len(rec.finalised); n != MaxCatchUpDays || rec.finalised[n-1] != day.Add(-1) {
					t.Errorf("finalised %d days ending %v, want %d ending yesterday", n, rec.finalised[n-1], MaxCatchUpDays)
				}
				return
			}
			if !slices.Equal(rec.finalised, tt.want) {
				t.Errorf("finalised %v, want %v", rec.finalised, tt.want)
			}
		})
	}
}

func TestRollbackStopsAtFailureAndRetries(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	berlin := mustLoc(t, "Europe/Berlin")
	day := domain.NewDay(2026, time.June, 10)
	var mu sync.Mutex
	var done []domain.Day
	failOn := day.Add(-2)
	ro := Rollover{
		Finalise: func(_ context.Context, d domain.Day) error {
			mu.Lock()
			defer mu.Unlock()
			if d == failOn {
				return fmt.Errorf("database went away")
			}
			done = append(done, d)
			return nil
		},
		LastFinalised: func(context.Context) (domain.Day, error) { return day.Add(-4), nil },
	}
	rec := newRecorder()
	g := newRig(t, rec, pool, berlin, day.Start(berlin).Add(time.Hour), "solo", &ro)
	if err := g.r.CatchUp(context.Background()); err == nil {
		t.Fatal("CatchUp hid the failure")
	}
	if !slices.Equal(done, []domain.Day{day.Add(-3)}) {
		t.Fatalf("finalised %v, want only %s: later days wait for the failed one", done, day.Add(-3))
	}
	failOn = domain.Day{}
	if err := g.r.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(done, []domain.Day{day.Add(-3), day.Add(-2), day.Add(-1)}) {
		t.Errorf("finalised %v after the retry, want the failed day and the rest, and nothing twice", done)
	}
}

func TestRunnerLifecycle(t *testing.T) {
	t.Parallel()
	rec := newRecorder()
	r := New(Options{Clock: clockwork.NewFakeClock()})
	if err := r.Stop(context.Background()); err != nil {
		t.Errorf("stop before start: %v", err)
	}
	r = New(Options{Clock: clockwork.NewFakeClock()})
	for _, bad := range []Job{{Name: "", Schedule: Every(time.Minute), Run: rec.body("x")}, {Name: RolloverJob, Schedule: Every(time.Minute), Run: rec.body("x")}, {Name: "x"}} {
		if err := r.Add(bad); err == nil {
			t.Errorf("Add(%+v) accepted", bad)
		}
	}
	if err := r.Add(tickJob(rec, false)); err != nil {
		t.Fatal(err)
	}
	if err := r.Add(tickJob(rec, false)); err == nil {
		t.Error("a second job named tick was accepted")
	}
	if err := r.SetRollover(Rollover{}); err == nil {
		t.Error("an empty rollover was accepted")
	}
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := r.Start(context.Background()); err == nil {
		t.Error("started twice")
	}
	if err := r.Add(Job{Name: "late", Schedule: Every(time.Minute), Run: rec.body("late")}); err == nil {
		t.Error("Add after Start accepted")
	}
	for range 2 {
		if err := r.Stop(context.Background()); err != nil {
			t.Errorf("stop: %v", err)
		}
	}
}
