package character

import (
	"encoding/json"
	"fmt"
	"github.com/lifeops/lifeops/internal/domain"
	"math"
)

// EffectKind names what an effect does. The set is closed: the tree file may
// only use these.
type EffectKind string

// The effect vocabulary. Ranges are checked when a tree is loaded; see
// EffectSpecs for the exact bounds.
const (
	// EffectFlatStat adds Amount to Stat (a flat part of Breakdown.Tree).
	EffectFlatStat EffectKind = "flat_stat"
	// EffectPercentStat scales Stat by Percent (see Breakdown for the order).
	EffectPercentStat EffectKind = "percent_stat"
	// EffectXPMultiplier raises (or, on a keystone, lowers) the XP of
	// activities in Category by Percent.
	EffectXPMultiplier EffectKind = "xp_multiplier"
	// EffectExtraStreakShields adds Count streak shields.
	EffectExtraStreakShields EffectKind = "extra_streak_shields"
	// EffectHabitStrengthBonus adds Fraction to a completion's weight in the
	// habit-strength filter.
	EffectHabitStrengthBonus EffectKind = "habit_strength_bonus"
	// EffectRoutineOnTimeXP adds Percent of a routine item's XP when it is done
	// within its window.
	EffectRoutineOnTimeXP EffectKind = "routine_on_time_xp"
)

// Category is an activity category that XP effects target: the life
// domain's own, so an effect can only name a category activities have.
type Category = domain.Category

// The activity categories.
const (
	CategoryFitness   = domain.CategoryFitness
	CategoryMind      = domain.CategoryMind
	CategorySocial    = domain.CategorySocial
	CategoryChores    = domain.CategoryChores
	CategoryWellbeing = domain.CategoryWellbeing
)

// Categories returns every known category.
func Categories() []Category { return domain.Categories() }

// Effect is one typed effect of a tree node. Which of Stat, Category and Value
// matter depends on Kind; Value is the kind's single number (the amount,
// percent, count or fraction).
type Effect struct {
	Kind     EffectKind
	Stat     Stat     // flat_stat, percent_stat
	Category Category // xp_multiplier
	Value    float64
}

// EffectSpec describes one effect kind: which parameters it takes, what its
// number is called in the file and the range that number must lie in.
type EffectSpec struct {
	Kind        EffectKind
	NeedsStat   bool
	NeedsCat    bool
	ValueField  string // "amount", "percent", "count" or "fraction"
	Min, Max    float64
	NonZero     bool   // zero is rejected (it would do nothing)
	Integer     bool   // the value must be a whole number
	Description string // one line for docs and API
}

// EffectSpecs returns the whole vocabulary in a stable order. The docs table
// is checked against it.
func EffectSpecs() []EffectSpec {
	return []EffectSpec{
		{Kind: EffectFlatStat, NeedsStat: true, ValueField: "amount", Min: -10, Max: 10, NonZero: true, Integer: true,
			Description: "adds a whole number to one stat"},
		{Kind: EffectPercentStat, NeedsStat: true, ValueField: "percent", Min: -30, Max: 30, NonZero: true,
			Description: "scales one stat by a percentage of base + level + growth + flat tree"},
		{Kind: EffectXPMultiplier, NeedsCat: true, ValueField: "percent", Min: -50, Max: 50, NonZero: true,
			Description: "changes the XP of one activity category by a percentage"},
		{Kind: EffectExtraStreakShields, ValueField: "count", Min: 1, Max: 3, Integer: true,
			Description: "adds streak shields"},
		{Kind: EffectHabitStrengthBonus, ValueField: "fraction", Min: 0.01, Max: 0.2,
			Description: "adds to a check-in's weight in the habit-strength filter"},
		{Kind: EffectRoutineOnTimeXP, ValueField: "percent", Min: 1, Max: 100,
			Description: "extra XP for a routine item completed within its window"},
	}
}

// Spec returns the spec of kind and whether the kind is known.
func (k EffectKind) Spec() (EffectSpec, bool) {
	for _, s := range EffectSpecs() {
		if s.Kind == k {
			return s, true
		}
	}
	return EffectSpec{}, false
}

