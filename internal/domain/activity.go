package domain

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Stat is one of the character's six attributes. Activity types name the stats
// they feed (their affinities).
type Stat string

// The six stats.
const (
	STR Stat = "STR" // strength
	INT Stat = "INT" // intelligence
	WIS Stat = "WIS" // wisdom
	STA Stat = "STA" // stamina
	CHA Stat = "CHA" // charisma
	LCK Stat = "LCK" // luck
)

// Stats lists the six stats in display order.
func Stats() []Stat { return []Stat{STR, INT, WIS, STA, CHA, LCK} }

// Valid reports whether s is one of the six stats.
func (s Stat) Valid() bool { return slices.Contains(Stats(), s) }

// Category groups activity types; XP bonuses (Modifiers.XPBonus) are keyed by it.
type Category string

// Activity categories.
const (
	CategoryFitness   Category = "fitness"
	CategoryMind      Category = "mind"
	CategorySocial    Category = "social"
	CategoryChores    Category = "chores"
	CategoryWellbeing Category = "wellbeing"
)

// Categories lists every category.
func Categories() []Category {
	return []Category{CategoryFitness, CategoryMind, CategorySocial, CategoryChores, CategoryWellbeing}
}

// Valid reports whether c is a known category.
func (c Category) Valid() bool { return slices.Contains(Categories(), c) }

// Unit is what an activity's amount counts.
type Unit string

// Activity units.
const (
	UnitMinutes Unit = "minutes"
	UnitCount   Unit = "count"
	UnitKm      Unit = "km"
)

// MaxAmount is the largest amount one log may carry in unit u: a day of
// minutes, 500 km, or 1000 things. Zero for an unknown unit.
func (u Unit) MaxAmount() float64 {
	switch u {
	case UnitMinutes:
		return 1440
	case UnitKm:
		return 500
	case UnitCount:
		return 1000
	}
	return 0
}

// Source says where a fact came from.
type Source string

// Sources of activities and check-ins.
const (
	SourceManual Source = "manual"
	SourceHA     Source = "ha"
	SourceSensor Source = "sensor"
	SourceOura   Source = "oura"
	SourceAPI    Source = "api"
	// SourceImport marks a check-in brought from another app's history: it
	// builds streaks and strength and pays no XP. Clients cannot send it.
	SourceImport Source = "import"
)

// Valid reports whether s is a known source.
func (s Source) Valid() bool {
	switch s {
	case SourceManual, SourceHA, SourceSensor, SourceOura, SourceAPI:
		return true
	}
	return false
}

// ActivityType is an entry of the activity catalogue.
type ActivityType struct {
	Key       string // slug, e.g. "deep_work"
	Name      string
	Unit      Unit
	XPPerUnit float64 // XP per unit at full rate
	// FullUnitsPerDay is how many units a day earn full XP; past it the rate
	// decays (see ActivityXP).
	FullUnitsPerDay float64
	Category        Category
	Stats           []Stat // affinities, strongest first
	Custom          bool   // defined by the household rather than shipped
	// Aliases are other names people say for the type ("walking" for
	// walk); a household may set its own (SetActivityTypeNames).
	Aliases []string
}

// BuiltinActivityTypes returns the shipped catalogue (a fresh slice each call).
// The numbers are documented in docs/rules.md.
func BuiltinActivityTypes() []ActivityType {
	t := func(key, name string, u Unit, xp, full float64, c Category, stats ...Stat) ActivityType {
		return ActivityType{Key: key, Name: name, Unit: u, XPPerUnit: xp, FullUnitsPerDay: full, Category: c, Stats: stats}
	}
	types := []ActivityType{
		t("workout", "Workout", UnitMinutes, 1.5, 60, CategoryFitness, STR, STA),
		t("walk", "Walk", UnitMinutes, 0.5, 90, CategoryFitness, STA),
		t("run", "Run", UnitKm, 12, 10, CategoryFitness, STA, STR),
		t("cycling", "Cycling", UnitKm, 3, 40, CategoryFitness, STA),
		t("meditation", "Meditation", UnitMinutes, 2, 30, CategoryWellbeing, WIS),
		t("reading", "Reading", UnitMinutes, 1, 60, CategoryMind, INT),
		t("deep_work", "Deep work", UnitMinutes, 0.75, 180, CategoryMind, INT),
		t("learning", "Learning", UnitMinutes, 1, 90, CategoryMind, INT, WIS),
		t("social", "Social time", UnitMinutes, 0.5, 120, CategorySocial, CHA),
		t("journaling", "Journaling", UnitCount, 20, 1, CategoryWellbeing, WIS),
		t("chores", "Chores", UnitMinutes, 0.8, 60, CategoryChores, STR, STA),
	}
	for i := range types {
		types[i].Aliases = slices.Clone(builtinAliases[types[i].Key])
	}
	return types
}

