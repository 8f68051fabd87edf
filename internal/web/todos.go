package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

// CalDAV is what the to-dos page says about the CalDAV server, for the
// setup of Home Assistant's CalDAV integration. A zero CalDAV means it is
// off.
type CalDAV struct {
	// URL is the principal URL to paste into Home Assistant.
	URL string
	// Collections lists a person's collections.
	Collections func(p domain.Person) []CalDAVCollection
}

// CalDAVCollection is one of a person's CalDAV collections.
type CalDAVCollection struct {
	Name      string // the displayname Home Assistant names its entity after
	Component string // VTODO (a to-do list) or VEVENT (a calendar)
	Path      string
}

type todosData struct {
	Open, Done  []todoRow
	CalDAV      bool
	CalDAVURL   string
	Collections []CalDAVCollection
}

type todoRow struct {
	ID    int64
	Title string
	Notes string
	Due   string
}

func (h *Handler) getTodos(w http.ResponseWriter, r *http.Request) {
	h.showTodos(w, r, h.newPage(w, r, "todos", "To-dos"))
}

func (h *Handler) showTodos(w http.ResponseWriter, r *http.Request, p *page) {
	if err := h.selectPerson(r, p); err != nil {
		h.fail(w, r, err)
		return
	}
	d := todosData{CalDAV: h.opts.CalDAV.URL != "", CalDAVURL: h.opts.CalDAV.URL}
	if p.Person != nil {
		list, err := h.opts.Service.Todos(r.Context(), p.Person.Slug)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		for _, v := range list {
			t := v.Value
			row := todoRow{ID: t.ID, Title: t.Title, Notes: t.Notes}
			switch {
			case !t.Due.Day.IsZero():
				row.Due = t.Due.Day.String()
			case !t.Due.At.IsZero():
				row.Due = t.Due.At.In(h.loc()).Format("2006-01-02 15:04")
			}
			if t.Done {
				d.Done = append(d.Done, row)
			} else {
				d.Open = append(d.Open, row)
			}
		}
		if d.CalDAV && h.opts.CalDAV.Collections != nil {
			d.Collections = h.opts.CalDAV.Collections(*p.Person)
		}
	}
	p.Data = d
	h.render(w, r, "todos", p)
}

func (h *Handler) loc() *time.Location {
	if h.opts.Location != nil {
		return h.opts.Location()
	}
	return time.Local
}

func (h *Handler) postTodo(w http.ResponseWriter, r *http.Request) {
	person := r.FormValue("person")
	var v domain.ValidationError
	in := app.TodoInput{Title: r.FormValue("title"), Notes: r.FormValue("notes"), Source: domain.SourceManual}
	if s := strings.TrimSpace(r.FormValue("due")); s != "" {
		d, err := domain.ParseDay(s)
		if err != nil {
			v.Add("due", s, "must be a date YYYY-MM-DD")
		}
		in.Due.Day = d
	}
	err := v.Err()
	if err == nil {
		_, err = h.opts.Service.CreateTodo(r.Context(), person, in)
		if err == nil {
			done(w, r, withPerson("/todos", person), "Added the to-do "+strings.TrimSpace(in.Title))
			return
		}
	}
	h.formAgain(w, r, err, "todos", "To-dos", func(p *page) { h.showTodos(w, r, p) })
}

// postTodoDone completes (done=1) or reopens (done=0) a to-do.
func (h *Handler) postTodoDone(w http.ResponseWriter, r *http.Request) {
	person := r.FormValue("person")
	id, err := strconv.ParseInt(r.PathValue("todo"), 10, 64)
	if err != nil {
		h.renderError(w, r, http.StatusNotFound, "no such to-do")
		return
	}
	doneNow := r.FormValue("done") != "0"
	res, err := h.opts.Service.UpdateTodo(r.Context(), person, id, app.TodoPatch{Done: &doneNow, Source: domain.SourceManual}, 0)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	msg := "Reopened " + res.Todo.Value.Title
	if doneNow {
		msg = "Done: " + res.Todo.Value.Title
		if res.XP > 0 {
			msg += " (+" + strconv.Itoa(res.XP) + " XP)"
		}
	}
	done(w, r, withPerson("/todos", person), msg)
}

func (h *Handler) postTodoDelete(w http.ResponseWriter, r *http.Request) {
	person := r.FormValue("person")
	id, err := strconv.ParseInt(r.PathValue("todo"), 10, 64)
	if err != nil {
		h.renderError(w, r, http.StatusNotFound, "no such to-do")
		return
	}
	if err := h.opts.Service.DeleteTodo(r.Context(), person, id, 0); err != nil {
		h.fail(w, r, err)
		return
	}
	done(w, r, withPerson("/todos", person), "Deleted the to-do")
}
