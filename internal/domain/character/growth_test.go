package character

import (
	"math"
	"slices"
	"testing"

	"github.com/lifeops/lifeops/internal/domain"
)

func TestDayGrowth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		day  DayTotals
		want StatValues // only non-zero stats listed
	}{
		{"nothing", DayTotals{}, StatValues{}},
		// 60 min of workout = 0.1 raw STR → 0.15 × (1 − e^(−0.1/0.15)).
		// 120 min of workout = 0.2 raw, split 0.1 STR + 0.1 STA.
		{"workout grows STR and STA", DayTotals{Minutes: map[string]float64{"workout": 120}}, sv(STR, 0.07298743214511119, STA, 0.07298743214511119)},
		{"run grows STA and STR", DayTotals{Minutes: map[string]float64{"run": 80}}, sv(STA, 0.07298743214511119, STR, 0.07298743214511119)},
		{"a custom type grows what it advertises", DayTotals{Minutes: map[string]float64{"climbing": 120},
			Stats: map[string][]Stat{"climbing": {STR, WIS}}}, sv(STR, 0.07298743214511119, WIS, 0.07298743214511119)},
		// Walk and cycling feed the same stat: raw adds up before the curve.
		{"walk and cycling share STA", DayTotals{Minutes: map[string]float64{"walk": 45, "cycling": 60}}, sv(STA, 0.09481808382428367)},
		{"reading", DayTotals{Minutes: map[string]float64{"reading": 60}}, sv(INT, 0.07298743214511119)},
		{"learning", DayTotals{Minutes: map[string]float64{"learning": 50}}, sv(INT, 0.04252030341393161, WIS, 0.04252030341393161)},
		{"deep work", DayTotals{Minutes: map[string]float64{"deep_work": 90}}, sv(INT, 0.07298743214511119)},
		{"meditation", DayTotals{Minutes: map[string]float64{"meditation": 15}}, sv(WIS, 0.04252030341393161)},
		{"journaling", DayTotals{Minutes: map[string]float64{"journaling": 30}}, sv(WIS, 0.07298743214511119)},
		{"social", DayTotals{Minutes: map[string]float64{"social": 120}}, sv(CHA, 0.11046042928264099)},
		// 120 min of chores = 0.2 raw, split 0.1 STR + 0.1 STA.
		{"chores split", DayTotals{Minutes: map[string]float64{"chores": 120}},
			sv(STR, 0.07298743214511119, STA, 0.07298743214511119)},
		{"milestones", DayTotals{StreakMilestones: 1}, sv(LCK, 0.07298743214511119)},
		{"unknown, negative, NaN and Inf ignored", DayTotals{Minutes: map[string]float64{
			"gaming": 300, "workout": -60, "run": math.NaN(), "walk": math.Inf(1)}}, StatValues{}},
		{"low readiness halves STR and STA only", DayTotals{Readiness: 59, Minutes: map[string]float64{
			"workout": 120, "chores": 120, "reading": 60}},
			// STR raw 0.1 + 0.1 = 0.2; STA raw 0.1 + 0.1 = 0.2.
			sv(STR, 0.11046042928264099/2, STA, 0.11046042928264099/2, INT, 0.07298743214511119)},
		{"readiness 60 is not low", DayTotals{Readiness: 60, Minutes: map[string]float64{"workout": 120}},
			sv(STR, 0.07298743214511119, STA, 0.07298743214511119)},
		{"no readiness reading does not gate", DayTotals{Readiness: 0, Minutes: map[string]float64{"workout": 120}},
			sv(STR, 0.07298743214511119, STA, 0.07298743214511119)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := DayGrowth(tt.day)
			for s := range got {
				if math.Abs(got[s]-tt.want[s]) > 1e-12 {
					t.Errorf("%s = %v, want %v", Stat(s), got[s], tt.want[s])
				}
			}
		})
	}
}

func sv(pairs ...any) StatValues {
	var v StatValues
	for i := 0; i < len(pairs); i += 2 {
		v[pairs[i].(Stat)] = pairs[i+1].(float64)
	}
	return v
}

// The curve: more is always more, never past the cap, and each extra hour is
// worth less than the one before.
func TestDayGrowthDiminishingReturns(t *testing.T) {
	t.Parallel()
	prev, prevGain := 0.0, math.Inf(1)
	for hours := 1; hours <= 24; hours++ {
		g := DayGrowth(DayTotals{Minutes: map[string]float64{"workout": float64(60 * hours)}})[STR]
		gain := g - prev
		if gain <= 0 || gain >= prevGain {
			t.Fatalf("hour %d: gain %v after %v, want positive and shrinking", hours, gain, prevGain)
		}
		if g > DailyGrowthCap {
			t.Fatalf("hour %d: growth %v above the cap %v", hours, g, DailyGrowthCap)
		}
		prev, prevGain = g, gain
	}
	if prev < 0.99*DailyGrowthCap {
		t.Errorf("24 h of workout = %v, want close to the cap %v", prev, DailyGrowthCap)
	}
}

func TestTotalGrowth(t *testing.T) {
	t.Parallel()
	hour := DayTotals{Minutes: map[string]float64{"reading": 60, "meditation": 15}}
	got := TotalGrowth([]DayTotals{hour, hour, {Readiness: 40, Minutes: map[string]float64{"reading": 60}}})
	want := sv(INT, 3*0.07298743214511119, WIS, 2*0.04252030341393161)
	for s := range got {
		if math.Abs(got[s]-want[s]) > 1e-12 {
			t.Errorf("%s = %v, want %v", Stat(s), got[s], want[s])
		}
	}
	// Spreading effort over days beats cramming it into one.
	two := TotalGrowth([]DayTotals{{Minutes: map[string]float64{"run": 60}}, {Minutes: map[string]float64{"run": 60}}})
	one := TotalGrowth([]DayTotals{{Minutes: map[string]float64{"run": 120}}})
	if two[STA] <= one[STA] {
		t.Errorf("two days %v ≤ one day %v", two[STA], one[STA])
	}
	if got := TotalGrowth(nil); got != (StatValues{}) {
		t.Errorf("TotalGrowth(nil) = %v", got)
	}
}

// TestGrowthRulesGrowWhatTypesAdvertise keeps the growth table in step with
// the catalogue: each built-in type grows exactly the stats it lists.
func TestGrowthRulesGrowWhatTypesAdvertise(t *testing.T) {
	t.Parallel()
	rules := map[string][]Stat{}
	for _, r := range GrowthRules() {
		rules[r.Activity] = r.Stats
	}
	for _, at := range domain.BuiltinActivityTypes() {
		var want []Stat
		for _, s := range at.Stats {
			st, err := ParseStat(string(s))
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, st)
		}
		if !slices.Equal(rules[at.Key], want) {
			t.Errorf("%s advertises %v, grows %v", at.Key, want, rules[at.Key])
		}
	}
}
