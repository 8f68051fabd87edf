package domain

import (
	"strings"
	"testing"
	"time"
)

var berlin = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	return loc
}()

// at is a check-in on day at hh:mm:ss Berlin time.
func at(d Day, hh, mm, ss int, q float64) CheckIn {
	return CheckIn{At: time.Date(d.Year, d.Month, d.Day, hh, mm, ss, 0, berlin), Quantity: q}
}

func TestEvaluateDay(t *testing.T) {
	t.Parallel()
	start := NewDay(2025, time.March, 1)
	d := NewDay(2025, time.March, 12) // Wednesday
	daily := Habit{Kind: HabitPositive, Start: start, Schedule: Schedule{Kind: ScheduleDaily}, Target: Target{Kind: TargetCheck}}
	water := daily
	water.Target = Target{Kind: TargetAtLeast, Value: 2}
	screens := daily
	screens.Target = Target{Kind: TargetAtMost, Value: 60}
	smoke := daily
	smoke.Kind = HabitNegative
	bedtime := daily
	bedtime.Window = TimeWindow{Until: Clock(23, 0)}
	morning := daily
	morning.Window = TimeWindow{From: Clock(6, 0), Until: Clock(9, 0)}
	mwf := daily
	mwf.Schedule = Schedule{Kind: ScheduleWeekdays, Weekdays: []time.Weekday{time.Monday, time.Wednesday, time.Friday}}
	paused := daily
	paused.Pauses = []Pause{{Reason: PauseSick, From: d.Add(-1), Until: d.Add(1)}}
	pausedSmoke, pausedWater := smoke, water
	pausedSmoke.Pauses, pausedWater.Pauses = paused.Pauses, paused.Pauses

	tests := []struct {
		name       string
		h          Habit
		day        Day
		checkIns   []CheckIn
		open       bool
		status     DayStatus
		completion float64
		atRisk     bool
	}{
		{"yes/no done", daily, d, []CheckIn{at(d, 8, 0, 0, 0)}, false, StatusDone, 1, false},
		{"yes/no missed", daily, d, nil, false, StatusMissed, 0, false},
		{"yes/no today still open", daily, d, nil, true, StatusPending, 0, true},
		{"yes/no today done", daily, d, []CheckIn{at(d, 8, 0, 0, 0)}, true, StatusDone, 1, false},
		{"check-in of another day ignored", daily, d, []CheckIn{at(d.Add(1), 0, 0, 0, 0)}, false, StatusMissed, 0, false},
		{"23:59:59 counts for the day", daily, d, []CheckIn{at(d, 23, 59, 59, 0)}, false, StatusDone, 1, false},
		{"before the start", daily, start.Add(-1), nil, false, StatusNotDue, 0, false},
		{"water 1.5 of 2 l", water, d, []CheckIn{at(d, 9, 0, 0, 1), at(d, 15, 0, 0, 0.5)}, false, StatusMissed, 0.75, false},
		{"water 2 of 2 l in two check-ins", water, d, []CheckIn{at(d, 9, 0, 0, 1), at(d, 15, 0, 0, 1)}, false, StatusDone, 1, false},
		{"screens within the limit", screens, d, []CheckIn{at(d, 20, 0, 0, 45)}, false, StatusDone, 1, false},
		{"no screens logged is within the limit", screens, d, nil, false, StatusDone, 1, false},
		{"screens over the limit", screens, d, []CheckIn{at(d, 20, 0, 0, 45), at(d, 22, 0, 0, 45)}, false, StatusMissed, 60.0 / 90, false},
		{"screens over the limit already today", screens, d, []CheckIn{at(d, 20, 0, 0, 90)}, true, StatusMissed, 60.0 / 90, false},
		{"screens within so far today", screens, d, []CheckIn{at(d, 20, 0, 0, 30)}, true, StatusPending, 1, false},
		{"no smoking kept", smoke, d, nil, false, StatusDone, 1, false},
		{"a cigarette", smoke, d, []CheckIn{at(d, 12, 0, 0, 0)}, false, StatusMissed, 0, false},
		{"bed before 23:00", bedtime, d, []CheckIn{at(d, 22, 59, 59, 0)}, false, StatusDone, 1, false},
		{"bed at 23:00 is too late", bedtime, d, []CheckIn{at(d, 23, 0, 0, 0)}, false, StatusMissed, 0, false},
		{"morning at 06:00", morning, d, []CheckIn{at(d, 6, 0, 0, 0)}, false, StatusDone, 1, false},
		{"morning at 09:00 is too late", morning, d, []CheckIn{at(d, 9, 0, 0, 0)}, false, StatusMissed, 0, false},
		{"MWF on Wednesday missed", mwf, d, nil, false, StatusMissed, 0, false},
		{"MWF on Thursday not due", mwf, d.Add(1), nil, false, StatusNotDue, 0, false},
		{"MWF on Thursday done anyway", mwf, d.Add(1), []CheckIn{at(d.Add(1), 7, 0, 0, 0)}, false, StatusDone, 1, false},
		{"paused even without check-in", paused, d, nil, false, StatusPaused, 0, false},
		{"a done day stays done inside a pause", paused, d, []CheckIn{at(d, 8, 0, 0, 0)}, false, StatusDone, 1, false},
		{"a sick day does not hide what is done today", paused, d, []CheckIn{at(d, 8, 0, 0, 0)}, true, StatusDone, 1, false},
		{"a pause forgives today's undone habit", paused, d, nil, true, StatusPaused, 0, false},
		{"a pause forgives a slip", pausedSmoke, d, []CheckIn{at(d, 12, 0, 0, 0)}, false, StatusPaused, 0, false},
		{"a kept limit stays kept inside a pause", pausedSmoke, d, nil, false, StatusDone, 1, false},
		{"water 1 of 2 l inside a pause is paused", pausedWater, d, []CheckIn{at(d, 9, 0, 0, 1)}, false, StatusPaused, 0, false},
		{"day after the pause", paused, d.Add(2), nil, false, StatusMissed, 0, false},
	}
	for _, tt := range tests {
		got := EvaluateDay(tt.h, DayInput{Day: tt.day, CheckIns: tt.checkIns, Open: tt.open}, berlin)
		if got.Status != tt.status || got.Completion != tt.completion || got.AtRisk != tt.atRisk {
			t.Errorf("%s: got %s completion %g at risk %v, want %s %g %v", tt.name, got.Status, got.Completion, got.AtRisk, tt.status, tt.completion, tt.atRisk)
		}
	}
}

