package domain

import (
	"slices"
	"strings"
	"testing"
)

func TestBuiltinAchievements(t *testing.T) {
	t.Parallel()
	defs, err := BuiltinAchievements()
	if err != nil {
		t.Fatal(err)
	}
	if len(defs) < 20 {
		t.Errorf("%d builtin achievements, want at least 20", len(defs))
	}
	keys := map[string]bool{}
	for _, a := range defs {
		keys[a.Key] = true
	}
	for _, k := range []string{"first_check_in", "streak_7", "streak_30", "streak_100", "level_5", "level_10", "level_25", "workouts_100", "score_85_five_days", "routine_week"} {
		if !keys[k] {
			t.Errorf("missing builtin %s", k)
		}
	}
	// Every metric is used by at least one builtin, so none is dead vocabulary.
	used := map[Metric]bool{}
	for _, a := range defs {
		used[a.Condition.Metric] = true
	}
	for _, m := range Metrics() {
		if !used[m] && m != MetricLongestStreak {
			t.Errorf("metric %s unused by builtins", m)
		}
	}
}

func TestUnlocked(t *testing.T) {
	t.Parallel()
	defs, err := BuiltinAchievements()
	if err != nil {
		t.Fatal(err)
	}
	keys := func(as []Achievement) []string {
		var out []string
		for _, a := range as {
			out = append(out, a.Key)
		}
		return out
	}
	tests := []struct {
		name    string
		p       Progress
		already map[string]bool
		want    []string
	}{
		{"nothing yet", Progress{Level: 1}, nil, nil},
		{"first check-in", Progress{TotalCheckIns: 1, Level: 1}, nil, []string{"first_check_in"}},
		{"already unlocked", Progress{TotalCheckIns: 1, Level: 1}, map[string]bool{"first_check_in": true}, nil},
		{"week streak and level 5", Progress{TotalCheckIns: 12, BestCurrentStreak: 7, Level: 5}, map[string]bool{"first_check_in": true},
			[]string{"streak_7", "level_5"}},
		{"100 workouts", Progress{TotalActivities: 100, ActivityCounts: map[string]int64{"workout": 100}}, map[string]bool{"first_activity": true, "workouts_10": true},
			[]string{"workouts_100"}},
		{"a marathon in parts", Progress{TotalActivities: 9, ActivityAmounts: map[string]float64{"run": 42.2}}, map[string]bool{"first_activity": true},
			[]string{"marathon_distance"}},
		{"five days ≥ 85, trailing", Progress{RecentScores: []float64{60, 85, 90, 86, 88, 85}}, nil, []string{"score_85_five_days"}},
		{"run broken by yesterday", Progress{RecentScores: []float64{90, 90, 90, 90, 90, 84}}, nil, nil},
		{"a 96 day", Progress{RecentScores: []float64{70, 96}}, nil, []string{"score_95_day"}},
		{"full routine week", Progress{FullRoutineWeeks: 1}, nil, []string{"routine_week"}},
	}
	for _, tt := range tests {
		if got := keys(Unlocked(defs, tt.p, tt.already)); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestValidateAchievementAndMerge(t *testing.T) {
	t.Parallel()
	defs, err := BuiltinAchievements()
	if err != nil {
		t.Fatal(err)
	}
	mine := Achievement{Key: "plants_watered", Name: "Green thumb", XP: 50, Condition: Condition{Metric: MetricActivityCount, Activity: "chores", AtLeast: 20}}
	merged, err := MergeAchievements(defs, []Achievement{mine}, Catalogue{})
	if err != nil {
		t.Fatal(err)
	}
	if last := merged[len(merged)-1]; last.Key != "plants_watered" || !last.Custom {
		t.Errorf("merged tail = %+v", last)
	}
	tests := []struct {
		name string
		a    Achievement
		want []string
	}{
		{"clash with builtin", Achievement{Key: "streak_7", Name: "x", Condition: Condition{Metric: MetricLevel, AtLeast: 2}}, []string{"custom[0].key"}},
		{"everything wrong", Achievement{Key: "Bad", XP: -1, Description: strings.Repeat("x", 281), Condition: Condition{Metric: "karma", Threshold: 3}},
			[]string{"custom[0].condition.at_least", "custom[0].condition.metric", "custom[0].condition.threshold", "custom[0].description", "custom[0].key", "custom[0].name", "custom[0].xp"}},
		{"unknown activity", Achievement{Key: "a", Name: "a", Condition: Condition{Metric: MetricActivityAmount, Activity: "juggling", AtLeast: 1}}, []string{"custom[0].condition.activity"}},
		{"activity on a level metric", Achievement{Key: "a", Name: "a", Condition: Condition{Metric: MetricLevel, Activity: "run", AtLeast: 1}}, []string{"custom[0].condition.activity"}},
		{"score run without a threshold", Achievement{Key: "a", Name: "a", Condition: Condition{Metric: MetricScoreDaysInRow, AtLeast: 3}}, []string{"custom[0].condition.threshold"}},
	}
	for _, tt := range tests {
		_, err := MergeAchievements(defs, []Achievement{tt.a}, Catalogue{})
		if got := fieldsOf(t, err); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	if _, err := ParseAchievements([]byte(`[{"key":"a","name":"A","xp":1,"condition":{"metric":"level","at_least":2},"colour":"red"}]`), Catalogue{}); err == nil {
		t.Error("unknown field accepted")
	}
	if _, err := ParseAchievements([]byte(`[{"key":"a","name":"A","condition":{"metric":"level","at_least":2}},{"key":"a","name":"B","condition":{"metric":"level","at_least":3}}]`), Catalogue{}); err == nil || !strings.Contains(err.Error(), "used twice") {
		t.Errorf("duplicate key: %v", err)
	}
}
