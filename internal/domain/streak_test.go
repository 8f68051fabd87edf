package domain

import (
	"math"
	"testing"
	"testing/quick"
	"time"
)

// days turns "ddmd-p" into closed day results from day0.
func days(day0 Day, s string) []DayResult {
	m := map[rune]DayStatus{'d': StatusDone, 'm': StatusMissed, '-': StatusNotDue, 'p': StatusPaused, '?': StatusPending}
	out := make([]DayResult, 0, len(s))
	for i, c := range s {
		r := DayResult{Day: day0.Add(i), Status: m[c]}
		if r.Status == StatusDone {
			r.Completion = 1
		}
		out = append(out, r)
	}
	return out
}

func repeat(s string, n int) string {
	out := ""
	for range n {
		out += s
	}
	return out
}

func TestComputeStreak(t *testing.T) {
	t.Parallel()
	d0 := NewDay(2025, time.January, 1)
	tests := []struct {
		name                string
		days                string
		m                   Modifiers
		current, best, left int
		last                StreakStep
	}{
		{"empty", "", Modifiers{}, 0, 0, 0, ""},
		{"three done", "ddd", Modifiers{}, 3, 3, 0, StreakExtended},
		{"a miss breaks without shields", "dddmdd", Modifiers{}, 2, 3, 0, StreakExtended},
		{"not due and paused are neutral", "dd-pp-d", Modifiers{}, 3, 3, 0, StreakExtended},
		{"a week earns a shield that covers a miss", "dddddddmd", Modifiers{}, 8, 8, 0, StreakExtended},
		{"two misses after one week break it", "dddddddmm", Modifiers{}, 0, 7, 0, StreakBroken},
		{"extra shield from the tree", "ddmd", Modifiers{ExtraShields: 1}, 3, 3, 0, StreakExtended},
		{"extra shields return with a new streak", "dmmdd", Modifiers{ExtraShields: 1}, 2, 2, 1, StreakExtended},
		{"a miss with no streak changes nothing", "mm", Modifiers{}, 0, 0, 0, StreakUnchanged},
		{"at most 3 banked shields", repeat("d", 35), Modifiers{}, 35, 35, MaxBankedShields, StreakExtended},
	}
	for _, tt := range tests {
		s := ComputeStreak(days(d0, tt.days), tt.m)
		if s.Current != tt.current || s.Best != tt.best || s.ShieldsLeft(tt.m) != tt.left || s.Last != tt.last {
			t.Errorf("%s: current %d best %d shields %d last %q; want %d %d %d %q",
				tt.name, s.Current, s.Best, s.ShieldsLeft(tt.m), s.Last, tt.current, tt.best, tt.left, tt.last)
		}
	}
	// Banked shields are spent one per missed day, then the streak breaks.
	s := ComputeStreak(days(d0, repeat("d", 35)+"mmm"), Modifiers{})
	if s.Current != 35 || s.ShieldsLeft(Modifiers{}) != 0 || s.Last != StreakShielded {
		t.Errorf("after 3 shielded misses: %+v", s)
	}
	if s = s.Advance(DayResult{Day: d0.Add(38), Status: StatusMissed}, Modifiers{}); s.Current != 0 || s.Last != StreakBroken {
		t.Errorf("4th miss should break: %+v", s)
	}
}

