package domain

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
)

// HabitKind says whether a habit is something to do or something to avoid.
type HabitKind string

// Habit kinds.
const (
	// HabitPositive: check-ins record doing the good thing.
	HabitPositive HabitKind = "positive"
	// HabitNegative: check-ins record the thing to avoid (a slip); a day is
	// kept when slips stay within the target (none, for a yes/no target).
	HabitNegative HabitKind = "negative"
)

// ScheduleKind is how often a habit is due.
type ScheduleKind string

// Schedule kinds.
const (
	ScheduleDaily         ScheduleKind = "daily"
	ScheduleWeekdays      ScheduleKind = "weekdays"        // on the chosen weekdays
	ScheduleTimesPerWeek  ScheduleKind = "times_per_week"  // Times days per Monday–Sunday week
	ScheduleTimesPerMonth ScheduleKind = "times_per_month" // Times days per calendar month
	ScheduleEveryNDays    ScheduleKind = "every_n_days"    // once per block of Every days from Anchor
)

// Schedule says on which days a habit is expected.
type Schedule struct {
	Kind     ScheduleKind
	Weekdays []time.Weekday // ScheduleWeekdays
	Times    int            // ScheduleTimesPerWeek, ScheduleTimesPerMonth
	Every    int            // ScheduleEveryNDays
	// Anchor is the first day of the first block for ScheduleEveryNDays; the
	// zero Day means the habit's start.
	Anchor Day
}

// quota reports whether s is a quota schedule (so many days per period) and
// the quota.
func (s Schedule) quota() (int, bool) {
	switch s.Kind {
	case ScheduleTimesPerWeek, ScheduleTimesPerMonth:
		return s.Times, true
	case ScheduleEveryNDays:
		return 1, true
	}
	return 0, false
}

// Frequency is the expected completions per day, the f of the habit-strength
// filter: daily 1, weekdays k/7, N per week N/7, N per month N/30, every N
// days 1/N.
func (s Schedule) Frequency() float64 {
	switch s.Kind {
	case ScheduleDaily:
		return 1
	case ScheduleWeekdays:
		return float64(len(s.Weekdays)) / 7
	case ScheduleTimesPerWeek:
		return float64(s.Times) / 7
	case ScheduleTimesPerMonth:
		return float64(s.Times) / 30
	case ScheduleEveryNDays:
		if s.Every > 0 {
			return 1 / float64(s.Every)
		}
	}
	return 0
}

// Period is the span of days a quota schedule counts over that contains day:
// the Monday–Sunday week, the calendar month, or the Every-day block (blocks
// start at the anchor, or at start when the anchor is zero). For daily and
// weekday schedules the period is the day itself.
func (s Schedule) Period(day, start Day) (first, last Day) {
	switch s.Kind {
	case ScheduleTimesPerWeek:
		back := (int(day.Weekday()) + 6) % 7 // days since Monday
		return day.Add(-back), day.Add(6 - back)
	case ScheduleTimesPerMonth:
		y, m := day.Year, day.Month
		return NewDay(y, m, 1), NewDay(y, m+1, 0)
	case ScheduleEveryNDays:
		if s.Every > 0 {
			anchor := s.Anchor
			if anchor.IsZero() {
				anchor = start
			}
			k := floorDiv(day.Sub(anchor), s.Every)
			first = anchor.Add(int(k) * s.Every)
			return first, first.Add(s.Every - 1)
		}
	}
	return day, day
}

// TargetKind is how a day's check-ins are judged.
type TargetKind string

// Target kinds.
const (
	// TargetCheck: yes/no. A positive habit needs one check-in; a negative
	// habit is kept with none.
	TargetCheck TargetKind = "check"
	// TargetAtLeast: the day's quantities must add up to at least Value.
	TargetAtLeast TargetKind = "at_least"
	// TargetAtMost: the day's quantities must stay at or below Value (no
	// check-in at all is within the limit).
	TargetAtMost TargetKind = "at_most"
)

