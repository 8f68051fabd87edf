package insight

import (
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"

	"github.com/lifeops/lifeops/internal/domain"
)

// Group is the kind of fact a variable comes from.
type Group string

// Groups.
const (
	GroupScore    Group = "score"
	GroupRing     Group = "ring"
	GroupHabit    Group = "habit"
	GroupRoutine  Group = "routine"
	GroupActivity Group = "activity"
	GroupMood     Group = "mood"
	GroupSensor   Group = "sensor"
)

// Outcome reports whether variables of g are what a person wants to
// understand (scores, ring measures, mood) rather than what they do or what
// their home is like. Insights pair anything with an outcome.
func (g Group) Outcome() bool {
	return g == GroupScore || g == GroupRing || g == GroupMood
}

// MadeOf reports whether outcome b is computed from a's kind of fact on
// the same day: the Life Score's habits, activity and routine parts (and
// the Life Score itself) from habits, activities and routines. Such a
// same-day pair says how the score is built, not what goes together.
func MadeOf(b, a Variable) bool {
	switch b.Key {
	case "score.habits":
		return a.Group == GroupHabit
	case "score.activity":
		return a.Group == GroupActivity || a.Key == "ring.activity" || a.Key == "ring.steps"
	case "score.routine":
		return a.Group == GroupRoutine
	case "score.life":
		return a.Group == GroupHabit || a.Group == GroupActivity || a.Group == GroupRoutine
	}
	return false
}

// Variable is one daily number of one person.
type Variable struct {
	// Key is stable across runs: "score.sleep", "ring.steps", "habit.12",
	// "activity.walk", "sensor.<sensor>.mean".
	Key   string `json:"key"`
	Name  string `json:"name"`
	Unit  string `json:"unit"`
	Group Group  `json:"group"`
	// Night marks a value measured over the night that ends on its day.
	Night bool `json:"night,omitempty"`
}

// Series is a variable's value on each day of a Table; NaN when the day has
// none.
type Series struct {
	Variable
	Values []float64
}

// Present counts the days with a value.
func (s Series) Present() int {
	n := 0
	for _, v := range s.Values {
		if !math.IsNaN(v) {
			n++
		}
	}
	return n
}

// Table is every daily variable of one person over From … From+Days-1.
type Table struct {
	From   domain.Day
	Days   int
	Series []Series
}

// Day is the day of index i.
func (t Table) Day(i int) domain.Day { return t.From.Add(i) }

// Facts are what a person's daily variables are computed from: per-day
// roll-ups of stored facts, read in one pass by the store.
type Facts struct {
	From, To   domain.Day // inclusive
	Scores     []ScoreDay
	Biometrics []BiometricDay
	Habits     []HabitDay
	Routine    []RoutineDay
	Activities []ActivityDay
	Moods      []MoodDay
	Sensors    []SensorNight
}

// ScoreDay is one stored Daily Life Score with its present components.
type ScoreDay struct {
	Day        domain.Day
	Score      float64
	Components map[domain.Component]float64
}

// BiometricDay is one day's ring numbers; nil is absent.
type BiometricDay struct {
	Day                        domain.Day
	Sleep, Readiness, Activity *float64
	Steps                      *float64
}

// HabitDay is one habit's counted day (due, not paused): its completion 0–1.
type HabitDay struct {
	HabitID    int64
	Name       string
	Day        domain.Day
	Completion float64
}

// RoutineDay counts a day's closed timeline items and those done in time.
type RoutineDay struct {
	Day         domain.Day
	Due, OnTime int
}

// ActivityDay is the total amount of one activity type on one day.
type ActivityDay struct {
	Type, Name, Unit string
	Day              domain.Day
	Amount           float64
}

// MoodDay is the mean of one day's logged moods.
type MoodDay struct {
	Day  domain.Day
	Mean float64
}

// SensorNight is a linked sensor over the night ending on Day (see
// NightStart, NightEnd): mean, min and max for a numeric sensor, minutes on
// for a binary one.
type SensorNight struct {
	Sensor, Name, Unit string
	Binary             bool
	Day                domain.Day
	Mean, Min, Max     float64
	OnMinutes          float64
}

// The night that ends on a day runs from NightStart on the evening before
// to NightEnd on the day, local time: where sleep happens for most people,
// and the window Oura's sleep score of that day describes.
var (
	NightStart = domain.Clock(22, 0)
	NightEnd   = domain.Clock(7, 0)
)

