package character

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"strconv"
)

// Shape sizes in tree units; positions in tree.json are roughly 80 apart.
const (
	radiusStart    = 16
	radiusMinor    = 11
	radiusNotable  = 19
	radiusKeystone = 27 // circumradius of the hexagon
	svgMargin      = 24
)

// The palette is mid-tone on purpose: grey, gold and blue read on a white
// dashboard and on a dark one alike, so the picture needs no theme switch.
const svgStyle = `.edge{stroke:#8b93a1;stroke-opacity:.45;stroke-width:3;stroke-linecap:round}` +
	`.edge.active{stroke:#e0a526;stroke-opacity:1;stroke-width:6}` +
	`.node{stroke-width:3}` +
	`.locked{fill:#8b93a1;fill-opacity:.3;stroke:#8b93a1}` +
	`.allocatable{fill:#e0a526;fill-opacity:.2;stroke:#e0a526;stroke-dasharray:5 3}` +
	`.allocated{fill:#e0a526;stroke:#a86f00}` +
	`.start{fill:#5b8def;stroke:#2f5fbf}` +
	`.keystone{stroke-width:4}`

// RenderSVG draws tree as a standalone SVG document. Every node is one shape
// (circle for start, minor and notable, sizes growing in that order; a hexagon
// for a keystone) carrying data-node="<id>", a <title> with its name,
// description and effects for hover, and the classes "node", its kind and one
// state: "allocated" (the start always is), "allocatable" (listed in
// allocatable) or "locked". Edges whose two ends are owned get the class
// "active", which highlights the allocated paths. The viewBox fits the node
// positions. Ids the tree does not know are ignored.
func RenderSVG(tree *Tree, allocated, allocatable []NodeID) []byte {
	own, _ := tree.owned(allocated)
	open := make([]bool, len(tree.nodes))
	for _, id := range allocatable {
		if i, ok := tree.index[id]; ok {
			open[i] = true
		}
	}

	minX, minY := math.Inf(1), math.Inf(1)
	maxX, maxY := math.Inf(-1), math.Inf(-1)
	for _, n := range tree.nodes {
		minX, maxX = min(minX, n.X), max(maxX, n.X)
		minY, maxY = min(minY, n.Y), max(maxY, n.Y)
	}
	pad := float64(radiusKeystone + svgMargin)

	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="%s %s %s %s" class="lifeops-stat-tree" role="img">`+"\n",
		num(minX-pad), num(minY-pad), num(maxX-minX+2*pad), num(maxY-minY+2*pad))
	b.WriteString("<title>LifeOps stat tree</title>\n")
	b.WriteString("<style>" + svgStyle + "</style>\n")

	b.WriteString(`<g class="edges">` + "\n")
	for _, e := range tree.edges {
		a, c := tree.nodes[e[0]], tree.nodes[e[1]]
		class := "edge"
		if own[e[0]] && own[e[1]] {
			class = "edge active"
		}
		fmt.Fprintf(&b, `<line class="%s" x1="%s" y1="%s" x2="%s" y2="%s" data-from="%s" data-to="%s"/>`+"\n",
			class, num(a.X), num(a.Y), num(c.X), num(c.Y), esc(string(a.ID)), esc(string(c.ID)))
	}
	b.WriteString("</g>\n")

	b.WriteString(`<g class="nodes">` + "\n")
	for i, n := range tree.nodes {
		state := "locked"
		switch {
		case own[i]:
			state = "allocated"
		case open[i]:
			state = "allocatable"
		}
		attrs := fmt.Sprintf(`class="node %s %s" data-node="%s"`, n.Kind, state, esc(string(n.ID)))
		title := "<title>" + esc(nodeTitle(n)) + "</title>"
		switch n.Kind {
		case KindKeystone:
			fmt.Fprintf(&b, `<polygon %s points="%s">%s</polygon>`+"\n", attrs, hexagon(n.X, n.Y, radiusKeystone), title)
		default:
			fmt.Fprintf(&b, `<circle %s cx="%s" cy="%s" r="%d">%s</circle>`+"\n", attrs, num(n.X), num(n.Y), nodeRadius(n.Kind), title)
		}
	}
	b.WriteString("</g>\n</svg>\n")
	return b.Bytes()
}

func nodeRadius(k NodeKind) int {
	switch k {
	case KindStart:
		return radiusStart
	case KindNotable:
		return radiusNotable
	}
	return radiusMinor
}

// nodeTitle is the hover text: name, description, then one line per grant
// and effect.
func nodeTitle(n Node) string {
	s := n.Name + "\n" + n.Description
	for st, v := range n.Stats {
		if v != 0 {
			s += fmt.Sprintf("\n%+d %s", v, Stat(st))
		}
	}
	for _, e := range n.Effects {
		s += "\n" + e.String()
	}
	return s
}

// hexagon returns the points of a flat-topped hexagon around (x, y).
func hexagon(x, y, r float64) string {
	var b []byte
	for k := range 6 {
		a := math.Pi / 3 * float64(k)
		if k > 0 {
			b = append(b, ' ')
		}
		b = append(b, num(x+r*math.Cos(a))...)
		b = append(b, ',')
		b = append(b, num(y+r*math.Sin(a))...)
	}
	return string(b)
}

// num prints a coordinate with at most two decimals and no trailing zeros.
func num(v float64) string {
	v = math.Round(v*100) / 100
	if v == 0 {
		v = 0 // no "-0"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func esc(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s)) // writing to a bytes.Buffer cannot fail
	return b.String()
}
