package domain

import (
	"slices"
	"testing"
	"time"
)

func TestValidateHabit(t *testing.T) {
	t.Parallel()
	start := NewDay(2025, time.March, 1)
	good := Habit{Name: "Water", Kind: HabitPositive, Start: start,
		Schedule: Schedule{Kind: ScheduleDaily}, Target: Target{Kind: TargetAtLeast, Value: 2, Unit: "l"}}
	if err := ValidateHabit(good); err != nil {
		t.Fatalf("good habit: %v", err)
	}
	tests := []struct {
		name string
		edit func(*Habit)
		want []string
	}{
		{"screens at most 60 min", func(h *Habit) { h.Target = Target{Kind: TargetAtMost, Value: 60, Unit: "min"} }, nil},
		{"negative yes/no", func(h *Habit) { h.Kind, h.Target = HabitNegative, Target{Kind: TargetCheck} }, nil},
		{"weekdays", func(h *Habit) {
			h.Schedule = Schedule{Kind: ScheduleWeekdays, Weekdays: []time.Weekday{time.Monday, time.Friday}}
		}, nil},
		{"3 per week", func(h *Habit) { h.Schedule = Schedule{Kind: ScheduleTimesPerWeek, Times: 3} }, nil},
		{"every 3 days", func(h *Habit) { h.Schedule = Schedule{Kind: ScheduleEveryNDays, Every: 3, Anchor: start} }, nil},
		{"morning window", func(h *Habit) { h.Window = TimeWindow{From: Clock(6, 0), Until: Clock(9, 0)} }, nil},
		{"no name, kind or start", func(h *Habit) { h.Name, h.Kind, h.Start = "", "meh", Day{} }, []string{"kind", "name", "start"}},
		{"unknown schedule", func(h *Habit) { h.Schedule.Kind = "hourly" }, []string{"schedule.kind"}},
		{"no weekdays", func(h *Habit) { h.Schedule = Schedule{Kind: ScheduleWeekdays} }, []string{"schedule.weekdays"}},
		{"bad and repeated weekdays", func(h *Habit) {
			h.Schedule = Schedule{Kind: ScheduleWeekdays, Weekdays: []time.Weekday{1, 1, 9}}
		}, []string{"schedule.weekdays[1]", "schedule.weekdays[2]"}},
		{"8 per week", func(h *Habit) { h.Schedule = Schedule{Kind: ScheduleTimesPerWeek, Times: 8} }, []string{"schedule.times"}},
		{"29 per month", func(h *Habit) { h.Schedule = Schedule{Kind: ScheduleTimesPerMonth, Times: 29} }, []string{"schedule.times"}},
		{"every 1 day", func(h *Habit) { h.Schedule = Schedule{Kind: ScheduleEveryNDays, Every: 1} }, []string{"schedule.every"}},
		{"zero at-least target", func(h *Habit) { h.Target.Value = 0 }, []string{"target.value"}},
		{"value on a yes/no", func(h *Habit) { h.Target = Target{Kind: TargetCheck, Value: 3} }, []string{"target.value"}},
		{"unknown target", func(h *Habit) { h.Target.Kind = "about" }, []string{"target.kind"}},
		{"negative at least", func(h *Habit) { h.Kind = HabitNegative }, []string{"target.kind"}},
		{"limit on a quota schedule", func(h *Habit) {
			h.Kind, h.Target = HabitNegative, Target{Kind: TargetCheck}
			h.Schedule = Schedule{Kind: ScheduleTimesPerWeek, Times: 2}
		}, []string{"schedule.kind"}},
		{"backwards window", func(h *Habit) { h.Window = TimeWindow{From: Clock(9, 0), Until: Clock(6, 0)} }, []string{"window"}},
		{"bad pause", func(h *Habit) {
			h.Pauses = []Pause{{Reason: "bored", From: start.Add(3), Until: start}}
		}, []string{"pauses[0].reason", "pauses[0].until"}},
	}
	for _, tt := range tests {
		h := good
		tt.edit(&h)
		if got := fieldsOf(t, ValidateHabit(h)); !slices.Equal(got, tt.want) {
			t.Errorf("%s: fields = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestValidatePause(t *testing.T) {
	t.Parallel()
	today := NewDay(2025, time.June, 10)
	if err := ValidatePause(Pause{Reason: PauseSick, From: today, Until: today.Add(3)}, today); err != nil {
		t.Errorf("good pause: %v", err)
	}
	if got := fieldsOf(t, ValidatePause(Pause{Reason: PauseVacation, From: today.Add(-9), Until: today.Add(-2)}, today)); !slices.Equal(got, []string{"from"}) {
		t.Errorf("pause starting 9 days back: %v", got)
	}
	if err := ValidatePause(Pause{Reason: PauseSick, From: today.Add(-PauseBackDays)}, today); err != nil {
		t.Errorf("open pause from two days back: %v", err)
	}
	if got := fieldsOf(t, ValidatePause(Pause{Reason: PauseSick, From: today.Add(-PauseBackDays - 1), Until: today}, today)); !slices.Equal(got, []string{"from"}) {
		t.Errorf("pause from three days back: %v", got)
	}
	if got := fieldsOf(t, ValidatePause(Pause{Reason: PauseRest, From: today.Add(PauseLeadDays + 1), Until: today.Add(PauseLeadDays + 2)}, today)); !slices.Equal(got, []string{"from"}) {
		t.Errorf("pause starting after a year: %v", got)
	}
	if got := fieldsOf(t, ValidatePause(Pause{Reason: PauseRest, From: today, Until: today.Add(400)}, today)); !slices.Equal(got, []string{"until"}) {
		t.Errorf("400-day pause: %v", got)
	}
	// Changes: ending early is fine; moving an old start or an old end is not.
	old := Pause{Reason: PauseVacation, From: today.Add(-20), Until: today.Add(5)}
	end := old
	end.Until = today.Add(-1)
	if err := ValidatePauseChange(old, end, today); err != nil {
		t.Errorf("end a running pause yesterday: %v", err)
	}
	end.Until = today.Add(-5)
	if got := fieldsOf(t, ValidatePauseChange(old, end, today)); !slices.Equal(got, []string{"until"}) {
		t.Errorf("end a pause five days back: %v", got)
	}
	moved := old
	moved.From = today
	if got := fieldsOf(t, ValidatePauseChange(old, moved, today)); !slices.Equal(got, []string{"from"}) {
		t.Errorf("move an old start: %v", got)
	}
	open := old
	open.Until = Day{}
	if err := ValidatePauseChange(old, open, today); err != nil {
		t.Errorf("leave a running pause open: %v", err)
	}
	if got := fieldsOf(t, ValidatePauseChange(Pause{Reason: PauseVacation, From: old.From, Until: today.Add(-10)}, open, today)); !slices.Equal(got, []string{"until"}) {
		t.Errorf("reopen a pause that ended 10 days back: %v", got)
	}
}

func TestPauseOverlaps(t *testing.T) {
	t.Parallel()
	d := NewDay(2025, time.June, 10)
	all := Pause{From: d, Until: d.Add(3)}
	tests := []struct {
		name string
		a, b Pause
		want bool
	}{
		{"same days", all, all, true},
		{"touching ends", all, Pause{From: d.Add(3), Until: d.Add(5)}, true},
		{"next day", all, Pause{From: d.Add(4), Until: d.Add(5)}, false},
		{"open pause before", all, Pause{From: d.Add(-9)}, true},
		{"open pause after", all, Pause{From: d.Add(4)}, false},
		{"two open pauses", Pause{From: d}, Pause{From: d.Add(100)}, true},
		{"person-wide meets a habit's", all, Pause{HabitID: 7, From: d.Add(1), Until: d.Add(1)}, true},
		{"two habits", Pause{HabitID: 7, From: d, Until: d}, Pause{HabitID: 8, From: d, Until: d}, false},
	}
	for _, tt := range tests {
		if got := tt.a.Overlaps(tt.b); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
		if got := tt.b.Overlaps(tt.a); got != tt.want {
			t.Errorf("%s (swapped): %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestScheduleFrequencyAndPeriod(t *testing.T) {
	t.Parallel()
	start := NewDay(2025, time.March, 1)
	wed := NewDay(2025, time.March, 12) // a Wednesday
	tests := []struct {
		s           Schedule
		freq        float64
		first, last Day
	}{
		{Schedule{Kind: ScheduleDaily}, 1, wed, wed},
		{Schedule{Kind: ScheduleWeekdays, Weekdays: []time.Weekday{1, 3, 5}}, 3.0 / 7, wed, wed},
		{Schedule{Kind: ScheduleTimesPerWeek, Times: 3}, 3.0 / 7, NewDay(2025, time.March, 10), NewDay(2025, time.March, 16)},
		{Schedule{Kind: ScheduleTimesPerMonth, Times: 6}, 6.0 / 30, NewDay(2025, time.March, 1), NewDay(2025, time.March, 31)},
		{Schedule{Kind: ScheduleEveryNDays, Every: 3}, 1.0 / 3, NewDay(2025, time.March, 10), NewDay(2025, time.March, 12)},
		{Schedule{Kind: ScheduleEveryNDays, Every: 4, Anchor: NewDay(2025, time.March, 14)}, 0.25, NewDay(2025, time.March, 10), NewDay(2025, time.March, 13)},
	}
	for _, tt := range tests {
		if got := tt.s.Frequency(); got != tt.freq {
			t.Errorf("%v: frequency %g, want %g", tt.s.Kind, got, tt.freq)
		}
		first, last := tt.s.Period(wed, start)
		if first != tt.first || last != tt.last {
			t.Errorf("%+v: period %v–%v, want %v–%v", tt.s, first, last, tt.first, tt.last)
		}
	}
}
