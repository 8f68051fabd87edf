package character

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func mustDefault(tb testing.TB) *Tree {
	tb.Helper()
	t, err := Default()
	if err != nil {
		tb.Fatalf("Default: %v", err)
	}
	return t
}

func mustLoad(tb testing.TB, name string) *Tree {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	t, err := Parse(data)
	if err != nil {
		tb.Fatalf("Parse(%s): %v", name, err)
	}
	return t
}

func TestDefaultTreeShape(t *testing.T) {
	t.Parallel()
	tree := mustDefault(t)
	if n := tree.Len(); n < 50 {
		t.Errorf("tree has %d nodes, want at least 50", n)
	}
	kinds := map[NodeKind]int{}
	granted := map[Stat]bool{}
	effects := map[EffectKind]bool{}
	for _, n := range tree.Nodes() {
		kinds[n.Kind]++
		for s, v := range n.Stats {
			if v > 0 {
				granted[Stat(s)] = true
			}
		}
		for _, e := range n.Effects {
			effects[e.Kind] = true
		}
	}
	if kinds[KindStart] != 1 || kinds[KindKeystone] != 6 || kinds[KindNotable] < 6 {
		t.Errorf("kinds = %v, want 1 start, 6 keystones, ≥6 notables", kinds)
	}
	if len(granted) != NumStats {
		t.Errorf("stats granted somewhere = %v, want all six", granted)
	}
	for _, s := range EffectSpecs() {
		if !effects[s.Kind] {
			t.Errorf("no node uses effect %s", s.Kind)
		}
	}
	if got := len(tree.Neighbors(tree.Start())); got != 6 {
		t.Errorf("start has %d neighbours, want 6 (one per branch)", got)
	}
	// Every keystone ends a branch: exactly one neighbour.
	for _, n := range tree.Nodes() {
		if n.Kind == KindKeystone && len(tree.Neighbors(n.ID)) != 1 {
			t.Errorf("keystone %s has neighbours %v, want a branch end", n.ID, tree.Neighbors(n.ID))
		}
	}
}

func TestParseBroken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file   string
		node   string // quoted node reference the message must carry; "" for file-level
		reason string
	}{
		{"broken_duplicate_id.json", `node "a"`, "duplicate id"},
		{"broken_unknown_edge.json", `node "ghost"`, `edge from "a": node does not exist`},
		{"broken_self_edge.json", `node "a"`, "edge to itself"},
		{"broken_duplicate_edge.json", `node "a"`, `duplicate edge to "start"`},
		{"broken_unreachable.json", `node "island"`, `not reachable from the start "start"`},
		{"broken_effect_kind.json", `node "a"`, `effect 1: unknown kind "flat_sta"`},
		{"broken_effect_range.json", `node "a"`, "effect 2: percent 80 out of range [-30, 30]"},
		{"broken_effect_category.json", `node "a"`, `effect 1: unknown category "gaming"`},
		{"broken_effect_field.json", `node "a"`, "effect 1: percent_stat takes percent, not amount"},
		{"broken_effect_fraction.json", `node "a"`, "effect 1: count 1.5 must be a whole number"},
		{"broken_no_start.json", `node "begin"`, "start node does not exist"},
		{"broken_stat.json", `node "a"`, `stats: unknown stat "DEX"`},
		{"broken_unknown_field.json", `node "a"`, `decode: json: unknown field "colour"`},
		{"broken_keystone.json", `node "a"`, "a keystone needs at least one effect"},
		{"broken_overlap.json", `node "b"`, `overlaps node "a"`},
		{"broken_empty_name.json", `node "a"`, "name is empty"},
		{"broken_bad_id.json", `node "Bad Id"`, "id must match"},
		{"broken_kind.json", `node "a"`, `unknown kind "mega"`},
		{"broken_grant.json", `node "a"`, "STR grant 9 out of range [1, 5]"},
		{"broken_no_position.json", `node "a"`, "position needs both x and y"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			tree, err := Parse(data)
			if err == nil {
				t.Fatalf("Parse succeeded with %d nodes, want an error", tree.Len())
			}
			if !errors.Is(err, ErrInvalidTree) {
				t.Errorf("error %v does not match ErrInvalidTree", err)
			}
			var te *TreeError
			if !errors.As(err, &te) {
				t.Errorf("error %T is not a *TreeError", err)
			}
			// One line of the (joined) message names both node and reason.
			found := false
			for line := range strings.SplitSeq(err.Error(), "\n") {
				if strings.Contains(line, tt.node) && strings.Contains(line, tt.reason) {
					found = true
				}
			}
			if !found {
				t.Errorf("error:\n%v\nwant a line with %s and %q", err, tt.node, tt.reason)
			}
		})
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	t.Parallel()
	data := []byte(`{"version": 2, "start": "start", "nodes": [
		{"id": "start", "name": "S", "description": "d", "kind": "start", "x": 0, "y": 0},
		{"id": "a", "name": "", "description": "d", "kind": "minor", "x": 50, "y": 0, "stats": {"STR": 0}},
		{"id": "b", "name": "B", "description": "d", "kind": "notable", "x": 100, "y": 0,
		 "effects": [{"kind": "routine_on_time_xp", "percent": 0}, {"kind": "habit_strength_bonus"}]}
	], "edges": [["start", "a"], ["a", "b"]]}`)
	_, err := Parse(data)
	if err == nil {
		t.Fatal("want error")
	}
	for _, want := range []string{
		"version 2 not supported",
		`node "a": name is empty`,
		`node "a": stats: STR grant 0 out of range`,
		`node "b": effect 1: percent 0 out of range [1, 100]`,
		`node "b": effect 2: habit_strength_bonus needs fraction`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error misses %q:\n%v", want, err)
		}
	}
}

