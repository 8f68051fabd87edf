package character

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"regexp"
	"slices"
	"strings"
)

//go:embed tree.json
var defaultTreeJSON []byte

// NodeID identifies a tree node. It is stable: allocations are stored by id,
// HA events and the SVG's data-node attribute carry it.
type NodeID string

// NodeKind is a node's weight class; it decides its shape when drawn and what
// it may carry.
type NodeKind string

// The node kinds.
const (
	// KindStart is the single root every path begins at; it is always owned,
	// costs nothing and carries no effects.
	KindStart NodeKind = "start"
	// KindMinor is a small step: a stat grant, sometimes a small effect.
	KindMinor NodeKind = "minor"
	// KindNotable is a waypoint with a noticeable effect.
	KindNotable NodeKind = "notable"
	// KindKeystone ends a branch: strong effects, often with a trade-off.
	KindKeystone NodeKind = "keystone"
)

// Node is one point of the stat tree.
type Node struct {
	ID          NodeID
	Name        string
	Description string
	Kind        NodeKind
	X, Y        float64       // drawing position; y grows downwards as in SVG
	Stats       [NumStats]int // flat stat grants
	Effects     []Effect      // typed effects, in file order
}

// Edge is an undirected link between two nodes.
type Edge struct {
	A, B NodeID
}

// MarshalJSON writes the edge as a pair, ["a","b"], as in the file.
func (e Edge) MarshalJSON() ([]byte, error) {
	return json.Marshal([2]NodeID{e.A, e.B})
}

// Tree is a loaded, validated stat tree. It is immutable; share one freely.
type Tree struct {
	start int
	nodes []Node
	index map[NodeID]int
	adj   [][]int // neighbours by node index, ascending
	edges [][2]int
}

// ErrInvalidTree is matched (errors.Is) by every error Parse returns.
var ErrInvalidTree = errors.New("invalid stat tree")

// TreeError is one problem found while loading a tree: the node it concerns
// (empty for file-level problems) and why.
type TreeError struct {
	Node   NodeID
	Reason string
}

// Error says "stat tree: node \"<id>\": <reason>".
func (e *TreeError) Error() string {
	if e.Node == "" {
		return "stat tree: " + e.Reason
	}
	return fmt.Sprintf("stat tree: node %q: %s", e.Node, e.Reason)
}

// Unwrap lets errors.Is(err, ErrInvalidTree) hold.
func (e *TreeError) Unwrap() error { return ErrInvalidTree }

// Limits the loader enforces; documented in docs/stat-tree.md.
const (
	maxNameLen        = 40
	maxDescriptionLen = 200
	maxGrant          = 5
	maxEffectsPerNode = 4
	maxCoordinate     = 5000
	minNodeDistance   = 10 // closer than this and two shapes overlap
)

var nodeIDPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// Default parses the tree embedded in the binary (tree.json). It parses on
// every call, so callers load it once at start-up and pass it on.
func Default() (*Tree, error) {
	return Parse(defaultTreeJSON)
}

type fileTree struct {
	Version int               `json:"version"`
	Start   NodeID            `json:"start"`
	Nodes   []json.RawMessage `json:"nodes"`
	Edges   [][]NodeID        `json:"edges"`
}

type fileNode struct {
	ID          NodeID            `json:"id"`
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Kind        NodeKind          `json:"kind"`
	X           *float64          `json:"x"`
	Y           *float64          `json:"y"`
	Stats       map[string]int    `json:"stats,omitempty"`
	Effects     []json.RawMessage `json:"effects,omitempty"`
}

type treeChecker struct{ errs []error }

func (c *treeChecker) add(node NodeID, format string, args ...any) {
	c.errs = append(c.errs, &TreeError{Node: node, Reason: fmt.Sprintf(format, args...)})
}

// Parse decodes and validates a tree file. It reports every problem it finds,
// each naming the node and the reason, joined into one error.
func Parse(data []byte) (*Tree, error) {
	var f fileTree
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, &TreeError{Reason: "decode: " + err.Error()}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &TreeError{Reason: "decode: data after the tree's JSON object"}
	}
	var c treeChecker
	if f.Version != 1 {
		c.add("", "version %d not supported (want 1)", f.Version)
	}
	t := &Tree{index: make(map[NodeID]int, len(f.Nodes)), start: -1}
	for i, raw := range f.Nodes {
		n, ok := c.node(i, raw)
		if !ok {
			continue
		}
		if _, dup := t.index[n.ID]; dup {
			c.add(n.ID, "duplicate id")
			continue
		}
		t.index[n.ID] = len(t.nodes)
		t.nodes = append(t.nodes, n)
	}
	c.positions(t.nodes)
	c.start(t, f.Start)
	t.adj = make([][]int, len(t.nodes))
	c.edges(t, f.Edges)
	if t.start >= 0 {
		// Also after other errors: a typo in an edge shows up both as the bad
		// edge and as the part of the tree it cut off.
		c.reachable(t)
	}
	if len(c.errs) > 0 {
		return nil, errors.Join(c.errs...)
	}
	for i := range t.adj {
		slices.Sort(t.adj[i])
	}
	return t, nil
}

