package domain

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// GoalKind says which facts feed a goal and how they add up.
type GoalKind string

// Goal kinds.
const (
	// GoalActivityTotal sums an activity type's amounts (km run, minutes read).
	GoalActivityTotal GoalKind = "activity_total"
	// GoalHabitDays counts a habit's done days.
	GoalHabitDays GoalKind = "habit_days"
	// GoalHabitRate is the share (in %) of a habit's due days that were done.
	GoalHabitRate GoalKind = "habit_rate"
	// GoalMetricAverage averages a daily metric over the days that have it.
	GoalMetricAverage GoalKind = "metric_average"
	// GoalMetricDays counts the days a daily metric was at or above Threshold.
	GoalMetricDays GoalKind = "metric_days"
	// GoalTodosDone counts the to-dos completed in the period.
	GoalTodosDone GoalKind = "todos_done"
)

// Cumulative reports whether the kind's value only grows as days pass (a
// sum or a count): those have a pace and a projected finish. The others are
// averages, judged against the target as they stand.
func (k GoalKind) Cumulative() bool {
	return k == GoalActivityTotal || k == GoalHabitDays || k == GoalMetricDays || k == GoalTodosDone
}

// GoalMetric is a daily number a metric goal reads.
type GoalMetric string

// Goal metrics: the ring's three scores and the Daily Life Score.
const (
	MetricSleep     GoalMetric = "sleep"
	MetricReadiness GoalMetric = "readiness"
	MetricActivity  GoalMetric = "activity"
	MetricLifeScore GoalMetric = "life_score"
)

// GoalPeriod is the span a goal's target is counted over.
type GoalPeriod string

// Goal periods. Week runs Monday to Sunday, quarter is a calendar quarter;
// all are days of the household's time zone.
const (
	PeriodWeek    GoalPeriod = "week"
	PeriodMonth   GoalPeriod = "month"
	PeriodQuarter GoalPeriod = "quarter"
	PeriodYear    GoalPeriod = "year"
	PeriodCustom  GoalPeriod = "custom"
)

// MaxGoalDays is the longest custom period.
const MaxGoalDays = 366 * 2

// DefaultMilestones are a goal's milestones when none are given.
var DefaultMilestones = []int{25, 50, 75, 100}

// Goal is a measurable target over a period.
type Goal struct {
	ID       int64
	PersonID int64
	Name     string
	Kind     GoalKind
	// Activity is the activity type key (activity_total).
	Activity string
	// HabitID is the habit (habit_days, habit_rate).
	HabitID int64
	// Metric is the daily number (metric_average, metric_days).
	Metric GoalMetric
	// Threshold is the value a day needs to count (metric_days).
	Threshold float64
	Target    float64
	Period    GoalPeriod
	From      Day // first day, inclusive
	Until     Day // last day, inclusive
	// Milestones are ascending percentages of the target (1–100) that pay
	// GoalMilestoneXP once when reached.
	Milestones []int
}

// PeriodRange is the period of kind p that contains day.
func PeriodRange(p GoalPeriod, day Day) (from, until Day, err error) {
	switch p {
	case PeriodWeek:
		off := (int(day.Weekday()) + 6) % 7 // days since Monday
		from = day.Add(-off)
		return from, from.Add(6), nil
	case PeriodMonth:
		from = NewDay(day.Year, day.Month, 1)
		return from, NewDay(day.Year, day.Month+1, 1).Add(-1), nil
	case PeriodQuarter:
		first := time.Month((int(day.Month)-1)/3*3 + 1)
		from = NewDay(day.Year, first, 1)
		return from, NewDay(day.Year, first+3, 1).Add(-1), nil
	case PeriodYear:
		return NewDay(day.Year, time.January, 1), NewDay(day.Year, time.December, 31), nil
	}
	return Day{}, Day{}, Invalid("period", p, "must be week, month, quarter, year or custom")
}

// Days is the number of days of the goal's period.
func (g Goal) Days() int { return g.Until.Sub(g.From) + 1 }

