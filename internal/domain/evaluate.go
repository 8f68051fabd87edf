package domain

import (
	"math"
	"time"
)

// DayStatus is the verdict on one local day of one habit.
type DayStatus string

// Day statuses.
const (
	StatusDone    DayStatus = "done"    // target met (or, for a limit, kept once the day closed)
	StatusMissed  DayStatus = "missed"  // due and not met, or a limit exceeded
	StatusNotDue  DayStatus = "not_due" // nothing was expected that day
	StatusPaused  DayStatus = "paused"  // inside a pause
	StatusPending DayStatus = "pending" // today, not decided yet
)

// DayResult is the judgement of one day; streak and strength folds consume it.
type DayResult struct {
	Day    Day
	Status DayStatus
	// Value is what counted towards the target: the number of counted
	// check-ins for yes/no targets, else the sum of their quantities.
	Value float64
	// CheckIns is how many check-ins counted (inside the day and the window).
	CheckIns int
	// Completion in [0, 1] is the day's input to habit strength: 1 when the
	// target is met; min(1, value/target) for an unmet at-least target (as Loop
	// Habit Tracker does); target/value for an exceeded limit; else 0.
	Completion float64
	// AtRisk is set on a still-open day that needs action to count: a pending
	// day of a habit that is kept by doing something.
	AtRisk bool
}

// DayInput is what EvaluateDay needs to judge one local day of one habit.
type DayInput struct {
	Day Day
	// CheckIns are the habit's check-ins; those on other local days or outside
	// the habit's window are ignored.
	CheckIns []CheckIn
	// DoneEarlierInPeriod counts the days of the same period, before Day, that
	// were done (quota schedules only; see Schedule.Period).
	DoneEarlierInPeriod int
	// Open marks the current, still running day: what is not decided yet is
	// pending instead of missed.
	Open bool
	// Now, optional, is the current instant on an open day. Once the habit's
	// window has closed by Now nothing can change the day any more, so it is
	// judged as closed: a 06:00–09:00 habit not done by 09:00 is missed, not
	// at risk.
	Now time.Time
}

// decided reports whether nothing can change in.Day any more: the day has
// closed, or (see DayInput.Now) its window has.
func (h Habit) decided(in DayInput, loc *time.Location) bool {
	if !in.Open {
		return true
	}
	if in.Now.IsZero() {
		return false
	}
	switch now := DayOf(in.Now, loc); {
	case now.After(in.Day):
		return true
	case now == in.Day && !h.Window.IsZero():
		return wallSeconds(in.Now, loc) >= int(h.Window.Until)*60
	}
	return false
}

// EvaluateDay judges one day of h. The rules, in order:
//
//   - before the habit's start: not due. Inside a pause: paused while the
//     target is not met; a met day is judged as without the pause (a pause
//     never erases a done day, so a sick day does not hide what was already
//     done).
//   - A habit kept by doing (positive, check or at-least): met → done, on any
//     day. Unmet → missed if the day was due, pending if it is open and due,
//     else not due.
//   - A habit kept by a limit (negative, or at-most): on a due day, over the
//     limit → missed at once; within it → done when closed, pending while
//     open. On days that are not due: not due.
//   - Due days: daily: every day; weekdays: the chosen ones. Quota schedules
//     (N per week, N per month, every N days = once per block) are due only
//     when they must be: a day is due when, without it, the period's quota
//     could no longer be met, i.e. DoneEarlierInPeriod + (days of the period
//     left after this one) < quota. So a week of 3-per-week with no check-ins
//     has Monday–Thursday not due and Friday, Saturday and Sunday missed: one
//     missed day per missing completion, at the latest moment it became
//     unavoidable. Days before the start and paused days are not available:
//     the quota shrinks to the available days of the period, so a pause never
//     makes a quota unreachable.
//
// An open day whose window has closed by DayInput.Now is judged as closed.
func EvaluateDay(h Habit, in DayInput, loc *time.Location) DayResult {
	r := DayResult{Day: in.Day}
	if in.Day.Before(h.Start) {
		r.Status = StatusNotDue
		return r
	}
	for _, c := range in.CheckIns {
		if DayOf(c.At, loc) != in.Day || !h.Window.Contains(ClockTime(wallSeconds(c.At, loc)/60)) {
			continue
		}
		r.CheckIns++
		if q := c.Quantity; q > 0 && !math.IsInf(q, 0) {
			r.Value += q
		}
	}
	if h.Target.Kind == TargetCheck {
		r.Value = float64(r.CheckIns)
	}

	met := false
	switch {
	case h.Target.Kind == TargetAtMost:
		met = r.Value <= h.Target.Value
	case h.Kind == HabitNegative: // yes/no negative: any slip breaks the day
		met = r.CheckIns == 0
	case h.Target.Kind == TargetAtLeast:
		met = r.Value >= h.Target.Value
	default:
		met = r.CheckIns > 0
	}
	switch {
	case met:
		r.Completion = 1
	case h.Target.Kind == TargetAtLeast && h.Target.Value > 0:
		r.Completion = min(1, r.Value/h.Target.Value)
	case h.Target.Kind == TargetAtMost && r.Value > 0:
		r.Completion = h.Target.Value / r.Value
	}

	due, open := h.due(in), !h.decided(in, loc)
	switch {
	// A pause forgives what was not met; it never erases what was: a day
	// whose target was met is judged as if there were no pause, so it stays
	// done and counts for its streak.
	case h.Paused(in.Day) && !met:
		r.Status, r.Completion = StatusPaused, 0
	case h.Avoids() && !due:
		r.Status = StatusNotDue
	case h.Avoids() && !met:
		r.Status = StatusMissed
	case h.Avoids() && open:
		r.Status = StatusPending
	case met:
		r.Status = StatusDone
	case !due:
		r.Status = StatusNotDue
	case open:
		r.Status, r.AtRisk = StatusPending, true
	default:
		r.Status = StatusMissed
	}
	return r
}

