package domain

import (
	"errors"
	"testing"
	"time"
)

func TestPeriodRange(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		p           GoalPeriod
		day         Day
		from, until string
	}{
		{PeriodWeek, NewDay(2026, time.March, 29), "2026-03-23", "2026-03-29"}, // a Sunday: the week began Monday
		{PeriodWeek, NewDay(2026, time.March, 30), "2026-03-30", "2026-04-05"},
		{PeriodWeek, NewDay(2026, time.December, 31), "2026-12-28", "2027-01-03"},
		{PeriodMonth, NewDay(2028, time.February, 10), "2028-02-01", "2028-02-29"},
		{PeriodQuarter, NewDay(2026, time.March, 31), "2026-01-01", "2026-03-31"},
		{PeriodQuarter, NewDay(2026, time.November, 2), "2026-10-01", "2026-12-31"},
		{PeriodYear, NewDay(2026, time.July, 4), "2026-01-01", "2026-12-31"},
	} {
		from, until, err := PeriodRange(c.p, c.day)
		if err != nil || from.String() != c.from || until.String() != c.until {
			t.Errorf("%s of %s = %s..%s, %v; want %s..%s", c.p, c.day, from, until, err, c.from, c.until)
		}
	}
	if _, _, err := PeriodRange(PeriodCustom, NewDay(2026, 1, 1)); err == nil {
		t.Error("custom has no range of its own")
	}
}

func TestValidateGoalNamesFields(t *testing.T) {
	t.Parallel()
	g := Goal{Name: " ", Kind: GoalMetricDays, Metric: "mood", Target: -1, Period: "fortnight",
		From: NewDay(2026, 3, 10), Until: NewDay(2026, 3, 1), Milestones: []int{50, 25, 120}}
	err := ValidateGoal(g)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v", err)
	}
	got := map[string]bool{}
	for _, f := range ve.Fields {
		got[f.Field] = true
	}
	for _, f := range []string{"name", "metric", "threshold", "target", "period", "until", "milestones"} {
		if !got[f] {
			t.Errorf("no error for %s in %v", f, err)
		}
	}
	ok := Goal{Name: "Run", Kind: GoalActivityTotal, Activity: "run", Target: 100, Period: PeriodQuarter,
		From: NewDay(2026, 1, 1), Until: NewDay(2026, 3, 31), Milestones: DefaultMilestones}
	if err := ValidateGoal(ok); err != nil {
		t.Errorf("valid goal: %v", err)
	}
	rate := ok
	rate.Kind, rate.Activity, rate.HabitID, rate.Target = GoalHabitRate, "", 1, 120
	if err := ValidateGoal(rate); err == nil {
		t.Error("a rate above 100 % passed")
	}
}

// april is a 30-day goal period.
var april = Goal{Name: "Run", Kind: GoalActivityTotal, Activity: "run", Target: 60, Period: PeriodMonth,
	From: NewDay(2026, 4, 1), Until: NewDay(2026, 4, 30), Milestones: DefaultMilestones}