// builtinAliases are the English words people use for the shipped types.
var builtinAliases = map[string][]string{
	"workout":    {"training", "gym", "exercise", "strength training"},
	"walk":       {"walking", "stroll", "hike", "hiking"},
	"run":        {"running", "jog", "jogging"},
	"cycling":    {"bike", "biking", "bike ride", "cycle", "ride"},
	"meditation": {"meditate", "meditating", "mindfulness"},
	"reading":    {"read", "book"},
	"deep_work":  {"focus", "focus time", "focused work"},
	"learning":   {"study", "studying", "learn"},
	"social":     {"friends", "socialising", "socializing", "hanging out"},
	"journaling": {"journal", "journalling", "diary"},
	"chores":     {"housework", "cleaning", "tidying"},
}

// MaxAliases is how many aliases one activity type may have.
const MaxAliases = 20

// spoken folds a name as people say or type it: case, surrounding and
// repeated spaces, and _ or - between words do not matter.
func spoken(s string) string {
	s = strings.NewReplacer("_", " ", "-", " ").Replace(strings.ToLower(s))
	return strings.Join(strings.Fields(s), " ")
}

// Resolve finds the type ref names: its key, its display name or one of
// its aliases, as people say them ("walking", "Deep Work", "deep_work").
func (c Catalogue) Resolve(ref string) (ActivityType, bool) {
	if t, ok := c.Lookup(ref); ok {
		return t, true
	}
	want := spoken(ref)
	if want == "" {
		return ActivityType{}, false
	}
	for _, t := range c.Types() {
		if spoken(t.Key) == want || spoken(t.Name) == want || slices.ContainsFunc(t.Aliases, func(a string) bool { return spoken(a) == want }) {
			return t, true
		}
	}
	return ActivityType{}, false
}

// Names lists the types as people may say them, for an error that refused
// one: `Walk (walk)` each, in catalogue order.
func (c Catalogue) Names() string {
	parts := make([]string, 0, len(c.Types()))
	for _, t := range c.Types() {
		parts = append(parts, fmt.Sprintf("%s (%s)", t.Name, t.Key))
	}
	return strings.Join(parts, ", ")
}

// TypeNames is a household's own words for one activity type.
type TypeNames struct {
	Key     string
	Name    string
	Aliases []string
}

// WithNames applies stored names (checked by Rename when they were set);
// names of a type the catalogue no longer has are skipped.
func (c Catalogue) WithNames(names []TypeNames) Catalogue {
	types := c.Types()
	for _, n := range names {
		if i := slices.IndexFunc(types, func(t ActivityType) bool { return t.Key == n.Key }); i >= 0 {
			types[i].Name, types[i].Aliases = n.Name, slices.Clone(n.Aliases)
		}
	}
	return Catalogue{types: types}
}

// Rename gives the type key another display name and aliases (a
// household's own words). Each alias must be new: not another type's key,
// name or alias, and not said twice.
func (c Catalogue) Rename(key, name string, aliases []string) (Catalogue, error) {
	i := slices.IndexFunc(c.Types(), func(t ActivityType) bool { return t.Key == key })
	if i < 0 {
		return c, NotFound("No activity type has the key %q; the catalogue has %s.", key, c.Names())
	}
	types := c.Types()
	var v ValidationError
	if name = strings.TrimSpace(name); name != "" {
		validateName(&v, "name", name, MaxNameLen)
	} else {
		name = types[i].Name
	}
	if len(aliases) > MaxAliases {
		v.Add("aliases", len(aliases), fmt.Sprintf("are too many: at most %d", MaxAliases))
	}
	clean := make([]string, 0, len(aliases))
	for j, a := range aliases {
		field := fmt.Sprintf("aliases[%d]", j)
		a = strings.TrimSpace(a)
		if a == "" || utf8.RuneCountInString(a) > MaxNameLen {
			v.Add(field, a, fmt.Sprintf("must be 1 to %d characters", MaxNameLen))
			continue
		}
		if slices.ContainsFunc(clean, func(b string) bool { return spoken(b) == spoken(a) }) || spoken(a) == spoken(name) {
			v.Add(field, a, "is said twice; give each name once")
			continue
		}
		if o, taken := (Catalogue{types: slices.Delete(slices.Clone(types), i, i+1)}).Resolve(a); taken {
			v.Add(field, a, fmt.Sprintf("already names %s (%s); choose a word no other type uses", o.Name, o.Key))
			continue
		}
		clean = append(clean, a)
	}
	if o, taken := (Catalogue{types: slices.Delete(slices.Clone(types), i, i+1)}).Resolve(name); taken {
		v.Add("name", name, fmt.Sprintf("already names %s (%s); choose a name no other type uses", o.Name, o.Key))
	}
	if err := v.Err(); err != nil {
		return c, err
	}
	types[i].Name, types[i].Aliases = name, clean
	return Catalogue{types: types}, nil
}