// Target is what one day of a habit asks for.
type Target struct {
	Kind  TargetKind
	Value float64 // at_least / at_most amount; unused for check
	Unit  string  // free text for display ("l", "min", "glasses")
}

// TimeWindow limits when check-ins count, in local wall-clock time: a check-in
// at c counts when From ≤ c < Until. The zero window means all day. Windows
// do not cross midnight.
type TimeWindow struct {
	From  ClockTime
	Until ClockTime
}

// IsZero reports whether w is the all-day window.
func (w TimeWindow) IsZero() bool { return w.From == 0 && w.Until == 0 }

// Contains reports whether a check-in at c counts.
func (w TimeWindow) Contains(c ClockTime) bool {
	return w.IsZero() || (c >= w.From && c < w.Until)
}

// PauseReason says why a habit rests.
type PauseReason string

// Pause reasons.
const (
	PauseVacation PauseReason = "vacation"
	PauseSick     PauseReason = "sick"
	PauseRest     PauseReason = "rest"
)

// MaxPauseDays is the longest single pause with an end.
const MaxPauseDays = 366

// PauseBackDays is how far back a pause may reach: it may start at most this
// many days before today, and a change may add or remove only days from
// today − PauseBackDays on. Older days are history and stay as they were.
const PauseBackDays = 2

// PauseLeadDays is how far ahead a pause may start: at most today + 365.
const PauseLeadDays = 365

// Pause suspends a habit (HabitID) or all of a person's habits (HabitID 0)
// from From to Until, both days included; a zero Until is an open pause that
// runs until someone ends it. A paused day that was not done neither breaks
// nor extends a streak and holds habit strength still; a day that was done
// stays done (a pause forgives, it never erases).
type Pause struct {
	ID      int64
	HabitID int64
	Reason  PauseReason
	From    Day
	Until   Day
}

// Open reports whether p has no end.
func (p Pause) Open() bool { return p.Until.IsZero() }

// Covers reports whether day falls inside p.
func (p Pause) Covers(day Day) bool {
	return !day.Before(p.From) && (p.Open() || !day.After(p.Until))
}

// Overlaps reports whether p and o share a day and a habit (a person-wide
// pause shares every habit).
func (p Pause) Overlaps(o Pause) bool {
	if p.HabitID != 0 && o.HabitID != 0 && p.HabitID != o.HabitID {
		return false
	}
	return (o.Open() || !p.From.After(o.Until)) && (p.Open() || !o.From.After(p.Until))
}

// ValidatePause checks a new pause requested on today: it starts between
// today − PauseBackDays and today + PauseLeadDays and does not end before
// it starts.
func ValidatePause(p Pause, today Day) error {
	var v ValidationError
	validatePause(&v, "", p)
	if !p.From.IsZero() {
		validatePauseStart(&v, p.From, today)
	}
	return v.Err()
}

func validatePauseStart(v *ValidationError, from, today Day) {
	first, last := today.Add(-PauseBackDays), today.Add(PauseLeadDays)
	if from.Before(first) || from.After(last) {
		v.Add("from", from.String(), fmt.Sprintf("must be from %s to %s: a pause starts at most %d days back and at most a year ahead", first, last, PauseBackDays))
	}
}

// ValidatePauseChange checks a change of old into p requested on today:
// the days the change adds to or removes from the pause must all be from
// today − PauseBackDays on, so a change never rewrites older history.
func ValidatePauseChange(old, p Pause, today Day) error {
	var v ValidationError
	validatePause(&v, "", p)
	if p.Reason != old.Reason && old.From.Before(today.Add(-PauseBackDays)) {
		v.Add("reason", p.Reason, fmt.Sprintf("can change only while the pause starts from %s on", today.Add(-PauseBackDays)))
	}
	if p.From != old.From && !p.From.IsZero() {
		validatePauseStart(&v, p.From, today)
		if old.From.Before(today.Add(-PauseBackDays)) {
			v.Add("from", p.From.String(), fmt.Sprintf("cannot move: the pause started before %s", today.Add(-PauseBackDays)))
		}
	}
	if p.Until != old.Until {
		// The first day whose state changes is the day after the earlier end.
		first := p.Until
		if p.Open() || (!old.Open() && old.Until.Before(p.Until)) {
			first = old.Until
		}
		if !first.IsZero() && first.Add(1).Before(today.Add(-PauseBackDays)) {
			until := "open"
			if !p.Open() {
				until = p.Until.String()
			}
			v.Add("until", until, fmt.Sprintf("must not be before %s: older days keep what they had", today.Add(-PauseBackDays-1)))
		}
	}
	return v.Err()
}

