package character

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output; run go test -update and review the diff", path)
	}
}

type svgShape struct {
	tag     string
	node    string
	classes []string
	title   string
}

// parseSVG decodes the SVG as XML and returns the node shapes and the edges'
// classes keyed "from-to".
func parseSVG(t *testing.T, data []byte) ([]svgShape, map[string]string) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	var shapes []svgShape
	edges := map[string]string{}
	var cur *svgShape
	inTitle := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			attr := map[string]string{}
			for _, a := range tok.Attr {
				attr[a.Name.Local] = a.Value
			}
			if id, ok := attr["data-node"]; ok {
				shapes = append(shapes, svgShape{tag: tok.Name.Local, node: id, classes: strings.Fields(attr["class"])})
				cur = &shapes[len(shapes)-1]
			}
			if tok.Name.Local == "line" {
				edges[attr["data-from"]+"-"+attr["data-to"]] = attr["class"]
			}
			inTitle = tok.Name.Local == "title"
		case xml.CharData:
			if inTitle && cur != nil {
				cur.title += string(tok)
			}
		case xml.EndElement:
			inTitle = false
			if tok.Name.Local == "circle" || tok.Name.Local == "polygon" {
				cur = nil
			}
		}
	}
	return shapes, edges
}

func TestRenderSVG(t *testing.T) {
	t.Parallel()
	tree := mustDefault(t)
	allocated := []NodeID{"str_1", "str_2", "str_n1", "wis_1"}
	allocatable := Allocatable(tree, allocated)
	out := RenderSVG(tree, allocated, allocatable)

	shapes, edges := parseSVG(t, out)
	if len(shapes) != tree.Len() {
		t.Fatalf("%d shapes, want one per node (%d)", len(shapes), tree.Len())
	}
	seen := map[string]bool{}
	for _, s := range shapes {
		if seen[s.node] {
			t.Errorf("node %s drawn twice", s.node)
		}
		seen[s.node] = true
		n, ok := tree.Node(NodeID(s.node))
		if !ok {
			t.Errorf("shape for unknown node %q", s.node)
			continue
		}
		wantTag := "circle"
		if n.Kind == KindKeystone {
			wantTag = "polygon"
		}
		if s.tag != wantTag {
			t.Errorf("node %s (%s) drawn as %s, want %s", s.node, n.Kind, s.tag, wantTag)
		}
		wantState := "locked"
		switch {
		case n.ID == tree.Start() || slices.Contains(allocated, n.ID):
			wantState = "allocated"
		case slices.Contains(allocatable, n.ID):
			wantState = "allocatable"
		}
		if !slices.Contains(s.classes, wantState) || !slices.Contains(s.classes, string(n.Kind)) {
			t.Errorf("node %s classes %v, want %s and %s", s.node, s.classes, wantState, n.Kind)
		}
		if !strings.HasPrefix(s.title, n.Name+"\n"+n.Description) {
			t.Errorf("node %s title %q, want name and description", s.node, s.title)
		}
	}
	for key, want := range map[string]string{
		"start-str_1":  "edge active",
		"str_1-str_2":  "edge active",
		"str_2-str_n1": "edge active",
		"start-wis_1":  "edge active",
		"str_n1-str_3": "edge", // allocatable, not owned
		"start-int_1":  "edge",
	} {
		if got := edges[key]; got != want {
			t.Errorf("edge %s class %q, want %q", key, got, want)
		}
	}
	golden(t, "tree.svg.golden", out)
}

func TestRenderSVGViewBox(t *testing.T) {
	t.Parallel()
	tree := mustLoad(t, "small.json") // nodes span x 0..200, y 0..100
	out := string(RenderSVG(tree, nil, nil))
	if !strings.Contains(out, `viewBox="-51 -51 302 202"`) {
		t.Errorf("viewBox not fitted to positions:\n%s", out[:min(len(out), 200)])
	}
}

func TestRenderSVGEscapes(t *testing.T) {
	t.Parallel()
	src := `{"version":1,"start":"start","nodes":[
		{"id":"start","name":"S","description":"d","kind":"start","x":0,"y":0},
		{"id":"a","name":"<Tom & \"Jerry\">","description":"a < b","kind":"minor","x":100,"y":0,"stats":{"CHA":1}}],
		"edges":[["start","a"]]}`
	tree, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	shapes, _ := parseSVG(t, RenderSVG(tree, nil, nil))
	if len(shapes) != 2 || shapes[1].title != "<Tom & \"Jerry\">\na < b\n+1 CHA" {
		t.Errorf("shapes = %+v", shapes)
	}
}
