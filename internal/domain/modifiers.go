package domain

// Modifiers are the numbers a person's character (allocated stat-tree nodes,
// temporary buffs) changes in the life rules. The character package computes
// them; the rules here take them as plain input, so the life domain never needs
// to know what a tree node is.
//
// The zero value changes nothing.
type Modifiers struct {
	// XPBonus raises the XP of activities by category ("fitness", "mind",
	// "social", ...) as an additive fraction: 0.10 means +10 %; a missing entry
	// means no bonus.
	XPBonus map[string]float64
	// ExtraShields adds streak shields to the number a streak has earned.
	ExtraShields int
	// StrengthBonus is added to a completion's weight in the habit-strength
	// filter (0.05 makes a check-in count as 1.05, capped so strength stays ≤ 1).
	StrengthBonus float64
	// RoutineOnTimeXP is extra XP, as a fraction of the item's XP, for a routine
	// item completed within its window (0.25 means +25 %).
	RoutineOnTimeXP float64
}

// XPFactor is the multiplier for XP earned in category.
func (m Modifiers) XPFactor(category string) float64 {
	return 1 + m.XPBonus[category]
}
