package domain

import (
	"math"
	"testing"
	"time"
)

// Seed corpora live in testdata/fuzz/<FuzzName>/; `go test` runs them as
// regular tests, `go test -fuzz=FuzzX` explores further.

// FuzzActivityXP: XP is never negative and marginal XPs telescope, so undoing
// the latest log restores the exact prior total.
func FuzzActivityXP(f *testing.F) {
	f.Add(uint8(0), 0.0, 30.0, 0.0)
	f.Add(uint8(2), 9.5, 1.2, 0.1)
	f.Fuzz(func(t *testing.T, ti uint8, already, amount, bonus float64) {
		types := BuiltinActivityTypes()
		at := types[int(ti)%len(types)]
		m := Modifiers{XPBonus: map[string]float64{string(at.Category): bonus}}
		xp := ActivityXP(at, already, amount, m)
		if xp < 0 {
			t.Fatalf("negative XP %d", xp)
		}
		if already >= 0 && amount > 0 && !math.IsInf(already+amount, 0) {
			before := TypeDayXP(at, already, m)
			if before+xp != TypeDayXP(at, already+amount, m) {
				t.Fatalf("marginal XP %d does not add up: %d + %d != %d", xp, before, xp, TypeDayXP(at, already+amount, m))
			}
		}
	})
}

// FuzzLevelForTotal: the level is monotone in total XP and the parts add up.
func FuzzLevelForTotal(f *testing.F) {
	f.Add(int64(0), int64(100))
	f.Add(int64(383), int64(382))
	f.Fuzz(func(t *testing.T, a, b int64) {
		a, b = a%2_000_000_000, b%2_000_000_000 // beyond MaxLevel nothing changes
		if a > b {
			a, b = b, a
		}
		la, intoA, nextA := LevelForTotal(a)
		lb, _, _ := LevelForTotal(b)
		if la > lb {
			t.Fatalf("level(%d) = %d > level(%d) = %d", a, la, b, lb)
		}
		if a >= 0 && la < MaxLevel && (XPForLevel(la)+intoA != a || nextA <= 0 || intoA+nextA != XPToNext(la)) {
			t.Fatalf("LevelForTotal(%d) = %d, %d, %d does not add up", a, la, intoA, nextA)
		}
	})
}

// FuzzComputeScore: the score and today's max stay within [0, 100] whatever
// comes in, and max never falls below the score.
func FuzzComputeScore(f *testing.F) {
	f.Add(62.0, 80.0, 85.0, 45.0, 4, 5, 1, 3, 70.0, 7.0, 25.0, true)
	f.Add(-1e300, math.Inf(1), math.NaN(), 1e9, -3, 2, 9, -1, 500.0, 42.0, 0.0, false)
	f.Fuzz(func(t *testing.T, sleep, base, ready, act float64, done, due, lost, rdone int, env, mood, wSleep float64, open bool) {
		in := ScoreInput{
			Sleep:       Measure{Present: true, Value: sleep, Baseline: Baseline{Mean: base, Days: 30}},
			Readiness:   Measure{Present: !math.IsNaN(ready), Value: ready, Baseline: Baseline{Mean: base, Days: 3}},
			Activity:    Measure{Present: true, Value: act, Baseline: Baseline{Mean: base, Days: 30}},
			Habits:      Tally{Due: int(due), Done: int(done), Lost: int(lost)},
			Routine:     Tally{Due: int(due) + 1, Done: int(rdone)},
			Environment: Measure{Present: true, Value: env},
			Mood:        Measure{Present: true, Value: mood},
			Open:        open,
		}
		w := DefaultScoreWeights()
		w.Sleep = wSleep
		s := ComputeScore(in, w)
		if s.Score < 0 || s.Score > 100 || s.Max < s.Score || s.Max > 100 {
			t.Fatalf("score %d max %d out of range", s.Score, s.Max)
		}
		if s.Explanation == "" {
			t.Fatal("no explanation")
		}
	})
}

func TestEventValidate(t *testing.T) {
	t.Parallel()
	at := time.Unix(1_700_000_000, 0)
	good := []Event{
		{Kind: EventActivityLogged, PersonID: 1, At: at, Activity: &ActivityLoggedData{Type: "run", Amount: 5, Unit: UnitKm, XP: 60}},
		{Kind: EventCheckIn, PersonID: 1, At: at, CheckIn: &CheckInData{HabitID: 2, Status: StatusDone, XP: 10}},
		{Kind: EventLevelUp, PersonID: 1, At: at, LevelUp: &LevelUpData{Level: 5, Points: PointsForLevel(5) - PointsForLevel(4)}},
		{Kind: EventAchievementUnlocked, PersonID: 1, At: at, Achievement: &AchievementUnlockedData{Key: "streak_7"}},
		{Kind: EventStreakBroken, PersonID: 1, At: at, Streak: &StreakData{HabitID: 2, Previous: 9}},
		{Kind: EventScoreChanged, PersonID: 1, At: at, Score: &ScoreChangedData{Score: 70, Previous: 65}},
	}
	for _, e := range good {
		if err := e.Validate(); err != nil {
			t.Errorf("%s: %v", e.Kind, err)
		}
	}
	bad := []Event{
		{Kind: "party", PersonID: 1, At: at},
		{Kind: EventLevelUp, PersonID: 1, At: at},
		{Kind: EventLevelUp, PersonID: 1, At: at, LevelUp: &LevelUpData{}, Score: &ScoreChangedData{}},
		{Kind: EventCheckIn, At: at, CheckIn: &CheckInData{}},
	}
	for _, e := range bad {
		if e.Validate() == nil {
			t.Errorf("accepted %+v", e)
		}
	}
}