// due reports whether in.Day is due for h (see EvaluateDay).
func (h Habit) due(in DayInput) bool {
	switch h.Schedule.Kind {
	case ScheduleDaily:
		return true
	case ScheduleWeekdays:
		for _, w := range h.Schedule.Weekdays {
			if w == in.Day.Weekday() {
				return true
			}
		}
		return false
	}
	quota, ok := h.Schedule.quota()
	if !ok {
		return false
	}
	first, last := h.Schedule.Period(in.Day, h.Start)
	available, after := 0, 0
	for d := first; !d.After(last); d = d.Add(1) {
		if d.Before(h.Start) || h.Paused(d) {
			continue
		}
		available++
		if d.After(in.Day) {
			after++
		}
	}
	return in.DoneEarlierInPeriod+after < min(quota, available)
}

// EvaluateRange judges every day of h from from to to (inclusive), but never
// before the habit's start nor after today; today itself is judged open.
// checkIns must hold the habit's check-ins from the start of the period that
// contains from (Schedule.Period), so quota schedules know what was done
// earlier in the period; extra check-ins are ignored.
func EvaluateRange(h Habit, from, to Day, checkIns []CheckIn, loc *time.Location, today Day) []DayResult {
	return evaluateRange(h, from, to, checkIns, loc, today, time.Time{})
}

// EvaluateRangeAt is EvaluateRange with today being the local day of now, and
// now deciding today early once the habit's window has closed (see
// DayInput.Now).
func EvaluateRangeAt(h Habit, from, to Day, checkIns []CheckIn, loc *time.Location, now time.Time) []DayResult {
	return evaluateRange(h, from, to, checkIns, loc, DayOf(now, loc), now)
}

func evaluateRange(h Habit, from, to Day, checkIns []CheckIn, loc *time.Location, today Day, now time.Time) []DayResult {
	if from.Before(h.Start) {
		from = h.Start
	}
	if to.After(today) {
		to = today
	}
	if to.Before(from) {
		return nil
	}
	first, _ := h.Schedule.Period(from, h.Start)
	if first.Before(h.Start) {
		first = h.Start
	}
	byDay := make(map[Day][]CheckIn, len(checkIns))
	for _, c := range checkIns {
		d := DayOf(c.At, loc)
		if !d.Before(first) && !d.After(to) {
			byDay[d] = append(byDay[d], c)
		}
	}
	out := make([]DayResult, 0, to.Sub(from)+1)
	done := 0
	periodStart, _ := h.Schedule.Period(first, h.Start)
	for d := first; !d.After(to); d = d.Add(1) {
		if p, _ := h.Schedule.Period(d, h.Start); p != periodStart {
			periodStart, done = p, 0
		}
		in := DayInput{Day: d, CheckIns: byDay[d], DoneEarlierInPeriod: done, Open: d == today}
		if in.Open {
			in.Now = now
		}
		r := EvaluateDay(h, in, loc)
		if r.Status == StatusDone {
			done++
		}
		if !d.Before(from) {
			out = append(out, r)
		}
	}
	return out
}
