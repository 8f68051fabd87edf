package domain

// Streak rules, documented in docs/rules.md.
const (
	// ShieldEveryDays: a streak earns one shield per this many done days.
	ShieldEveryDays = 7
	// MaxBankedShields caps the earned shields a streak holds at once;
	// Modifiers.ExtraShields come on top.
	MaxBankedShields = 3
)

// StreakMilestones are the streak lengths that raise a streak_milestone event.
func StreakMilestones() []int { return []int{7, 14, 30, 50, 100, 200, 365, 500, 1000} }

func isMilestone(n int) bool {
	for _, m := range StreakMilestones() {
		if m == n {
			return true
		}
	}
	return false
}

// StreakStep says what the last folded day did to a streak.
type StreakStep string

// Streak steps.
const (
	StreakUnchanged StreakStep = "unchanged" // not due, paused or pending
	StreakExtended  StreakStep = "extended"  // a done day
	StreakShielded  StreakStep = "shielded"  // a missed day covered by a shield
	StreakBroken    StreakStep = "broken"    // a missed day with no shield left (or no streak)
)

// StreakState is a habit's streak after folding its closed days in order. The
// store keeps it per habit with LastDay; when a day at or before LastDay
// changes (a backdated check-in) it re-folds from a state saved before that
// day (for quota schedules, before the start of that day's period).
type StreakState struct {
	Current int // done days in the running streak
	Best    int // longest streak ever
	// Earned counts shields earned in the running streak (at most
	// MaxBankedShields unspent at any time); Spent those used up.
	Earned int
	Spent  int
	// SinceShield counts done days towards the next shield.
	SinceShield int
	LastDay     Day        // the last day folded in; zero before the first
	Last        StreakStep // what that day did
	// Milestone is the milestone reached by that day, else 0.
	Milestone int
}

// ShieldsLeft is the number of shields the running streak can still spend.
func (s StreakState) ShieldsLeft(m Modifiers) int {
	return max(0, s.Earned+max(0, m.ExtraShields)-s.Spent)
}

// Advance folds one closed day into the streak:
//
//   - done: the streak grows by one; every ShieldEveryDays done days earn a
//     shield while fewer than MaxBankedShields earned ones are unspent.
//   - missed: a shield is spent if one is left (the streak holds, it does
//     not grow); otherwise the streak breaks to 0 and its shields are gone.
//   - not due, paused, pending: nothing changes, so a paused day never breaks
//     or extends a streak.
//
// Days must be folded in order; m is the person's modifiers on that day.
func (s StreakState) Advance(r DayResult, m Modifiers) StreakState {
	s.LastDay, s.Last, s.Milestone = r.Day, StreakUnchanged, 0
	switch r.Status {
	case StatusDone:
		s.Current++
		s.Best = max(s.Best, s.Current)
		s.SinceShield++
		if s.SinceShield >= ShieldEveryDays {
			s.SinceShield = 0
			if s.Earned-s.Spent < MaxBankedShields {
				s.Earned++
			}
		}
		s.Last = StreakExtended
		if isMilestone(s.Current) {
			s.Milestone = s.Current
		}
	case StatusMissed:
		if s.Current > 0 && s.ShieldsLeft(m) > 0 {
			s.Spent++
			s.Last = StreakShielded
			return s
		}
		s.Last = StreakBroken
		if s.Current == 0 {
			s.Last = StreakUnchanged // nothing to break
		}
		s.Current, s.Earned, s.Spent, s.SinceShield = 0, 0, 0, 0
	}
	return s
}

// ComputeStreak folds closed days from a zero state.
func ComputeStreak(days []DayResult, m Modifiers) StreakState {
	var s StreakState
	for _, r := range days {
		s = s.Advance(r, m)
	}
	return s
}

// StreakView is the streak as shown today.
type StreakView struct {
	Current int // includes today once today is done
	Best    int
	// AtRisk: the streak is running and today still needs doing.
	AtRisk      bool
	ShieldsLeft int
}

// View combines the state folded up to yesterday with today's open result.
func (s StreakState) View(today DayResult, m Modifiers) StreakView {
	v := StreakView{Current: s.Current, Best: s.Best, ShieldsLeft: s.ShieldsLeft(m)}
	if today.Status == StatusDone {
		v.Current++
		v.Best = max(v.Best, v.Current)
	}
	v.AtRisk = today.AtRisk && today.Status == StatusPending && s.Current > 0
	return v
}