// Minutes per kilometre at an easy pace, for counting distance activities
// as active minutes.
const (
	RunMinutesPerKm     = 6.0
	CyclingMinutesPerKm = 3.0
)

// ActiveMinutes is how many active minutes amount of t is worth in the
// Daily Life Score's activity component: the minutes of a fitness activity
// logged in minutes, and a distance at an easy pace (6 min/km running,
// 3 min/km cycling; a household's own distance types count as running).
// ok is false for what is not a fitness activity or has no duration.
func (t ActivityType) ActiveMinutes(amount float64) (minutes float64, ok bool) {
	if t.Category != CategoryFitness {
		return 0, false
	}
	switch t.Unit {
	case UnitMinutes:
		return amount, true
	case UnitKm:
		if t.Key == "cycling" {
			return amount * CyclingMinutesPerKm, true
		}
		return amount * RunMinutesPerKm, true
	}
	return 0, false
}

// CountMinutes is what one count of a count-unit activity (a journal entry)
// stands for in stat growth.
const CountMinutes = 15

// GrowthMinutes is how many minutes of effort amount of t stands for in
// passive stat growth: minutes as they are, km at an easy pace
// (RunMinutesPerKm, CyclingMinutesPerKm for cycling), counts CountMinutes
// each.
func (t ActivityType) GrowthMinutes(amount float64) float64 {
	switch t.Unit {
	case UnitKm:
		if t.Key == "cycling" {
			return amount * CyclingMinutesPerKm
		}
		return amount * RunMinutesPerKm
	case UnitCount:
		return amount * CountMinutes
	}
	return amount
}

// ValidateActivityType checks a household-defined activity type.
func ValidateActivityType(t ActivityType) error {
	var v ValidationError
	if !ValidSlug(t.Key) {
		v.Add("key", t.Key, "must be 1–40 of a–z, 0–9 and _, starting with a letter")
	}
	validateName(&v, "name", t.Name, MaxNameLen)
	if t.Unit.MaxAmount() == 0 {
		v.Add("unit", t.Unit, "must be minutes, count or km")
	}
	if !(t.XPPerUnit > 0 && t.XPPerUnit <= 100) {
		v.Add("xp_per_unit", t.XPPerUnit, "must be more than 0 and at most 100")
	}
	if !(t.FullUnitsPerDay > 0 && t.FullUnitsPerDay <= t.Unit.MaxAmount()) {
		v.Add("full_units_per_day", t.FullUnitsPerDay, "must be more than 0 and at most one log's maximum amount")
	}
	if !t.Category.Valid() {
		v.Add("category", t.Category, "must be one of fitness, mind, social, chores, wellbeing")
	}
	if len(t.Stats) == 0 {
		v.Add("stats", nil, "must name at least one stat")
	}
	for i, s := range t.Stats {
		switch {
		case !s.Valid():
			v.Add(fmt.Sprintf("stats[%d]", i), s, "must be one of STR, INT, WIS, STA, CHA, LCK")
		case slices.Index(t.Stats, s) != i:
			v.Add(fmt.Sprintf("stats[%d]", i), s, "is listed twice")
		}
	}
	return v.Err()
}

// Catalogue is the set of activity types a household can log: the builtins
// plus its custom ones.
type Catalogue struct {
	types []ActivityType
}

// NewCatalogue validates custom types and joins them to the builtins; a custom
// key may not repeat a builtin or another custom key.
func NewCatalogue(custom ...ActivityType) (Catalogue, error) {
	types := BuiltinActivityTypes()
	var v ValidationError
	for i, t := range custom {
		if err := ValidateActivityType(t); err != nil {
			for _, f := range validationFields(err) {
				v.Add(fmt.Sprintf("custom[%d].%s", i, f.Field), f.Value, f.Reason)
			}
			continue
		}
		if slices.ContainsFunc(types, func(o ActivityType) bool { return o.Key == t.Key }) {
			v.Add(fmt.Sprintf("custom[%d].key", i), t.Key, "is already taken")
			continue
		}
		t.Custom = true
		t.Stats = slices.Clone(t.Stats)
		types = append(types, t)
	}
	if err := v.Err(); err != nil {
		return Catalogue{}, err
	}
	return Catalogue{types: types}, nil
}

// Lookup finds the type with key.
func (c Catalogue) Lookup(key string) (ActivityType, bool) {
	if c.types == nil {
		c.types = BuiltinActivityTypes()
	}
	i := slices.IndexFunc(c.types, func(t ActivityType) bool { return t.Key == key })
	if i < 0 {
		return ActivityType{}, false
	}
	return c.types[i], true
}

// Types lists the catalogue, builtins first.
func (c Catalogue) Types() []ActivityType {
	if c.types == nil {
		return BuiltinActivityTypes()
	}
	return slices.Clone(c.types)
}