var componentNames = map[domain.Component]string{
	domain.ComponentSleep: "sleep part of the Life Score", domain.ComponentReadiness: "readiness part of the Life Score",
	domain.ComponentActivity: "activity part of the Life Score", domain.ComponentHabits: "habits part of the Life Score",
	domain.ComponentRoutine: "routine part of the Life Score", domain.ComponentEnvironment: "environment part of the Life Score",
	domain.ComponentMood: "mood part of the Life Score",
}

// Build lays the facts out as one Series per variable over From … To.
// Activity totals count 0 on days without one from the first day any
// activity was logged, since "no walk" is a value; every other variable is
// missing on days without a fact.
func Build(f Facts) Table {
	days := f.To.Sub(f.From) + 1
	if days < 0 {
		days = 0
	}
	t := Table{From: f.From, Days: days}
	byKey := map[string]int{}
	get := func(v Variable) []float64 {
		if i, ok := byKey[v.Key]; ok {
			return t.Series[i].Values
		}
		vals := make([]float64, days)
		for i := range vals {
			vals[i] = math.NaN()
		}
		byKey[v.Key] = len(t.Series)
		t.Series = append(t.Series, Series{Variable: v, Values: vals})
		return vals
	}
	idx := func(d domain.Day) (int, bool) {
		i := d.Sub(f.From)
		return i, i >= 0 && i < days
	}
	set := func(v Variable, d domain.Day, x float64) {
		if i, ok := idx(d); ok && !math.IsNaN(x) && !math.IsInf(x, 0) {
			get(v)[i] = x
		}
	}
	for _, s := range f.Scores {
		set(Variable{Key: "score.life", Name: "Life Score", Unit: "points", Group: GroupScore}, s.Day, s.Score)
		for _, c := range domain.Components() {
			if x, ok := s.Components[c]; ok {
				set(Variable{Key: "score." + string(c), Name: componentNames[c], Unit: "points", Group: GroupScore}, s.Day, x)
			}
		}
	}
	for _, b := range f.Biometrics {
		opt := func(key, name, unit string, p *float64) {
			if p != nil {
				set(Variable{Key: "ring." + key, Name: name, Unit: unit, Group: GroupRing}, b.Day, *p)
			}
		}
		opt("sleep", "sleep score", "points", b.Sleep)
		opt("readiness", "readiness score", "points", b.Readiness)
		opt("activity", "activity score", "points", b.Activity)
		opt("steps", "steps", "steps", b.Steps)
	}
	for _, h := range f.Habits {
		set(Variable{Key: "habit." + strconv.FormatInt(h.HabitID, 10), Name: h.Name + " (habit done)", Unit: "%", Group: GroupHabit}, h.Day, 100*h.Completion)
	}
	for _, r := range f.Routine {
		if r.Due > 0 {
			set(Variable{Key: "routine.on_time", Name: "routine items on time", Unit: "%", Group: GroupRoutine}, r.Day, 100*float64(r.OnTime)/float64(r.Due))
		}
	}
	// From the first day anything was logged, a day without an activity
	// of a type is a day with none of it.
	var first domain.Day
	for _, a := range f.Activities {
		if first.IsZero() || a.Day.Before(first) {
			first = a.Day
		}
	}
	types := map[string]Variable{}
	for _, a := range f.Activities {
		types[a.Type] = Variable{Key: "activity." + a.Type, Name: a.Name, Unit: a.Unit, Group: GroupActivity}
	}
	start, _ := idx(first)
	for _, typ := range slices.Sorted(maps.Keys(types)) {
		vals := get(types[typ])
		for i := max(start, 0); i < days; i++ {
			vals[i] = 0
		}
	}
	for _, a := range f.Activities {
		if i, ok := idx(a.Day); ok {
			get(types[a.Type])[i] += a.Amount
		}
	}
	for _, m := range f.Moods {
		set(Variable{Key: "mood", Name: "mood", Unit: "points", Group: GroupMood}, m.Day, m.Mean)
	}
	for _, s := range f.Sensors {
		base := Variable{Group: GroupSensor, Night: true, Unit: s.Unit}
		if s.Binary {
			v := base
			v.Key, v.Name, v.Unit = "sensor."+s.Sensor+".on", s.Name+" on at night", "min"
			set(v, s.Day, s.OnMinutes)
			continue
		}
		for _, part := range []struct {
			suffix, word string
			x            float64
		}{{"mean", "average", s.Mean}, {"min", "lowest", s.Min}, {"max", "highest", s.Max}} {
			v := base
			v.Key, v.Name = "sensor."+s.Sensor+"."+part.suffix, s.Name+" at night ("+part.word+")"
			set(v, s.Day, part.x)
		}
	}
	sort.SliceStable(t.Series, func(i, j int) bool { return t.Series[i].Key < t.Series[j].Key })
	return t
}
