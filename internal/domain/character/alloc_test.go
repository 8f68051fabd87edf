package character

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
)

func TestPointsForLevel(t *testing.T) {
	t.Parallel()
	tests := []struct{ level, want int }{
		{-3, 0}, {0, 0}, {1, 0}, {2, 1}, {4, 3}, {5, 5}, {6, 6}, {9, 9}, {10, 11}, {15, 17}, {50, 59},
	}
	for _, tt := range tests {
		if got := PointsForLevel(tt.level); got != tt.want {
			t.Errorf("PointsForLevel(%d) = %d, want %d", tt.level, got, tt.want)
		}
	}
}

func TestUnspent(t *testing.T) {
	t.Parallel()
	tests := []struct{ level, allocated, want int }{
		{1, 0, 0}, {5, 0, 5}, {5, 2, 3}, {5, 5, 0},
		{5, 7, 0}, // a recount lowered the level: never negative
	}
	for _, tt := range tests {
		if got := Unspent(tt.level, tt.allocated); got != tt.want {
			t.Errorf("Unspent(%d, %d) = %d, want %d", tt.level, tt.allocated, got, tt.want)
		}
	}
}

// small.json: start–a, a–b, start–c, c–b.
func TestAllocatable(t *testing.T) {
	t.Parallel()
	tree := mustLoad(t, "small.json")
	tests := []struct {
		allocated []NodeID
		want      []NodeID
	}{
		{nil, []NodeID{"a", "c"}},
		{[]NodeID{"a"}, []NodeID{"b", "c"}},
		{[]NodeID{"a", "b"}, []NodeID{"c"}},
		{[]NodeID{"a", "b", "c"}, nil},
		{[]NodeID{"ghost", "a", "a"}, []NodeID{"b", "c"}}, // unknown skipped, duplicates once
		{[]NodeID{"start"}, []NodeID{"a", "c"}},
	}
	for _, tt := range tests {
		if got := Allocatable(tree, tt.allocated); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Allocatable(%v) = %v, want %v", tt.allocated, got, tt.want)
		}
	}
}

func TestCanAllocate(t *testing.T) {
	t.Parallel()
	tree := mustLoad(t, "small.json")
	tests := []struct {
		name      string
		allocated []NodeID
		node      NodeID
		unspent   int
		want      error // nil: allowed
		domainErr error
	}{
		{"next to start", nil, "a", 1, nil, nil},
		{"next to allocated", []NodeID{"a"}, "b", 1, nil, nil},
		{"unknown", nil, "ghost", 1, ErrUnknownNode, domain.ErrNotFound},
		{"already", []NodeID{"a"}, "a", 1, ErrAlreadyAllocated, domain.ErrConflict},
		{"the start", nil, "start", 1, ErrAlreadyAllocated, domain.ErrConflict},
		{"not adjacent", nil, "b", 1, ErrNotAdjacent, domain.ErrConflict},
		{"no points", []NodeID{"a"}, "b", 0, ErrNoPoints, domain.ErrConflict},
		{"negative points", nil, "a", -1, ErrNoPoints, domain.ErrConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := CanAllocate(tree, tt.allocated, tt.node, tt.unspent)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("CanAllocate = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tt.want) || !errors.Is(err, tt.domainErr) {
				t.Fatalf("CanAllocate = %v, want %v wrapping %v", err, tt.want, tt.domainErr)
			}
			if !strings.Contains(err.Error(), `"`+string(tt.node)+`"`) {
				t.Errorf("error %q does not name node %q", err, tt.node)
			}
		})
	}
}

