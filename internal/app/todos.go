package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
)

// xpTodo names a to-do's completion award in the ledger (source: its id).
const xpTodo = "todo"

// TodoStore keeps to-dos.
type TodoStore interface {
	// TodoInsert stores t and returns it with its id (and, when t has
	// none, its UID lifeops-todo-<id> and name <uid>.ics); domain.ErrConflict
	// when the person has a to-do with its UID or name already.
	TodoInsert(ctx context.Context, t domain.Todo) (domain.Todo, error)
	// TodoGet finds a person's to-do by id; lock takes its row lock.
	TodoGet(ctx context.Context, personID, id int64, lock bool) (Versioned[domain.Todo], error)
	// TodoByName finds a person's to-do by its CalDAV resource name.
	TodoByName(ctx context.Context, personID int64, name string) (Versioned[domain.Todo], error)
	// TodoList lists a person's to-dos, open ones first, oldest first.
	TodoList(ctx context.Context, personID int64) ([]Versioned[domain.Todo], error)
	// TodoUpdate writes t when its stored version is still version and
	// returns the new version; domain.ErrPrecondition when it changed.
	TodoUpdate(ctx context.Context, t domain.Todo, version int) (int, error)
	// TodoDelete removes a to-do when its version is still version (0: any).
	TodoDelete(ctx context.Context, personID, id int64, version int) error
}

// TodoInput is a new to-do. UID and Name are set by CalDAV clients, which
// choose them; empty ones are made up.
type TodoInput struct {
	Title  string
	Notes  string
	Due    domain.TodoDue
	Done   bool
	UID    string
	Name   string
	Source domain.Source
}

// TodoPatch changes some of a to-do's fields: nil leaves a field as it is.
type TodoPatch struct {
	Title  *string
	Notes  *string
	Due    *domain.TodoDue // a zero TodoDue clears the due date
	Done   *bool
	Source domain.Source
}

// TodoResult is a to-do after a change, with the XP the change earned.
type TodoResult struct {
	Todo Versioned[domain.Todo]
	XP   int // earned (done) or given back (reopened, negative)
}

// CreateTodo adds a to-do to a person's list. One created done earns its XP
// at once.
func (s *Service) CreateTodo(ctx context.Context, personRef string, in TodoInput) (TodoResult, error) {
	var out TodoResult
	if in.Source == "" {
		in.Source = domain.SourceAPI
	}
	err := s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		p, err := tx.PersonGet(ctx, personRef)
		if err != nil {
			return err
		}
		now := s.now()
		t := domain.Todo{PersonID: p.Value.ID, UID: in.UID, Name: in.Name, Title: strings.TrimSpace(in.Title),
			Notes: in.Notes, Due: in.Due, Source: in.Source, Created: now, Updated: now}
		if err := t.Validate(); err != nil {
			return err
		}
		if t, err = tx.TodoInsert(ctx, t); err != nil {
			return err
		}
		out.Todo = Versioned[domain.Todo]{Value: t, Version: 1}
		change := "created"
		if in.Done {
			t.Done, t.CompletedAt = true, now
			if out.Todo.Version, err = tx.TodoUpdate(ctx, t, 1); err != nil {
				return err
			}
			out.Todo.Value = t
			out.XP = domain.TodoXP
			if err := s.awardXP(ctx, tx, p.Value.ID, s.today(), xpTodo, sourceID(t.ID), out.XP, ev); err != nil {
				return err
			}
			if err := s.checkAchievements(ctx, tx, p.Value.ID, ev); err != nil {
				return err
			}
		}
		s.todoEvent(ev, t, change, out.XP)
		// A to-do done (or undone) moves the person's to-do goals.
		return s.checkGoals(ctx, tx, t.PersonID, ev)
	})
	return out, err
}

// UpdateTodo changes a to-do when ifVersion (0: any) is still current.
// Marking it done earns its XP once; reopening it gives the XP back, so
// done, undone and done again earns what done once does.
func (s *Service) UpdateTodo(ctx context.Context, personRef string, id int64, patch TodoPatch, ifVersion int) (TodoResult, error) {
	var out TodoResult
	err := s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		p, err := tx.PersonGet(ctx, personRef)
		if err != nil {
			return err
		}
		cur, err := tx.TodoGet(ctx, p.Value.ID, id, true)
		if err != nil {
			return err
		}
		if ifVersion != 0 && ifVersion != cur.Version {
			return domain.Stale(fmt.Sprintf("To-do %q", cur.Value.Title), cur.Version, ifVersion)
		}
		t := cur.Value
		if patch.Title != nil {
			t.Title = strings.TrimSpace(*patch.Title)
		}
		if patch.Notes != nil {
			t.Notes = *patch.Notes
		}
		if patch.Due != nil {
			t.Due = *patch.Due
		}
		if err := t.Validate(); err != nil {
			return err
		}
		change := "updated"
		now := s.now()
		if patch.Done != nil && *patch.Done != t.Done {
			t.Done = *patch.Done
			if t.Done {
				change, t.CompletedAt, out.XP = "completed", now, domain.TodoXP
				if patch.Source != "" {
					t.Source = patch.Source
				}
				if err := s.awardXP(ctx, tx, p.Value.ID, s.today(), xpTodo, sourceID(t.ID), out.XP, ev); err != nil {
					return err
				}
			} else {
				change, t.CompletedAt = "reopened", time.Time{}
				amount, err := s.revokeXP(ctx, tx, p.Value.ID, xpTodo, sourceID(t.ID), ev)
				if err != nil {
					return err
				}
				out.XP = -amount
			}
		}
		if sameTodo(t, cur.Value) {
			// Nothing changed (a repeated completion, a save of the same
			// fields): no new version, no event.
			out.Todo = cur
			return nil
		}
		t.Updated = now
		version, err := tx.TodoUpdate(ctx, t, cur.Version)
		if err != nil {
			return err
		}
		out.Todo = Versioned[domain.Todo]{Value: t, Version: version}
		if change == "completed" {
			if err := s.checkAchievements(ctx, tx, p.Value.ID, ev); err != nil {
				return err
			}
		}
		s.todoEvent(ev, t, change, out.XP)
		// A to-do done (or undone) moves the person's to-do goals.
		return s.checkGoals(ctx, tx, t.PersonID, ev)
	})
	return out, err
}

