package domain

import (
	"testing"
	"time"
)

func yearOfResults() []DayResult {
	d0 := NewDay(2025, time.January, 1)
	pattern := "dddmdd-dpdddddm"
	return days(d0, repeat(pattern, 365/len(pattern)+1)[:365])
}

func BenchmarkStreakFold365(b *testing.B) {
	rs := yearOfResults()
	m := Modifiers{ExtraShields: 1}
	for b.Loop() {
		_ = ComputeStreak(rs, m)
	}
}

func BenchmarkStreakAdvance(b *testing.B) {
	r := DayResult{Day: NewDay(2025, time.June, 1), Status: StatusDone}
	var s StreakState
	for b.Loop() {
		s = s.Advance(r, Modifiers{})
	}
	_ = s
}

func BenchmarkStrengthFold365(b *testing.B) {
	rs := yearOfResults()
	for b.Loop() {
		_ = ComputeStrength(rs, 1, Modifiers{})
	}
}

func BenchmarkEvaluateRange365(b *testing.B) {
	h := Habit{Kind: HabitPositive, Start: NewDay(2025, time.January, 1), Schedule: Schedule{Kind: ScheduleTimesPerWeek, Times: 3}, Target: Target{Kind: TargetCheck}}
	var cis []CheckIn
	for i := 0; i < 365; i += 2 {
		cis = append(cis, at(h.Start.Add(i), 12, 0, 0, 0))
	}
	today := h.Start.Add(365)
	for b.Loop() {
		_ = EvaluateRange(h, h.Start, today, cis, berlin, today)
	}
}

func BenchmarkComputeScore(b *testing.B) {
	t0 := time.Date(2025, 6, 1, 7, 0, 0, 0, time.UTC)
	in := ScoreInput{
		Sleep: present(62, warmBase(80), t0), Readiness: present(80, warmBase(78), t0),
		Activity: present(40, warmBase(50), t0), Habits: Tally{Due: 5, Done: 4}, Routine: Tally{Due: 4, Done: 2, Lost: 1},
		Environment: present(70, Baseline{}, t0), Mood: present(6, Baseline{}, t0), Open: true,
	}
	w := DefaultScoreWeights()
	for b.Loop() {
		_ = ComputeScore(in, w)
	}
}