func TestParseNotJSON(t *testing.T) {
	t.Parallel()
	_, err := Parse([]byte(`{"version": 1, "nodes": [`))
	if !errors.Is(err, ErrInvalidTree) || !strings.Contains(err.Error(), "decode") {
		t.Errorf("err = %v, want a decode error matching ErrInvalidTree", err)
	}
}

// The tree's JSON (what the API serves) is the file format: it parses back to
// the same tree.
func TestTreeJSONRoundTrip(t *testing.T) {
	t.Parallel()
	tree := mustDefault(t)
	data, err := json.Marshal(tree)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(data)
	if err != nil {
		t.Fatalf("Parse(Marshal(tree)): %v", err)
	}
	if !reflect.DeepEqual(tree.Nodes(), back.Nodes()) || !reflect.DeepEqual(tree.Edges(), back.Edges()) {
		t.Error("round trip changed the tree")
	}
}

func TestTreeAccessors(t *testing.T) {
	t.Parallel()
	tree := mustLoad(t, "small.json")
	if got := tree.Start(); got != "start" {
		t.Errorf("Start = %q", got)
	}
	if got := tree.Neighbors("b"); !reflect.DeepEqual(got, []NodeID{"a", "c"}) {
		t.Errorf("Neighbors(b) = %v, want [a c]", got)
	}
	if got := tree.Neighbors("nope"); got != nil {
		t.Errorf("Neighbors(nope) = %v, want nil", got)
	}
	n, ok := tree.Node("c")
	if !ok || n.Kind != KindNotable || len(n.Effects) != 1 || n.Effects[0].Category != CategoryMind {
		t.Errorf("Node(c) = %+v, %v", n, ok)
	}
	n.Effects[0].Value = 99 // a copy: the tree must not change
	if again, _ := tree.Node("c"); again.Effects[0].Value != 10 {
		t.Error("Node returned shared effects")
	}
	if _, ok := tree.Node("nope"); ok {
		t.Error("Node(nope) found")
	}
}

// The default layout draws cleanly: no two shapes touch and no edge runs
// through a node it does not connect.
func TestDefaultTreeLayout(t *testing.T) {
	t.Parallel()
	tree := mustDefault(t)
	nodes := tree.Nodes()
	radius := func(n Node) float64 {
		if n.Kind == KindKeystone {
			return radiusKeystone
		}
		return float64(nodeRadius(n.Kind))
	}
	const gap = 8
	for i, a := range nodes {
		for _, b := range nodes[:i] {
			if d := math.Hypot(a.X-b.X, a.Y-b.Y); d < radius(a)+radius(b)+gap {
				t.Errorf("%s and %s are %.0f apart, shapes touch", a.ID, b.ID, d)
			}
		}
	}
	for _, e := range tree.Edges() {
		a, _ := tree.Node(e.A)
		b, _ := tree.Node(e.B)
		for _, n := range nodes {
			if n.ID == e.A || n.ID == e.B {
				continue
			}
			if d := segmentDistance(n.X, n.Y, a.X, a.Y, b.X, b.Y); d < radius(n)+gap {
				t.Errorf("edge %s–%s passes %.0f from %s", e.A, e.B, d, n.ID)
			}
		}
	}
}

func segmentDistance(px, py, ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	u := ((px-ax)*dx + (py-ay)*dy) / (dx*dx + dy*dy)
	u = max(0, min(1, u))
	return math.Hypot(px-(ax+u*dx), py-(ay+u*dy))
}