// node decodes and checks one node. ok is false when the node cannot be used
// at all (undecodable or without a usable id); other problems are recorded and
// the node is kept so that edges to it do not cascade into more errors.
func (c *treeChecker) node(i int, raw json.RawMessage) (Node, bool) {
	var fn fileNode
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fn); err != nil {
		var idOnly struct{ ID NodeID }
		_ = json.Unmarshal(raw, &idOnly)
		c.add(nodeRef(idOnly.ID, i), "decode: %v", err)
		return Node{}, false
	}
	if !nodeIDPattern.MatchString(string(fn.ID)) {
		c.add(nodeRef(fn.ID, i), "id must match %s", nodeIDPattern)
		return Node{}, false
	}
	id := fn.ID
	n := Node{ID: id, Name: fn.Name, Description: fn.Description, Kind: fn.Kind}
	switch l := len([]rune(fn.Name)); {
	case strings.TrimSpace(fn.Name) == "":
		c.add(id, "name is empty")
	case l > maxNameLen:
		c.add(id, "name longer than %d characters", maxNameLen)
	}
	switch l := len([]rune(fn.Description)); {
	case strings.TrimSpace(fn.Description) == "":
		c.add(id, "description is empty")
	case l > maxDescriptionLen:
		c.add(id, "description longer than %d characters", maxDescriptionLen)
	}
	switch fn.Kind {
	case KindStart, KindMinor, KindNotable, KindKeystone:
	default:
		c.add(id, "unknown kind %q (want start, minor, notable or keystone)", fn.Kind)
	}
	if fn.X == nil || fn.Y == nil {
		c.add(id, "position needs both x and y")
	} else {
		n.X, n.Y = *fn.X, *fn.Y
		if math.Abs(n.X) > maxCoordinate || math.Abs(n.Y) > maxCoordinate {
			c.add(id, "position (%g, %g) outside ±%d", n.X, n.Y, maxCoordinate)
		}
	}
	// Sorted so that several bad grants are reported in a stable order.
	for _, code := range slices.Sorted(maps.Keys(fn.Stats)) {
		v := fn.Stats[code]
		s, err := ParseStat(code)
		if err != nil {
			c.add(id, "stats: %v", err)
			continue
		}
		if v < 1 || v > maxGrant {
			c.add(id, "stats: %s grant %d out of range [1, %d]", code, v, maxGrant)
			continue
		}
		n.Stats[s] = v
	}
	if len(fn.Effects) > maxEffectsPerNode {
		c.add(id, "%d effects, at most %d allowed", len(fn.Effects), maxEffectsPerNode)
	}
	for j, rawEff := range fn.Effects {
		var ej effectJSON
		d := json.NewDecoder(bytes.NewReader(rawEff))
		d.DisallowUnknownFields()
		if err := d.Decode(&ej); err != nil {
			c.add(id, "effect %d: decode: %v", j+1, err)
			continue
		}
		e, reason := ej.toEffect()
		if reason != "" {
			c.add(id, "effect %d: %s", j+1, reason)
			continue
		}
		n.Effects = append(n.Effects, e)
	}
	switch {
	case n.Kind == KindStart && (len(fn.Stats) > 0 || len(fn.Effects) > 0):
		c.add(id, "the start node carries no stats or effects")
	case n.Kind != KindStart && len(fn.Stats) == 0 && len(fn.Effects) == 0:
		c.add(id, "grants nothing: give it stats or effects")
	case n.Kind == KindKeystone && len(fn.Effects) == 0:
		c.add(id, "a keystone needs at least one effect")
	}
	return n, true
}

// nodeRef names a node that may lack a usable id by its position in the file.
func nodeRef(id NodeID, i int) NodeID {
	if id == "" {
		return NodeID(fmt.Sprintf("#%d", i+1))
	}
	return id
}

func (c *treeChecker) positions(nodes []Node) {
	for i := range nodes {
		for j := range i {
			if math.Hypot(nodes[i].X-nodes[j].X, nodes[i].Y-nodes[j].Y) < minNodeDistance {
				c.add(nodes[i].ID, "overlaps node %q (closer than %d units)", nodes[j].ID, minNodeDistance)
			}
		}
	}
}