// statuses renders results one letter a day: d done, m missed, - not due,
// p paused, ? pending.
func statuses(rs []DayResult) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteByte(map[DayStatus]byte{StatusDone: 'd', StatusMissed: 'm', StatusNotDue: '-', StatusPaused: 'p', StatusPending: '?'}[r.Status])
	}
	return b.String()
}

func TestEvaluateRangeQuotaSchedules(t *testing.T) {
	t.Parallel()
	mon := NewDay(2025, time.March, 10)
	week := func(done ...int) []CheckIn {
		var out []CheckIn
		for _, i := range done {
			out = append(out, at(mon.Add(i), 10, 0, 0, 0))
		}
		return out
	}
	threePerWeek := Habit{Kind: HabitPositive, Start: NewDay(2025, time.March, 1),
		Schedule: Schedule{Kind: ScheduleTimesPerWeek, Times: 3}, Target: Target{Kind: TargetCheck}}
	startsThursday := threePerWeek
	startsThursday.Start = mon.Add(3)
	pausedMonToFri := threePerWeek
	pausedMonToFri.Pauses = []Pause{{Reason: PauseVacation, From: mon, Until: mon.Add(4)}}
	pausedMonToWed := threePerWeek
	pausedMonToWed.Pauses = []Pause{{Reason: PauseVacation, From: mon, Until: mon.Add(2)}}
	every3 := Habit{Kind: HabitPositive, Start: mon, Schedule: Schedule{Kind: ScheduleEveryNDays, Every: 3}, Target: Target{Kind: TargetCheck}}

	tests := []struct {
		name     string
		h        Habit
		checkIns []CheckIn
		today    Day
		want     string // Monday..Sunday
	}{
		{"nothing done: the last three days are missed", threePerWeek, week(), mon.Add(7), "----mmm"},
		{"Mon Wed Fri", threePerWeek, week(0, 2, 4), mon.Add(7), "d-d-d--"},
		{"late but enough", threePerWeek, week(4, 5, 6), mon.Add(7), "----ddd"},
		{"two done, one short", threePerWeek, week(0, 1), mon.Add(7), "dd----m"},
		{"more than the quota", threePerWeek, week(0, 1, 2, 3), mon.Add(7), "dddd---"},
		{"today Friday is needed", threePerWeek, week(), mon.Add(4), "----?"},
		{"today Thursday is not needed yet", threePerWeek, week(), mon.Add(3), "----"},
		{"start on Thursday: 3 of the 4 days left are needed", startsThursday, week(4, 5), mon.Add(7), "-ddm"},
		{"paused Mon–Fri: quota shrinks to the 2 days left", pausedMonToFri, week(5), mon.Add(7), "pppppdm"},
		{"paused Mon–Wed: 3 of 4 days still needed", pausedMonToWed, week(3), mon.Add(7), "pppd-mm"},
		{"every 3 days", every3, week(1, 5), mon.Add(7), "-d---d-"},
		{"every 3 days, second block missed", every3, week(1), mon.Add(7), "-d---m-"},
	}
	for _, tt := range tests {
		got := statuses(EvaluateRange(tt.h, mon, mon.Add(6), tt.checkIns, berlin, tt.today))
		if got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}

	// Evaluating from mid-week must still see the done days earlier in the week.
	rs := EvaluateRange(threePerWeek, mon.Add(4), mon.Add(6), week(0, 1), berlin, mon.Add(7))
	if got := statuses(rs); got != "--m" {
		t.Errorf("from Friday: %q, want %q", got, "--m")
	}
}

