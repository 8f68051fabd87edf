package character

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/lifeops/lifeops/internal/domain"
)

// treeWith builds a tree whose nodes n1, n2, … each carry one of the given
// effect lists (JSON arrays) and hang off the start.
func treeWith(tb testing.TB, effects ...string) *Tree {
	tb.Helper()
	var nodes, edges []string
	nodes = append(nodes, `{"id":"start","name":"S","description":"d","kind":"start","x":0,"y":0}`)
	for i, e := range effects {
		nodes = append(nodes, fmt.Sprintf(`{"id":"n%d","name":"N","description":"d","kind":"notable","x":%d,"y":0,"effects":%s}`, i+1, 100*(i+1), e))
		edges = append(edges, fmt.Sprintf(`["start","n%d"]`, i+1))
	}
	src := fmt.Sprintf(`{"version":1,"start":"start","nodes":[%s],"edges":[%s]}`, strings.Join(nodes, ","), strings.Join(edges, ","))
	tree, err := Parse([]byte(src))
	if err != nil {
		tb.Fatalf("Parse: %v", err)
	}
	return tree
}

func ids(n int) []NodeID {
	out := make([]NodeID, n)
	for i := range out {
		out[i] = NodeID(fmt.Sprintf("n%d", i+1))
	}
	return out
}

