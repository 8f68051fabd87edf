package app_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

// goalXP is what a person's goal milestones paid, as the ledger says.
func goalXP(t *testing.T, f *fixture, personID int64) int {
	t.Helper()
	var xp int
	if err := f.pool.QueryRow(context.Background(),
		"SELECT COALESCE(sum(amount), 0) FROM xp_ledger WHERE person_id = $1 AND source_kind = 'goal_milestone'", personID).Scan(&xp); err != nil {
		t.Fatal(err)
	}
	return xp
}

func personXP(t *testing.T, f *fixture, personID int64) int64 {
	t.Helper()
	var xp int64
	if err := f.pool.QueryRow(context.Background(), "SELECT total_xp FROM person_progress WHERE person_id = $1", personID).Scan(&xp); err != nil {
		t.Fatal(err)
	}
	return xp
}

func verifyClean(t *testing.T, f *fixture, when string) {
	t.Helper()
	for _, d := range verify(t, f).Differences {
		t.Errorf("verify %s: %s", when, d)
	}
}

// TestGoalWeekOverDSTCountsFactsAlreadyThere: the week of the spring DST
// change in Berlin (29 March 2026 has 23 hours). The goal is created after
// the week ended and counts the runs already logged, by their local day:
// 00:30 on Monday 30 March (CEST) is 22:30 UTC on the 29th and belongs to
// the next week; 00:15 on Monday 23 March (CET) is 23:15 UTC on the 22nd and
// belongs to this one.
func TestGoalWeekOverDSTCountsFactsAlreadyThere(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, at(2026, 3, 30, 9, 0, 0))
	p := f.person(t, "Dora")
	for _, r := range []struct {
		at     time.Time
		amount float64
	}{
		{at(2026, 3, 23, 0, 15, 0), 5},  // counts
		{at(2026, 3, 29, 0, 30, 0), 6},  // before the jump, counts
		{at(2026, 3, 29, 23, 30, 0), 4}, // after the jump, counts
		{at(2026, 3, 30, 0, 30, 0), 7},  // next week
	} {
		f.clock.Set(r.at.Add(time.Minute))
		if _, err := f.svc.LogActivity(ctx, app.ActivityInput{Person: "dora", Type: "run", Amount: r.amount, At: r.at}); err != nil {
			t.Fatal(err)
		}
	}
	f.clock.Set(at(2026, 3, 30, 9, 0, 0))
	xpBefore := personXP(t, f, p.ID)
	g, err := f.svc.CreateGoal(ctx, app.GoalInput{Person: "dora", Name: "Run 20 km", Kind: domain.GoalActivityTotal, Activity: "run",
		Target: 20, Period: domain.PeriodWeek, Anchor: domain.NewDay(2026, 3, 29)})
	if err != nil {
		t.Fatal(err)
	}
	if g.Goal.From != domain.NewDay(2026, 3, 23) || g.Goal.Until != domain.NewDay(2026, 3, 29) {
		t.Fatalf("week %s..%s", g.Goal.From, g.Goal.Until)
	}
	// Its week is over: it is listed, but no longer active (no HA sensor).
	if all, err := f.svc.Goals(ctx, "dora"); err != nil || len(all) != 1 {
		t.Fatalf("goals %+v %v", all, err)
	}
	if active, err := f.svc.ActiveGoals(ctx, "dora"); err != nil || len(active) != 0 {
		t.Fatalf("active goals after the week = %+v %v, want none", active, err)
	}
	if g.Progress.Current != 15 || g.Unit != "km" || g.Progress.Pace != domain.PaceMissed || g.PaceText != "missed by 5 km" {
		t.Fatalf("progress %+v unit %q pace %q", g.Progress, g.Unit, g.PaceText)
	}
	// 75 % reached by facts that were there before the goal: 25, 50, 75 pay.
	if got := goalXP(t, f, p.ID); got != 12+25+37 {
		t.Errorf("milestone XP = %d, want %d", got, 12+25+37)
	}
	if got := personXP(t, f, p.ID) - xpBefore; got != 12+25+37 {
		t.Errorf("total XP moved by %d", got)
	}
	if k := f.events.kinds(); k[domain.EventGoalMilestone] != 3 {
		t.Errorf("goal_milestone events = %d", k[domain.EventGoalMilestone])
	}
	verifyClean(t, f, "after the milestones")

	// Reaching 100 % later (a run within the backdating window) pays the
	// last milestone once; a second run pays nothing more.
	for _, a := range []time.Time{at(2026, 3, 28, 18, 0, 0), at(2026, 3, 27, 18, 0, 0)} {
		if _, err := f.svc.LogActivity(ctx, app.ActivityInput{Person: "dora", Type: "run", Amount: 5, At: a}); err != nil {
			t.Fatal(err)
		}
	}
	if got := goalXP(t, f, p.ID); got != 12+25+37+50 {
		t.Errorf("milestone XP after 100 %% = %d", got)
	}
	if k := f.events.kinds(); k[domain.EventGoalMilestone] != 4 {
		t.Errorf("goal_milestone events = %d", k[domain.EventGoalMilestone])
	}
	g, err = f.svc.GoalGet(ctx, "dora", g.Goal.ID)
	if err != nil {
		t.Fatal(err)
	}
	if g.Progress.Current != 25 || g.Progress.Pace != domain.PaceReached || g.Progress.ProjectedFinish != domain.NewDay(2026, 3, 29) || len(g.Reached) != 4 {
		t.Errorf("after 100 %%: %+v, reached %v", g.Progress, g.Reached)
	}
	verifyClean(t, f, "after 100 %")

	// Tampering shows: a milestone whose XP left the ledger.
	if _, err := f.pool.Exec(ctx, "DELETE FROM goal_milestones WHERE goal_id = $1 AND percent = 50", g.Goal.ID); err != nil {
		t.Fatal(err)
	}
	if len(verify(t, f).Differences) == 0 {
		t.Error("verify missed a milestone row that was removed")
	}
	if _, err := f.pool.Exec(ctx, "INSERT INTO goal_milestones (goal_id, percent, day, xp, reached_at) VALUES ($1, 50, '2026-03-30', 25, now())", g.Goal.ID); err != nil {
		t.Fatal(err)
	}

	// Deleting the goal takes its XP back.
	if err := f.svc.DeleteGoal(ctx, "dora", g.Goal.ID, g.Version+1); !errors.Is(err, domain.ErrPrecondition) {
		t.Fatalf("stale delete: %v", err)
	}
	beforeDelete := personXP(t, f, p.ID)
	if err := f.svc.DeleteGoal(ctx, "dora", g.Goal.ID, g.Version); err != nil {
		t.Fatal(err)
	}
	if goalXP(t, f, p.ID) != 0 || personXP(t, f, p.ID) != beforeDelete-(12+25+37+50) {
		t.Errorf("after delete: goal XP %d, total %d (was %d)", goalXP(t, f, p.ID), personXP(t, f, p.ID), beforeDelete)
	}
	if _, err := f.svc.GoalGet(ctx, "dora", g.Goal.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("deleted goal: %v", err)
	}
	verifyClean(t, f, "after deleting the goal")
}