func validatePause(v *ValidationError, prefix string, p Pause) {
	switch p.Reason {
	case PauseVacation, PauseSick, PauseRest:
	default:
		v.Add(prefix+"reason", p.Reason, "must be vacation, sick or rest")
	}
	switch {
	case p.From.IsZero():
		v.Add(prefix+"from", nil, "must be set")
	case p.Open():
	case p.Until.Before(p.From):
		v.Add(prefix+"until", p.Until.String(), "must not be before from")
	case p.Until.Sub(p.From) >= MaxPauseDays:
		v.Add(prefix+"until", p.Until.String(), "a pause lasts at most 366 days")
	}
}

// Habit is one habit of one person.
type Habit struct {
	ID       int64
	PersonID int64
	Name     string
	Kind     HabitKind
	Schedule Schedule
	Target   Target
	Window   TimeWindow
	// Start is the habit's first local day; nothing before it is judged.
	Start  Day
	Pauses []Pause
	// LimitSpans are the runs of days on which the habit was, at that
	// time, an active limit habit (kept by a limit, not archived): only
	// their days pay KeptDayXP. The app opens a span when a limit habit is
	// created, redefined from positive or unarchived, and closes it when
	// the habit is archived or redefined to positive.
	LimitSpans []LimitSpan
}

// LimitSpan is a run of days from From to Until (both included); a zero
// Until is still open.
type LimitSpan struct {
	From  Day `json:"from"`
	Until Day `json:"until,omitzero"`
}

// Covers reports whether day lies in s.
func (s LimitSpan) Covers(day Day) bool {
	return !day.Before(s.From) && (s.Until.IsZero() || !day.After(s.Until))
}

// PaysKeptDay reports whether a kept day of h pays KeptDayXP: h is kept by a
// limit and was an active limit habit on day.
func (h Habit) PaysKeptDay(day Day) bool {
	return h.Avoids() && slices.ContainsFunc(h.LimitSpans, func(s LimitSpan) bool { return s.Covers(day) })
}

// OpenLimitSpan is spans with a span open from day on: an open span stays
// as it is, one that ended the day before is reopened, else a new one
// begins.
func OpenLimitSpan(spans []LimitSpan, day Day) []LimitSpan {
	out := slices.Clone(spans)
	if n := len(out); n > 0 {
		last := &out[n-1]
		if last.Until.IsZero() {
			return out
		}
		if !last.Until.Before(day.Add(-1)) {
			last.Until = Day{}
			return out
		}
	}
	return append(out, LimitSpan{From: day})
}

// CloseLimitSpan is spans with the open span, if any, ended on until (the
// day before the change); a span left with no day is dropped.
func CloseLimitSpan(spans []LimitSpan, until Day) []LimitSpan {
	out := slices.Clone(spans)
	if n := len(out); n > 0 && out[n-1].Until.IsZero() {
		if until.Before(out[n-1].From) {
			return out[:n-1]
		}
		out[n-1].Until = until
	}
	return out
}

// Avoids reports whether the habit is kept by staying within a limit rather
// than by doing something: negative habits and at-most targets.
func (h Habit) Avoids() bool { return h.Kind == HabitNegative || h.Target.Kind == TargetAtMost }

// Paused reports whether day is inside one of h's pauses.
func (h Habit) Paused(day Day) bool {
	return slices.ContainsFunc(h.Pauses, func(p Pause) bool { return p.Covers(day) })
}

