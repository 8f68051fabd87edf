package hass_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/dbtest"
	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/character"
	"github.com/lifeops/lifeops/internal/hass"
	"github.com/lifeops/lifeops/internal/hass/hatest"
	"github.com/lifeops/lifeops/internal/postgres"
)

func TestCompleteTodoAction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tree, err := character.Default()
	if err != nil {
		t.Fatal(err)
	}
	svc := app.New(app.Options{Store: postgres.NewStore(dbtest.New(t)), Logger: zerolog.Nop(), Tree: tree,
		Location: func() *time.Location { return time.UTC }})
	if _, err := svc.CreatePerson(ctx, app.PersonInput{Name: "Alex"}); err != nil {
		t.Fatal(err)
	}
	td, err := svc.CreateTodo(ctx, "alex", app.TodoInput{Title: "Buy shoes"})
	if err != nil {
		t.Fatal(err)
	}
	ha := hatest.Start(t, hatest.Options{})
	lifeops := hass.New(hass.Options{URL: ha.WebSocketURL(), Token: "test-token", Logger: zerolog.Nop()})
	hass.NewActions(lifeops, svc, svc, zerolog.Nop())
	caller := hass.New(hass.Options{URL: ha.WebSocketURL(), Token: "test-token", Logger: zerolog.Nop()})
	results := make(chan result, 16)
	caller.SubscribeEvents(hass.ResultEvent, func(ev hass.Event) {
		var r result
		if err := json.Unmarshal(ev.Data, &r); err != nil {
			t.Errorf("result event: %v", err)
		}
		results <- r
	})
	for _, c := range []*hass.Client{lifeops, caller} {
		if err := c.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Stop(context.Background()) })
		if err := c.WaitConnected(ctx); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(100 * time.Millisecond)
	fire := func(id string, data map[string]any) result {
		data["request_id"] = id
		if err := caller.FireEvent(ctx, hass.EventCompleteTodo, data); err != nil {
			t.Fatal(err)
		}
		return await(t, results, id)
	}
	if r := fire("t1", map[string]any{"person": "alex", "todo": "buy shoes"}); !r.OK {
		t.Fatalf("complete: %+v", r)
	}
	got, err := svc.Todo(ctx, "alex", td.Todo.Value.ID)
	if err != nil || !got.Value.Done || got.Value.Source != domain.SourceHA {
		t.Fatalf("after the action: %+v %v", got.Value, err)
	}
	if r := fire("t2", map[string]any{"person": "alex", "todo": "buy shoes", "status": "later"}); r.OK || r.Error == "" {
		t.Fatalf("bad status accepted: %+v", r)
	}
	if r := fire("t3", map[string]any{"person": "alex", "todo": "buy shoes", "status": "open"}); !r.OK {
		t.Fatalf("reopen: %+v", r)
	}
	if got, _ := svc.Todo(ctx, "alex", td.Todo.Value.ID); got.Value.Done {
		t.Fatal("still done after status open")
	}
}
