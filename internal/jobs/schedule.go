package jobs

import (
	"time"

	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/routine"
)

// Schedule says when a job runs. Next returns the first run strictly after
// after; the zero time means never again.
type Schedule interface {
	Next(after time.Time) time.Time
}

// ScheduleFunc adapts a next-run function to Schedule.
type ScheduleFunc func(after time.Time) time.Time

// Next implements Schedule.
func (f ScheduleFunc) Next(after time.Time) time.Time { return f(after) }

// Daily runs once a local day at clock time at, resolved as routine.At does:
// a time the spring-forward jump skips runs at the jump, a time the fall-back
// repeats runs at its first occurrence only.
func Daily(at domain.ClockTime, loc *time.Location) Schedule {
	return ScheduleFunc(func(after time.Time) time.Time {
		day := domain.DayOf(after, loc)
		for i := 0; i < 3; i++ { // today, else tomorrow; a third day only if a zone skips the whole time
			if t := routine.At(day.Add(i), at, loc); t.After(after) {
				return t
			}
		}
		return time.Time{}
	})
}

// Every runs every d, on multiples of d since the Unix epoch: Every(time.Minute)
// runs on every full minute, whatever the zone.
func Every(d time.Duration) Schedule {
	return ScheduleFunc(func(after time.Time) time.Time {
		return after.Truncate(d).Add(d)
	})
}

// OuraSlots is the Oura sync's policy: every 15 minutes from 05:00 to 11:45
// local time, when the night's data arrives and people look at it, and on
// every full hour otherwise.
func OuraSlots(loc *time.Location) Schedule {
	const step = 15 * time.Minute
	return ScheduleFunc(func(after time.Time) time.Time {
		// Quarter hours are quarter hours on the wall clock too: every zone's
		// offset is a multiple of 15 minutes.
		t := after.Truncate(step)
		for {
			t = t.Add(step)
			h, m, _ := t.In(loc).Clock()
			if (h >= 5 && h < 12) || m == 0 {
				return t
			}
		}
	})
}

// lastSlot is the latest run of s at or before now, found by looking back
// in doubling steps; false when s has none in the past maxLookback.
func lastSlot(s Schedule, now time.Time) (time.Time, bool) {
	const maxLookback = 64 * 24 * time.Hour
	for back := time.Minute; back <= maxLookback; back *= 2 {
		t := s.Next(now.Add(-back))
		if t.IsZero() || t.After(now) {
			continue
		}
		for {
			n := s.Next(t)
			if n.IsZero() || n.After(now) {
				return t, true
			}
			t = n
		}
	}
	return time.Time{}, false
}
