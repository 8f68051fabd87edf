package character

import (
	"math"
	"slices"
)

// Activity types that feed passive growth. They are the activity type strings
// stored with each activity.
const (
	ActivityWorkout    = "workout"
	ActivityRun        = "run"
	ActivityWalk       = "walk"
	ActivityCycling    = "cycling"
	ActivityReading    = "reading"
	ActivityLearning   = "learning"
	ActivityDeepWork   = "deep_work"
	ActivityMeditation = "meditation"
	ActivityJournaling = "journaling"
	ActivitySocial     = "social"
	ActivityChores     = "chores"
)

// GrowthRule says how minutes of one activity type turn into raw growth: every
// MinutesPerPoint minutes add one point, shared among Stats in equal parts.
type GrowthRule struct {
	Activity        string
	Stats           []Stat
	MinutesPerPoint float64
}

// growthTable is read-only; GrowthRules hands out copies. Each rule's stats
// are the ones its activity type advertises (domain.BuiltinActivityTypes);
// a test keeps the two in step. It is a table and
// not a function result so that DayGrowth, run for every stored day, does not
// allocate.
var growthTable = [...]GrowthRule{
	{ActivityWorkout, []Stat{STR, STA}, 600},
	{ActivityRun, []Stat{STA, STR}, 400},
	{ActivityWalk, []Stat{STA}, 900},
	{ActivityCycling, []Stat{STA}, 600},
	{ActivityReading, []Stat{INT}, 600},
	{ActivityLearning, []Stat{INT, WIS}, 500},
	{ActivityDeepWork, []Stat{INT}, 900},
	{ActivityMeditation, []Stat{WIS}, 300},
	{ActivityJournaling, []Stat{WIS}, 300},
	{ActivitySocial, []Stat{CHA}, 600},
	{ActivityChores, []Stat{STR, STA}, 600},
}

// GrowthRules returns the growth table in a stable order. Streak milestones are
// not an activity; each adds MilestoneLuck raw LCK.
func GrowthRules() []GrowthRule {
	out := make([]GrowthRule, len(growthTable))
	for i, r := range growthTable {
		r.Stats = slices.Clone(r.Stats)
		out[i] = r
	}
	return out
}

// Growth constants; the docs explain the curve.
const (
	// MilestoneLuck is the raw LCK growth of one streak milestone.
	MilestoneLuck = 0.1
	// DailyGrowthCap is the most one stat can grow in a day. Raw growth r
	// becomes DailyGrowthCap × (1 − e^(−r / DailyGrowthCap)): close to r for a
	// normal day, flattening towards the cap, so a six-hour workout is not worth
	// six one-hour days.
	DailyGrowthCap = 0.15
	// LowReadiness is the Oura readiness below which STR and STA growth that
	// day is halved: training through poor recovery counts for less.
	LowReadiness = 60
	// CustomMinutesPerPoint is the growth rate of a household's own
	// activity types: like a workout, 600 minutes for one point.
	CustomMinutesPerPoint = 600
)

// DayTotals is what one household day contributes to growth.
type DayTotals struct {
	// Minutes per activity type; non-positive values are ignored, and so
	// are types with neither a growth rule nor an entry in Stats.
	Minutes map[string]float64
	// Stats are the stats a household's own activity types advertise: they
	// grow at CustomMinutesPerPoint, shared in equal parts.
	Stats map[string][]Stat
	// StreakMilestones reached that day.
	StreakMilestones int
	// Readiness is the Oura readiness score (1–100) of that day; 0 means no
	// reading, which never gates growth.
	Readiness int
}

// DayGrowth returns what one day adds to each stat: raw growth from the
// growth table and milestones, put through the daily diminishing-returns
// curve per stat, with STR and STA halved on a low-readiness day. Values stay
// fractional; round only for display.
func DayGrowth(day DayTotals) StatValues {
	var raw StatValues
	add := func(m, perPoint float64, stats []Stat) {
		if !(m > 0) || math.IsInf(m, 0) || len(stats) == 0 {
			return
		}
		share := m / perPoint / float64(len(stats))
		for _, s := range stats {
			if s.Valid() {
				raw[s] += share
			}
		}
	}
	// Iterate the table and sorted keys, not the map: float sums must not
	// depend on map order.
	for _, r := range &growthTable {
		add(day.Minutes[r.Activity], r.MinutesPerPoint, r.Stats)
	}
	custom := make([]string, 0, len(day.Stats))
	for k := range day.Stats {
		if !slices.ContainsFunc(growthTable[:], func(r GrowthRule) bool { return r.Activity == k }) {
			custom = append(custom, k)
		}
	}
	slices.Sort(custom)
	for _, k := range custom {
		add(day.Minutes[k], CustomMinutesPerPoint, day.Stats[k])
	}
	if day.StreakMilestones > 0 {
		raw[LCK] += float64(day.StreakMilestones) * MilestoneLuck
	}
	var out StatValues
	for s, r := range raw {
		out[s] = diminish(r)
	}
	if day.Readiness > 0 && day.Readiness < LowReadiness {
		out[STR] /= 2
		out[STA] /= 2
	}
	return out
}

func diminish(raw float64) float64 {
	if raw <= 0 {
		return 0
	}
	return DailyGrowthCap * -math.Expm1(-raw/DailyGrowthCap)
}

// TotalGrowth folds DayGrowth over days. Each entry must be a different day:
// the cap is per day, so merging two days into one entry lowers growth.
func TotalGrowth(days []DayTotals) StatValues {
	var total StatValues
	for _, d := range days {
		total = total.Add(DayGrowth(d))
	}
	return total
}
