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
//   - What a fold read of a person's XP ledger while holding their totals
//     (what its days earned, which of its sources have no award) is held
//     and kept up to date by the unit's own awards and revokes: an award
//     of such a source on such a day needs no answer from the database
//     (XPAdd instead of XPAward), so it waits for the next statement. The
//     totals' lock makes it safe: every award and revoke takes it first.
//
// Nothing outlives the transaction: a retried transaction starts a new unit.
type unit struct {
	Store
	progress map[int64]*heldProgress
	mods     map[int64]heldMods
	xp       map[int64]*heldXP
}

// heldXP is what a unit knows of one person's XP ledger.
type heldXP struct {
	earned map[domain.Day]int // XPDayTotal of the days known
	absent map[string]bool    // AwardKey of the sources known to have no award
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
		u := &unit{Store: tx, progress: map[int64]*heldProgress{}, mods: map[int64]heldMods{}, xp: map[int64]*heldXP{}}
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

// FoldSources holds what it read of the ledger (see unit).
func (u *unit) FoldSources(ctx context.Context, personID, habitID int64, checkInsFrom, from, to domain.Day, kinds, sources []string) (FoldSources, error) {
	_, locked := u.progress[personID]
	fs, err := u.Store.FoldSources(ctx, personID, habitID, checkInsFrom, from, to, kinds, sources)
	if err == nil && locked {
		u.holdLedger(personID, from, to, kinds, sources, fs)
	}
	return fs, err
}

// HabitFold holds what it read of the ledger (see unit).
func (u *unit) HabitFold(ctx context.Context, personID, habitID int64, rowsFrom, checkInsFrom, from, to domain.Day, kinds, sources []string) (HabitFold, error) {
	_, locked := u.progress[personID]
	hf, err := u.Store.HabitFold(ctx, personID, habitID, rowsFrom, checkInsFrom, from, to, kinds, sources)
	if err == nil && locked {
		u.holdLedger(personID, from, to, kinds, sources, hf.Sources)
	}
	return hf, err
}

// holdLedger holds what a fold read of the ledger while the person's
// totals were locked: it stays true until the commit, since the unit's
// own awards and revokes keep it up to date and no one else's can come
// between.
func (u *unit) holdLedger(personID int64, from, to domain.Day, kinds, sources []string, fs FoldSources) {
	x := u.xp[personID]
	if x == nil {
		x = &heldXP{earned: map[domain.Day]int{}, absent: map[string]bool{}}
		u.xp[personID] = x
	}
	for d := from; !d.After(to); d = d.Add(1) {
		x.earned[d] = fs.Earned[d]
	}
	for _, k := range kinds {
		for _, s := range sources {
			key := AwardKey(k, s)
			_, has := fs.Awards[key]
			x.absent[key] = !has
		}
	}
}

// XPAward records an award known to be new on a day whose earnings are
// known without waiting for an answer (XPAdd); others as the store does.
func (u *unit) XPAward(ctx context.Context, personID int64, day domain.Day, kind, source string, amount int) (bool, int, error) {
	key := AwardKey(kind, source)
	x := u.xp[personID]
	if x != nil {
		if earned, ok := x.earned[day]; ok && x.absent[key] {
			if err := u.Store.XPAdd(ctx, personID, day, kind, source, amount); err != nil {
				return false, 0, err
			}
			x.absent[key] = false
			x.earned[day] = earned + capped(kind, amount)
			return true, earned, nil
		}
	}
	added, earned, err := u.Store.XPAward(ctx, personID, day, kind, source, amount)
	if err == nil && x != nil {
		x.absent[key] = false
		if _, ok := x.earned[day]; ok {
			x.earned[day] = earned
			if added {
				x.earned[day] += capped(kind, amount)
			}
		}
	}
	return added, earned, err
}

// XPRevoke keeps what the unit holds of the ledger up to date.
func (u *unit) XPRevoke(ctx context.Context, personID int64, kind, source string) (int, domain.Day, error) {
	amount, day, err := u.Store.XPRevoke(ctx, personID, kind, source)
	if x := u.xp[personID]; err == nil && x != nil {
		x.absent[AwardKey(kind, source)] = true
		if earned, ok := x.earned[day]; ok && amount != 0 {
			x.earned[day] = earned - capped(kind, amount)
		}
	}
	return amount, day, err
}

// XPDayTotal answers a day the unit holds without a round trip.
func (u *unit) XPDayTotal(ctx context.Context, personID int64, day domain.Day) (int, error) {
	if x := u.xp[personID]; x != nil {
		if earned, ok := x.earned[day]; ok {
			return earned, nil
		}
	}
	return u.Store.XPDayTotal(ctx, personID, day)
}

// capped is what an award of kind adds to its day's XPDayTotal.
func capped(kind string, amount int) int {
	if !underCeiling(kind) {
		return 0
	}
	return amount
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
