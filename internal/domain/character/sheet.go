package character

import (
	"math"
	"slices"
)

// SheetInput is everything a character sheet is made from. Level and XP
// numbers come from the domain's XP rules; the caller passes them in.
type SheetInput struct {
	Level       int
	XP          int64 // lifetime XP
	XPIntoLevel int64 // XP earned since the current level began
	XPToNext    int64 // XP still missing for the next level
	Allocated   []NodeID
	Growth      StatValues // accumulated passive growth (TotalGrowth)
	Buffs       StatValues // temporary buffs active now
}

// StatLine is one stat on the sheet: its code, breakdown (rounded to two
// decimals) and the whole-number value to show.
type StatLine struct {
	Stat Stat `json:"stat"`
	Breakdown
	Value int `json:"value"`
}

// Sheet is the character as the API and Home Assistant show it.
type Sheet struct {
	Level         int        `json:"level"`
	XP            int64      `json:"xp"`
	XPIntoLevel   int64      `json:"xp_into_level"`
	XPToNext      int64      `json:"xp_to_next"`
	UnspentPoints int        `json:"unspent_points"`
	Stats         []StatLine `json:"stats"` // STR, INT, WIS, STA, CHA, LCK
	Allocated     []NodeID   `json:"allocated"`
}

// Stat returns the sheet's line for s.
func (s Sheet) Stat(st Stat) StatLine {
	for _, l := range s.Stats {
		if l.Stat == st {
			return l
		}
	}
	return StatLine{Stat: st}
}

// BuildSheet assembles the sheet. Allocated lists the known nodes once each,
// sorted by id, so the sheet is stable whatever order the store returned;
// unspent points count only those.
func BuildSheet(tree *Tree, in SheetInput) Sheet {
	own, n := tree.owned(in.Allocated)
	alloc := make([]NodeID, 0, n)
	for i, ok := range own {
		if ok && i != tree.start {
			alloc = append(alloc, tree.nodes[i].ID)
		}
	}
	slices.Sort(alloc)
	f := tree.fold(own)
	block := f.stats(in.Level, in.Growth, in.Buffs)
	lines := make([]StatLine, NumStats)
	for i, b := range block {
		lines[i] = StatLine{
			Stat: Stat(i),
			Breakdown: Breakdown{
				Base: round2(b.Base), Level: round2(b.Level), Growth: round2(b.Growth),
				Tree: round2(b.Tree), Buffs: round2(b.Buffs), Total: round2(b.Total),
			},
			Value: b.Rounded(),
		}
	}
	return Sheet{
		Level:         in.Level,
		XP:            in.XP,
		XPIntoLevel:   in.XPIntoLevel,
		XPToNext:      in.XPToNext,
		UnspentPoints: Unspent(in.Level, n),
		Stats:         lines,
		Allocated:     alloc,
	}
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }
