package character

import (
	"fmt"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
)

// Allocation errors. Each wraps the domain sentinel the edges translate, so
// errors.Is(err, domain.ErrConflict) holds for a refused allocation.
var (
	// ErrUnknownNode: the tree has no node with that id.
	ErrUnknownNode = fmt.Errorf("unknown stat-tree node: %w", domain.ErrNotFound)
	// ErrAlreadyAllocated: the node (or the start) is already owned.
	ErrAlreadyAllocated = fmt.Errorf("already allocated: %w", domain.ErrConflict)
	// ErrNotAdjacent: the node touches neither an allocated node nor the start.
	ErrNotAdjacent = fmt.Errorf("not adjacent to an allocated node or the start: %w", domain.ErrConflict)
	// ErrNoPoints: no unspent points are left.
	ErrNoPoints = fmt.Errorf("no unspent points: %w", domain.ErrConflict)
	// ErrRespecCooldown: the last respec was less than RespecCooldown ago.
	ErrRespecCooldown = fmt.Errorf("respec on cooldown: %w", domain.ErrConflict)
)

// PointsForLevel is how many tree points a character of level has earned in
// total: one per level gained from level 2 on, plus one bonus point at every
// fifth level (5, 10, 15, …). Level 1 has none; level 5 has 5; level 10 has 11.
func PointsForLevel(level int) int { return domain.PointsForLevel(level) }

// Unspent is the number of points a character of level with allocatedCount
// allocated nodes (the start not counted) can still spend. It is never
// negative: if a recount of the stored facts lowers the level below what was
// spent, the allocation stays and no new point comes until the level catches up.
func Unspent(level, allocatedCount int) int {
	return max(0, PointsForLevel(level)-allocatedCount)
}

// owned marks the start and every allocated node the tree knows, by node
// index. Unknown ids are skipped; duplicates count once. It returns the marks
// and the number of distinct allocated nodes (the start not counted).
func (t *Tree) owned(allocated []NodeID) ([]bool, int) {
	own := make([]bool, len(t.nodes))
	own[t.start] = true
	n := 0
	for _, id := range allocated {
		if i, ok := t.index[id]; ok && !own[i] {
			own[i] = true
			n++
		}
	}
	return own, n
}

// AllocatedCount is the number of distinct nodes in allocated that the tree
// knows, the start excluded: the points they cost.
func AllocatedCount(tree *Tree, allocated []NodeID) int {
	_, n := tree.owned(allocated)
	return n
}

// Allocatable returns, in file order, the nodes that could be allocated next:
// not owned yet and linked to the start or to an allocated node. Points are
// not considered; see CanAllocate.
func Allocatable(tree *Tree, allocated []NodeID) []NodeID {
	own, _ := tree.owned(allocated)
	var out []NodeID
	for i, n := range tree.nodes {
		if !own[i] && tree.touches(own, i) {
			out = append(out, n.ID)
		}
	}
	return out
}

func (t *Tree) touches(own []bool, i int) bool {
	for _, j := range t.adj[i] {
		if own[j] {
			return true
		}
	}
	return false
}

// CanAllocate says whether node may be allocated now, given the allocated
// nodes and the unspent points. A nil error means yes; otherwise the error
// wraps ErrUnknownNode, ErrAlreadyAllocated, ErrNotAdjacent or ErrNoPoints and
// names the node.
func CanAllocate(tree *Tree, allocated []NodeID, node NodeID, unspent int) error {
	i, ok := tree.index[node]
	if !ok {
		return fmt.Errorf("node %q: %w", node, ErrUnknownNode)
	}
	own, _ := tree.owned(allocated)
	switch {
	case i == tree.start:
		return fmt.Errorf("node %q is the start, always owned: %w", node, ErrAlreadyAllocated)
	case own[i]:
		return fmt.Errorf("node %q: %w", node, ErrAlreadyAllocated)
	case !tree.touches(own, i):
		return fmt.Errorf("node %q: %w", node, ErrNotAdjacent)
	case unspent <= 0:
		return fmt.Errorf("node %q: %w", node, ErrNoPoints)
	}
	return nil
}

// ValidateAllocation checks a whole stored allocation against tree and level,
// as a restore or `lifeops verify` needs: every id known, none twice, not the
// start, every node connected to the start through allocated nodes, and no
// more nodes than the level's points. It reports every problem at once.
func ValidateAllocation(tree *Tree, allocated []NodeID, level int) error {
	var v domain.ValidationError
	seen := make(map[NodeID]bool, len(allocated))
	for k, id := range allocated {
		field := fmt.Sprintf("allocated[%d]", k)
		switch i, ok := tree.index[id]; {
		case !ok:
			v.Add(field, id, "unknown node")
		case i == tree.start:
			v.Add(field, id, "the start is always owned and cannot be allocated")
		case seen[id]:
			v.Add(field, id, "allocated twice")
		}
		seen[id] = true
	}
	own, n := tree.owned(allocated)
	if p := PointsForLevel(level); n > p {
		v.Add("allocated", n, fmt.Sprintf("more nodes than the %d points of level %d", p, level))
	}
	// Walk from the start through owned nodes; anything owned but not reached
	// hangs off nothing.
	reached := make([]bool, len(tree.nodes))
	reached[tree.start] = true
	stack := []int{tree.start}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, j := range tree.adj[i] {
			if own[j] && !reached[j] {
				reached[j] = true
				stack = append(stack, j)
			}
		}
	}
	for k, id := range allocated {
		if i, ok := tree.index[id]; ok && own[i] && !reached[i] {
			v.Add(fmt.Sprintf("allocated[%d]", k), id, "not connected to the start through allocated nodes")
			reached[i] = true // report a node once even if listed twice
		}
	}
	return v.Err()
}

// RespecCooldown is the price of a respec: it refunds every point for free,
// but only once per this period. A cooldown rather than an XP cost keeps level
// a pure function of the stored activity facts.
const RespecCooldown = 7 * 24 * time.Hour

// RespecResult is what a respec does.
type RespecResult struct {
	Refunded     int       // points returned (the allocated nodes the tree knows)
	Unspent      int       // unspent points afterwards: all the level's points
	NextRespecAt time.Time // the earliest time of the next respec
}

// NextRespec is the earliest time of the next respec after one at last
// (zero: never respecced, so any time).
func NextRespec(last time.Time) time.Time {
	if last.IsZero() {
		return time.Time{}
	}
	return last.Add(RespecCooldown)
}

// Respec refunds every allocated node of a character of level. last is the
// time of the previous respec that refunded points (zero if never); now is
// the current time. It fails with ErrRespecCooldown, saying when the next
// respec is possible, if the cooldown has not passed. A respec with nothing
// allocated refunds nothing and starts no cooldown (Refunded 0: the caller
// records nothing).
func Respec(tree *Tree, allocated []NodeID, level int, last, now time.Time) (RespecResult, error) {
	if AllocatedCount(tree, allocated) == 0 {
		return RespecResult{Unspent: PointsForLevel(level), NextRespecAt: NextRespec(last)}, nil
	}
	if !last.IsZero() {
		if next := last.Add(RespecCooldown); now.Before(next) {
			return RespecResult{}, fmt.Errorf("next respec at %s: %w", next.Format(time.RFC3339), ErrRespecCooldown)
		}
	}
	return RespecResult{
		Refunded:     AllocatedCount(tree, allocated),
		Unspent:      PointsForLevel(level),
		NextRespecAt: now.Add(RespecCooldown),
	}, nil
}
