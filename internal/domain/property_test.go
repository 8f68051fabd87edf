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
