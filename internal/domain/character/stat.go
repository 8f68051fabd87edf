package character

import (
	"fmt"
	"math"
)

// Stat is one of the six character stats.
type Stat uint8

// The six stats, in the order they are shown everywhere.
const (
	STR Stat = iota // strength: workouts, heavy chores
	INT             // intelligence: reading, learning, deep work
	WIS             // wisdom: meditation, journaling
	STA             // stamina: runs, walks, cycling, chores
	CHA             // charisma: time with people
	LCK             // luck: streak milestones
)

// NumStats is the number of stats; arrays indexed by Stat have this length.
const NumStats = 6

var statNames = [NumStats]string{"STR", "INT", "WIS", "STA", "CHA", "LCK"}

// AllStats returns the stats in display order.
func AllStats() [NumStats]Stat {
	return [NumStats]Stat{STR, INT, WIS, STA, CHA, LCK}
}

// Valid reports whether s is one of the six stats.
func (s Stat) Valid() bool { return s < NumStats }

// String returns the stat's three-letter code ("STR").
func (s Stat) String() string {
	if !s.Valid() {
		return fmt.Sprintf("Stat(%d)", uint8(s))
	}
	return statNames[s]
}

// ParseStat turns a three-letter code ("STR", case-sensitive) into a Stat.
func ParseStat(code string) (Stat, error) {
	for i, n := range statNames {
		if n == code {
			return Stat(i), nil
		}
	}
	return 0, fmt.Errorf("unknown stat %q (want one of STR, INT, WIS, STA, CHA, LCK)", code)
}

// MarshalText encodes the stat as its code, so JSON shows "STR" (also as a map key).
func (s Stat) MarshalText() ([]byte, error) {
	if !s.Valid() {
		return nil, fmt.Errorf("invalid stat %d", uint8(s))
	}
	return []byte(statNames[s]), nil
}

// UnmarshalText decodes a stat code.
func (s *Stat) UnmarshalText(b []byte) error {
	v, err := ParseStat(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// StatValues holds one number per stat, indexed by Stat. Growth and buffs are
// passed around in this form.
type StatValues [NumStats]float64

// Add returns the element-wise sum of v and o.
func (v StatValues) Add(o StatValues) StatValues {
	for i := range v {
		v[i] += o[i]
	}
	return v
}

// Base is every stat's starting value.
const Base = 10

// LevelBonus is what a level adds to every stat: +1 per two levels gained
// (level 3 → 1, level 21 → 10). Levels below 1 count as 1.
func LevelBonus(level int) int {
	if level <= 1 {
		return 0
	}
	return (level - 1) / 2
}

// Breakdown explains one stat's effective value. The parts are applied in
// this order:
//
//  1. Base (10), Level (LevelBonus), Growth (passive growth from activities);
//  2. Tree: the flat grants of allocated nodes, then their percent_stat
//     effects, which scale the sum of everything above (base + level + growth
//     + flat tree); Tree holds both parts;
//  3. Buffs: temporary, flat, never scaled by percentages.
//
// Total is the sum of the parts, never below zero.
type Breakdown struct {
	Base   float64 `json:"base"`
	Level  float64 `json:"level"`
	Growth float64 `json:"growth"`
	Tree   float64 `json:"tree"`
	Buffs  float64 `json:"buffs"`
	Total  float64 `json:"total"`
}

// Rounded is Total rounded to the nearest whole number, for display.
func (b Breakdown) Rounded() int { return int(math.Round(b.Total)) }

// StatBlock holds every stat's breakdown, indexed by Stat.
type StatBlock [NumStats]Breakdown

// Stats computes every stat's breakdown from the allocated nodes of tree, the
// character's level, its accumulated growth and its active buffs. Allocated ids
// the tree does not know are skipped (see Modifiers).
func Stats(tree *Tree, allocated []NodeID, level int, growth, buffs StatValues) StatBlock {
	own, _ := tree.owned(allocated)
	f := tree.fold(own)
	return f.stats(level, growth, buffs)
}

func (f *folded) stats(level int, growth, buffs StatValues) StatBlock {
	var out StatBlock
	lb := float64(LevelBonus(level))
	for i := range out {
		b := Breakdown{Base: Base, Level: lb, Growth: growth[i], Buffs: buffs[i]}
		before := b.Base + b.Level + b.Growth + f.flat[i]
		b.Tree = f.flat[i] + before*f.percent[i]/100
		b.Total = max(0, b.Base+b.Level+b.Growth+b.Tree+b.Buffs)
		out[i] = b
	}
	return out
}