func TestEvaluateMonthQuota(t *testing.T) {
	t.Parallel()
	feb := NewDay(2025, time.February, 1)
	h := Habit{Kind: HabitPositive, Start: feb, Schedule: Schedule{Kind: ScheduleTimesPerMonth, Times: 2}, Target: Target{Kind: TargetCheck}}
	rs := EvaluateRange(h, feb, NewDay(2025, time.February, 28), []CheckIn{at(feb.Add(3), 9, 0, 0, 0)}, berlin, NewDay(2025, time.March, 1))
	got := statuses(rs)
	want := "---d" + strings.Repeat("-", 23) + "m"
	if got != want {
		t.Errorf("February: %q, want %q", got, want)
	}
}

func TestEvaluateOnDSTDays(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	h := Habit{Kind: HabitPositive, Start: NewDay(2025, time.January, 1), Schedule: Schedule{Kind: ScheduleDaily},
		Target: Target{Kind: TargetCheck}, Window: TimeWindow{From: Clock(1, 0), Until: Clock(3, 0)}}
	fallBack := NewDay(2025, time.November, 2)
	// 01:30 happens twice on the fall-back day; both count for that day.
	first := time.Date(2025, time.November, 2, 5, 30, 0, 0, time.UTC)  // 01:30 EDT
	second := time.Date(2025, time.November, 2, 6, 30, 0, 0, time.UTC) // 01:30 EST
	for _, c := range []time.Time{first, second} {
		r := EvaluateDay(h, DayInput{Day: fallBack, CheckIns: []CheckIn{{At: c}}}, ny)
		if r.Status != StatusDone {
			t.Errorf("%v: %s", c.In(ny), r.Status)
		}
	}
	// On the spring-forward day 02:00–03:00 does not exist; 03:00 EDT is
	// already outside the window.
	spring := NewDay(2025, time.March, 9)
	r := EvaluateDay(h, DayInput{Day: spring, CheckIns: []CheckIn{{At: time.Date(2025, time.March, 9, 7, 0, 0, 0, time.UTC)}}}, ny)
	if r.Status != StatusMissed {
		t.Errorf("03:00 EDT on spring-forward day: %s", r.Status)
	}
	// A range over both change days sees each check-in on its own local day.
	var cis []CheckIn
	for d := spring.Add(-1); !d.After(spring.Add(1)); d = d.Add(1) {
		cis = append(cis, CheckIn{At: d.Start(ny).Add(90 * time.Minute)}) // 01:30 local every day
	}
	if got := statuses(EvaluateRange(h, spring.Add(-1), spring.Add(1), cis, ny, spring.Add(5))); got != "ddd" {
		t.Errorf("around spring forward: %q", got)
	}
}