// Walking the whole default tree point by point: every node ends up
// allocatable, and the allocation stays valid at every step.
func TestAllocateWholeTree(t *testing.T) {
	t.Parallel()
	tree := mustDefault(t)
	var allocated []NodeID
	level := 1
	for {
		next := Allocatable(tree, allocated)
		if len(next) == 0 {
			break
		}
		for PointsForLevel(level) <= len(allocated) {
			level++
		}
		if err := CanAllocate(tree, allocated, next[0], Unspent(level, len(allocated))); err != nil {
			t.Fatalf("CanAllocate(%s) at level %d: %v", next[0], level, err)
		}
		allocated = append(allocated, next[0])
		if err := ValidateAllocation(tree, allocated, level); err != nil {
			t.Fatalf("ValidateAllocation after %s: %v", next[0], err)
		}
	}
	if len(allocated) != tree.Len()-1 {
		t.Errorf("allocated %d nodes, want all %d", len(allocated), tree.Len()-1)
	}
}

func TestValidateAllocation(t *testing.T) {
	t.Parallel()
	tree := mustLoad(t, "small.json")
	tests := []struct {
		allocated []NodeID
		level     int
		want      []string // substrings; none means valid
	}{
		{[]NodeID{"a", "b"}, 3, nil},
		{[]NodeID{"c", "b", "a"}, 5, nil},
		{[]NodeID{"b"}, 5, []string{`allocated[0] (b): not connected to the start`}},
		{[]NodeID{"a", "a"}, 5, []string{"allocated[1] (a): allocated twice"}},
		{[]NodeID{"ghost"}, 5, []string{"allocated[0] (ghost): unknown node"}},
		{[]NodeID{"start"}, 5, []string{"the start is always owned"}},
		{[]NodeID{"a", "b"}, 2, []string{"allocated (2): more nodes than the 1 points of level 2"}},
	}
	for _, tt := range tests {
		err := ValidateAllocation(tree, tt.allocated, tt.level)
		if len(tt.want) == 0 {
			if err != nil {
				t.Errorf("ValidateAllocation(%v, %d) = %v, want nil", tt.allocated, tt.level, err)
			}
			continue
		}
		var ve *domain.ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("ValidateAllocation(%v) = %v, want a *domain.ValidationError", tt.allocated, err)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("ValidateAllocation(%v) = %v, want it to mention %q", tt.allocated, err, w)
			}
		}
	}
}

func TestRespec(t *testing.T) {
	t.Parallel()
	tree := mustLoad(t, "small.json")
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	allocated := []NodeID{"a", "b", "ghost"}

	t.Run("first respec is free", func(t *testing.T) {
		t.Parallel()
		got, err := Respec(tree, allocated, 5, time.Time{}, now)
		want := RespecResult{Refunded: 2, Unspent: 5, NextRespecAt: now.Add(7 * 24 * time.Hour)}
		if err != nil || got != want {
			t.Errorf("Respec = %+v, %v; want %+v", got, err, want)
		}
	})
	t.Run("cooldown", func(t *testing.T) {
		t.Parallel()
		last := now.Add(-RespecCooldown + time.Second)
		_, err := Respec(tree, allocated, 5, last, now)
		if !errors.Is(err, ErrRespecCooldown) || !errors.Is(err, domain.ErrConflict) {
			t.Fatalf("Respec = %v, want ErrRespecCooldown", err)
		}
		if !strings.Contains(err.Error(), "2026-03-10T12:00:01Z") {
			t.Errorf("error %q does not say when the next respec is possible", err)
		}
	})
	t.Run("nothing allocated refunds nothing and starts no cooldown", func(t *testing.T) {
		t.Parallel()
		last := now.Add(-time.Hour)
		got, err := Respec(tree, nil, 5, last, now)
		want := RespecResult{Unspent: 5, NextRespecAt: last.Add(RespecCooldown)}
		if err != nil || got != want {
			t.Errorf("Respec of nothing = %+v, %v; want %+v", got, err, want)
		}
	})
	t.Run("cooldown over", func(t *testing.T) {
		t.Parallel()
		if _, err := Respec(tree, allocated, 5, now.Add(-RespecCooldown), now); err != nil {
			t.Errorf("Respec exactly one cooldown later = %v", err)
		}
	})
}
