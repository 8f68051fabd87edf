package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/web"
)

func TestTodosPage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, envOptions{caldav: web.CalDAV{URL: "http://lifeops.local:5232/dav/lifeops/",
		Collections: func(p domain.Person) []web.CalDAVCollection {
			return []web.CalDAVCollection{{Name: p.Name + "'s to-dos", Component: "VTODO", Path: fmt.Sprintf("/dav/lifeops/calendars/%d-todos/", p.ID)}}
		}}})
	person, _ := seed(t, e)
	page := e.get("/todos?person=" + person)
	mustStatus(t, page, http.StatusOK)
	for _, want := range []string{"Nothing to do.", "http://lifeops.local:5232/dav/lifeops/", "Anna&#39;s to-dos", "-todos/"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("to-dos page lacks %q", want)
		}
	}
	// A bad due date names the field, keeps what was typed, adds nothing.
	r := e.post("/todos", url.Values{"person": {person}, "title": {"Buy shoes"}, "due": {"soon"}})
	mustStatus(t, r, http.StatusUnprocessableEntity)
	if got := fieldError(r.body, "due"); got != `due "soon" must be a date YYYY-MM-DD.` {
		t.Errorf("due error %q", got)
	}
	if !strings.Contains(r.body, `value="Buy shoes"`) {
		t.Error("the form lost the title")
	}
	mustStatus(t, e.post("/todos", url.Values{"person": {person}, "title": {"   "}}), http.StatusUnprocessableEntity)
	if list, _ := e.svc.Todos(ctx, person); len(list) != 0 {
		t.Fatalf("refused forms added %d to-dos", len(list))
	}
	mustStatus(t, e.post("/todos", url.Values{"person": {person}, "title": {"Buy shoes"}, "due": {"2026-03-05"}}), http.StatusSeeOther)
	list, err := e.svc.Todos(ctx, person)
	if err != nil || len(list) != 1 || list[0].Value.Due.Day != domain.NewDay(2026, 3, 5) {
		t.Fatalf("after add: %+v %v", list, err)
	}
	id := list[0].Value.ID
	mustStatus(t, e.post(fmt.Sprintf("/todos/%d/done", id), url.Values{"person": {person}, "done": {"1"}}), http.StatusSeeOther)
	if got, _ := e.svc.Todo(ctx, person, id); !got.Value.Done || got.Value.Source != domain.SourceManual {
		t.Fatalf("after done: %+v", got.Value)
	}
	page = e.get("/todos?person=" + person)
	if !strings.Contains(page.body, "<s>Buy shoes</s>") {
		t.Error("the done to-do is not struck through")
	}
	mustStatus(t, e.post(fmt.Sprintf("/todos/%d/delete", id), url.Values{"person": {person}}), http.StatusSeeOther)
	if list, _ := e.svc.Todos(ctx, person); len(list) != 0 {
		t.Fatal("delete left the to-do")
	}
	// CalDAV off: the page says so.
	off := newEnv(t, envOptions{})
	p2, _ := seed(t, off)
	if body := off.get("/todos?person=" + p2).body; !strings.Contains(body, "The CalDAV server is off") {
		t.Error("no word that CalDAV is off")
	}
}
