package app_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/evidence"
)

// statements counts what a pool sends to PostgreSQL: each query, each
// query of a pipelined batch (one round trip for the whole batch), and
// each round trip.
type statements struct {
	mu       sync.Mutex
	on       bool
	sql      []string
	batches  int
	queries  int
	batchSQL int
}

func (s *statements) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.on {
		s.queries++
		s.sql = append(s.sql, strings.Join(strings.Fields(d.SQL), " "))
	}
	return ctx
}

func (s *statements) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (s *statements) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.on {
		s.batches++
	}
	return ctx
}

func (s *statements) TraceBatchQuery(_ context.Context, _ *pgx.Conn, d pgx.TraceBatchQueryData) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.on {
		s.batchSQL++
		s.sql = append(s.sql, "(batch) "+strings.Join(strings.Fields(d.SQL), " "))
	}
}

func (s *statements) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

func firstWords(sql string) string {
	f := strings.Fields(sql)
	if len(f) > 8 {
		f = f[:8]
	}
	return strings.Join(f, " ")
}

// count runs fn and returns the statements it sent (batched ones
// included) and its round trips (a batch is one).
func (s *statements) count(fn func()) (stmts, trips int, sql []string) {
	s.mu.Lock()
	s.on, s.sql, s.queries, s.batches, s.batchSQL = true, nil, 0, 0, 0
	s.mu.Unlock()
	fn()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.on = false
	return s.queries + s.batchSQL, s.queries + s.batches, s.sql
}

func countingFixture(t *testing.T, start time.Time) (*fixture, *statements) {
	t.Helper()
	st := &statements{}
	return tracedFixture(t, start, st), st
}

// TestCheckInStatements counts what one check-in sends to PostgreSQL: the
// transaction computes the habit's day, streak view and modifiers once and
// reads the person's locked totals once, and a caller that drops the
// description (an evidence match, an HA action) pays for nothing more.
// The counts are exact (no timing): a statement added to the path fails
// here and must be accounted for.
func TestCheckInStatements(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	day := domain.NewDay(2026, time.March, 10)
	f, st := countingFixture(t, at(2026, time.March, 10, 9, 0, 0))
	f.person(t, "Ada")
	for _, name := range []string{"Read", "Walk", "Stretch", "Floss"} {
		f.habit(t, "ada", name, day.Add(-3))
	}
	// A few days of history, closed by the rollover, so the fold has rows
	// to start from.
	for d := day.Add(-3); d.Before(day); d = d.Add(1) {
		f.clock.Set(d.Start(berlin).Add(9 * time.Hour))
		for _, name := range []string{"Read", "Walk"} {
			if _, err := f.svc.CheckIn(ctx, app.CheckInInput{Person: "ada", Habit: name, Source: domain.SourceManual}); err != nil {
				t.Fatal(err)
			}
		}
		f.clock.Set(d.Add(1).Start(berlin).Add(time.Minute))
		if err := f.svc.Rollover(ctx); err != nil {
			t.Fatal(err)
		}
	}
	f.clock.Set(at(2026, time.March, 10, 9, 0, 0))

	var res app.CheckInResult
	stmts, trips, sql := st.count(func() {
		var err error
		res, err = f.svc.CheckIn(ctx, app.CheckInInput{Person: "ada", Habit: "Read", Source: domain.SourceManual})
		if err != nil {
			t.Fatal(err)
		}
	})
	if res.Streak.Current != 4 || res.Day.Status != domain.StatusDone || res.XP == 0 || res.Level == 0 {
		t.Fatalf("check-in answered %+v, want today done, a streak of 4, XP and a level", res)
	}
	t.Logf("a check-in that completes a habit: %d statements in %d round trips", stmts, trips)
	logStatements(t, sql)
	// 36 statements in 26 round trips before the transaction held what it
	// computed (the totals written twice, the check-in's XP read twice
	// more, the modifiers twice, the habit's rows in two reads, the fold's
	// check-ins, paid days and awards in three, the day's score read
	// before it was written, the day's XP summed before an award); 28 in
	// 17 before BEGIN, the person, habit, key, totals and nodes went in one
	// batch and the writes nobody reads waited for the next statement; 10
	// round trips before the day's score sources, the score it replaces,
	// the achievements' sources and the goals came in one batch, the
	// habit's rows with the fold's sources, and the check-in's insert with
	// them; 5 before the unit held what the day earned, read with the
	// fold's sources, so the award waits for the next statement.
	if stmts > maxCheckInStatements || trips > maxCheckInTrips {
		t.Errorf("a check-in sent %d statements in %d round trips, want at most %d in %d", stmts, trips, maxCheckInStatements, maxCheckInTrips)
	}
	all := strings.Join(sql, "\n")
	if n := strings.Count(all, "FROM person_progress"); n != 1 {
		t.Errorf("the person's totals were read %d times, want once", n)
	}
	if n := strings.Count(all, "UPDATE person_progress"); n != 1 {
		t.Errorf("the person's totals were written %d times, want once", n)
	}
	if n := strings.Count(all, "FROM allocations"); n != 1 {
		t.Errorf("the person's allocations were read %d times, want once", n)
	}
	if n := strings.Count(all, "FROM habit_days d JOIN habits h"); n != 1 {
		t.Errorf("the person's habit rows of the day were read %d times, want once (for the score and the achievements)", n)
	}
	if n := strings.Count(all, "WITH ins AS (INSERT INTO xp_ledger"); n != 0 {
		t.Errorf("the check-in's award asked the database what the day earned %d times, want never: the fold read it", n)
	}
}