func TestStreakMilestonesAndEvents(t *testing.T) {
	t.Parallel()
	d0 := NewDay(2025, time.January, 1)
	var s StreakState
	var milestones []int
	for i, r := range days(d0, repeat("d", 30)) {
		before := s
		s = s.Advance(r, Modifiers{})
		evs := StreakEvents(1, 2, time.Unix(int64(i), 0), before, s)
		for _, e := range evs {
			if err := e.Validate(); err != nil {
				t.Fatalf("day %d: %v", i, err)
			}
			if e.Kind == EventStreakMilestone {
				milestones = append(milestones, e.Streak.Milestone)
			}
		}
	}
	if len(milestones) != 3 || milestones[0] != 7 || milestones[1] != 14 || milestones[2] != 30 {
		t.Errorf("milestones = %v, want [7 14 30]", milestones)
	}
	before := s
	s = s.Advance(DayResult{Day: d0.Add(30), Status: StatusMissed}, Modifiers{}) // shield
	s = s.Advance(DayResult{Day: d0.Add(31), Status: StatusMissed}, Modifiers{}) // shield
	s = s.Advance(DayResult{Day: d0.Add(32), Status: StatusMissed}, Modifiers{}) // shield (30 days → 4 earned, 3 banked)
	b2 := s
	s = s.Advance(DayResult{Day: d0.Add(33), Status: StatusMissed}, Modifiers{})
	evs := StreakEvents(1, 2, time.Unix(99, 0), b2, s)
	if len(evs) != 1 || evs[0].Kind != EventStreakBroken || evs[0].Streak.Previous != 30 {
		t.Errorf("broken events = %+v (before %d)", evs, before.Current)
	}
}

func TestStreakView(t *testing.T) {
	t.Parallel()
	d0 := NewDay(2025, time.January, 1)
	s := ComputeStreak(days(d0, "ddd"), Modifiers{})
	if v := s.View(DayResult{Status: StatusPending, AtRisk: true}, Modifiers{}); v.Current != 3 || !v.AtRisk {
		t.Errorf("pending today: %+v", v)
	}
	if v := s.View(DayResult{Status: StatusDone}, Modifiers{}); v.Current != 4 || v.Best != 4 || v.AtRisk {
		t.Errorf("done today: %+v", v)
	}
	if v := s.View(DayResult{Status: StatusNotDue}, Modifiers{}); v.Current != 3 || v.AtRisk {
		t.Errorf("not due today: %+v", v)
	}
	if v := (StreakState{}).View(DayResult{Status: StatusPending, AtRisk: true}, Modifiers{}); v.AtRisk {
		t.Errorf("no streak is not at risk: %+v", v)
	}
}

// Property: turning any day into a paused day never leaves the streak
// shorter than it was before that day; and a paused day changes nothing.
func TestPausedDayNeverBreaksStreak(t *testing.T) {
	t.Parallel()
	d0 := NewDay(2025, time.January, 1)
	letters := []rune("dm-p")
	prop := func(seq []uint8, pauseAt uint8, extra uint8) bool {
		str := make([]rune, len(seq))
		for i, x := range seq {
			str[i] = letters[int(x)%len(letters)]
		}
		rs := days(d0, string(str))
		m := Modifiers{ExtraShields: int(extra % 3)}
		if len(rs) == 0 {
			return true
		}
		i := int(pauseAt) % len(rs)
		before := ComputeStreak(rs[:i], m)
		rs[i].Status = StatusPaused
		after := before.Advance(rs[i], m)
		return after.Current == before.Current && after.Best == before.Best &&
			after.ShieldsLeft(m) == before.ShieldsLeft(m) && after.Last == StreakUnchanged
	}
	if err := quick.Check(prop, &quick.Config{MaxCount: 3000}); err != nil {
		t.Error(err)
	}
}