// ValidateGoal checks a goal, naming every field that is wrong.
func ValidateGoal(g Goal) error {
	var v ValidationError
	if n := len(strings.TrimSpace(g.Name)); n == 0 || len(g.Name) > 80 {
		v.Add("name", g.Name, "must be 1 to 80 characters")
	}
	switch g.Kind {
	case GoalActivityTotal:
		if g.Activity == "" {
			v.Add("activity", g.Activity, "an activity_total goal needs an activity type")
		}
	case GoalHabitDays, GoalHabitRate:
		if g.HabitID == 0 {
			v.Add("habit", nil, "a "+string(g.Kind)+" goal needs a habit")
		}
	case GoalMetricAverage, GoalMetricDays:
		switch g.Metric {
		case MetricSleep, MetricReadiness, MetricActivity, MetricLifeScore:
		default:
			v.Add("metric", g.Metric, "must be sleep, readiness, activity or life_score")
		}
		if g.Kind == GoalMetricDays && (g.Threshold <= 0 || g.Threshold > 100) {
			v.Add("threshold", g.Threshold, "a metric_days goal needs a threshold above 0 and at most 100")
		}
	case GoalTodosDone:
	default:
		v.Add("kind", g.Kind, "must be activity_total, habit_days, habit_rate, metric_average, metric_days or todos_done")
	}
	if g.Kind != GoalMetricDays && g.Threshold != 0 {
		v.Add("threshold", g.Threshold, "only a metric_days goal has a threshold")
	}
	if math.IsNaN(g.Target) || math.IsInf(g.Target, 0) || g.Target <= 0 {
		v.Add("target", g.Target, "must be a number above 0")
	}
	switch {
	case (g.Kind == GoalHabitRate) && g.Target > 100:
		v.Add("target", g.Target, "a rate is a percentage: at most 100")
	case g.Kind == GoalMetricAverage && g.Target > 100:
		v.Add("target", g.Target, "scores run from 0 to 100: at most 100")
	}
	switch g.Period {
	case PeriodWeek, PeriodMonth, PeriodQuarter, PeriodYear, PeriodCustom:
	default:
		v.Add("period", g.Period, "must be week, month, quarter, year or custom")
	}
	if g.From.IsZero() || g.Until.IsZero() {
		v.Add("from", g.From, "the period needs a first and a last day")
	} else if g.Until.Before(g.From) {
		v.Add("until", g.Until, "must not be before from ("+g.From.String()+")")
	} else if g.Days() > MaxGoalDays {
		v.Add("until", g.Until, fmt.Sprintf("a period is at most %d days", MaxGoalDays))
	}
	for i, m := range g.Milestones {
		if m < 1 || m > 100 {
			v.Add("milestones", g.Milestones, "each milestone is a percentage from 1 to 100")
			break
		}
		if i > 0 && m <= g.Milestones[i-1] {
			v.Add("milestones", g.Milestones, "milestones must be ascending without repeats")
			break
		}
	}
	if len(g.Milestones) > 10 {
		v.Add("milestones", g.Milestones, "at most 10 milestones")
	}
	return v.Err()
}

// GoalSample is one day's contribution to a goal: the activity amount of
// the day, 1 (done) or 0 (due, not done) for a habit, the metric's value.
// Days without data have no sample.
type GoalSample struct {
	Day   Day
	Value float64
}

// GoalPace is how a goal stands against a steady pace.
type GoalPace string

// Paces.
const (
	PaceNotStarted GoalPace = "not_started" // the period lies ahead
	PaceAhead      GoalPace = "ahead"
	PaceOnTrack    GoalPace = "on_track"
	PaceBehind     GoalPace = "behind"
	PaceReached    GoalPace = "reached" // the target is met (cumulative kinds: for good)
	PaceMissed     GoalPace = "missed"  // the period ended below the target
)

// GoalProgress is a goal computed from its samples on one day.
type GoalProgress struct {
	Current float64 `json:"current"`
	Target  float64 `json:"target"`
	// Percent is Current of Target, not capped.
	Percent float64 `json:"percent"`
	// Expected is where a steady pace stands today (cumulative kinds); the
	// target itself for averages.
	Expected float64  `json:"expected"`
	Pace     GoalPace `json:"pace"`
	// Gap is how far Current is from Expected (positive: ahead).
	Gap float64 `json:"gap"`
	// ProjectedFinish is the day the target is (or, at the pace so far,
	// would be) reached; zero when there is nothing to project from or the
	// kind is an average.
	ProjectedFinish Day `json:"projected_finish,omitzero"`
	ElapsedDays     int `json:"elapsed_days"`
	TotalDays       int `json:"total_days"`
	DataDays        int `json:"data_days"` // days that had a sample
}

