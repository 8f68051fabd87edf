package domain

import (
	"fmt"
	"time"
)

// The date window: no date or time LifeOps stores lies before MinDate or
// more than MaxFutureDays after today. Anything outside is refused with a
// ValidationError naming the field and the allowed range, so a zero time
// ("0001-01-01T00:00:00Z") or a typo of a year never reaches the rules.
var MinDate = NewDay(2000, time.January, 1)

// MaxFutureDays is how far after today a day (a habit's start, a schedule's
// anchor) may lie.
const MaxFutureDays = 366

// DateRange names the allowed range for day fields, for error messages.
func DateRange(today Day) string {
	return fmt.Sprintf("must be between %s and %s", MinDate, today.Add(MaxFutureDays))
}

// ValidateDayField adds a problem to v when day lies outside the date window
// seen from today.
func ValidateDayField(v *ValidationError, field string, day, today Day) {
	if day.Before(MinDate) || day.After(today.Add(MaxFutureDays)) {
		v.Add(field, day.String(), DateRange(today))
	}
}

// validateFactTime checks when a fact happened: inside the date window and
// not after now by more than ClockSkew.
func validateFactTime(v *ValidationError, field string, at, now time.Time) bool {
	switch {
	case at.IsZero():
		v.Add(field, nil, "must be set")
	case at.Before(MinDate.Start(time.UTC)):
		v.Add(field, at.Format(time.RFC3339), fmt.Sprintf("must be between %s and now (future times are refused beyond a clock skew of %s)", MinDate, ClockSkew))
	case at.After(now.Add(ClockSkew)):
		v.Add(field, at.Format(time.RFC3339), fmt.Sprintf("must not be in the future (more than %s after now)", ClockSkew))
	default:
		return true
	}
	return false
}

// NotAfter is at, or now when at is later: a time accepted within
// ClockSkew of the future is stored as now, so a phone running a few
// minutes ahead never dates a fact on tomorrow.
func NotAfter(at, now time.Time) time.Time {
	if at.After(now) {
		return now
	}
	return at
}

// PaysXP reports whether a fact dated day and recorded at recorded may pay
// XP: it must have been recorded on its day or within XPWindowDays after
// it. A zero recorded time is a fact from before this rule: it counts as on
// time.
func PaysXP(day Day, recorded time.Time, loc *time.Location) bool {
	if recorded.IsZero() {
		return true
	}
	return !DayOf(recorded, loc).After(day.Add(XPWindowDays))
}

// Counts reports whether check-in c counts for h's day: inside the habit's
// time window and, for a numeric target, with a quantity above 0. A
// check-in that does not count is recorded but changes nothing.
func (h Habit) Counts(c CheckIn, loc *time.Location) bool {
	if !h.Window.Contains(ClockTime(wallSeconds(c.At, loc) / 60)) {
		return false
	}
	return h.Target.Kind == TargetCheck || c.Quantity > 0
}

// CheckInDayXP is the check-in XP of one day of h: CheckInXP once when at
// least one of the day's check-ins counts and was recorded within the XP
// window, whatever their number. Habits kept by a limit earn per kept day
// instead (ClosedDayXP). checkIns may hold other days' check-ins.
func CheckInDayXP(h Habit, day Day, checkIns []CheckIn, loc *time.Location) int {
	if h.Avoids() || day.Before(h.Start) {
		return 0
	}
	for _, c := range checkIns {
		// Imported history builds streaks but pays no XP, however recent.
		if DayOf(c.At, loc) == day && h.Counts(c, loc) && c.Source != SourceImport && PaysXP(day, c.Recorded, loc) {
			return CheckInXP
		}
	}
	return 0
}

// CreditedXP is what a day whose sources earned earned XP adds to the
// total: at most DailyXPCeiling.
func CreditedXP(earned int) int { return max(0, min(earned, DailyXPCeiling)) }

// ValidateHabitDates checks a habit's days against the date window seen
// from today: its start may not lie before earliest (the day it is created:
// days before that earn nothing, old history comes in through import), and
// an every_n_days anchor must lie inside the window.
func ValidateHabitDates(h Habit, earliest, today Day) error {
	var v ValidationError
	switch {
	case h.Start.IsZero():
	case h.Start.Before(earliest):
		v.Add("start", h.Start.String(), fmt.Sprintf("must not be before %s, the day the habit is created; older history comes in through import", earliest))
	default:
		ValidateDayField(&v, "start", h.Start, today)
	}
	if !h.Schedule.Anchor.IsZero() {
		ValidateDayField(&v, "schedule.anchor", h.Schedule.Anchor, today)
	}
	return v.Err()
}
