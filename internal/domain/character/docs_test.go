package character

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

const docPath = "../../../docs/stat-tree.md"

func readDoc(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// section returns the text of the "## title" section.
func section(t *testing.T, doc, title string) string {
	t.Helper()
	_, rest, ok := strings.Cut(doc, "\n## "+title+"\n")
	if !ok {
		t.Fatalf("doc has no section %q", title)
	}
	if i := strings.Index(rest, "\n## "); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

var kindCell = regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\|")

// The doc's effect table is the code's vocabulary: every kind it names
// exists, and every kind exists in it with the same parameters and range.
func TestDocEffectTable(t *testing.T) {
	t.Parallel()
	doc := section(t, readDoc(t), "Effect vocabulary")
	known := map[string]bool{}
	for _, s := range EffectSpecs() {
		known[string(s.Kind)] = true
		params := "`" + s.ValueField + "`"
		switch {
		case s.NeedsStat:
			params = "`stat`, " + params
		case s.NeedsCat:
			params = "`category`, " + params
		}
		rng := fmt.Sprintf("%g to %g", s.Min, s.Max)
		if s.Integer {
			rng += ", whole number"
		}
		if s.NonZero {
			rng += ", not 0"
		}
		row := fmt.Sprintf("| `%s` | %s | %s | %s |", s.Kind, params, rng, s.Description)
		if !strings.Contains(doc, row+"\n") {
			t.Errorf("doc lacks the row\n%s", row)
		}
	}
	for _, m := range kindCell.FindAllStringSubmatch(doc, -1) {
		if !known[m[1]] {
			t.Errorf("doc names effect kind %q, which the code does not know", m[1])
		}
	}
	for _, c := range Categories() {
		if !strings.Contains(doc, "`"+string(c)+"`") {
			t.Errorf("doc does not list category %s", c)
		}
	}
}

func TestDocGrowthTable(t *testing.T) {
	t.Parallel()
	doc := section(t, readDoc(t), "Passive growth")
	rows := kindCell.FindAllStringSubmatch(doc, -1)
	rules := GrowthRules()
	if len(rows) != len(rules) {
		t.Errorf("doc has %d growth rows, code %d", len(rows), len(rules))
	}
	for _, r := range rules {
		stats := make([]string, len(r.Stats))
		for i, s := range r.Stats {
			stats[i] = s.String()
		}
		row := fmt.Sprintf("| `%s` | %s | %g |", r.Activity, strings.Join(stats, ", "), r.MinutesPerPoint)
		if !strings.Contains(doc, row+"\n") {
			t.Errorf("doc lacks the row\n%s", row)
		}
	}
	for _, want := range []string{
		fmt.Sprintf("adds %g raw LCK", MilestoneLuck),
		fmt.Sprintf("`%g × (1 − e^(−r / %g))`", DailyGrowthCap, DailyGrowthCap),
		fmt.Sprintf("readiness score below %d", LowReadiness),
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("doc does not say %q", want)
		}
	}
}

// The example node of "Adding a node" really loads into the default tree.
func TestDocExampleNode(t *testing.T) {
	t.Parallel()
	doc := readDoc(t)
	_, after, _ := strings.Cut(doc, "### Adding a node")
	m := regexp.MustCompile("(?s)```json\n(\\{\"id\": \"str_farmer\".*?)\n```").FindStringSubmatch(after)
	if m == nil {
		t.Fatal("example node not found in the doc")
	}
	var file map[string]any
	if err := json.Unmarshal(defaultTreeJSON, &file); err != nil {
		t.Fatal(err)
	}
	var node any
	if err := json.Unmarshal([]byte(m[1]), &node); err != nil {
		t.Fatalf("example node is not JSON: %v", err)
	}
	file["nodes"] = append(file["nodes"].([]any), node)
	file["edges"] = append(file["edges"].([]any), []any{"str_5", "str_farmer"})
	data, _ := json.Marshal(file)
	tree, err := Parse(data)
	if err != nil {
		t.Fatalf("default tree plus the doc's example: %v", err)
	}
	if !strings.Contains(fmt.Sprint(Allocatable(tree, []NodeID{"str_1", "str_2", "str_n1", "str_3", "str_n2", "str_5"})), "str_farmer") {
		t.Error("example node not allocatable after str_5")
	}
}

func TestDocPointsExamples(t *testing.T) {
	t.Parallel()
	doc := section(t, readDoc(t), "Points, allocation and respec")
	for _, level := range []int{1, 2, 5, 10, 20} {
		want := fmt.Sprintf("level %d has %d", level, PointsForLevel(level))
		if level == 1 {
			want = fmt.Sprintf("Level 1 has %d points", PointsForLevel(1))
		}
		if !strings.Contains(strings.ReplaceAll(doc, "\n", " "), want) {
			t.Errorf("doc does not say %q", want)
		}
	}
	if !strings.Contains(doc, fmt.Sprintf("once every %d days", int(RespecCooldown.Hours()/24))) {
		t.Error("doc's respec cooldown differs from RespecCooldown")
	}
}
