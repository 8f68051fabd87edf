package character

import "github.com/lifeops/lifeops/internal/domain"

// MinXPBonus is the floor of one category's summed XP bonus, so that stacked
// keystone penalties can never halve a category's XP more than once.
const MinXPBonus = -0.5

// folded is the sum of the effects of a set of allocated nodes.
type folded struct {
	flat     [NumStats]float64 // stat grants and flat_stat effects
	percent  [NumStats]float64 // percent_stat, in percent
	xp       [5]float64        // xp_multiplier by category index, in percent
	shields  int
	strength float64
	routine  float64 // percent
}

func categoryIndex(c Category) int {
	switch c {
	case CategoryFitness:
		return 0
	case CategoryMind:
		return 1
	case CategorySocial:
		return 2
	case CategoryChores:
		return 3
	case CategoryWellbeing:
		return 4
	}
	return -1
}

// fold sums the effects of the owned nodes (see owned).
func (t *Tree) fold(own []bool) folded {
	var f folded
	for i, ok := range own {
		if !ok {
			continue
		}
		n := &t.nodes[i]
		for s, v := range n.Stats {
			f.flat[s] += float64(v)
		}
		for _, e := range n.Effects {
			switch e.Kind {
			case EffectFlatStat:
				f.flat[e.Stat] += e.Value
			case EffectPercentStat:
				f.percent[e.Stat] += e.Value
			case EffectXPMultiplier:
				if k := categoryIndex(e.Category); k >= 0 {
					f.xp[k] += e.Value
				}
			case EffectExtraStreakShields:
				f.shields += int(e.Value)
			case EffectHabitStrengthBonus:
				f.strength += e.Value
			case EffectRoutineOnTimeXP:
				f.routine += e.Value
			}
		}
	}
	return f
}

func (f *folded) modifiers() domain.Modifiers {
	m := domain.Modifiers{
		ExtraShields:    f.shields,
		StrengthBonus:   f.strength,
		RoutineOnTimeXP: f.routine / 100,
	}
	for k, c := range Categories() {
		if f.xp[k] == 0 {
			continue
		}
		if m.XPBonus == nil {
			m.XPBonus = make(map[string]float64, len(f.xp))
		}
		m.XPBonus[string(c)] = max(MinXPBonus, f.xp[k]/100)
	}
	return m
}

// Modifiers folds the effects of the allocated nodes into the numbers the life
// rules take: xp_multiplier percentages become XPBonus fractions per category
// (each category's sum floored at MinXPBonus), extra_streak_shields add up into
// ExtraShields, habit_strength_bonus into StrengthBonus, and routine_on_time_xp
// percentages into the RoutineOnTimeXP fraction. Stat effects do not show up
// here; they go into Stats' breakdown.
//
// Ids the tree does not know are skipped, so a node removed from tree.json
// simply stops counting; a node listed twice counts once.
func Modifiers(tree *Tree, allocated []NodeID) domain.Modifiers {
	own, _ := tree.owned(allocated)
	f := tree.fold(own)
	return f.modifiers()
}