// Re-folding from a saved state after a backdated check-in gives what a full
// recomputation gives.
func TestStreakRefoldFromBackdatedDay(t *testing.T) {
	t.Parallel()
	h := Habit{Kind: HabitPositive, Start: NewDay(2025, time.March, 3), Schedule: Schedule{Kind: ScheduleTimesPerWeek, Times: 3}, Target: Target{Kind: TargetCheck}}
	today := h.Start.Add(21)
	var cis []CheckIn
	for _, i := range []int{0, 2, 4, 7, 8, 14, 15, 16} {
		cis = append(cis, at(h.Start.Add(i), 12, 0, 0, 0))
	}
	full := ComputeStreak(EvaluateRange(h, h.Start, today.Add(-1), cis, berlin, today), Modifiers{})

	// The store saved the state after every day; then a check-in for day 9
	// (Wednesday of week 2) arrives.
	saved := map[Day]StreakState{}
	var s StreakState
	for _, r := range EvaluateRange(h, h.Start, today.Add(-1), cis, berlin, today) {
		s = s.Advance(r, Modifiers{})
		saved[r.Day] = s
	}
	cis = append(cis, at(h.Start.Add(9), 12, 0, 0, 0))
	first, _ := h.Schedule.Period(h.Start.Add(9), h.Start)
	refold := saved[first.Add(-1)]
	for _, r := range EvaluateRange(h, first, today.Add(-1), cis, berlin, today) {
		refold = refold.Advance(r, Modifiers{})
	}
	want := ComputeStreak(EvaluateRange(h, h.Start, today.Add(-1), cis, berlin, today), Modifiers{})
	if refold != want {
		t.Errorf("refold %+v, full %+v", refold, want)
	}
	if want.Current <= full.Current {
		t.Errorf("the backdated check-in should lengthen the streak: %d → %d", full.Current, want.Current)
	}
}

func TestStrengthMatchesLoop(t *testing.T) {
	t.Parallel()
	daily := Schedule{Kind: ScheduleDaily}.Frequency()
	every3 := Schedule{Kind: ScheduleEveryNDays, Every: 3}.Frequency()
	tests := []struct {
		name       string
		freq, prev float64
		completion float64
		want       float64
	}{
		{"daily check from 0", daily, 0, 1, 0.051922},
		{"daily check from 0.5", daily, 0.5, 1, 0.525961},
		{"daily miss from 0.5", daily, 0.5, 0, 0.474039},
		{"every 3 days check from 0", every3, 0, 1, 0.030314},
		{"every 3 days miss from 0.75", every3, 0.75, 0, 0.727263},
		{"numeric half done from 0", daily, 0, 0.5, 0.025961},
	}
	for _, tt := range tests {
		if got := StrengthStep(tt.prev, tt.completion, tt.freq); math.Abs(got-tt.want) > 1e-6 {
			t.Errorf("%s: %.6f, want %.6f", tt.name, got, tt.want)
		}
		if tt.freq == daily { // a daily habit's rolling completion is the day's own
			got := StrengthState{Score: tt.prev}.Advance(DayResult{Status: StatusDone, Completion: tt.completion}, tt.freq, Modifiers{})
			if math.Abs(got.Score-tt.want) > 1e-6 {
				t.Errorf("%s via Advance: %.6f, want %.6f", tt.name, got.Score, tt.want)
			}
		}
	}
	// Every 3 days, Loop's window is 2 completions in 6 days: one check from
	// 0 is half a completion, two within six days a full one, and the days
	// between keep counting it.
	var e3 StrengthState
	for i, st := range []DayStatus{StatusDone, StatusNotDue, StatusNotDue, StatusDone, StatusNotDue} {
		e3 = e3.Advance(DayResult{Day: NewDay(2025, 1, 1+i), Status: st, Completion: map[bool]float64{true: 1}[st == StatusDone]}, every3, Modifiers{})
		if i == 0 && math.Abs(e3.Score-StrengthStep(0, 0.5, every3)) > 1e-12 {
			t.Errorf("every 3 days, first check: %.6f", e3.Score)
		}
	}
	want := 0.0
	for _, c := range []float64{0.5, 0.5, 0.5, 1, 1} {
		want = StrengthStep(want, c, every3)
	}
	if math.Abs(e3.Score-want) > 1e-12 || len(e3.Recent) != 2 {
		t.Errorf("every 3 days after d--d-: %.6f (recent %v), want %.6f", e3.Score, e3.Recent, want)
	}
	// A numeric habit's completion is min(1, value/target), as in Loop.
	water := Habit{Kind: HabitPositive, Start: NewDay(2025, 1, 1), Schedule: Schedule{Kind: ScheduleDaily}, Target: Target{Kind: TargetAtLeast, Value: 2}}
	d := NewDay(2025, 1, 5)
	r := EvaluateDay(water, DayInput{Day: d, CheckIns: []CheckIn{at(d, 9, 0, 0, 1)}}, berlin)
	if got := (StrengthState{}).Advance(r, 1, Modifiers{}).Score; math.Abs(got-0.025961) > 1e-6 {
		t.Errorf("1 of 2 l: %.6f", got)
	}
	// Paused days hold still; the bonus raises a completion but never past 1.
	if got := (StrengthState{Score: 0.5}).Advance(DayResult{Status: StatusPaused}, 1, Modifiers{}); got.Score != 0.5 {
		t.Errorf("paused moved strength to %g", got.Score)
	}
	bonus := Modifiers{StrengthBonus: 0.05}
	if got := (StrengthState{}).Advance(DayResult{Status: StatusDone, Completion: 1}, 1, bonus).Score; math.Abs(got-0.051922*1.05) > 1e-6 {
		t.Errorf("bonus: %.6f", got)
	}
	s := ComputeStrength(days(NewDay(2025, 1, 1), repeat("d", 400)), 1, Modifiers{StrengthBonus: 0.5})
	if s.Score > 1 || s.Score < 0.999 {
		t.Errorf("400 days with a bonus: %g, want just up to 1", s.Score)
	}
}