// String describes the effect for people, e.g. "+10% fitness XP".
func (e Effect) String() string {
	switch e.Kind {
	case EffectFlatStat:
		return fmt.Sprintf("%+g %s", e.Value, e.Stat)
	case EffectPercentStat:
		return fmt.Sprintf("%+g%% %s", e.Value, e.Stat)
	case EffectXPMultiplier:
		return fmt.Sprintf("%+g%% %s XP", e.Value, e.Category)
	case EffectExtraStreakShields:
		return fmt.Sprintf("+%g streak shield(s)", e.Value)
	case EffectHabitStrengthBonus:
		return fmt.Sprintf("+%g habit strength per check-in", e.Value)
	case EffectRoutineOnTimeXP:
		return fmt.Sprintf("+%g%% XP for routine items on time", e.Value)
	}
	return string(e.Kind)
}

// effectJSON is the file (and API) form of an effect: the number sits under the
// kind's own name so that the file reads naturally and a misplaced field is
// caught. Pointers tell "absent" from zero.
type effectJSON struct {
	Kind     EffectKind `json:"kind"`
	Stat     *string    `json:"stat,omitempty"`
	Category *string    `json:"category,omitempty"`
	Amount   *float64   `json:"amount,omitempty"`
	Percent  *float64   `json:"percent,omitempty"`
	Count    *float64   `json:"count,omitempty"`
	Fraction *float64   `json:"fraction,omitempty"`
}

// MarshalJSON writes the effect in the tree file's form, e.g.
// {"kind":"percent_stat","stat":"STR","percent":5}.
func (e Effect) MarshalJSON() ([]byte, error) {
	spec, ok := e.Kind.Spec()
	if !ok {
		return nil, fmt.Errorf("unknown effect kind %q", e.Kind)
	}
	j := effectJSON{Kind: e.Kind}
	if spec.NeedsStat {
		s := e.Stat.String()
		j.Stat = &s
	}
	if spec.NeedsCat {
		c := string(e.Category)
		j.Category = &c
	}
	v := e.Value
	switch spec.ValueField {
	case "amount":
		j.Amount = &v
	case "percent":
		j.Percent = &v
	case "count":
		j.Count = &v
	case "fraction":
		j.Fraction = &v
	}
	return json.Marshal(j)
}

// toEffect checks j against its spec and returns the typed effect, or the
// reason it is malformed.
func (j effectJSON) toEffect() (Effect, string) {
	spec, ok := j.Kind.Spec()
	if !ok {
		return Effect{}, fmt.Sprintf("unknown kind %q", j.Kind)
	}
	e := Effect{Kind: j.Kind}
	if spec.NeedsStat {
		if j.Stat == nil {
			return Effect{}, fmt.Sprintf("%s needs a stat", j.Kind)
		}
		s, err := ParseStat(*j.Stat)
		if err != nil {
			return Effect{}, err.Error()
		}
		e.Stat = s
	} else if j.Stat != nil {
		return Effect{}, fmt.Sprintf("%s takes no stat", j.Kind)
	}
	if spec.NeedsCat {
		if j.Category == nil {
			return Effect{}, fmt.Sprintf("%s needs a category", j.Kind)
		}
		if c := Category(*j.Category); !c.Valid() {
			return Effect{}, fmt.Sprintf("unknown category %q (want fitness, mind, social, chores or wellbeing)", *j.Category)
		}
		e.Category = Category(*j.Category)
	} else if j.Category != nil {
		return Effect{}, fmt.Sprintf("%s takes no category", j.Kind)
	}
	fields := []struct {
		name string
		v    *float64
	}{{"amount", j.Amount}, {"percent", j.Percent}, {"count", j.Count}, {"fraction", j.Fraction}}
	var val *float64
	for _, f := range fields {
		switch {
		case f.name == spec.ValueField:
			val = f.v
		case f.v != nil:
			return Effect{}, fmt.Sprintf("%s takes %s, not %s", j.Kind, spec.ValueField, f.name)
		}
	}
	if val == nil {
		return Effect{}, fmt.Sprintf("%s needs %s", j.Kind, spec.ValueField)
	}
	v := *val
	switch {
	case math.IsNaN(v) || v < spec.Min || v > spec.Max:
		return Effect{}, fmt.Sprintf("%s %g out of range [%g, %g]", spec.ValueField, v, spec.Min, spec.Max)
	case spec.NonZero && v == 0:
		return Effect{}, fmt.Sprintf("%s must not be zero", spec.ValueField)
	case spec.Integer && v != math.Trunc(v):
		return Effect{}, fmt.Sprintf("%s %g must be a whole number", spec.ValueField, v)
	}
	e.Value = v
	return e, ""
}
