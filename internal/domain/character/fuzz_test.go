package character

import (
	"errors"
	"testing"
)

// FuzzParseTree feeds arbitrary stat-tree files to Parse: it never panics,
// every refusal is an ErrInvalidTree, and a tree it accepts is usable: the
// start node is allocatable first and a sheet builds from it. Seeds: the
// shipped tree and every broken_*.json of testdata, in
// testdata/fuzz/FuzzParseTree.
func FuzzParseTree(f *testing.F) {
	f.Add(defaultTreeJSON)
	f.Fuzz(func(t *testing.T, data []byte) {
		tree, err := Parse(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidTree) {
				t.Fatalf("refusal is not ErrInvalidTree: %v", err)
			}
			return
		}
		first := Allocatable(tree, nil)
		for _, id := range first {
			if _, ok := tree.index[id]; !ok {
				t.Fatalf("allocatable node %q is not in the tree", id)
			}
		}
		BuildSheet(tree, SheetInput{Level: 50, Allocated: first})
		again, err := Parse(data)
		if err != nil || len(again.nodes) != len(tree.nodes) {
			t.Fatalf("parsing the same file twice differs: %v", err)
		}
	})
}
