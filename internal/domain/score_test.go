package domain

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// warmBase is a trusted 30-day baseline with the given mean.
func warmBase(mean float64) Baseline { return Baseline{Mean: mean, Days: 30} }

func present(v float64, b Baseline, at time.Time) Measure {
	return Measure{Present: true, Value: v, Baseline: b, At: at}
}

func TestComputeScore(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2025, 6, 1, 7, 0, 0, 0, time.UTC)
	w := DefaultScoreWeights()

	t.Run("missing components are renormalised away, not zero", func(t *testing.T) {
		t.Parallel()
		only := ComputeScore(ScoreInput{Sleep: present(80, Baseline{}, t0)}, w)
		if !only.HasData || only.Score != 80 {
			t.Errorf("sleep only: %+v", only)
		}
		two := ComputeScore(ScoreInput{Sleep: present(80, Baseline{}, t0), Mood: present(9, Baseline{}, t0)}, w)
		// (25·80 + 5·100) / 30 = 83.3
		if two.Score != 83 {
			t.Errorf("sleep and mood: %d, want 83", two.Score)
		}
		for _, c := range two.Contributors {
			if c.Present != (c.Component == ComponentSleep || c.Component == ComponentMood) {
				t.Errorf("%s present = %v", c.Component, c.Present)
			}
		}
	})

	t.Run("judged against the baseline", func(t *testing.T) {
		t.Parallel()
		in := ScoreInput{Sleep: present(62, warmBase(80), t0), Readiness: present(85, warmBase(75), t0)}
		s := ComputeScore(in, w)
		// sleep 62 + (62−80)/2 = 53; readiness 85 + 5 = 90; (25·53 + 20·90)/45 = 69.4
		if s.Score != 69 {
			t.Errorf("score %d, want 69 (%+v)", s.Score, s.Contributors)
		}
		if s.Contributors[0].Value != 53 || s.Contributors[0].WarmingUp {
			t.Errorf("sleep contributor %+v", s.Contributors[0])
		}
		warm := ComputeScore(ScoreInput{Sleep: present(62, Baseline{Mean: 80, Days: 6}, t0)}, w)
		if warm.Score != 62 || !warm.Contributors[0].WarmingUp {
			t.Errorf("warming up should use the raw score: %+v", warm)
		}
	})

	t.Run("a ring's activity score wins over minutes", func(t *testing.T) {
		t.Parallel()
		in := ScoreInput{Sleep: present(90, Baseline{}, t0), Activity: present(60, warmBase(30), t0), ActivityScore: present(40, warmBase(80), t0)}
		s := ComputeScore(in, w)
		// Activity 40 + (40−80)/2 = 20, although 60 minutes would have made
		// 100; (25·90 + 15·20) / 40 = 63.75.
		if s.Score != 64 || s.Contributors[2].Value != 20 {
			t.Errorf("score %d, activity %+v", s.Score, s.Contributors[2])
		}
		if !strings.Contains(s.Explanation, "ctivity at 40") {
			t.Errorf("explanation %q does not name the ring's activity score", s.Explanation)
		}
	})

	t.Run("activity against the usual minutes", func(t *testing.T) {
		t.Parallel()
		for _, tt := range []struct {
			minutes float64
			base    Baseline
			want    int
		}{
			{15, Baseline{}, 50},    // 30-minute default while warming up
			{45, warmBase(60), 75},  // 45 of the usual 60
			{90, warmBase(60), 100}, // capped
			{10, warmBase(5), 50},   // target never below 20 minutes
			{-10, warmBase(60), 0},  // nonsense input stays in range
		} {
			s := ComputeScore(ScoreInput{Activity: present(tt.minutes, tt.base, t0)}, w)
			if s.Score != tt.want {
				t.Errorf("%g min vs %+v: %d, want %d", tt.minutes, tt.base, s.Score, tt.want)
			}
		}
	})

	t.Run("explanation, freshness and today's max", func(t *testing.T) {
		t.Parallel()
		in := ScoreInput{
			Sleep:     present(62, warmBase(80), t0),
			Readiness: present(80, warmBase(78), t0.Add(time.Minute)),
			Habits:    Tally{Due: 5, Done: 4, At: t0.Add(5 * time.Hour)},
			Routine:   Tally{Due: 4, Done: 2, Lost: 1, At: t0.Add(2 * time.Hour)},
			Open:      true,
		}
		s := ComputeScore(in, w)
		if s.Explanation != "Sleep at 62 pulled today down; 4 of 5 habits done." {
			t.Errorf("explanation %q", s.Explanation)
		}
		if !s.Freshness.Equal(t0.Add(5 * time.Hour)) {
			t.Errorf("freshness %v", s.Freshness)
		}
		// now: (25·53 + 20·81 + 20·80 + 10·50)/75 = 67.3; max: habits 100, routine 75 → 75.9
		if s.Score != 67 || s.Max != 76 {
			t.Errorf("score %d max %d, want 67 76", s.Score, s.Max)
		}
		in.Open = false
		if s := ComputeScore(in, w); s.Max != s.Score {
			t.Errorf("closed day max %d != score %d", s.Max, s.Score)
		}
		lift := ComputeScore(ScoreInput{Sleep: present(95, Baseline{}, t0), Readiness: present(80, Baseline{}, t0), Habits: Tally{Due: 4, Done: 3}}, w)
		if lift.Explanation != "Sleep at 95 lifted today; 3 of 4 habits done." {
			t.Errorf("lift explanation %q", lift.Explanation)
		}
		steady := ComputeScore(ScoreInput{Sleep: present(80, Baseline{}, t0), Readiness: present(82, Baseline{}, t0)}, w)
		if steady.Explanation != "A steady day." {
			t.Errorf("steady explanation %q", steady.Explanation)
		}
		// 06:48, three habits due, nothing done yet: a score of 0 that the
		// day can still raise is not "a steady day".
		early := ComputeScore(ScoreInput{Open: true, Habits: Tally{Due: 3}}, w)
		if early.Score != 0 || early.Explanation != fmt.Sprintf("The day is still open: up to %d is possible; 0 of 3 habits done.", early.Max) || early.Max == 0 {
			t.Errorf("early empty day: %d, %q", early.Score, early.Explanation)
		}
		habitsDown := ComputeScore(ScoreInput{Sleep: present(90, Baseline{}, t0), Habits: Tally{Due: 5, Done: 1}}, w)
		if habitsDown.Explanation != "Habits (1 of 5 done) pulled today down." {
			t.Errorf("habits explanation %q", habitsDown.Explanation)
		}
		none := ComputeScore(ScoreInput{}, w)
		if none.HasData || none.Score != 0 || none.Explanation != "No data for today yet." {
			t.Errorf("empty: %+v", none)
		}
	})

	t.Run("weights", func(t *testing.T) {
		t.Parallel()
		in := ScoreInput{Sleep: present(40, Baseline{}, t0), Mood: present(9, Baseline{}, t0)}
		onlyMood := ScoreWeights{Mood: 1}
		if s := ComputeScore(in, onlyMood); s.Score != 100 {
			t.Errorf("mood-only weights: %d", s.Score)
		}
		// Present components whose weights are all zero give no score.
		if s := ComputeScore(ScoreInput{Sleep: present(40, Baseline{}, t0)}, onlyMood); s.HasData {
			t.Errorf("zero-weight components counted: %+v", s)
		}
	})
}

func TestValidateScoreWeights(t *testing.T) {
	t.Parallel()
	if err := ValidateScoreWeights(DefaultScoreWeights()); err != nil {
		t.Errorf("defaults: %v", err)
	}
	if got := fieldsOf(t, ValidateScoreWeights(ScoreWeights{})); !slices.Equal(got, []string{"weights"}) {
		t.Errorf("all zero: %v", got)
	}
	if got := fieldsOf(t, ValidateScoreWeights(ScoreWeights{Sleep: -1, Mood: math.NaN(), Habits: 2000, Routine: 1})); !slices.Equal(got, []string{"habits", "mood", "sleep"}) {
		t.Errorf("bad weights: %v", got)
	}
}