func TestProgressSumPaceAndProjection(t *testing.T) {
	t.Parallel()
	samples := []GoalSample{
		{NewDay(2026, 3, 31), 50}, // before the period: ignored
		{NewDay(2026, 4, 2), 5},
		{NewDay(2026, 4, 5), 4},
		{NewDay(2026, 4, 20), 99}, // after today: ignored
	}
	today := NewDay(2026, 4, 10) // 10 of 30 days: a steady pace is at 20
	p := april.Progress(samples, today)
	if p.Current != 9 || p.Expected != 20 || p.Gap != -11 || p.Pace != PaceBehind || p.ElapsedDays != 10 || p.TotalDays != 30 {
		t.Fatalf("progress %+v", p)
	}
	if got := p.PaceText("km"); got != "behind by 11 km" {
		t.Errorf("pace text %q", got)
	}
	// 0.9 km a day: 51 km more take 57 days, past the deadline.
	if want := today.Add(57); p.ProjectedFinish != want {
		t.Errorf("projected %s, want %s", p.ProjectedFinish, want)
	}
	if ms := april.MilestonesReached(p, today); len(ms) != 0 {
		t.Errorf("milestones at 15 %%: %v", ms)
	}

	samples = append(samples, GoalSample{NewDay(2026, 4, 9), 30})
	p = april.Progress(samples, today)
	if p.Current != 39 || p.Pace != PaceAhead || p.PaceText("km") != "ahead by 19 km" || p.Percent != 65 {
		t.Errorf("ahead: %+v %q", p, p.PaceText("km"))
	}
	if ms := april.MilestonesReached(p, today); len(ms) != 2 || ms[1] != 50 {
		t.Errorf("milestones at 65 %%: %v", ms)
	}
	samples = append(samples, GoalSample{NewDay(2026, 4, 10), 21})
	p = april.Progress(samples, today)
	if p.Pace != PaceReached || p.ProjectedFinish != today || len(april.MilestonesReached(p, today)) != 4 {
		t.Errorf("reached: %+v", p)
	}
	// Ended short of the target.
	p = april.Progress(samples[:3], NewDay(2026, 5, 3))
	if p.Pace != PaceMissed || p.PaceText("km") != "missed by 51 km" || !p.ProjectedFinish.IsZero() || p.ElapsedDays != 30 {
		t.Errorf("missed: %+v %q", p, p.PaceText("km"))
	}
	// Not begun.
	p = april.Progress(nil, NewDay(2026, 3, 20))
	if p.Pace != PaceNotStarted || p.ElapsedDays != 0 || p.Expected != 0 {
		t.Errorf("not started: %+v", p)
	}
}

func TestProgressCountsAndAverages(t *testing.T) {
	t.Parallel()
	week := Goal{Name: "Floss", Kind: GoalHabitDays, HabitID: 1, Target: 5, Period: PeriodWeek,
		From: NewDay(2026, 3, 23), Until: NewDay(2026, 3, 29), Milestones: DefaultMilestones}
	days := []GoalSample{{NewDay(2026, 3, 23), 1}, {NewDay(2026, 3, 24), 0}, {NewDay(2026, 3, 25), 1}, {NewDay(2026, 3, 26), 1}}
	p := week.Progress(days, NewDay(2026, 3, 26))
	if p.Current != 3 || p.Percent != 60 || p.Pace != PaceOnTrack {
		t.Errorf("habit days: %+v", p)
	}

	rate := week
	rate.Kind, rate.Target = GoalHabitRate, 80
	p = rate.Progress(days, NewDay(2026, 3, 26))
	if p.Current != 75 || p.Pace != PaceBehind || p.PaceText("%") != "behind by 5 %" || !p.ProjectedFinish.IsZero() {
		t.Errorf("habit rate: %+v %q", p, p.PaceText("%"))
	}
	// An average pays milestones only once its period has ended.
	if ms := rate.MilestonesReached(p, NewDay(2026, 3, 26)); ms != nil {
		t.Errorf("open average paid %v", ms)
	}
	if ms := rate.MilestonesReached(rate.Progress(days, NewDay(2026, 3, 30)), NewDay(2026, 3, 30)); len(ms) != 3 {
		t.Errorf("settled average at 75/80 %%: %v", ms)
	}

	sleep := Goal{Name: "Sleep", Kind: GoalMetricAverage, Metric: MetricSleep, Target: 80, Period: PeriodCustom,
		From: NewDay(2026, 1, 1), Until: NewDay(2026, 1, 31)}
	scores := []GoalSample{{NewDay(2026, 1, 1), 70}, {NewDay(2026, 1, 2), 90}, {NewDay(2026, 1, 4), 86}}
	p = sleep.Progress(scores, NewDay(2026, 1, 5))
	if p.Current != 82 || p.Pace != PaceOnTrack || p.DataDays != 3 {
		t.Errorf("average: %+v", p)
	}

	good := Goal{Name: "Good days", Kind: GoalMetricDays, Metric: MetricLifeScore, Threshold: 85, Target: 2, Period: PeriodCustom,
		From: NewDay(2026, 1, 1), Until: NewDay(2026, 1, 31), Milestones: []int{50, 100}}
	p = good.Progress(scores, NewDay(2026, 1, 5))
	if p.Current != 2 || p.Pace != PaceReached || p.ProjectedFinish != NewDay(2026, 1, 4) {
		t.Errorf("days at or above: %+v", p)
	}
}