// Limits for logging facts.
const (
	// MaxBackdate is how far in the past an activity or mood may be logged
	// (check-ins go back to their habit's start; see ValidateCheckIn).
	MaxBackdate = 7 * 24 * time.Hour
	// ClockSkew is how far in the future a timestamp may be, to forgive clocks
	// of phones and sensors that run a little ahead.
	ClockSkew = 5 * time.Minute
	// MaxNoteLen is the longest note, in runes.
	MaxNoteLen = 500
)

// Activity is one logged activity.
type Activity struct {
	ID       int64
	PersonID int64
	Type     string  // catalogue key
	Amount   float64 // in the type's unit (duration in minutes for minute types)
	At       time.Time
	Note     string
	Source   Source
	XP       int // the marginal XP awarded when it was logged (see ActivityXP)
	// Recorded is when the activity was stored (zero: before the XP window
	// rule); an activity recorded too late after its day pays nothing.
	Recorded time.Time
}

// ValidateActivity checks an activity about to be logged at now.
func ValidateActivity(a Activity, cat Catalogue, now time.Time) error {
	var v ValidationError
	t, ok := cat.Lookup(a.Type)
	if !ok {
		v.Add("type", a.Type, "is not an activity type LifeOps knows; say one of "+cat.Names()+", or an alias (GET /api/v1/activity-types lists them)")
	}
	switch {
	case math.IsNaN(a.Amount) || a.Amount <= 0:
		v.Add("amount", a.Amount, "must be more than 0")
	case ok && a.Amount > t.Unit.MaxAmount():
		v.Add("amount", a.Amount, fmt.Sprintf("must be at most %g %s", t.Unit.MaxAmount(), t.Unit))
	}
	validateAt(&v, a.At, now)
	validateNote(&v, a.Note)
	if !a.Source.Valid() {
		v.Add("source", a.Source, "must be one of manual, ha, sensor, oura, api")
	}
	return v.Err()
}

func validateAt(v *ValidationError, at, now time.Time) {
	if validateFactTime(v, "at", at, now) && at.Before(now.Add(-MaxBackdate)) {
		v.Add("at", at.Format(time.RFC3339), "must be within the last 7 days")
	}
}

func validateNote(v *ValidationError, note string) {
	if utf8.RuneCountInString(note) > MaxNoteLen {
		v.Add("note", nil, "must be at most 500 characters")
	} else if !utf8.ValidString(note) || strings.ContainsRune(note, 0) {
		v.Add("note", nil, "must be valid text")
	}
}

// dayXPCurve is the diminishing-returns curve: the XP, before rounding and
// modifiers, that a total of u units of one type earns in one day. Up to
// full = FullUnitsPerDay it is linear; past it the marginal rate halves every
// full·ln2/2 units, so the tail can never add more than half a full day:
//
//	F(u) = r·u                                  for u ≤ full
//	F(u) = r·(full + full/2·(1 − e^(−2(u−full)/full)))  for u > full
func dayXPCurve(t ActivityType, u float64) float64 {
	if !(u > 0) || !(t.XPPerUnit > 0) || !(t.FullUnitsPerDay > 0) {
		return 0
	}
	full := t.FullUnitsPerDay
	if u <= full {
		return t.XPPerUnit * u
	}
	tail := full / 2
	return t.XPPerUnit * (full + tail*(1-math.Exp(-(u-full)/tail)))
}

// MaxXPFactor caps the multiplier that XP bonuses can reach, so a broken
// modifier cannot flood the XP totals.
const MaxXPFactor = 10

// TypeDayXP is the XP that a day's total amount of one activity type earns,
// with the person's modifiers. It is non-decreasing in total and never
// negative.
func TypeDayXP(t ActivityType, total float64, m Modifiers) int {
	f := m.XPFactor(string(t.Category))
	if !(f > 0) {
		return 0 // a bonus of −100 % or worse earns nothing rather than taking XP away
	}
	f = min(f, MaxXPFactor)
	return int(math.Round(dayXPCurve(t, total) * f))
}

// ActivityXP is the XP one new log earns: the marginal XP of adding amount to
// the already logged total of the same type that day,
//
//	ActivityXP(already, amount) = TypeDayXP(already+amount) − TypeDayXP(already).
//
// Both terms are rounded before subtracting, so the per-log XPs of a day always
// add up to exactly TypeDayXP of the day's total, and deleting the latest log
// takes away exactly what it gave. After deleting an earlier log the store
// recomputes the day's total with TypeDayXP.
func ActivityXP(t ActivityType, already, amount float64, m Modifiers) int {
	if !(already > 0) {
		already = 0
	}
	if !(amount > 0) {
		return 0
	}
	return TypeDayXP(t, already+amount, m) - TypeDayXP(t, already, m)
}