// Only done and missed days move strength, so a habit kept exactly as
// scheduled grows towards 1 whatever its frequency, as in Loop Habit Tracker.
func TestStrengthOfPerfectlyKeptHabits(t *testing.T) {
	t.Parallel()
	start := NewDay(2025, time.January, 6) // a Monday
	mwf := func(d Day) bool { w := d.Weekday(); return w == time.Monday || w == time.Wednesday || w == time.Friday }
	tests := []struct {
		schedule Schedule
		do       func(d Day) bool
	}{
		{Schedule{Kind: ScheduleDaily}, func(Day) bool { return true }},
		{Schedule{Kind: ScheduleWeekdays, Weekdays: []time.Weekday{time.Monday, time.Wednesday, time.Friday}}, mwf},
		{Schedule{Kind: ScheduleTimesPerWeek, Times: 3}, mwf},
		{Schedule{Kind: ScheduleEveryNDays, Every: 3}, func(d Day) bool { return d.Sub(start)%3 == 0 }},
		{Schedule{Kind: ScheduleTimesPerMonth, Times: 4}, func(d Day) bool { return d.Day%7 == 1 }},
	}
	for _, tt := range tests {
		h := Habit{Kind: HabitPositive, Start: start, Schedule: tt.schedule, Target: Target{Kind: TargetCheck}}
		var cs []CheckIn
		for d := start; d.Before(start.Add(365)); d = d.Add(1) {
			if tt.do(d) {
				cs = append(cs, at(d, 12, 0, 0, 0))
			}
		}
		today := start.Add(365)
		rs := EvaluateRange(h, start, today.Add(-1), cs, berlin, today)
		s := ComputeStrength(rs, tt.schedule.Frequency(), Modifiers{})
		if s.Score < 0.95 {
			t.Errorf("%s: strength after a perfect year = %.3f, want ≥ 0.95", tt.schedule.Kind, s.Score)
		}
		if str := ComputeStreak(rs, Modifiers{}); str.Current == 0 || str.Current != str.Best {
			t.Errorf("%s: streak %+v after a perfect year", tt.schedule.Kind, str)
		}
	}
	// Pending and paused days hold strength still.
	for _, st := range []DayStatus{StatusPending, StatusPaused} {
		if got := (StrengthState{Score: 0.6}).Advance(DayResult{Status: st}, 3.0/7, Modifiers{}); got.Score != 0.6 {
			t.Errorf("%s moved strength to %v", st, got.Score)
		}
	}
}