// Progress computes where g stands on today from its samples (days outside
// the period are ignored). Today counts as elapsed: its facts so far count.
func (g Goal) Progress(samples []GoalSample, today Day) GoalProgress {
	in := make([]GoalSample, 0, len(samples))
	for _, s := range samples {
		if !s.Day.Before(g.From) && !s.Day.After(g.Until) && !s.Day.After(today) {
			in = append(in, s)
		}
	}
	slices.SortFunc(in, func(a, b GoalSample) int { return a.Day.Compare(b.Day) })
	p := GoalProgress{Target: g.Target, TotalDays: g.Days(), DataDays: len(in)}
	switch {
	case today.Before(g.From):
		p.ElapsedDays = 0
	case today.After(g.Until):
		p.ElapsedDays = p.TotalDays
	default:
		p.ElapsedDays = today.Sub(g.From) + 1
	}
	var reachedOn Day
	switch g.Kind {
	case GoalActivityTotal, GoalHabitDays, GoalMetricDays, GoalTodosDone:
		for _, s := range in {
			switch g.Kind {
			case GoalActivityTotal, GoalTodosDone:
				p.Current += s.Value
			case GoalHabitDays:
				if s.Value >= 1 {
					p.Current++
				}
			case GoalMetricDays:
				if s.Value >= g.Threshold {
					p.Current++
				}
			}
			if reachedOn.IsZero() && p.Current >= g.Target-1e-9 {
				reachedOn = s.Day
			}
		}
	case GoalHabitRate:
		done := 0.0
		for _, s := range in {
			done += s.Value
		}
		if len(in) > 0 {
			p.Current = 100 * done / float64(len(in))
		}
	case GoalMetricAverage:
		for _, s := range in {
			p.Current += s.Value
		}
		if len(in) > 0 {
			p.Current /= float64(len(in))
		}
	}
	p.Current = round3(p.Current)
	p.Percent = round3(100 * p.Current / g.Target)
	ended := today.After(g.Until)
	met := p.Current >= g.Target-1e-9

	if !g.Kind.Cumulative() {
		p.Expected = g.Target
		p.Gap = round3(p.Current - g.Target)
		switch {
		case p.ElapsedDays == 0:
			p.Pace = PaceNotStarted
		case ended && met:
			p.Pace = PaceReached
		case ended:
			p.Pace = PaceMissed
		case len(in) == 0:
			p.Pace = PaceNotStarted
		case met:
			p.Pace = PaceOnTrack
		default:
			p.Pace = PaceBehind
		}
		return p
	}

	p.Expected = round3(g.Target * float64(p.ElapsedDays) / float64(p.TotalDays))
	p.Gap = round3(p.Current - p.Expected)
	switch {
	case met:
		p.Pace = PaceReached
		p.ProjectedFinish = reachedOn
	case ended:
		p.Pace = PaceMissed
	case p.ElapsedDays == 0:
		p.Pace = PaceNotStarted
	case p.Gap >= 0:
		p.Pace = PaceOnTrack
		if p.Gap >= 0.1*g.Target {
			p.Pace = PaceAhead
		}
	default:
		p.Pace = PaceBehind
	}
	if !met && !ended && p.Current > 0 && p.ElapsedDays > 0 {
		perDay := p.Current / float64(p.ElapsedDays)
		more := int(math.Ceil((g.Target - p.Current) / perDay))
		p.ProjectedFinish = today.Add(more)
	}
	return p
}

// PaceText says the pace the way a person reads it: "on track", "behind by
// 6 km", "ahead by 2 days". unit is the goal's unit (the activity type's,
// "days", "%" or "points").
func (p GoalProgress) PaceText(unit string) string {
	amount := func(x float64) string {
		s := strconv.FormatFloat(math.Round(math.Abs(x)*10)/10, 'f', -1, 64)
		if unit == "%" {
			return s + " %"
		}
		if unit != "" {
			return s + " " + unit
		}
		return s
	}
	switch p.Pace {
	case PaceNotStarted:
		return "not started"
	case PaceReached:
		return "reached"
	case PaceMissed:
		return "missed by " + amount(p.Target-p.Current)
	case PaceBehind:
		return "behind by " + amount(p.Gap)
	case PaceAhead:
		return "ahead by " + amount(p.Gap)
	}
	return "on track"
}

// MilestonesReached lists the goal's milestones that progress p has reached
// on today. An average (a rate or a metric average) is only settled when its
// period has ended, so its milestones are reached then and not before: a
// good first day would otherwise pay them all.
func (g Goal) MilestonesReached(p GoalProgress, today Day) []int {
	if !g.Kind.Cumulative() && !today.After(g.Until) {
		return nil
	}
	var out []int
	for _, m := range g.Milestones {
		if p.Percent >= float64(m)-1e-9 {
			out = append(out, m)
		}
	}
	return out
}

// GoalMilestoneXP is what reaching a milestone of percent pays: half the
// percentage, so a goal's milestones pay at most 50 XP each and a whole
// goal with the default milestones 124.
func GoalMilestoneXP(percent int) int { return percent / 2 }

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
