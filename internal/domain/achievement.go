package domain

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"unicode/utf8"
)

// Metric is a number in a Progress snapshot that an achievement can ask for.
type Metric string

// Metrics.
const (
	MetricTotalCheckIns     Metric = "total_check_ins"
	MetricTotalActivities   Metric = "total_activities"
	MetricActivityCount     Metric = "activity_count"  // logs of Condition.Activity
	MetricActivityAmount    Metric = "activity_amount" // summed amount of Condition.Activity, in its unit
	MetricBestCurrentStreak Metric = "best_current_streak"
	MetricLongestStreak     Metric = "longest_streak"
	MetricLevel             Metric = "level"
	MetricTotalXP           Metric = "total_xp"
	MetricScoreDaysInRow    Metric = "score_days_in_row" // trailing days with score ≥ Condition.Threshold
	MetricFullRoutineWeeks  Metric = "full_routine_weeks"
	MetricPerfectDays       Metric = "perfect_days"
	MetricMoodLogs          Metric = "mood_logs"
)

// Metrics lists every metric.
func Metrics() []Metric {
	return []Metric{
		MetricTotalCheckIns, MetricTotalActivities, MetricActivityCount, MetricActivityAmount,
		MetricBestCurrentStreak, MetricLongestStreak, MetricLevel, MetricTotalXP,
		MetricScoreDaysInRow, MetricFullRoutineWeeks, MetricPerfectDays, MetricMoodLogs,
	}
}

// Condition unlocks an achievement when Metric reaches AtLeast.
type Condition struct {
	Metric    Metric  `json:"metric"`
	Activity  string  `json:"activity,omitempty"`  // activity_count, activity_amount
	Threshold float64 `json:"threshold,omitempty"` // score_days_in_row: the minimum score
	AtLeast   float64 `json:"at_least"`
}

