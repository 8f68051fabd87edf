package domain

import "math"

// StrengthState is a habit's strength, 0 to 1, after folding its days in
// order: Loop Habit Tracker's exponential filter. The store keeps it like
// StreakState and re-folds from a backdated day.
type StrengthState struct {
	Score   float64
	LastDay Day
}

// StrengthMultiplier is the filter's m for frequency f (completions expected
// per day): m = 0.5^(√f / 13). A daily habit loses half its strength in about
// 13 days without a check-in.
func StrengthMultiplier(f float64) float64 {
	if !(f > 0) {
		return 1
	}
	return math.Pow(0.5, math.Sqrt(f)/13)
}

// Advance folds one day: score = previous·m + c·(1 − m), where c is the day's
// Completion raised by Modifiers.StrengthBonus (c·(1+bonus)), and the result
// is kept within [0, 1]. Paused days change nothing. freq is the habit's
// Schedule.Frequency(). Every other day is fed, due or not: f already
// expresses how sparse completions are expected to be.
func (s StrengthState) Advance(r DayResult, freq float64, mods Modifiers) StrengthState {
	s.LastDay = r.Day
	if r.Status == StatusPaused || r.Status == StatusPending {
		return s
	}
	m := StrengthMultiplier(freq)
	c := r.Completion
	if !(c > 0) {
		c = 0
	}
	if b := mods.StrengthBonus; b > 0 && !math.IsInf(b, 0) {
		c *= 1 + b
	}
	s.Score = math.Max(0, math.Min(1, s.Score*m+c*(1-m)))
	return s
}

// ComputeStrength folds days from zero strength.
func ComputeStrength(days []DayResult, freq float64, mods Modifiers) StrengthState {
	var s StrengthState
	for _, r := range days {
		s = s.Advance(r, freq, mods)
	}
	return s
}