// TestGoalKindsAndPeriods covers the habit and metric kinds over a month,
// a quarter, a year and a custom range.
func TestGoalKindsAndPeriods(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, at(2026, 3, 1, 12, 0, 0))
	p := f.person(t, "Olga")
	for i, s := range []float64{70, 90, 86, 60, 88} {
		sleep := s
		if err := f.store.BiometricsPut(ctx, p.ID, app.Biometrics{Day: domain.NewDay(2026, 3, 1+i), Sleep: &sleep}); err != nil {
			t.Fatal(err)
		}
	}
	f.habit(t, "olga", "Floss", domain.NewDay(2026, 3, 1))
	// Floss on 1, 2, 4 and 5 March; 3 March missed; today (6th) still open.
	for d := 1; d <= 5; d++ {
		f.clock.Set(at(2026, 3, d, 21, 0, 0))
		if d != 3 {
			if _, err := f.svc.CheckIn(ctx, app.CheckInInput{Person: "olga", Habit: "floss"}); err != nil {
				t.Fatal(err)
			}
		}
		f.clock.Set(at(2026, 3, d+1, 0, 5, 0))
		if err := f.svc.Rollover(ctx); err != nil {
			t.Fatal(err)
		}
	}
	f.clock.Set(at(2026, 3, 6, 12, 0, 0))
	create := func(in app.GoalInput) app.GoalView {
		t.Helper()
		in.Person = "olga"
		g, err := f.svc.CreateGoal(ctx, in)
		if err != nil {
			t.Fatalf("%s: %v", in.Name, err)
		}
		return g
	}
	days := create(app.GoalInput{Name: "Floss 20 days", Kind: domain.GoalHabitDays, Habit: "floss", Target: 20, Period: domain.PeriodMonth})
	if days.Goal.From != domain.NewDay(2026, 3, 1) || days.Goal.Until != domain.NewDay(2026, 3, 31) || days.Progress.Current != 4 || days.Unit != "days" {
		t.Errorf("habit days: %+v %s..%s", days.Progress, days.Goal.From, days.Goal.Until)
	}
	// 6 of 31 days: steady pace at 3.871 days; 4 is on track.
	if days.Progress.Pace != domain.PaceOnTrack || days.PaceText != "on track" {
		t.Errorf("habit days pace %s %q", days.Progress.Pace, days.PaceText)
	}
	rate := create(app.GoalInput{Name: "Floss 90 %", Kind: domain.GoalHabitRate, Habit: "floss", Target: 90, Period: domain.PeriodQuarter})
	if rate.Goal.From != domain.NewDay(2026, 1, 1) || rate.Progress.Current != 80 || rate.PaceText != "behind by 10 %" {
		t.Errorf("habit rate: %+v %q", rate.Progress, rate.PaceText)
	}
	avg := create(app.GoalInput{Name: "Sleep 80", Kind: domain.GoalMetricAverage, Metric: domain.MetricSleep, Target: 80, Period: domain.PeriodYear})
	if avg.Goal.Until != domain.NewDay(2026, 12, 31) || avg.Progress.Current != 78.8 || avg.Progress.Pace != domain.PaceBehind || avg.Unit != "points" {
		t.Errorf("sleep average: %+v", avg.Progress)
	}
	good := create(app.GoalInput{Name: "Good nights", Kind: domain.GoalMetricDays, Metric: domain.MetricSleep, Threshold: 85, Target: 3,
		Period: domain.PeriodCustom, From: domain.NewDay(2026, 2, 20), Until: domain.NewDay(2026, 3, 10), Milestones: []int{}})
	if good.Progress.Current != 3 || good.Progress.Pace != domain.PaceReached || len(good.Reached) != 0 {
		t.Errorf("good nights: %+v reached %v", good.Progress, good.Reached)
	}
	// An open average pays nothing yet; the habit-days goal paid 25 % once the
	// fourth day was in? 4/20 is 20 %: nothing.
	if got := goalXP(t, f, p.ID); got != 0 {
		t.Errorf("milestone XP = %d before anything settled", got)
	}
	list, err := f.svc.Goals(ctx, "olga")
	if err != nil || len(list) != 4 || list[0].Goal.ID != avg.Goal.ID {
		t.Fatalf("list: %d goals, %v", len(list), err)
	}

	// A short custom average settles when its period ends.
	short := create(app.GoalInput{Name: "Sleep early March", Kind: domain.GoalMetricAverage, Metric: domain.MetricSleep, Target: 75,
		Period: domain.PeriodCustom, From: domain.NewDay(2026, 3, 1), Until: domain.NewDay(2026, 3, 6)})
	if len(short.Reached) != 0 {
		t.Fatalf("open average reached %v", short.Reached)
	}
	f.clock.Set(at(2026, 3, 7, 0, 5, 0))
	if err := f.svc.Rollover(ctx); err != nil {
		t.Fatal(err)
	}
	if got := goalXP(t, f, p.ID); got != 12+25+37+50 {
		t.Errorf("settled average paid %d XP", got)
	}
	verifyClean(t, f, "after an average settled")

	// Bad input names its field and changes nothing.
	_, err = f.svc.CreateGoal(ctx, app.GoalInput{Person: "olga", Name: "x", Kind: domain.GoalActivityTotal, Activity: "flying", Target: 3, Period: domain.PeriodWeek})
	var ve *domain.ValidationError
	if !errors.As(err, &ve) || ve.Fields[0].Field != "activity" {
		t.Errorf("unknown activity: %v", err)
	}
	_, err = f.svc.CreateGoal(ctx, app.GoalInput{Person: "olga", Name: "x", Kind: domain.GoalHabitDays, Habit: "floss", Target: 3, Period: domain.PeriodWeek,
		From: domain.NewDay(2026, 3, 1)})
	if !errors.As(err, &ve) || ve.Fields[0].Field != "from" {
		t.Errorf("from on a week goal: %v", err)
	}
	if list, _ := f.svc.Goals(ctx, "olga"); len(list) != 5 {
		t.Errorf("refused goals were stored: %d", len(list))
	}

	// Lowering the target reaches milestones at once.
	ten := 8.0
	up, err := f.svc.UpdateGoal(ctx, "olga", days.Goal.ID, app.GoalChange{Target: &ten}, days.Version)
	if err != nil {
		t.Fatal(err)
	}
	if up.Version != days.Version+1 || up.Progress.Percent != 50 || len(up.Reached) != 2 {
		t.Errorf("updated: v%d %+v reached %v", up.Version, up.Progress, up.Reached)
	}
	if _, err := f.svc.UpdateGoal(ctx, "olga", days.Goal.ID, app.GoalChange{Target: &ten}, days.Version); !errors.Is(err, domain.ErrPrecondition) {
		t.Errorf("stale update: %v", err)
	}
	verifyClean(t, f, "after lowering a target")
}