// Achievement is a declarative achievement: shipped ones come from the
// embedded achievements.json, households may add their own of the same shape.
type Achievement struct {
	Key         string    `json:"key"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	XP          int       `json:"xp"`
	Condition   Condition `json:"condition"`
	Custom      bool      `json:"custom,omitempty"`
}

// Progress is the snapshot of a person's record that the app gathers for
// achievement checks.
type Progress struct {
	TotalCheckIns     int64
	TotalActivities   int64
	ActivityCounts    map[string]int64   // logs per activity type
	ActivityAmounts   map[string]float64 // summed amount per activity type
	BestCurrentStreak int                // the longest running streak among the person's habits
	LongestStreak     int                // the best streak ever
	Level             int
	TotalXP           int64
	// RecentScores are the Daily Life Scores of the latest closed days, oldest
	// first; consecutive-day conditions look at the trailing run.
	RecentScores     []float64
	FullRoutineWeeks int
	PerfectDays      int64 // days on which every due habit was done
	MoodLogs         int64
}

// Value is the number p holds for c's metric.
func (p Progress) Value(c Condition) float64 {
	switch c.Metric {
	case MetricTotalCheckIns:
		return float64(p.TotalCheckIns)
	case MetricTotalActivities:
		return float64(p.TotalActivities)
	case MetricActivityCount:
		return float64(p.ActivityCounts[c.Activity])
	case MetricActivityAmount:
		return p.ActivityAmounts[c.Activity]
	case MetricBestCurrentStreak:
		return float64(p.BestCurrentStreak)
	case MetricLongestStreak:
		return float64(p.LongestStreak)
	case MetricLevel:
		return float64(p.Level)
	case MetricTotalXP:
		return float64(p.TotalXP)
	case MetricScoreDaysInRow:
		n := 0
		for i := len(p.RecentScores) - 1; i >= 0 && p.RecentScores[i] >= c.Threshold; i-- {
			n++
		}
		return float64(n)
	case MetricFullRoutineWeeks:
		return float64(p.FullRoutineWeeks)
	case MetricPerfectDays:
		return float64(p.PerfectDays)
	case MetricMoodLogs:
		return float64(p.MoodLogs)
	}
	return 0
}

// Met reports whether p satisfies c.
func (c Condition) Met(p Progress) bool { return p.Value(c) >= c.AtLeast }

// Unlocked returns the achievements of defs that p satisfies and that are not
// in already (keyed by Achievement.Key), in the order of defs.
func Unlocked(defs []Achievement, p Progress, already map[string]bool) []Achievement {
	var out []Achievement
	for _, a := range defs {
		if !already[a.Key] && a.Condition.Met(p) {
			out = append(out, a)
		}
	}
	return out
}

// Limits for achievement definitions.
const (
	MaxAchievementXP      = 10000
	MaxDescriptionLen     = 280
	maxAchievementAtLeast = 1e9
)

//go:embed achievements.json
var builtinAchievementsJSON string // a string, so nothing can change it

// BuiltinAchievements parses and validates the shipped definitions (a fresh
// slice on every call).
func BuiltinAchievements() ([]Achievement, error) {
	return ParseAchievements([]byte(builtinAchievementsJSON), Catalogue{})
}

// ParseAchievements reads a JSON array of definitions, rejecting unknown
// fields, and validates each one and the uniqueness of keys. Activity types
// are checked against cat.
func ParseAchievements(data []byte, cat Catalogue) ([]Achievement, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var defs []Achievement
	if err := dec.Decode(&defs); err != nil {
		return nil, fmt.Errorf("achievements: %w", err)
	}
	seen := make(map[string]bool, len(defs))
	for i, a := range defs {
		if err := ValidateAchievement(a, cat); err != nil {
			return nil, fmt.Errorf("achievement %d (%q): %w", i, a.Key, err)
		}
		if seen[a.Key] {
			return nil, fmt.Errorf("achievement %d: %w", i, Invalid("key", a.Key, "is used twice"))
		}
		seen[a.Key] = true
	}
	return defs, nil
}

// ValidateAchievement checks one definition, naming every bad field.
func ValidateAchievement(a Achievement, cat Catalogue) error {
	var v ValidationError
	if !ValidSlug(a.Key) {
		v.Add("key", a.Key, "must be 1–40 of a–z, 0–9 and _, starting with a letter")
	}
	validateName(&v, "name", a.Name, MaxNameLen)
	if n := utf8.RuneCountInString(a.Description); n > MaxDescriptionLen {
		v.Add("description", nil, "must be at most 280 characters")
	}
	if a.XP < 0 || a.XP > MaxAchievementXP {
		v.Add("xp", a.XP, "must be 0 to 10000")
	}
	c := a.Condition
	known := false
	for _, m := range Metrics() {
		known = known || m == c.Metric
	}
	if !known {
		v.Add("condition.metric", c.Metric, "is not a known metric")
	}
	needsActivity := c.Metric == MetricActivityCount || c.Metric == MetricActivityAmount
	switch _, ok := cat.Lookup(c.Activity); {
	case needsActivity && !ok:
		v.Add("condition.activity", c.Activity, "must name a known activity type")
	case !needsActivity && c.Activity != "":
		v.Add("condition.activity", c.Activity, "only applies to activity_count and activity_amount")
	}
	switch {
	case c.Metric == MetricScoreDaysInRow && !(c.Threshold > 0 && c.Threshold <= 100):
		v.Add("condition.threshold", c.Threshold, "must be a score above 0 and at most 100")
	case c.Metric != MetricScoreDaysInRow && c.Threshold != 0:
		v.Add("condition.threshold", c.Threshold, "only applies to score_days_in_row")
	}
	if math.IsNaN(c.AtLeast) || c.AtLeast <= 0 || c.AtLeast > maxAchievementAtLeast {
		v.Add("condition.at_least", c.AtLeast, "must be more than 0 and at most 1000000000")
	}
	return v.Err()
}

// MergeAchievements validates a household's own definitions and appends them
// to builtin; a key may not repeat a shipped or another custom key.
func MergeAchievements(builtin, custom []Achievement, cat Catalogue) ([]Achievement, error) {
	out := make([]Achievement, 0, len(builtin)+len(custom))
	out = append(out, builtin...)
	seen := make(map[string]bool, len(out))
	for _, a := range builtin {
		seen[a.Key] = true
	}
	var v ValidationError
	for i, a := range custom {
		if err := ValidateAchievement(a, cat); err != nil {
			for _, f := range validationFields(err) {
				v.Add(fmt.Sprintf("custom[%d].%s", i, f.Field), f.Value, f.Reason)
			}
			continue
		}
		if seen[a.Key] {
			v.Add(fmt.Sprintf("custom[%d].key", i), a.Key, "is already taken")
			continue
		}
		seen[a.Key] = true
		a.Custom = true
		out = append(out, a)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// validationFields lists the field errors inside err.
func validationFields(err error) []FieldError {
	var ve *ValidationError
	if errors.As(err, &ve) {
		return ve.Fields
	}
	return []FieldError{{Field: "", Reason: err.Error()}}
}
