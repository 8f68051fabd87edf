package character

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
)

func TestBuildSheet(t *testing.T) {
	t.Parallel()
	tree := mustDefault(t)
	var growth, buffs StatValues
	growth[STR] = 1.234567
	buffs[LCK] = 2
	in := SheetInput{
		Level: 6, XP: 2150, XPIntoLevel: 150, XPToNext: 350,
		// Unsorted, with a duplicate and a node since removed from the tree.
		Allocated: []NodeID{"str_2", "str_1", "gone", "str_1", "str_n1"},
		Growth:    growth,
		Buffs:     buffs,
	}
	got := BuildSheet(tree, in)

	if got.Level != 6 || got.XP != 2150 || got.XPIntoLevel != 150 || got.XPToNext != 350 {
		t.Errorf("level numbers = %+v", got)
	}
	if want := []NodeID{"str_1", "str_2", "str_n1"}; !reflect.DeepEqual(got.Allocated, want) {
		t.Errorf("Allocated = %v, want %v", got.Allocated, want)
	}
	if got.UnspentPoints != 3 { // level 6 → 6 points, 3 spent
		t.Errorf("UnspentPoints = %d, want 3", got.UnspentPoints)
	}
	if len(got.Stats) != NumStats {
		t.Fatalf("%d stat lines", len(got.Stats))
	}
	for i, l := range got.Stats {
		if l.Stat != Stat(i) {
			t.Errorf("line %d is %s, want display order", i, l.Stat)
		}
	}
	// STR: 10 + level 2 + growth 1.234567 + tree (1 + 1 + 2) = 17.234567.
	str := got.Stat(STR)
	want := StatLine{Stat: STR, Breakdown: Breakdown{Base: 10, Level: 2, Growth: 1.23, Tree: 4, Total: 17.23}, Value: 17}
	if str != want {
		t.Errorf("STR = %+v, want %+v", str, want)
	}
	if lck := got.Stat(LCK); lck.Buffs != 2 || lck.Value != 14 {
		t.Errorf("LCK = %+v, want buffs 2, value 14", lck)
	}
	// The sheet's stats agree with Stats.
	block := Stats(tree, in.Allocated, in.Level, in.Growth, in.Buffs)
	for _, l := range got.Stats {
		if math.Abs(l.Total-block[l.Stat].Total) > 0.005 {
			t.Errorf("%s sheet total %v, Stats total %v", l.Stat, l.Total, block[l.Stat].Total)
		}
	}
	// Modifiers flow from the same allocation: Forged in Effort's +10 % fitness.
	if m := Modifiers(tree, in.Allocated); math.Abs(m.XPBonus["fitness"]-0.10) > 1e-9 {
		t.Errorf("Modifiers = %+v", m)
	}
}

func TestSheetJSON(t *testing.T) {
	t.Parallel()
	tree := mustDefault(t)
	var growth StatValues
	growth[INT] = 0.5
	s := BuildSheet(tree, SheetInput{
		Level: 12, XP: 9800, XPIntoLevel: 300, XPToNext: 900,
		Allocated: []NodeID{"int_1", "int_2", "int_n1", "cha_1"},
		Growth:    growth,
	})
	out, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "sheet.json.golden", append(out, '\n'))
}

func TestBuildSheetEmpty(t *testing.T) {
	t.Parallel()
	s := BuildSheet(mustDefault(t), SheetInput{Level: 1})
	if s.Allocated == nil || len(s.Allocated) != 0 {
		t.Errorf("Allocated = %#v, want an empty, non-nil list (JSON [])", s.Allocated)
	}
	if s.UnspentPoints != 0 || s.Stat(CHA).Value != Base {
		t.Errorf("sheet = %+v", s)
	}
}

func BenchmarkModifiersAndSheet(b *testing.B) {
	tree := mustDefault(b)
	allocated := []NodeID{"str_1", "str_2", "str_n1", "str_3", "str_n2", "str_5", "str_6", "str_k",
		"wis_1", "wis_2", "wis_n1", "int_1", "int_2", "int_n1", "int_3", "wis_4"}
	var growth StatValues
	growth[STR] = 3.2
	in := SheetInput{Level: 20, XP: 40000, Allocated: allocated, Growth: growth}
	b.ReportAllocs()
	for b.Loop() {
		m := Modifiers(tree, allocated)
		s := BuildSheet(tree, in)
		if m.XPBonus == nil || s.UnspentPoints < 0 {
			b.Fatal("unexpected result")
		}
	}
}

func BenchmarkTotalGrowthYear(b *testing.B) {
	days := make([]DayTotals, 365)
	for i := range days {
		days[i] = DayTotals{Minutes: map[string]float64{"workout": 45, "walk": 30, "reading": 20}, Readiness: 50 + i%40}
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = TotalGrowth(days)
	}
}
