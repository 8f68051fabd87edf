package domain

import "math"

// XP values, documented in docs/rules.md.
const (
	// CheckInXP is earned once per day of a positive habit with at least
	// one counted check-in (CheckInDayXP).
	CheckInXP = 10
	// KeptDayXP is earned when a day of a habit kept by a limit (negative
	// habit, at-most target) closes done.
	KeptDayXP = 10
	// GoodSleepXP and GoodReadinessXP are earned when the day's score is at
	// or above the person's 30-day baseline.
	GoodSleepXP     = 20
	GoodReadinessXP = 20
	// WarmUpThreshold stands in for the baseline while it is warming up.
	WarmUpThreshold = 75
)

// MaxLevel is the last level; XP past it still counts into it. Reaching it
// takes about 1.3 billion XP.
const MaxLevel = 1000

// XPToNext is the XP needed to go from level to level+1:
// round(100 · level^1.5). Level 1 → 100, 2 → 283, 5 → 1118, 10 → 3162.
func XPToNext(level int) int64 {
	if level < 1 {
		level = 1
	}
	return int64(math.Round(100 * math.Pow(float64(level), 1.5)))
}

// XPForLevel is the total XP at which level begins (level 1 begins at 0).
func XPForLevel(level int) int64 {
	var total int64
	for l := 1; l < level; l++ {
		total += XPToNext(l)
	}
	return total
}

// LevelForTotal places a total XP on the level curve: the level reached, the
// XP gathered into it and the XP still missing to the next one. Leftover XP
// carries over: 150 XP is level 2 with 50 into it. Negative totals count as 0.
func LevelForTotal(total int64) (level int, into, toNext int64) {
	level, into = 1, max(0, total)
	for {
		if level == MaxLevel {
			return level, into, 0
		}
		need := XPToNext(level)
		if into < need {
			return level, into, need - into
		}
		into -= need
		level++
	}
}

// LevelsGained lists the levels reached when the total moves from before to
// after (empty unless it rises past a level boundary); one level_up event per
// entry.
func LevelsGained(before, after int64) []int {
	from, _, _ := LevelForTotal(before)
	to, _, _ := LevelForTotal(after)
	var out []int
	for l := from + 1; l <= to; l++ {
		out = append(out, l)
	}
	return out
}

// PointsForLevel is the total stat points granted by reaching level: one per
// level from level 2, plus one bonus point at every fifth level (5, 10, ...).
// Level 1 → 0, 2 → 1, 5 → 5, 10 → 11. The character package keeps the same
// formula.
func PointsForLevel(level int) int {
	if level < 2 {
		return 0
	}
	return level - 1 + level/5
}

// ClosedDayXP is the XP a closed day of h earns by itself: KeptDayXP for a
// kept day of a habit kept by a limit, when it was an active limit habit
// that day (PaysKeptDay); positive habits earn per check-in instead.
func ClosedDayXP(h Habit, r DayResult) int {
	if r.Status == StatusDone && h.PaysKeptDay(r.Day) {
		return KeptDayXP
	}
	return 0
}

// RoutineItemXP is the XP of a completed routine item worth itemXP:
// Modifiers.RoutineOnTimeXP adds its fraction when done within the item's
// window. Never negative.
func RoutineItemXP(itemXP int, onTime bool, m Modifiers) int {
	if itemXP <= 0 {
		return 0
	}
	xp := float64(itemXP)
	if onTime && m.RoutineOnTimeXP > 0 && !math.IsInf(m.RoutineOnTimeXP, 0) {
		xp += math.Min(float64(itemXP)*m.RoutineOnTimeXP, float64(itemXP)*MaxXPFactor)
	}
	return int(math.Round(xp))
}

// Baseline is a person's own recent normal for one measure: the mean of the
// last (up to) 30 days with a value, excluding today.
type Baseline struct {
	Mean float64
	Days int // days with a value
}

// BaselineDays is how many days a baseline looks back; MinBaselineDays is how
// many it needs before it is trusted (before that it is warming up).
const (
	BaselineDays    = 30
	MinBaselineDays = 7
)

// NewBaseline is the baseline of values (one per day, oldest first; only the
// last BaselineDays count). NaN values are skipped.
func NewBaseline(values []float64) Baseline {
	if len(values) > BaselineDays {
		values = values[len(values)-BaselineDays:]
	}
	var b Baseline
	sum := 0.0
	for _, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		sum += v
		b.Days++
	}
	if b.Days > 0 {
		b.Mean = sum / float64(b.Days)
	}
	return b
}

// WarmingUp reports whether there are too few days to trust b.
func (b Baseline) WarmingUp() bool { return b.Days < MinBaselineDays }

// atOrAbove judges v against b, or against WarmUpThreshold while b warms up.
func (b Baseline) atOrAbove(v float64) bool {
	if b.WarmingUp() {
		return v >= WarmUpThreshold
	}
	return v >= b.Mean
}

// BiometricXP is the bonus for a good night and a good readiness: each score
// (0–100, nil when missing) at or above the person's baseline earns its XP.
func BiometricXP(sleep *float64, sleepBase Baseline, readiness *float64, readinessBase Baseline) int {
	xp := 0
	if sleep != nil && sleepBase.atOrAbove(*sleep) {
		xp += GoodSleepXP
	}
	if readiness != nil && readinessBase.atOrAbove(*readiness) {
		xp += GoodReadinessXP
	}
	return xp
}

// Fair-play rules, documented in docs/rules.md.
const (
	// XPWindowDays is how many days before today a fact may be dated and
	// still pay XP: today, yesterday and the day before. Older facts are
	// recorded (history may be corrected back to a habit's start) but pay
	// nothing.
	XPWindowDays = 2
	// DailyXPCeiling is the most XP one person-day can credit to the total,
	// across every repeatable source (check-ins, habit days, activities,
	// routine items, biometrics). Achievements stand outside it: each
	// unlocks once, so it cannot be farmed. The ledger keeps what each
	// source earned; the total counts each day up to the ceiling.
	DailyXPCeiling = 500
)
