package domain

import (
	"slices"
	"testing"
	"testing/quick"
	"time"
)

// A week of an N-per-week habit with a shortfall of k done days has exactly k
// missed days, its last ones.
func TestQuotaShortfallProperty(t *testing.T) {
	t.Parallel()
	monday := NewDay(2025, time.March, 3)
	prop := func(mask uint8, times uint8) bool {
		n := int(times%7) + 1
		h := Habit{Kind: HabitPositive, Start: monday.Add(-30), Target: Target{Kind: TargetCheck},
			Schedule: Schedule{Kind: ScheduleTimesPerWeek, Times: n}}
		var cs []CheckIn
		done := 0
		for i := range 7 {
			if mask&(1<<i) != 0 {
				done++
				cs = append(cs, at(monday.Add(i), 10, 0, 0, 0))
			}
		}
		missed := 0
		var statuses []DayStatus
		for _, r := range EvaluateRange(h, monday, monday.Add(6), cs, berlin, monday.Add(10)) {
			statuses = append(statuses, r.Status)
			if r.Status == StatusMissed {
				missed++
			}
		}
		// Every missed day comes after the last day that could still be spared.
		firstMissed := slices.Index(statuses, StatusMissed)
		tailMissed := firstMissed < 0 || !slices.Contains(statuses[firstMissed:], StatusNotDue)
		return missed == max(0, n-done) && tailMissed
	}
	if err := quick.Check(prop, &quick.Config{MaxCount: 1000}); err != nil {
		t.Error(err)
	}
}

// Folding from a state saved after any day equals folding everything, for
// streaks and for strength with its rolling window; and advancing a copy never
// changes the original.
func TestIncrementalFoldEqualsFull(t *testing.T) {
	t.Parallel()
	freqs := []float64{1, 5.0 / 7, 3.0 / 7, 1.0 / 3, 4.0 / 30, 1.0 / 10}
	prop := func(seq []uint8, cut uint8, f uint8, extra uint8) bool {
		letters := "ddddm-p"
		pattern := make([]byte, len(seq))
		for i, x := range seq {
			pattern[i] = letters[int(x)%len(letters)]
		}
		rs := days(NewDay(2025, time.January, 1), string(pattern))
		freq := freqs[int(f)%len(freqs)]
		m := Modifiers{ExtraShields: int(extra % 3), StrengthBonus: float64(extra%4) / 20}
		k := 0
		if len(rs) > 0 {
			k = int(cut) % len(rs)
		}
		streak, strength := ComputeStreak(rs[:k], m), ComputeStrength(rs[:k], freq, m)
		savedStrength := strength
		savedRecent := slices.Clone(strength.Recent)
		for _, r := range rs[k:] {
			streak = streak.Advance(r, m)
			strength = strength.Advance(r, freq, m)
		}
		fullStrength := ComputeStrength(rs, freq, m)
		return streak == ComputeStreak(rs, m) &&
			strength.Score == fullStrength.Score && slices.Equal(strength.Recent, fullStrength.Recent) &&
			slices.Equal(savedStrength.Recent, savedRecent) && strength.Score >= 0 && strength.Score <= 1
	}
	if err := quick.Check(prop, &quick.Config{MaxCount: 2000}); err != nil {
		t.Error(err)
	}
}

// Property: adding a pause over any days of any habit never turns a done
// day into anything else; inside the pause every other day becomes paused,
// outside it nothing moves but a quota schedule's days (a pause forgives, it
// never erases).
func TestPauseNeverErasesADoneDayProperty(t *testing.T) {
	t.Parallel()
	start := NewDay(2025, time.March, 3)
	habits := []Habit{
		{Kind: HabitPositive, Schedule: Schedule{Kind: ScheduleDaily}, Target: Target{Kind: TargetCheck}},
		{Kind: HabitPositive, Schedule: Schedule{Kind: ScheduleWeekdays, Weekdays: []time.Weekday{time.Monday, time.Thursday}}, Target: Target{Kind: TargetCheck}},
		{Kind: HabitPositive, Schedule: Schedule{Kind: ScheduleTimesPerWeek, Times: 3}, Target: Target{Kind: TargetCheck}},
		{Kind: HabitPositive, Schedule: Schedule{Kind: ScheduleDaily}, Target: Target{Kind: TargetAtLeast, Value: 2}},
		{Kind: HabitNegative, Schedule: Schedule{Kind: ScheduleDaily}, Target: Target{Kind: TargetCheck}},
		{Kind: HabitNegative, Schedule: Schedule{Kind: ScheduleDaily}, Target: Target{Kind: TargetAtMost, Value: 2}},
	}
	prop := func(which uint8, mask uint32, amounts [21]uint8, from, length uint8) bool {
		h := habits[int(which)%len(habits)]
		h.Start = start
		var cs []CheckIn
		for i := range 21 {
			if mask&(1<<i) != 0 {
				cs = append(cs, at(start.Add(i), 10, 0, 0, float64(amounts[i]%4)))
			}
		}
		today := start.Add(20)
		before := EvaluateRange(h, start, today, cs, berlin, today)
		paused := h
		paused.Pauses = []Pause{{Reason: PauseSick, From: start.Add(int(from % 21)), Until: start.Add(int(from%21) + int(length%10))}}
		after := EvaluateRange(paused, start, today, cs, berlin, today)
		for i := range before {
			switch {
			case before[i].Status == StatusDone && after[i].Status != StatusDone:
				t.Logf("%+v day %s: done became %s", h, before[i].Day, after[i].Status)
				return false
			case paused.Paused(before[i].Day) && before[i].Status != after[i].Status && after[i].Status != StatusPaused:
				t.Logf("%+v day %s: %s became %s inside the pause", h, before[i].Day, before[i].Status, after[i].Status)
				return false
			case !paused.Paused(before[i].Day) && before[i].Status != after[i].Status && h.Schedule.Kind != ScheduleTimesPerWeek:
				// Outside the pause only a quota schedule's days may move:
				// the pause changes which days of the period are available.
				t.Logf("%+v day %s: %s became %s outside the pause", h, before[i].Day, before[i].Status, after[i].Status)
				return false
			}
		}
		return true
	}
	if err := quick.Check(prop, &quick.Config{MaxCount: 2000}); err != nil {
		t.Fatal(err)
	}
}
