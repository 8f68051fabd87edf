package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/character"
)

// Tree is the stat tree every character grows on.
func (s *Service) Tree() *character.Tree { return s.tree }

// CharacterView is a person's sheet and what they may allocate next.
type CharacterView struct {
	Person      domain.Person
	Sheet       character.Sheet
	Allocatable []character.NodeID
	// NextRespecAt is the earliest time of the next respec; zero when a
	// respec is possible now.
	NextRespecAt time.Time
}

// Character assembles a person's character sheet from stored totals.
func (s *Service) Character(ctx context.Context, personRef string) (CharacterView, error) {
	p, err := s.store.PersonGet(ctx, personRef)
	if err != nil {
		return CharacterView{}, err
	}
	return s.characterView(ctx, s.store, p.Value)
}

func (s *Service) characterView(ctx context.Context, tx Store, p domain.Person) (CharacterView, error) {
	prog, err := tx.ProgressGet(ctx, p.ID)
	if err != nil {
		return CharacterView{}, err
	}
	nodes, err := tx.Allocations(ctx, p.ID)
	if err != nil {
		return CharacterView{}, err
	}
	last, err := tx.LastRespec(ctx, p.ID)
	if err != nil {
		return CharacterView{}, err
	}
	return s.characterFrom(p, prog, nodeIDs(nodes), last), nil
}

// characterFrom builds the sheet from the progress, allocations and last
// respec read.
func (s *Service) characterFrom(p domain.Person, prog Progress, allocated []character.NodeID, lastRespec time.Time) CharacterView {
	level, into, toNext := domain.LevelForTotal(prog.TotalXP)
	sheet := character.BuildSheet(s.tree, character.SheetInput{
		Level: level, XP: prog.TotalXP, XPIntoLevel: into, XPToNext: toNext, Allocated: allocated, Growth: prog.Growth,
	})
	v := CharacterView{Person: p, Sheet: sheet, Allocatable: character.Allocatable(s.tree, allocated)}
	if next := character.NextRespec(lastRespec); next.After(s.now()) {
		v.NextRespecAt = next
	}
	return v
}

// Allocate spends one stat point on a tree node. Two allocations racing for
// the last point spend it once: the person's progress row is locked first.
func (s *Service) Allocate(ctx context.Context, personRef string, node string) (CharacterView, error) {
	var out CharacterView
	err := s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		p, err := tx.PersonGet(ctx, personRef)
		if err != nil {
			return err
		}
		prog, err := tx.ProgressGet(ctx, p.Value.ID) // FOR UPDATE: the serialisation point
		if err != nil {
			return err
		}
		nodes, err := tx.Allocations(ctx, p.Value.ID)
		if err != nil {
			return err
		}
		allocated := nodeIDs(nodes)
		level, _, _ := domain.LevelForTotal(prog.TotalXP)
		unspent := character.Unspent(level, character.AllocatedCount(s.tree, allocated))
		if err := character.CanAllocate(s.tree, allocated, character.NodeID(node), unspent); err != nil {
			return allocRefusal(p.Value.Name, node, unspent, err)
		}
		if err := tx.AllocationInsert(ctx, p.Value.ID, node, s.now()); err != nil {
			return err
		}
		s.touched(ev, p.Value.ID, domain.ChangeAllocation)
		out, err = s.characterView(ctx, tx, p.Value)
		return err
	})
	return out, err
}

// Respec refunds every allocated point (at most once a week; a respec
// with nothing to refund changes nothing and starts no cooldown).
func (s *Service) Respec(ctx context.Context, personRef string) (CharacterView, error) {
	var out CharacterView
	err := s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		p, err := tx.PersonGet(ctx, personRef)
		if err != nil {
			return err
		}
		prog, err := tx.ProgressGet(ctx, p.Value.ID)
		if err != nil {
			return err
		}
		nodes, err := tx.Allocations(ctx, p.Value.ID)
		if err != nil {
			return err
		}
		last, err := tx.LastRespec(ctx, p.Value.ID)
		if err != nil {
			return err
		}
		level, _, _ := domain.LevelForTotal(prog.TotalXP)
		now := s.now()
		res, err := character.Respec(s.tree, nodeIDs(nodes), level, last, now)
		if err != nil {
			return err
		}
		if res.Refunded > 0 { // nothing refunded: no cooldown starts
			if err := tx.AllocationsClear(ctx, p.Value.ID); err != nil {
				return err
			}
			if err := tx.RespecInsert(ctx, p.Value.ID, now, res.Refunded); err != nil {
				return err
			}
		}
		s.touched(ev, p.Value.ID, domain.ChangeRespec)
		out, err = s.characterView(ctx, tx, p.Value)
		return err
	})
	return out, err
}

// allocRefusal says in words why node cannot be allocated for name.
func allocRefusal(name, node string, unspent int, err error) error {
	var text string
	switch {
	case errors.Is(err, character.ErrUnknownNode):
		text = fmt.Sprintf("There is no node %q in the stat tree; the Character page and GET /api/v1/people/{person}/character list the nodes (ids like str_1).", node)
	case errors.Is(err, character.ErrNoPoints):
		text = fmt.Sprintf("%s has no stat points left to spend on node %q (%d unspent); each level from level 2 on brings one.", name, node, unspent)
	case errors.Is(err, character.ErrAlreadyAllocated):
		text = fmt.Sprintf("The node %q is allocated already for %s.", node, name)
	case errors.Is(err, character.ErrNotAdjacent):
		text = fmt.Sprintf("The node %q is not next to a node %s has or to the start; allocate a node between them first.", node, name)
	default:
		return fmt.Errorf("node %q: %w", node, err)
	}
	kind := domain.ErrConflict
	if errors.Is(err, domain.ErrNotFound) {
		kind = domain.ErrNotFound
	}
	return &domain.Refusal{Kind: kind, Text: text, Cause: err}
}