// DeleteTodo removes a to-do when ifVersion (0: any) is still current. XP a
// done to-do earned stays: it was done.
func (s *Service) DeleteTodo(ctx context.Context, personRef string, id int64, ifVersion int) error {
	return s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		p, err := tx.PersonGet(ctx, personRef)
		if err != nil {
			return err
		}
		cur, err := tx.TodoGet(ctx, p.Value.ID, id, true)
		if err != nil {
			return err
		}
		if ifVersion != 0 && ifVersion != cur.Version {
			return domain.Stale(fmt.Sprintf("To-do %q", cur.Value.Title), cur.Version, ifVersion)
		}
		if err := tx.TodoDelete(ctx, p.Value.ID, id, cur.Version); err != nil {
			return err
		}
		s.todoEvent(ev, cur.Value, "deleted", 0)
		return s.checkGoals(ctx, tx, cur.Value.PersonID, ev)
	})
}

// Todos lists a person's to-dos, open ones first.
func (s *Service) Todos(ctx context.Context, personRef string) ([]Versioned[domain.Todo], error) {
	p, err := s.store.PersonGet(ctx, personRef)
	if err != nil {
		return nil, err
	}
	return s.store.TodoList(ctx, p.Value.ID)
}

// Todo finds one of a person's to-dos.
func (s *Service) Todo(ctx context.Context, personRef string, id int64) (Versioned[domain.Todo], error) {
	p, err := s.store.PersonGet(ctx, personRef)
	if err != nil {
		return Versioned[domain.Todo]{}, err
	}
	return s.store.TodoGet(ctx, p.Value.ID, id, false)
}

// TodoByName finds one of a person's to-dos by its CalDAV resource name.
func (s *Service) TodoByName(ctx context.Context, personRef, name string) (Versioned[domain.Todo], error) {
	p, err := s.store.PersonGet(ctx, personRef)
	if err != nil {
		return Versioned[domain.Todo]{}, err
	}
	return s.store.TodoByName(ctx, p.Value.ID, name)
}

// CompleteTodo is UpdateTodo as Home Assistant's action asks for it: a
// to-do by id or title (case and surrounding spaces do not matter), done
// or reopened.
func (s *Service) CompleteTodo(ctx context.Context, personRef, ref string, done bool) (TodoResult, error) {
	list, err := s.Todos(ctx, personRef)
	if err != nil {
		return TodoResult{}, err
	}
	want := strings.ToLower(strings.TrimSpace(ref))
	var found []Versioned[domain.Todo]
	for _, t := range list {
		if sourceID(t.Value.ID) == ref || strings.ToLower(t.Value.Title) == want {
			found = append(found, t)
		}
	}
	if len(found) > 1 {
		// Prefer the one open ones when completing (a done twin is history).
		var open []Versioned[domain.Todo]
		for _, t := range found {
			if t.Value.Done != done {
				open = append(open, t)
			}
		}
		if len(open) == 1 {
			found = open
		}
	}
	switch len(found) {
	case 0:
		return TodoResult{}, fmt.Errorf("to-do %q: %w", ref, domain.ErrNotFound)
	case 1:
	default:
		return TodoResult{}, fmt.Errorf("%d to-dos are called %q; name one by its id: %w", len(found), ref, domain.ErrConflict)
	}
	return s.UpdateTodo(ctx, personRef, found[0].Value.ID, TodoPatch{Done: &done, Source: domain.SourceHA}, 0)
}

func (s *Service) todoEvent(ev *[]domain.Event, t domain.Todo, change string, xp int) {
	*ev = append(*ev, domain.Event{Kind: domain.EventTodoChanged, PersonID: t.PersonID, At: s.now(),
		Todo: &domain.TodoChangedData{TodoID: t.ID, Change: change, Title: t.Title, Done: t.Done, XP: xp}})
}

// sameTodo reports whether a change left a to-do as it was (instants
// compared as instants, whatever their location).
func sameTodo(a, b domain.Todo) bool {
	return a.Title == b.Title && a.Notes == b.Notes && a.Done == b.Done && a.Due.Day == b.Due.Day &&
		a.Due.At.Equal(b.Due.At) && a.Due.Zone == b.Due.Zone && a.CompletedAt.Equal(b.CompletedAt)
}
