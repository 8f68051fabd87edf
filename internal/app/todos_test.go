package app_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

func todoTotalXP(t *testing.T, f *fixture, person string) int64 {
	t.Helper()
	v, err := f.svc.Today(context.Background(), person)
	if err != nil {
		t.Fatal(err)
	}
	return v.TotalXP
}

func TestTodoLifecycleEarnsXPOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, at(2026, 3, 2, 9, 0, 0))
	f.person(t, "Alex")
	due := domain.TodoDue{At: time.Date(2026, 3, 3, 18, 0, 0, 0, berlin), Zone: "Europe/Berlin"}
	created, err := f.svc.CreateTodo(ctx, "alex", app.TodoInput{Title: " Buy shoes ", Notes: "size 43", Due: due})
	if err != nil {
		t.Fatal(err)
	}
	td := created.Todo.Value
	if td.Title != "Buy shoes" || td.UID != fmt.Sprintf("lifeops-todo-%d", td.ID) || td.Name != td.UID+".ics" || created.Todo.Version != 1 {
		t.Fatalf("created %+v v%d", td, created.Todo.Version)
	}
	got, err := f.svc.Todo(ctx, "alex", td.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Value.Due.At.Equal(due.At) || got.Value.Due.Zone != "Europe/Berlin" || got.Value.Notes != "size 43" {
		t.Fatalf("stored %+v", got.Value)
	}
	before := todoTotalXP(t, f, "alex")
	yes, no := true, false
	res, err := f.svc.UpdateTodo(ctx, "alex", td.ID, app.TodoPatch{Done: &yes}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if res.XP != domain.TodoXP || res.Todo.Version != 2 || !res.Todo.Value.Done || res.Todo.Value.CompletedAt.IsZero() {
		t.Fatalf("complete: %+v", res)
	}
	// Repeating the completion changes nothing: no XP, no version, no event.
	n := f.events.kinds()[domain.EventTodoChanged]
	res, err = f.svc.UpdateTodo(ctx, "alex", td.ID, app.TodoPatch{Done: &yes}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if res.XP != 0 || res.Todo.Version != 2 || f.events.kinds()[domain.EventTodoChanged] != n {
		t.Fatalf("repeat: %+v", res)
	}
	if got := todoTotalXP(t, f, "alex"); got != before+domain.TodoXP {
		t.Fatalf("XP after completion %d, want %d", got, before+domain.TodoXP)
	}
	// Undone and redone: the XP of one completion, not two.
	if res, err = f.svc.UpdateTodo(ctx, "alex", td.ID, app.TodoPatch{Done: &no}, 0); err != nil || res.XP != -domain.TodoXP {
		t.Fatalf("reopen: %+v %v", res, err)
	}
	if res, err = f.svc.UpdateTodo(ctx, "alex", td.ID, app.TodoPatch{Done: &yes}, 0); err != nil {
		t.Fatal(err)
	}
	if got := todoTotalXP(t, f, "alex"); got != before+domain.TodoXP {
		t.Fatalf("XP after undo/redo %d, want %d", got, before+domain.TodoXP)
	}
	// A stale version is refused and changes nothing.
	title := "Buy boots"
	if _, err := f.svc.UpdateTodo(ctx, "alex", td.ID, app.TodoPatch{Title: &title}, 1); !errors.Is(err, domain.ErrPrecondition) {
		t.Fatalf("stale update: %v", err)
	}
	// Bad input names the field and changes nothing.
	empty := ""
	var ve *domain.ValidationError
	if _, err := f.svc.UpdateTodo(ctx, "alex", td.ID, app.TodoPatch{Title: &empty}, 0); !errors.As(err, &ve) || ve.Fields[0].Field != "title" {
		t.Fatalf("empty title: %v", err)
	}
	if got, _ := f.svc.Todo(ctx, "alex", td.ID); got.Value.Title != "Buy shoes" || got.Version != res.Todo.Version {
		t.Fatalf("refused update changed the to-do: %+v", got)
	}
	if err := f.svc.DeleteTodo(ctx, "alex", td.ID, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Todo(ctx, "alex", td.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("deleted to-do still there: %v", err)
	}
	if got := todoTotalXP(t, f, "alex"); got != before+domain.TodoXP {
		t.Fatalf("XP after delete %d: a done to-do keeps its XP", got)
	}
	rep, err := f.svc.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Differences) > 0 {
		t.Fatalf("verify: %v", rep.Differences)
	}
}

func TestTodoNamesAndHAAction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, at(2026, 3, 2, 9, 0, 0))
	f.person(t, "Alex")
	f.person(t, "Sam")
	a, err := f.svc.CreateTodo(ctx, "alex", app.TodoInput{Title: "Stretch", UID: "abc-1", Name: "abc-1.ics", Due: domain.TodoDue{Day: domain.NewDay(2026, 3, 2)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CreateTodo(ctx, "alex", app.TodoInput{Title: "Other", UID: "abc-1"}); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("duplicate UID: %v", err)
	}
	if got, err := f.svc.TodoByName(ctx, "alex", "abc-1.ics"); err != nil || got.Value.ID != a.Todo.Value.ID || got.Value.Due.Day != domain.NewDay(2026, 3, 2) {
		t.Fatalf("by name: %+v %v", got, err)
	}
	// Another person's to-do is not visible.
	if _, err := f.svc.TodoByName(ctx, "sam", "abc-1.ics"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("sam sees alex's to-do: %v", err)
	}
	if _, err := f.svc.Todo(ctx, "sam", a.Todo.Value.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("sam sees alex's to-do by id: %v", err)
	}
	res, err := f.svc.CompleteTodo(ctx, "alex", " stretch ", true)
	if err != nil || !res.Todo.Value.Done || res.Todo.Value.Source != domain.SourceHA {
		t.Fatalf("complete by title: %+v %v", res, err)
	}
	if _, err := f.svc.CompleteTodo(ctx, "alex", "nothing", true); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("unknown title: %v", err)
	}
}