// A to-do goal counts the to-dos completed in its period; completing one
// pays the milestone it reaches at once, and reopening it lowers the count
// (the milestone, once reached, stays).
func TestGoalOfTodosDone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, at(2026, 6, 10, 9, 0, 0))
	p := f.person(t, "Tara")
	g, err := f.svc.CreateGoal(ctx, app.GoalInput{Person: "tara", Name: "Clear the list", Kind: domain.GoalTodosDone, Target: 4,
		Period: domain.PeriodMonth})
	if err != nil {
		t.Fatal(err)
	}
	if g.Unit != "to-dos" || g.Progress.Current != 0 {
		t.Fatalf("new to-do goal: %+v unit %q", g.Progress, g.Unit)
	}
	var ids []int64
	for _, title := range []string{"Buy shoes", "Call the plumber", "Return the drill"} {
		r, err := f.svc.CreateTodo(ctx, "tara", app.TodoInput{Title: title})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.Todo.Value.ID)
	}
	done := true
	for _, id := range ids[:2] {
		cur, err := f.svc.Todo(ctx, "tara", id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.UpdateTodo(ctx, "tara", id, app.TodoPatch{Done: &done}, cur.Version); err != nil {
			t.Fatal(err)
		}
	}
	goals, err := f.svc.Goals(ctx, "tara")
	if err != nil || len(goals) != 1 || goals[0].Progress.Current != 2 {
		t.Fatalf("after two to-dos done: %+v, %v", goals, err)
	}
	if got := goalXP(t, f, p.ID); got != 12+25 {
		t.Errorf("milestone XP after 2 of 4 = %d, want %d", got, 12+25)
	}
	if _, err := f.svc.CreateGoal(ctx, app.GoalInput{Person: "tara", Name: "x", Kind: domain.GoalTodosDone, Target: 3,
		Period: domain.PeriodWeek, Metric: domain.MetricSleep}); err == nil {
		t.Error("a to-do goal with a metric was accepted")
	}
	if rep, err := f.svc.Verify(ctx); err != nil || len(rep.Differences) > 0 {
		t.Fatalf("verify: %v %v", rep.Differences, err)
	}
}