// MaxNameLen is the longest name of a habit, activity type or achievement.
const MaxNameLen = 80

// floorDiv is a/b rounded towards minus infinity (b > 0), so blocks before
// an anchor number −1, −2, …
func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// MaxTargetValue bounds numeric targets and check-in quantities.
const MaxTargetValue = 1e6

// ValidateHabit checks a habit definition and names every bad field.
func ValidateHabit(h Habit) error {
	var v ValidationError
	validateName(&v, "name", h.Name, MaxNameLen)
	if h.Kind != HabitPositive && h.Kind != HabitNegative {
		v.Add("kind", h.Kind, "must be positive or negative")
	}
	if h.Start.IsZero() {
		v.Add("start", nil, "must be set")
	}
	validateSchedule(&v, h.Schedule)
	switch h.Target.Kind {
	case TargetCheck:
		if h.Target.Value != 0 {
			v.Add("target.value", h.Target.Value, "must be empty for a yes/no target")
		}
	case TargetAtLeast, TargetAtMost:
		switch val := h.Target.Value; {
		case math.IsNaN(val) || val > MaxTargetValue:
			v.Add("target.value", val, "must be a number up to 1000000")
		case h.Target.Kind == TargetAtLeast && val <= 0:
			v.Add("target.value", val, "must be more than 0")
		case val < 0:
			v.Add("target.value", val, "must not be negative")
		}
		if h.Kind == HabitNegative && h.Target.Kind == TargetAtLeast {
			v.Add("target.kind", h.Target.Kind, "a negative habit takes a yes/no or at_most target")
		}
	default:
		v.Add("target.kind", h.Target.Kind, "must be check, at_least or at_most")
	}
	if len(h.Target.Unit) > 20 {
		v.Add("target.unit", h.Target.Unit, "must be at most 20 characters")
	}
	if _, isQuota := h.Schedule.quota(); isQuota && h.Avoids() {
		v.Add("schedule.kind", h.Schedule.Kind, "a habit kept by staying within a limit must be daily or on weekdays")
	}
	if w := h.Window; !w.IsZero() && (w.From < 0 || w.Until > Clock(24, 0) || w.From >= w.Until) {
		v.Add("window", fmt.Sprintf("%s–%s", w.From, w.Until), "must run forward within one day, from 00:00 to 24:00")
	}
	for i, p := range h.Pauses {
		validatePause(&v, fmt.Sprintf("pauses[%d].", i), p)
	}
	return v.Err()
}

// CountsAmounts reports whether a check-in of h must say how much (its
// target is a quantity, not yes/no).
func (h Habit) CountsAmounts() bool { return h.Target.Kind != TargetCheck }

// AmountHint says how h is counted, for a person asked for an amount:
// `Water is counted in l (target at least 2 l)`.
func (h Habit) AmountHint() string {
	unit := unitOr(h.Target.Unit, "units")
	target := "target at least"
	if h.Target.Kind == TargetAtMost {
		target = "limit at most"
	}
	return fmt.Sprintf("%s is counted in %s (%s %s %s)", h.Name, unit, target, strconv.FormatFloat(h.Target.Value, 'f', -1, 64), unit)
}

// ExampleAmount is an amount to suggest for one check-in of h: about a
// quarter of the target, rounded to one significant digit (2 l gives 0.5).
func (h Habit) ExampleAmount() float64 {
	q := h.Target.Value / 4
	if q <= 0 || math.IsNaN(q) {
		return 1
	}
	mag := math.Pow(10, math.Floor(math.Log10(q)))
	return math.Round(q/mag) * mag
}

func unitOr(unit, fallback string) string {
	if unit == "" {
		return fallback
	}
	return unit
}

