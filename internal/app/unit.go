package app

import (
	"context"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/character"
)

// unit is one use case's transaction: the Store it runs in, and what the
// use case holds while it runs.
//
//   - A person's totals (person_progress) are read once, locked (FOR
//     UPDATE: the row is the person's serialisation point), and held: every
//     step of the use case (XP, counters, achievements, the level of the
//     answer) changes the held row, and it is written back once, when the
//     use case is done and before the commit.
//   - A person's modifiers (what the allocated tree nodes change in the
//     rules) are read once and held until the use case allocates or
//     clears a node.
//
// Nothing outlives the transaction: a retried transaction starts a new unit.
type unit struct {
	Store
	progress map[int64]*heldProgress
	mods     map[int64]heldMods
}

type heldProgress struct {
	p     Progress
	dirty bool
}

type heldMods struct {
	nodes    []string
	mods     domain.Modifiers
	computed bool
}

// inTx runs fn in one transaction as a unit (see unit): what it held is
// written back after fn succeeds, before the commit.
func (s *Service) inTx(ctx context.Context, fn func(tx Store) error) error {
	return s.store.InTx(ctx, func(tx Store) error {
		if _, nested := tx.(*unit); nested {
			return fn(tx)
		}
		u := &unit{Store: tx, progress: map[int64]*heldProgress{}, mods: map[int64]heldMods{}}
		if err := fn(u); err != nil {
			return err
		}
		return u.flush(ctx)
	})
}

// InTx joins the unit: a nested use case holds the same rows.
func (u *unit) InTx(_ context.Context, fn func(tx Store) error) error { return fn(u) }

// ProgressGet reads and locks a person's totals the first time, and
// answers the held row after that.
func (u *unit) ProgressGet(ctx context.Context, personID int64) (Progress, error) {
	if h, ok := u.progress[personID]; ok {
		return h.p.Clone(), nil
	}
	p, err := u.Store.ProgressGet(ctx, personID)
	if err != nil {
		return p, err
	}
	u.progress[personID] = &heldProgress{p: p.Clone()}
	return p, nil
}

// ProgressPut changes the held row; flush writes it.
func (u *unit) ProgressPut(ctx context.Context, personID int64, p Progress) error {
	if _, ok := u.progress[personID]; !ok {
		// Written without being read first: lock it now, as the store
		// would have with its UPDATE.
		if _, err := u.ProgressGet(ctx, personID); err != nil {
			return err
		}
	}
	u.progress[personID] = &heldProgress{p: p.Clone(), dirty: true}
	return nil
}

// CheckInTarget holds the totals and nodes the store read along, unless
// the unit holds the person's already.
func (u *unit) CheckInTarget(ctx context.Context, personRef, habitRef, key string) (CheckInTarget, error) {
	t, err := u.Store.CheckInTarget(ctx, personRef, habitRef, key)
	if err != nil {
		return t, err
	}
	id := t.Person.Value.ID
	if _, ok := u.progress[id]; !ok {
		u.progress[id] = &heldProgress{p: t.Progress.Clone()}
	}
	if _, ok := u.mods[id]; !ok {
		u.mods[id] = heldMods{nodes: t.Nodes}
	}
	return t, nil
}

// ChangeSources reads the person's totals along, locked, unless the unit
// holds them already; it holds what it read.
func (u *unit) ChangeSources(ctx context.Context, personID int64, q ChangeQuery) (ChangeSources, error) {
	_, held := u.progress[personID]
	q.Progress = !held
	cs, err := u.Store.ChangeSources(ctx, personID, q)
	if err != nil {
		return cs, err
	}
	if !held {
		u.progress[personID] = &heldProgress{p: cs.Progress.Clone()}
	}
	return cs, nil
}

// flush writes every changed row once.
func (u *unit) flush(ctx context.Context) error {
	for id, h := range u.progress {
		if !h.dirty {
			continue
		}
		if err := u.Store.ProgressPut(ctx, id, h.p); err != nil {
			return err
		}
		h.dirty = false
	}
	return nil
}

// Allocations reads a person's allocated nodes once.
func (u *unit) Allocations(ctx context.Context, personID int64) ([]string, error) {
	if m, ok := u.mods[personID]; ok {
		return append([]string(nil), m.nodes...), nil
	}
	nodes, err := u.Store.Allocations(ctx, personID)
	if err != nil {
		return nil, err
	}
	u.mods[personID] = heldMods{nodes: nodes}
	return append([]string(nil), nodes...), nil
}

// modifiers are what the person's held nodes change in the rules, worked
// out once per unit.
func (u *unit) modifiers(ctx context.Context, tree *character.Tree, personID int64) (domain.Modifiers, error) {
	if m, ok := u.mods[personID]; ok && m.computed {
		return m.mods, nil
	}
	nodes, err := u.Allocations(ctx, personID)
	if err != nil {
		return domain.Modifiers{}, err
	}
	m := heldMods{nodes: nodes, mods: character.Modifiers(tree, nodeIDs(nodes)), computed: true}
	u.mods[personID] = m
	return m.mods, nil
}

// AllocationInsert changes the nodes: they are read again when next asked.
func (u *unit) AllocationInsert(ctx context.Context, personID int64, node string, at time.Time) error {
	delete(u.mods, personID)
	return u.Store.AllocationInsert(ctx, personID, node, at)
}

// AllocationsClear changes the nodes: they are read again when next asked.
func (u *unit) AllocationsClear(ctx context.Context, personID int64) error {
	delete(u.mods, personID)
	return u.Store.AllocationsClear(ctx, personID)
}
