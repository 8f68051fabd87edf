package domain

import (
	"slices"
	"testing"
	"time"
)

func TestLevelCurve(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		level int
		next  int64
	}{{1, 100}, {2, 283}, {3, 520}, {5, 1118}, {10, 3162}, {25, 12500}} {
		if got := XPToNext(tt.level); got != tt.next {
			t.Errorf("XPToNext(%d) = %d, want %d", tt.level, got, tt.next)
		}
	}
	tests := []struct {
		total        int64
		level        int
		into, toNext int64
	}{
		{-50, 1, 0, 100},
		{0, 1, 0, 100},
		{99, 1, 99, 1},
		{100, 2, 0, 283},
		{150, 2, 50, 233}, // leftover carries over
		{383, 3, 0, 520},
		{XPForLevel(10), 10, 0, 3162},
		{XPForLevel(10) - 1, 9, XPToNext(9) - 1, 1},
	}
	for _, tt := range tests {
		l, into, next := LevelForTotal(tt.total)
		if l != tt.level || into != tt.into || next != tt.toNext {
			t.Errorf("LevelForTotal(%d) = %d, %d, %d; want %d, %d, %d", tt.total, l, into, next, tt.level, tt.into, tt.toNext)
		}
	}
	if l, _, next := LevelForTotal(1 << 62); l != MaxLevel || next != 0 {
		t.Errorf("huge total: level %d, to next %d", l, next)
	}
	if got := LevelsGained(90, 400); !slices.Equal(got, []int{2, 3}) {
		t.Errorf("LevelsGained = %v", got)
	}
	if got := LevelsGained(400, 90); got != nil {
		t.Errorf("losing XP gains no levels: %v", got)
	}
}

func TestPointsForLevel(t *testing.T) {
	t.Parallel()
	want := map[int]int{0: 0, 1: 0, 2: 1, 3: 2, 4: 3, 5: 5, 6: 6, 9: 9, 10: 11, 25: 29}
	for l, p := range want {
		if got := PointsForLevel(l); got != p {
			t.Errorf("PointsForLevel(%d) = %d, want %d", l, got, p)
		}
	}
}

func TestXPSources(t *testing.T) {
	t.Parallel()
	pos := Habit{Kind: HabitPositive, Target: Target{Kind: TargetAtLeast, Value: 8}}
	day := NewDay(2026, time.March, 2)
	neg := Habit{Kind: HabitNegative, Target: Target{Kind: TargetCheck}, LimitSpans: []LimitSpan{{From: day}}}
	at := day.Start(time.UTC).Add(9 * time.Hour)
	five := make([]CheckIn, 5)
	for i := range five {
		five[i] = CheckIn{At: at.Add(time.Duration(i) * time.Minute), Quantity: 2, Recorded: at}
	}
	if got := CheckInDayXP(pos, day, five, time.UTC); got != CheckInXP {
		t.Errorf("five check-ins of a day earned %d XP, want %d once", got, CheckInXP)
	}
	if got := CheckInDayXP(neg, day, five[:1], time.UTC); got != 0 {
		t.Errorf("a slip earned %d XP", got)
	}
	if ClosedDayXP(neg, DayResult{Day: day, Status: StatusDone}) != KeptDayXP || ClosedDayXP(neg, DayResult{Day: day, Status: StatusMissed}) != 0 || ClosedDayXP(pos, DayResult{Day: day, Status: StatusDone}) != 0 {
		t.Error("closed-day XP")
	}
	for _, tt := range []struct {
		xp     int
		onTime bool
		m      Modifiers
		want   int
	}{
		{20, false, Modifiers{RoutineOnTimeXP: 0.25}, 20},
		{20, true, Modifiers{}, 20},
		{20, true, Modifiers{RoutineOnTimeXP: 0.25}, 25},
		{-5, true, Modifiers{RoutineOnTimeXP: 0.25}, 0},
	} {
		if got := RoutineItemXP(tt.xp, tt.onTime, tt.m); got != tt.want {
			t.Errorf("RoutineItemXP(%d, %v, %+v) = %d, want %d", tt.xp, tt.onTime, tt.m, got, tt.want)
		}
	}
	f := func(v float64) *float64 { return &v }
	warm := NewBaseline([]float64{70, 80, 75, 85, 70, 80, 65, 75}) // mean 75
	cold := NewBaseline([]float64{90, 90})
	for _, tt := range []struct {
		name         string
		sleep, ready *float64
		base         Baseline
		want         int
	}{
		{"both at baseline", f(75), f(75), warm, 40},
		{"sleep below", f(74), f(80), warm, 20},
		{"missing readiness", f(80), nil, warm, 20},
		{"nothing", nil, nil, warm, 0},
		{"warming up uses 75", f(76), f(74), cold, 20},
	} {
		if got := BiometricXP(tt.sleep, tt.base, tt.ready, tt.base); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, got, tt.want)
		}
	}
	if b := NewBaseline(make([]float64, 45)); b.Days != BaselineDays {
		t.Errorf("baseline looks back %d days", b.Days)
	}
}