func TestEvaluateWindowClosedToday(t *testing.T) {
	t.Parallel()
	today := NewDay(2025, time.March, 12)
	morning := Habit{Kind: HabitPositive, Start: NewDay(2025, time.March, 1), Schedule: Schedule{Kind: ScheduleDaily},
		Target: Target{Kind: TargetCheck}, Window: TimeWindow{From: Clock(6, 0), Until: Clock(9, 0)}}
	noSnacks := Habit{Kind: HabitNegative, Start: NewDay(2025, time.March, 1), Schedule: Schedule{Kind: ScheduleDaily},
		Target: Target{Kind: TargetCheck}, Window: TimeWindow{From: Clock(20, 0), Until: Clock(23, 0)}}
	allDay := morning
	allDay.Window = TimeWindow{}
	now := func(hh, mm int) time.Time { return time.Date(2025, time.March, 12, hh, mm, 0, 0, berlin) }
	tests := []struct {
		name     string
		h        Habit
		checkIns []CheckIn
		now      time.Time
		want     DayStatus
		atRisk   bool
	}{
		{"before the window closes", morning, nil, now(8, 59), StatusPending, true},
		{"window closed, not done", morning, nil, now(9, 0), StatusMissed, false},
		{"window closed, done in it", morning, []CheckIn{at(today, 7, 30, 0, 0)}, now(10, 0), StatusDone, false},
		{"done after the window does not count", morning, []CheckIn{at(today, 9, 30, 0, 0)}, now(10, 0), StatusMissed, false},
		{"no Now: undecided as before", morning, nil, time.Time{}, StatusPending, true},
		{"all-day habit stays open", allDay, nil, now(23, 30), StatusPending, true},
		{"limit kept through its window", noSnacks, nil, now(23, 0), StatusDone, false},
		{"limit still running", noSnacks, nil, now(21, 0), StatusPending, false},
		{"slip outside the window is no slip", noSnacks, []CheckIn{at(today, 23, 30, 0, 0)}, now(23, 45), StatusDone, false},
		{"Now already on the next day", allDay, nil, now(24, 30), StatusMissed, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := EvaluateDay(tt.h, DayInput{Day: today, CheckIns: tt.checkIns, Open: true, Now: tt.now}, berlin)
			if r.Status != tt.want || r.AtRisk != tt.atRisk {
				t.Errorf("status %s at risk %v, want %s %v", r.Status, r.AtRisk, tt.want, tt.atRisk)
			}
		})
	}
	// EvaluateRangeAt passes now to today only; earlier days are closed anyway.
	rs := EvaluateRangeAt(morning, today.Add(-1), today, []CheckIn{at(today.Add(-1), 7, 0, 0, 0)}, berlin, now(9, 30))
	if len(rs) != 2 || rs[0].Status != StatusDone || rs[1].Status != StatusMissed {
		t.Errorf("EvaluateRangeAt = %+v", rs)
	}
	if rs := EvaluateRange(morning, today, today, nil, berlin, today); rs[0].Status != StatusPending {
		t.Errorf("EvaluateRange without a time decided today: %+v", rs)
	}
}