func validateSchedule(v *ValidationError, s Schedule) {
	// Fields of another kind are refused, not stored: a daily habit with
	// every: -1 is a client bug worth hearing about.
	if s.Kind != ScheduleWeekdays && len(s.Weekdays) > 0 {
		v.Add("schedule.weekdays", nil, "applies only to a weekdays schedule")
	}
	if s.Kind != ScheduleTimesPerWeek && s.Kind != ScheduleTimesPerMonth && s.Times != 0 {
		v.Add("schedule.times", s.Times, "applies only to a times_per_week or times_per_month schedule")
	}
	if s.Kind != ScheduleEveryNDays && s.Every != 0 {
		v.Add("schedule.every", s.Every, "applies only to an every_n_days schedule")
	}
	if s.Kind != ScheduleEveryNDays && !s.Anchor.IsZero() {
		v.Add("schedule.anchor", s.Anchor.String(), "applies only to an every_n_days schedule")
	}
	switch s.Kind {
	case ScheduleDaily:
	case ScheduleWeekdays:
		if len(s.Weekdays) == 0 {
			v.Add("schedule.weekdays", nil, "must name at least one weekday")
		}
		for i, d := range s.Weekdays {
			switch {
			case d < time.Sunday || d > time.Saturday:
				v.Add(fmt.Sprintf("schedule.weekdays[%d]", i), int(d), "must be a weekday 0 (Sunday) to 6 (Saturday)")
			case slices.Index(s.Weekdays, d) != i:
				v.Add(fmt.Sprintf("schedule.weekdays[%d]", i), d.String(), "is listed twice")
			}
		}
	case ScheduleTimesPerWeek:
		if s.Times < 1 || s.Times > 7 {
			v.Add("schedule.times", s.Times, "must be 1 to 7 per week")
		}
	case ScheduleTimesPerMonth:
		if s.Times < 1 || s.Times > 28 {
			v.Add("schedule.times", s.Times, "must be 1 to 28 per month")
		}
	case ScheduleEveryNDays:
		if s.Every < 2 || s.Every > 365 {
			v.Add("schedule.every", s.Every, "must be 2 to 365 days")
		}
	default:
		v.Add("schedule.kind", s.Kind, "must be daily, weekdays, times_per_week, times_per_month or every_n_days")
	}
}

// CheckIn is one check-in of a habit.
type CheckIn struct {
	ID       int64
	HabitID  int64
	PersonID int64
	At       time.Time
	// Quantity is the amount for numeric targets; yes/no targets ignore it.
	Quantity float64
	Source   Source
	Note     string
	// Recorded is when the check-in was stored (zero: before the XP window
	// rule); it decides whether the check-in may pay XP (PaysXP).
	Recorded time.Time
}

// ValidateCheckIn checks a check-in of h about to be stored at now. A
// check-in may be dated back to the habit's start (history is corrected,
// see PaysXP for what pays), never after now beyond ClockSkew. A habit with
// a numeric target needs a quantity above 0.
func ValidateCheckIn(h Habit, c CheckIn, now time.Time, loc *time.Location) error {
	var v ValidationError
	if validateFactTime(&v, "at", c.At, now) && DayOf(c.At, loc).Before(h.Start) {
		v.Add("at", c.At.Format(time.RFC3339), fmt.Sprintf("is before the habit started (%s)", h.Start))
	}
	switch {
	case math.IsNaN(c.Quantity) || c.Quantity < 0 || c.Quantity > MaxTargetValue:
		v.Add("quantity", c.Quantity, "must be between 0 and 1000000")
	case h.Target.Kind != TargetCheck && c.Quantity == 0:
		v.Add("quantity", nil, "is required: "+h.AmountHint()+"; say how much, e.g. quantity: "+strconv.FormatFloat(h.ExampleAmount(), 'f', -1, 64))
	case h.Target.Kind != TargetCheck && c.Quantity < 0:
		v.Add("quantity", c.Quantity, "must be more than 0: "+h.AmountHint())
	}
	if !c.Source.Valid() {
		v.Add("source", c.Source, "must be one of manual, ha, sensor, oura, api")
	}
	validateNote(&v, c.Note)
	return v.Err()
}
