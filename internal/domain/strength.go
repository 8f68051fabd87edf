package domain

import "math"

// StrengthState is a habit's strength, 0 to 1, after folding its days in
// order: Loop Habit Tracker's exponential filter over its rolling completion.
// The store keeps it like StreakState and re-folds from a backdated day.
type StrengthState struct {
	Score   float64
	LastDay Day
	// Recent are the days inside the rolling window (see Advance) that had a
	// completion above 0, oldest first. Never modified in place, so copies of
	// a state stay independent.
	Recent []DayCompletion `json:",omitempty"`
}

// DayCompletion is one day's completion inside the strength window.
type DayCompletion struct {
	Day        Day
	Completion float64
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

// StrengthStep is one day of the filter: previous·m + c·(1 − m), kept within
// [0, 1], for a day whose completion is c.
func StrengthStep(previous, c, freq float64) float64 {
	m := StrengthMultiplier(freq)
	return math.Max(0, math.Min(1, previous*m+c*(1-m)))
}

// strengthWindow is Loop's rolling window for frequency f = n/d: the habit is
// on track while the last 2d days hold 2n completions (Loop doubles both for
// non-daily habits to smooth irregular timing). Daily habits look at the day
// alone.
func strengthWindow(f float64) (need float64, days int) {
	if !(f > 0) || f >= 1 {
		return 1, 1
	}
	for d := 2; d <= 366; d++ {
		n := f * float64(d)
		if r := math.Round(n); r >= 1 && math.Abs(n-r) < 1e-9 {
			return 2 * r, 2 * d
		}
	}
	return 2, 2 * int(math.Round(1/f))
}

// Advance folds one day. Like Loop Habit Tracker, every day since the start
// moves strength, due or not, by the habit's rolling completion
//
//	c = min(1, sum of the completions of the last 2d days / 2n)
//
// for frequency f = n/d (daily: c is the day's own completion), raised by
// Modifiers.StrengthBonus as c·(1+bonus); then
// score = previous·m + c·(1 − m), kept within [0, 1]. So a habit kept exactly
// as scheduled, three times a week or every third day, grows towards 1.
// Done and missed days put their Completion into the window; paused and
// pending days change nothing. freq is the habit's Schedule.Frequency().
func (s StrengthState) Advance(r DayResult, freq float64, mods Modifiers) StrengthState {
	s.LastDay = r.Day
	if r.Status == StatusPaused || r.Status == StatusPending {
		return s
	}
	need, window := strengthWindow(freq)
	first := r.Day.Add(1 - window)
	i := 0
	for i < len(s.Recent) && s.Recent[i].Day.Before(first) {
		i++
	}
	s.Recent = s.Recent[i:]
	if c := r.Completion; (r.Status == StatusDone || r.Status == StatusMissed) && c > 0 {
		recent := make([]DayCompletion, len(s.Recent), len(s.Recent)+1)
		copy(recent, s.Recent)
		s.Recent = append(recent, DayCompletion{Day: r.Day, Completion: math.Min(1, c)})
	}
	if len(s.Recent) == 0 {
		s.Recent = nil
	}
	sum := 0.0
	for _, dc := range s.Recent {
		sum += dc.Completion
	}
	c := math.Min(1, sum/need)
	if b := mods.StrengthBonus; b > 0 && !math.IsInf(b, 0) {
		c *= 1 + b
	}
	s.Score = StrengthStep(s.Score, c, freq)
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