func TestValidateMood(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	if err := ValidateMood(Mood{Value: 7, At: now, Note: "fine"}, now); err != nil {
		t.Errorf("good mood: %v", err)
	}
	got := fieldsOf(t, ValidateMood(Mood{Value: 10, At: now.Add(time.Hour), Note: string(make([]rune, 501))}, now))
	if !slices.Equal(got, []string{"at", "note", "value"}) {
		t.Errorf("fields = %v", got)
	}
	if got := fieldsOf(t, ValidateMood(Mood{Value: 0, At: now}, now)); !slices.Equal(got, []string{"value"}) {
		t.Errorf("mood 0: %v", got)
	}
}

// A limit habit pays for a kept day only when it was an active limit habit
// that day: inside one of its LimitSpans.
func TestKeptDayXPOnlyInsideLimitSpans(t *testing.T) {
	t.Parallel()
	d := func(day int) Day { return NewDay(2026, time.March, day) }
	kept := func(h Habit, day int) int { return ClosedDayXP(h, DayResult{Day: d(day), Status: StatusDone}) }
	neg := Habit{Kind: HabitNegative, Target: Target{Kind: TargetCheck}}
	if kept(neg, 5) != 0 {
		t.Error("a limit habit with no span paid a kept day")
	}
	// Created on the 2nd, archived on the 6th (span 2–5), back on the 9th.
	spans := OpenLimitSpan(nil, d(2))
	spans = CloseLimitSpan(spans, d(5))
	spans = OpenLimitSpan(spans, d(9))
	if want := []LimitSpan{{From: d(2), Until: d(5)}, {From: d(9)}}; !slices.Equal(spans, want) {
		t.Fatalf("spans %v, want %v", spans, want)
	}
	neg.LimitSpans = spans
	for day, want := range map[int]int{1: 0, 2: KeptDayXP, 5: KeptDayXP, 6: 0, 8: 0, 9: KeptDayXP, 30: KeptDayXP} {
		if got := kept(neg, day); got != want {
			t.Errorf("kept day %d paid %d, want %d", day, got, want)
		}
	}
	// A span reopened the day after it ended continues; an open one stays;
	// closing one before it began drops it.
	if got := OpenLimitSpan([]LimitSpan{{From: d(2), Until: d(5)}}, d(6)); !slices.Equal(got, []LimitSpan{{From: d(2)}}) {
		t.Errorf("reopen the next day: %v", got)
	}
	if got := OpenLimitSpan([]LimitSpan{{From: d(2)}}, d(6)); !slices.Equal(got, []LimitSpan{{From: d(2)}}) {
		t.Errorf("open an open span: %v", got)
	}
	if got := CloseLimitSpan([]LimitSpan{{From: d(6)}}, d(5)); len(got) != 0 {
		t.Errorf("close before it began: %v", got)
	}
	// A positive habit never pays a kept day, spans or not.
	pos := Habit{Kind: HabitPositive, Target: Target{Kind: TargetCheck}, LimitSpans: []LimitSpan{{From: d(1)}}}
	if kept(pos, 3) != 0 {
		t.Error("a positive habit paid a kept day")
	}
}