func (c *treeChecker) start(t *Tree, start NodeID) {
	for i, n := range t.nodes {
		switch {
		case n.ID == start && n.Kind != KindStart:
			c.add(n.ID, "is the start but has kind %q (want start)", n.Kind)
		case n.ID != start && n.Kind == KindStart:
			c.add(n.ID, "has kind start but the start is %q", start)
		case n.ID == start:
			t.start = i
		}
	}
	if start == "" {
		c.add("", "no start node named")
	} else if _, ok := t.index[start]; !ok {
		c.add(start, "start node does not exist")
	}
}

func (c *treeChecker) edges(t *Tree, edges [][]NodeID) {
	seen := make(map[[2]int]bool, len(edges))
	for k, e := range edges {
		if len(e) != 2 {
			c.add("", "edge %d: want a pair of node ids, got %d", k+1, len(e))
			continue
		}
		a, okA := t.index[e[0]]
		b, okB := t.index[e[1]]
		switch {
		case !okA:
			c.add(e[0], "edge to %q: node does not exist", e[1])
			continue
		case !okB:
			c.add(e[1], "edge from %q: node does not exist", e[0])
			continue
		case a == b:
			c.add(e[0], "edge to itself")
			continue
		}
		key := [2]int{min(a, b), max(a, b)}
		if seen[key] {
			c.add(e[0], "duplicate edge to %q", e[1])
			continue
		}
		seen[key] = true
		t.edges = append(t.edges, [2]int{a, b})
		t.adj[a] = append(t.adj[a], b)
		t.adj[b] = append(t.adj[b], a)
	}
}

func (c *treeChecker) reachable(t *Tree) {
	seen := make([]bool, len(t.nodes))
	queue := []int{t.start}
	seen[t.start] = true
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, m := range t.adj[n] {
			if !seen[m] {
				seen[m] = true
				queue = append(queue, m)
			}
		}
	}
	for i, ok := range seen {
		if !ok {
			c.add(t.nodes[i].ID, "not reachable from the start %q", t.nodes[t.start].ID)
		}
	}
}

// Start returns the id of the start node.
func (t *Tree) Start() NodeID { return t.nodes[t.start].ID }

// Len returns the number of nodes, the start included.
func (t *Tree) Len() int { return len(t.nodes) }

// Nodes returns every node in file order.
func (t *Tree) Nodes() []Node {
	out := make([]Node, len(t.nodes))
	for i, n := range t.nodes {
		out[i] = n.clone()
	}
	return out
}

// Node returns the node with id, or false when the tree has none.
func (t *Tree) Node(id NodeID) (Node, bool) {
	i, ok := t.index[id]
	if !ok {
		return Node{}, false
	}
	return t.nodes[i].clone(), true
}

// Neighbors returns the ids of the nodes linked to id, in file order.
func (t *Tree) Neighbors(id NodeID) []NodeID {
	i, ok := t.index[id]
	if !ok {
		return nil
	}
	out := make([]NodeID, len(t.adj[i]))
	for k, j := range t.adj[i] {
		out[k] = t.nodes[j].ID
	}
	return out
}

// Edges returns every edge in file order.
func (t *Tree) Edges() []Edge {
	out := make([]Edge, len(t.edges))
	for k, e := range t.edges {
		out[k] = Edge{A: t.nodes[e[0]].ID, B: t.nodes[e[1]].ID}
	}
	return out
}

func (n Node) clone() Node {
	n.Effects = slices.Clone(n.Effects)
	return n
}

type nodeOut struct {
	ID          NodeID       `json:"id"`
	Name        string       `json:"name"`
	Description string       `json:"description"`
	Kind        NodeKind     `json:"kind"`
	X           float64      `json:"x"`
	Y           float64      `json:"y"`
	Stats       map[Stat]int `json:"stats,omitempty"`
	Effects     []Effect     `json:"effects,omitempty"`
}

// MarshalJSON writes the tree in the file format, so Parse reads it back and
// API clients see what tree.json documents.
func (t *Tree) MarshalJSON() ([]byte, error) {
	out := struct {
		Version int       `json:"version"`
		Start   NodeID    `json:"start"`
		Nodes   []nodeOut `json:"nodes"`
		Edges   []Edge    `json:"edges"`
	}{Version: 1, Start: t.Start(), Nodes: make([]nodeOut, len(t.nodes)), Edges: t.Edges()}
	for i, n := range t.nodes {
		o := nodeOut{ID: n.ID, Name: n.Name, Description: n.Description, Kind: n.Kind, X: n.X, Y: n.Y, Effects: n.Effects}
		for s, v := range n.Stats {
			if v != 0 {
				if o.Stats == nil {
					o.Stats = make(map[Stat]int)
				}
				o.Stats[Stat(s)] = v
			}
		}
		out.Nodes[i] = o
	}
	return json.Marshal(out)
}
