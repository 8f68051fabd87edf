package routine

import (
	"time"

	"github.com/lifeops/lifeops/internal/domain"
)

// At is the instant the wall-clock time c falls on day in loc, DST-safe:
//
//   - a time the clocks skip (02:30 on a spring-forward day in Berlin) moves
//     to the first valid instant, the moment of the jump (03:00 CEST): the
//     item is due as soon as that part of the day exists, not an hour late;
//   - a time that happens twice (02:30 on a fall-back day) is its first
//     occurrence (02:30 CEST), so nothing is planned an hour after its wall
//     clock first showed it.
//
// c = 24:00 is the end of the day.
func At(day domain.Day, c domain.ClockTime, loc *time.Location) time.Time {
	if c >= domain.Clock(24, 0) {
		return day.End(loc)
	}
	h, m := int(c)/60, int(c)%60
	t := time.Date(day.Year, day.Month, day.Day, h, m, 0, 0, loc)
	want := day.Start(time.UTC).Add(time.Duration(c) * time.Minute) // the wall clock asked for, as UTC
	got := wall(t)
	switch {
	case got.After(want):
		// In the gap, time.Date answered with the later offset: the jump is
		// where t's zone begins.
		start, _ := t.ZoneBounds()
		return start
	case got.Before(want):
		// ... or with the earlier offset: the jump is where t's zone ends.
		_, end := t.ZoneBounds()
		return end
	}
	// A repeated wall time may have been resolved to its second occurrence;
	// the earlier zone holds the first.
	start, _ := t.ZoneBounds()
	if start.IsZero() {
		return t
	}
	_, off := t.Zone()
	_, prevOff := start.Add(-time.Second).Zone()
	if prevOff > off {
		if earlier := t.Add(-time.Duration(prevOff-off) * time.Second); earlier.Before(start) && wall(earlier).Equal(want) {
			return earlier
		}
	}
	return t
}

// wall is t's local wall-clock reading expressed as the same reading in UTC,
// so two readings compare without any zone getting in the way.
func wall(t time.Time) time.Time {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, mo, d, h, mi, s, t.Nanosecond(), time.UTC)
}

// PlannedTime is when item is planned on day in loc. A clock anchor is At
// that clock time. A wake-up anchor counts its offset from wake, the
// person's wake-up that day (Oura's sleep end or a bed sensor), when known and
// on day; otherwise from defaultWake on day. The offset is elapsed time, so
// "30 minutes after waking" is 30 real minutes even across a DST jump.
func PlannedTime(item Item, day domain.Day, loc *time.Location, wake *time.Time, defaultWake domain.ClockTime) time.Time {
	if item.Anchor.Kind != AnchorWake {
		return At(day, item.Anchor.At, loc)
	}
	base := At(day, defaultWake, loc)
	if wake != nil && !wake.IsZero() && domain.DayOf(*wake, loc) == day {
		base = wake.In(loc)
	}
	return base.Add(time.Duration(item.Anchor.OffsetMin) * time.Minute)
}
