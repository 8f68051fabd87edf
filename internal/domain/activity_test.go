package domain

import (
	"math"
	"slices"
	"testing"
	"testing/quick"
	"time"
)

func TestBuiltinCatalogue(t *testing.T) {
	t.Parallel()
	want := []string{"workout", "walk", "run", "cycling", "meditation", "reading", "deep_work", "learning", "social", "journaling", "chores"}
	var got []string
	for _, at := range BuiltinActivityTypes() {
		got = append(got, at.Key)
		if err := ValidateActivityType(at); err != nil {
			t.Errorf("builtin %s invalid: %v", at.Key, err)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("keys = %v, want %v", got, want)
	}
}

func TestNewCatalogue(t *testing.T) {
	t.Parallel()
	yoga := ActivityType{Key: "yoga", Name: "Yoga", Unit: UnitMinutes, XPPerUnit: 1.2, FullUnitsPerDay: 45, Category: CategoryWellbeing, Stats: []Stat{WIS, STA}}
	cat, err := NewCatalogue(yoga)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := cat.Lookup("yoga"); !ok || !got.Custom {
		t.Errorf("yoga = %+v, %v", got, ok)
	}
	if _, ok := cat.Lookup("workout"); !ok {
		t.Error("builtins missing")
	}
	dup := yoga
	dup.Key = "run"
	bad := ActivityType{Key: "Bad Key", Unit: "miles", XPPerUnit: -1, Category: "fun", Stats: []Stat{"DEX", STR, STR}}
	_, err = NewCatalogue(dup, bad)
	want := []string{"custom[0].key", "custom[1].category", "custom[1].full_units_per_day", "custom[1].key", "custom[1].name", "custom[1].stats[0]", "custom[1].stats[2]", "custom[1].unit", "custom[1].xp_per_unit"}
	if got := fieldsOf(t, err); !slices.Equal(got, want) {
		t.Errorf("fields = %v, want %v", got, want)
	}
}

func TestActivityXPCurve(t *testing.T) {
	t.Parallel()
	workout := lookup(t, "workout") // 1.5 XP/min, full XP for 60 min
	fitness10 := Modifiers{XPBonus: map[string]float64{"fitness": 0.10}}
	tests := []struct {
		name           string
		already, extra float64
		m              Modifiers
		want           int
	}{
		{"first 30 minutes at full rate", 0, 30, Modifiers{}, 45},
		{"up to the full 60", 30, 30, Modifiers{}, 45},
		{"one hour in one go", 0, 60, Modifiers{}, 90},
		// Past 60 min: 1.5·30·(1 − e^(−30/30)) = 28.45 → 118 − 90.
		{"30 minutes past full", 60, 30, Modifiers{}, 28},
		{"grinding hour 4 pays almost nothing", 180, 60, Modifiers{}, 1},
		{"straddling the knee", 50, 20, Modifiers{}, 28}, // 10 min full (15) + 10 decaying (1.5·30·(1−e^(−1/3)) = 12.75)
		{"fitness bonus", 0, 60, fitness10, 99},
		{"bonus of another category", 0, 60, Modifiers{XPBonus: map[string]float64{"mind": 1}}, 90},
		{"a −200 % debuff earns nothing", 0, 60, Modifiers{XPBonus: map[string]float64{"fitness": -2}}, 0},
		{"zero amount", 10, 0, Modifiers{}, 0},
		{"negative amount", 10, -5, Modifiers{}, 0},
		{"NaN amount", 0, math.NaN(), Modifiers{}, 0},
	}
	for _, tt := range tests {
		if got := ActivityXP(workout, tt.already, tt.extra, tt.m); got != tt.want {
			t.Errorf("%s: ActivityXP(%g, %g) = %d, want %d", tt.name, tt.already, tt.extra, got, tt.want)
		}
	}
	// The tail is bounded: a whole day of workout earns at most 1.5× the full day.
	if got, max := TypeDayXP(workout, 1440, Modifiers{}), 135; got > max {
		t.Errorf("a day of workout = %d XP, cap %d", got, max)
	}
}

// Property: logging a then b earns exactly TypeDayXP(a+b), each marginal XP
// is non-negative, and undoing b restores the exact prior total.
func TestActivityXPUndoProperty(t *testing.T) {
	t.Parallel()
	types := BuiltinActivityTypes()
	prop := func(ti uint8, amounts []uint16, bonus int8) bool {
		at := types[int(ti)%len(types)]
		m := Modifiers{XPBonus: map[string]float64{string(at.Category): float64(bonus) / 100}}
		total, sum := 0.0, 0
		for _, a := range amounts {
			amount := float64(a%600) / 4 // quarter units, up to 150
			xp := ActivityXP(at, total, amount, m)
			if xp < 0 {
				return false
			}
			before := TypeDayXP(at, total, m)
			total += amount
			sum += xp
			if sum != TypeDayXP(at, total, m) {
				return false
			}
			// Undo the latest log: what is left is exactly the prior total.
			if sum-xp != before {
				return false
			}
		}
		return true
	}
	if err := quick.Check(prop, &quick.Config{MaxCount: 2000}); err != nil {
		t.Error(err)
	}
}

func TestValidateActivity(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	good := Activity{Type: "run", Amount: 5.2, At: now.Add(-time.Hour), Source: SourceHA}
	if err := ValidateActivity(good, Catalogue{}, now); err != nil {
		t.Fatalf("good: %v", err)
	}
	tests := []struct {
		name string
		edit func(*Activity)
		want []string
	}{
		{"unknown type", func(a *Activity) { a.Type = "juggling" }, []string{"type"}},
		{"zero amount", func(a *Activity) { a.Amount = 0 }, []string{"amount"}},
		{"too far for one run", func(a *Activity) { a.Amount = 900 }, []string{"amount"}},
		{"backdated 7 days is fine", func(a *Activity) { a.At = now.Add(-MaxBackdate) }, nil},
		{"backdated 8 days", func(a *Activity) { a.At = now.Add(-8 * 24 * time.Hour) }, []string{"at"}},
		{"within skew", func(a *Activity) { a.At = now.Add(ClockSkew) }, nil},
		{"future", func(a *Activity) { a.At = now.Add(time.Hour) }, []string{"at"}},
		{"no time", func(a *Activity) { a.At = time.Time{} }, []string{"at"}},
		{"long note", func(a *Activity) { a.Note = string(make([]rune, 501)) }, []string{"note"}},
		{"bad source", func(a *Activity) { a.Source = "fax" }, []string{"source"}},
		{"everything", func(a *Activity) { *a = Activity{Amount: math.NaN()} }, []string{"amount", "at", "source", "type"}},
	}
	for _, tt := range tests {
		a := good
		tt.edit(&a)
		if got := fieldsOf(t, ValidateActivity(a, Catalogue{}, now)); !slices.Equal(got, tt.want) {
			t.Errorf("%s: fields = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestActiveMinutes(t *testing.T) {
	cat, err := NewCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	custom := ActivityType{Key: "rowing", Name: "Rowing", Unit: UnitKm, XPPerUnit: 5, FullUnitsPerDay: 10, Category: CategoryFitness, Custom: true}
	tests := []struct {
		key    string
		t      *ActivityType
		amount float64
		want   float64
		ok     bool
	}{
		{key: "walk", amount: 40, want: 40, ok: true},
		{key: "run", amount: 5, want: 30, ok: true},
		{key: "cycling", amount: 20, want: 60, ok: true},
		{key: "reading", amount: 30},
		{key: "journaling", amount: 1},
		{t: &custom, amount: 2, want: 12, ok: true},
	}
	for _, tt := range tests {
		typ := tt.t
		if typ == nil {
			found, ok := cat.Lookup(tt.key)
			if !ok {
				t.Fatalf("no %s", tt.key)
			}
			typ = &found
		}
		got, ok := typ.ActiveMinutes(tt.amount)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s %v: %v %v, want %v %v", typ.Key, tt.amount, got, ok, tt.want, tt.ok)
		}
	}
}
