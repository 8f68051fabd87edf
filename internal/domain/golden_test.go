package domain

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
	_ "time/tzdata" // zone rules of the DST tests must not depend on the machine
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// golden compares v's JSON with testdata/name.golden: these are payloads the
// app publishes (events) or serves (the day score) to clients that parse them.
func golden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s:\n%s", name, path, got)
	}
}

func TestEventsGolden(t *testing.T) {
	t.Parallel()
	when := time.Date(2025, time.March, 12, 21, 0, 0, 0, time.UTC)
	d := NewDay(2025, time.March, 12)
	before := ComputeStreak(days(d.Add(-6), "dddddd"), Modifiers{})
	after := before.Advance(DayResult{Day: d, Status: StatusDone}, Modifiers{})
	broken := after.Advance(DayResult{Day: d.Add(1), Status: StatusMissed}, Modifiers{})
	broken = broken.Advance(DayResult{Day: d.Add(2), Status: StatusMissed}, Modifiers{})
	evs := StreakEvents(1, 7, when, before, after)
	evs = append(evs, StreakEvents(1, 7, when, after, broken)...)
	evs = append(evs,
		Event{Kind: EventActivityLogged, PersonID: 1, At: when, Activity: &ActivityLoggedData{ActivityID: 3, Type: "run", Amount: 5.2, Unit: UnitKm, XP: 62}},
		Event{Kind: EventCheckIn, PersonID: 1, At: when, CheckIn: &CheckInData{CheckInID: 4, HabitID: 7, Day: d, Quantity: 0.5, Status: StatusPending, XP: CheckInXP}},
		Event{Kind: EventLevelUp, PersonID: 1, At: when, LevelUp: &LevelUpData{Level: 5, TotalXP: 1703, Points: PointsForLevel(5) - PointsForLevel(4)}},
		Event{Kind: EventAchievementUnlocked, PersonID: 1, At: when, Achievement: &AchievementUnlockedData{Key: "streak_7", Name: "One good week", XP: 70}},
		Event{Kind: EventScoreChanged, PersonID: 1, At: when, Score: &ScoreChangedData{Day: d, Score: 74, Previous: 71, Max: 88, Explanation: "Sleep at 62 pulled today down; 4 of 5 habits done."}},
	)
	for _, e := range evs {
		if err := e.Validate(); err != nil {
			t.Errorf("%s: %v", e.Kind, err)
		}
	}
	golden(t, "events", evs)
}

func TestDayScoreGolden(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, time.March, 12, 14, 0, 0, 0, time.UTC)
	in := ScoreInput{
		Sleep:       Measure{Present: true, Value: 62, Baseline: Baseline{Mean: 80, Days: 30}, At: now.Add(-7 * time.Hour)},
		Readiness:   Measure{Present: true, Value: 78, Baseline: Baseline{Mean: 76, Days: 5}, At: now.Add(-7 * time.Hour)},
		Activity:    Measure{Present: true, Value: 45, Baseline: Baseline{Mean: 50, Days: 30}, At: now.Add(-30 * time.Minute)},
		Habits:      Tally{Due: 5, Done: 4, At: now.Add(-10 * time.Minute)},
		Routine:     Tally{Due: 4, Done: 3, Lost: 1, At: now.Add(-time.Hour)},
		Environment: Measure{Present: true, Value: 88, At: now.Add(-5 * time.Minute)},
		Open:        true,
	}
	s := ComputeScore(in, DefaultScoreWeights())
	if !s.WarmingUp || s.Max < s.Score {
		t.Errorf("warming up %v, max %d < score %d", s.WarmingUp, s.Max, s.Score)
	}
	golden(t, "day_score", s)
}