func TestModifiersEachEffect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		effects []string
		want    domain.Modifiers
	}{
		{"nothing", nil, domain.Modifiers{}},
		{"xp_multiplier", []string{`[{"kind":"xp_multiplier","category":"fitness","percent":10}]`},
			domain.Modifiers{XPBonus: map[string]float64{"fitness": 0.10}}},
		{"xp_multiplier sums per category", []string{
			`[{"kind":"xp_multiplier","category":"mind","percent":10},{"kind":"xp_multiplier","category":"social","percent":5}]`,
			`[{"kind":"xp_multiplier","category":"mind","percent":15},{"kind":"xp_multiplier","category":"fitness","percent":-10}]`,
		}, domain.Modifiers{XPBonus: map[string]float64{"mind": 0.25, "social": 0.05, "fitness": -0.10}}},
		{"xp penalty floored", []string{
			`[{"kind":"xp_multiplier","category":"chores","percent":-50}]`,
			`[{"kind":"xp_multiplier","category":"chores","percent":-40}]`,
		}, domain.Modifiers{XPBonus: map[string]float64{"chores": MinXPBonus}}},
		{"xp bonus cancelled out", []string{
			`[{"kind":"xp_multiplier","category":"chores","percent":-10}]`,
			`[{"kind":"xp_multiplier","category":"chores","percent":10}]`,
		}, domain.Modifiers{}},
		{"extra_streak_shields", []string{`[{"kind":"extra_streak_shields","count":1}]`, `[{"kind":"extra_streak_shields","count":2}]`},
			domain.Modifiers{ExtraShields: 3}},
		{"habit_strength_bonus", []string{`[{"kind":"habit_strength_bonus","fraction":0.02}]`, `[{"kind":"habit_strength_bonus","fraction":0.05}]`},
			domain.Modifiers{StrengthBonus: 0.07}},
		{"routine_on_time_xp", []string{`[{"kind":"routine_on_time_xp","percent":15}]`, `[{"kind":"routine_on_time_xp","percent":25}]`},
			domain.Modifiers{RoutineOnTimeXP: 0.40}},
		{"stat effects stay out", []string{`[{"kind":"flat_stat","stat":"STR","amount":3},{"kind":"percent_stat","stat":"INT","percent":10}]`},
			domain.Modifiers{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tree := treeWith(t, tt.effects...)
			got := Modifiers(tree, ids(len(tt.effects)))
			if !modifiersClose(got, tt.want) {
				t.Errorf("Modifiers = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func modifiersClose(a, b domain.Modifiers) bool {
	near := func(x, y float64) bool { return math.Abs(x-y) < 1e-9 }
	if len(a.XPBonus) != len(b.XPBonus) || a.ExtraShields != b.ExtraShields ||
		!near(a.StrengthBonus, b.StrengthBonus) || !near(a.RoutineOnTimeXP, b.RoutineOnTimeXP) {
		return false
	}
	for k, v := range a.XPBonus {
		w, ok := b.XPBonus[k]
		if !ok || !near(v, w) {
			return false
		}
	}
	return true
}

func TestModifiersSkipsUnknownAndDuplicates(t *testing.T) {
	t.Parallel()
	tree := treeWith(t, `[{"kind":"extra_streak_shields","count":1}]`)
	got := Modifiers(tree, []NodeID{"n1", "n1", "removed_node", "start"})
	if got.ExtraShields != 1 {
		t.Errorf("ExtraShields = %d, want 1", got.ExtraShields)
	}
}

// The default tree's keystones do what their descriptions promise.
func TestModifiersDefaultTree(t *testing.T) {
	t.Parallel()
	tree := mustDefault(t)
	path := []NodeID{"int_1", "int_2", "int_n1", "int_3", "int_n2", "int_5", "int_6", "int_k"}
	if err := ValidateAllocation(tree, path, 10); err != nil {
		t.Fatal(err)
	}
	got := Modifiers(tree, path)
	want := map[string]float64{"mind": 0.40, "fitness": -0.10} // 10 + 5 + 25 mind (int_4 not taken), −10 fitness
	if !modifiersClose(got, domain.Modifiers{XPBonus: want}) {
		t.Errorf("Modifiers(INT branch) = %+v, want XPBonus %v", got, want)
	}
	if f := got.XPFactor("mind"); math.Abs(f-1.40) > 1e-9 {
		t.Errorf("XPFactor(mind) = %v, want 1.40", f)
	}
}

func TestStatsBreakdown(t *testing.T) {
	t.Parallel()
	tree := treeWith(t,
		`[{"kind":"flat_stat","stat":"STR","amount":4},{"kind":"percent_stat","stat":"STR","percent":10}]`,
		`[{"kind":"percent_stat","stat":"STR","percent":10},{"kind":"flat_stat","stat":"CHA","amount":-3}]`,
		`[{"kind":"flat_stat","stat":"LCK","amount":-10},{"kind":"percent_stat","stat":"LCK","percent":-30}]`,
	)
	var growth, buffs StatValues
	growth[STR] = 2.5
	buffs[STR] = 3
	buffs[INT] = 1.25
	got := Stats(tree, ids(3), 7, growth, buffs) // level 7 → +3
	tests := []struct {
		stat Stat
		want Breakdown
	}{
		// STR: before = 10 + 3 + 2.5 + 4 = 19.5; +20 % → 3.9; tree = 4 + 3.9;
		// buffs are added after and not scaled.
		{STR, Breakdown{Base: 10, Level: 3, Growth: 2.5, Tree: 7.9, Buffs: 3, Total: 26.4}},
		{INT, Breakdown{Base: 10, Level: 3, Buffs: 1.25, Total: 14.25}},
		{WIS, Breakdown{Base: 10, Level: 3, Total: 13}},
		{CHA, Breakdown{Base: 10, Level: 3, Tree: -3, Total: 10}},
		// LCK: before = 10 + 3 − 10 = 3; −30 % → −0.9; tree = −10.9; total 2.1.
		{LCK, Breakdown{Base: 10, Level: 3, Tree: -10.9, Total: 2.1}},
	}
	for _, tt := range tests {
		if b := got[tt.stat]; !breakdownClose(b, tt.want) {
			t.Errorf("%s = %+v, want %+v", tt.stat, b, tt.want)
		}
	}
	if v := got[STR].Rounded(); v != 26 {
		t.Errorf("STR Rounded = %d, want 26", v)
	}
}

func TestStatsTotalNeverNegative(t *testing.T) {
	t.Parallel()
	tree := treeWith(t, `[{"kind":"flat_stat","stat":"WIS","amount":-10}]`, `[{"kind":"flat_stat","stat":"WIS","amount":-10}]`)
	got := Stats(tree, ids(2), 1, StatValues{}, StatValues{})
	if got[WIS].Total != 0 || got[WIS].Tree != -20 {
		t.Errorf("WIS = %+v, want Tree −20 and Total 0", got[WIS])
	}
}

func breakdownClose(a, b Breakdown) bool {
	x := []float64{a.Base, a.Level, a.Growth, a.Tree, a.Buffs, a.Total}
	y := []float64{b.Base, b.Level, b.Growth, b.Tree, b.Buffs, b.Total}
	for i := range x {
		if math.Abs(x[i]-y[i]) > 1e-9 {
			return false
		}
	}
	return true
}

func TestLevelBonus(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ level, want int }{{0, 0}, {1, 0}, {2, 0}, {3, 1}, {4, 1}, {21, 10}} {
		if got := LevelBonus(tt.level); got != tt.want {
			t.Errorf("LevelBonus(%d) = %d, want %d", tt.level, got, tt.want)
		}
	}
}

func TestStatText(t *testing.T) {
	t.Parallel()
	for _, s := range AllStats() {
		b, err := s.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Stat
		if err := back.UnmarshalText(b); err != nil || back != s {
			t.Errorf("round trip of %s = %s, %v", s, back, err)
		}
	}
	if _, err := ParseStat("str"); err == nil {
		t.Error("ParseStat(str) accepted a lower-case code")
	}
	if _, err := Stat(9).MarshalText(); err == nil {
		t.Error("Stat(9) marshalled")
	}
	if got := fmt.Sprint(Stat(9)); got != "Stat(9)" {
		t.Errorf("Stat(9).String() = %q", got)
	}
	if !reflect.DeepEqual(AllStats(), [NumStats]Stat{STR, INT, WIS, STA, CHA, LCK}) {
		t.Error("AllStats order changed")
	}
}