// TestSensorCheckInStatements counts what a reading that completes a habit
// sends to PostgreSQL: the sensor's state, its rules, the match and the
// check-in go in one transaction, BEGIN with its first statement and the
// last writes with its COMMIT. Exact counts, as above.
func TestSensorCheckInStatements(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	day := domain.NewDay(2026, time.March, 10)
	f, st := countingFixture(t, at(2026, time.March, 10, 9, 0, 0))
	f.person(t, "Ada")
	for _, name := range []string{"Read", "Walk"} {
		f.habit(t, "ada", name, day.Add(-1))
	}
	if _, err := f.svc.CreateRule(ctx, "ada", app.RuleInput{Name: "Button", Sensors: []string{"zigbee2mqtt/button/action"},
		Condition: evidence.Condition{Op: evidence.OpEq, Value: "single"},
		Action:    evidence.Action{Kind: evidence.ActionCheckIn, Habit: "read"}, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	// A check-in by hand first: the press below is an ordinary one, not
	// the household's first (which unlocks an achievement).
	if _, err := f.svc.CheckIn(ctx, app.CheckInInput{Person: "ada", Habit: "Walk", Source: domain.SourceManual}); err != nil {
		t.Fatal(err)
	}
	press := func() (int, int, []string) {
		return st.count(func() {
			if err := f.svc.Observe(ctx, []app.Reading{{Source: "zigbee2mqtt", Sensor: "zigbee2mqtt/button/action", State: "single", At: f.clock.Now()}}); err != nil {
				t.Fatal(err)
			}
		})
	}
	stmts, trips, sql := press()
	t.Logf("a reading that completes a habit: %d statements in %d round trips", stmts, trips)
	logStatements(t, sql)
	// 29 round trips in three transactions before the state, the match
	// and the check-in shared one, and before BEGIN and the writes nobody
	// reads waited for the next statement; 12 before what re-deriving the
	// day reads came in one batch, the habit's rows with the fold's sources
	// and the check-in's insert with them, and the match's insert with the
	// check-in's first read; 6 before the unit held what the day earned
	// (the readings' own write, beside this, is one more).
	if stmts > maxSensorCheckInStatements || trips > maxSensorCheckInTrips {
		t.Errorf("a press sent %d statements in %d round trips, want at most %d in %d", stmts, trips, maxSensorCheckInStatements, maxSensorCheckInTrips)
	}
	all := strings.Join(sql, "\n")
	if n := strings.Count(all, "(batch) commit"); n != 1 {
		t.Errorf("%d commits, want 1: one transaction", n)
	}
	var status string
	if err := f.pool.QueryRow(ctx, `SELECT d.status FROM habit_days d JOIN habits h ON h.id = d.habit_id
		WHERE h.name = 'Read' AND d.day = $1`, day).Scan(&status); err != nil || status != string(domain.StatusDone) {
		t.Errorf("the press left today %q (%v), want done", status, err)
	}
	// The same press again: the rule matched today, nothing more is done.
	f.clock.Set(at(2026, time.March, 10, 9, 1, 0))
	if _, trips, _ := press(); trips > 3 {
		t.Errorf("a press the rule already took sent %d round trips, want at most 3", trips)
	}
}

// TestPersonViewStatements: reading a person for the entities and pages
// costs the same round trips with one habit as with eight (the habits'
// pauses come with the habits, not one read each).
func TestPersonViewStatements(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	day := domain.NewDay(2026, time.March, 10)
	f, st := countingFixture(t, at(2026, time.March, 10, 9, 0, 0))
	trips := func(person string) int {
		_, n, _ := st.count(func() {
			if _, err := f.svc.PersonView(ctx, person); err != nil {
				t.Fatal(err)
			}
		})
		return n
	}
	f.person(t, "Ada")
	f.person(t, "Bo")
	f.habit(t, "ada", "Read", day)
	for i := range 8 {
		f.habit(t, "bo", fmt.Sprintf("Habit %d", i), day)
	}
	if one, eight := trips("ada"), trips("bo"); one != eight {
		t.Errorf("a person with one habit is read in %d round trips, with eight in %d: want the same", one, eight)
	}
}

// TestUnlockStatements: a check-in that unlocks an achievement folds the
// person's history again without imported check-ins, in the same round
// trips with one habit as with eight, archived ones among them (it read
// each habit's check-ins, and each archived habit's last day, in a round
// trip of its own).
func TestUnlockStatements(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	day := domain.NewDay(2026, time.March, 10)
	f, st := countingFixture(t, at(2026, time.March, 10, 9, 0, 0))
	f.person(t, "Ada")
	f.person(t, "Bo")
	read := f.habit(t, "ada", "Read", day.Add(-5))
	var bos []app.StoredHabit
	for i := range 8 {
		bos = append(bos, f.habit(t, "bo", fmt.Sprintf("Habit %d", i), day.Add(-5)))
	}
	for _, h := range bos[5:] {
		if err := f.svc.ArchiveHabit(ctx, "bo", h.Slug); err != nil {
			t.Fatal(err)
		}
	}
	firstCheckIn := func(person, habit string) int {
		before := f.events.kinds()[domain.EventAchievementUnlocked]
		_, n, _ := st.count(func() {
			if _, err := f.svc.CheckIn(ctx, app.CheckInInput{Person: person, Habit: habit, Source: domain.SourceManual}); err != nil {
				t.Fatal(err)
			}
		})
		if f.events.kinds()[domain.EventAchievementUnlocked] == before {
			t.Fatalf("%s's first check-in unlocked nothing", person)
		}
		return n
	}
	one, eight := firstCheckIn("ada", read.Slug), firstCheckIn("bo", bos[0].Slug)
	t.Logf("a check-in that unlocks an achievement: %d round trips with one habit, %d with eight", one, eight)
	if one != eight {
		t.Errorf("an unlock took %d round trips with one habit, %d with eight: want the same", one, eight)
	}
}

func logStatements(t *testing.T, sql []string) {
	t.Helper()
	n := map[string]int{}
	for _, s := range sql {
		n[firstWords(s)]++
	}
	keys := make([]string, 0, len(n))
	for k := range n {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("  %2d× %s", n[k], k)
	}
}

// What a check-in that completes a habit, and a reading that does, send
// now (the tests log each).
const (
	maxCheckInStatements       = 29
	maxCheckInTrips            = 4
	maxSensorCheckInStatements = 39
	maxSensorCheckInTrips      = 5
)
