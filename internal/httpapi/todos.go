package httpapi

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/lifeops/lifeops/internal/app"
	"github.com/lifeops/lifeops/internal/domain"
)

// TodoBody is a to-do as the API shows it.
type TodoBody struct {
	ID          int64      `json:"id"`
	Title       string     `json:"title"`
	Notes       string     `json:"notes"`
	Due         string     `json:"due,omitempty" doc:"a date YYYY-MM-DD, or a date-time (RFC 3339); absent when not due"`
	DueZone     string     `json:"due_zone,omitempty" doc:"the IANA time zone a due time was given in"`
	Done        bool       `json:"done"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
	Source      string     `json:"source,omitempty" doc:"what last completed it"`
	UID         string     `json:"uid" doc:"its iCalendar UID in the person's CalDAV to-do list"`
	Created     time.Time  `json:"created"`
	Updated     time.Time  `json:"updated"`
	Version     int        `json:"version" doc:"the ETag"`
}

// TodoList is a person's to-dos, open ones first.
type TodoList struct {
	Items []TodoBody `json:"items"`
}

// TodoInput is the body of POST …/todos.
type TodoInput struct {
	Title   string `json:"title" minLength:"1" maxLength:"200"`
	Notes   string `json:"notes,omitempty" maxLength:"4000"`
	Due     string `json:"due,omitempty" maxLength:"40" doc:"a date YYYY-MM-DD, or a date-time (RFC 3339)"`
	DueZone string `json:"due_zone,omitempty" maxLength:"64" doc:"IANA time zone to show a due time in (default: the offset's)"`
	Done    bool   `json:"done,omitempty" doc:"create it done (earns its XP)"`
}

// TodoPatch is the body of PATCH …/todos/{todo}: absent fields stay.
type TodoPatch struct {
	Title   *string `json:"title,omitempty" minLength:"1" maxLength:"200"`
	Notes   *string `json:"notes,omitempty" maxLength:"4000"`
	Due     *string `json:"due,omitempty" maxLength:"40" doc:"a date YYYY-MM-DD or a date-time (RFC 3339); the empty string clears it"`
	DueZone *string `json:"due_zone,omitempty" maxLength:"64" doc:"IANA time zone of a due time"`
	Done    *bool   `json:"done,omitempty" doc:"true completes it (earns its XP once), false reopens it (gives the XP back)"`
}

// TodoPath is the {person} and {todo} of a to-do's paths.
type TodoPath struct {
	PersonPath
	Todo int64 `path:"todo" minimum:"1" doc:"the to-do's id"`
}

type todoOutput struct {
	ETag string `header:"ETag"`
	Body TodoBody
}

func todoBody(v app.Versioned[domain.Todo]) TodoBody {
	t := v.Value
	b := TodoBody{ID: t.ID, Title: t.Title, Notes: t.Notes, Done: t.Done, Source: string(t.Source), UID: t.UID,
		Created: t.Created.UTC(), Updated: t.Updated.UTC(), Version: v.Version, DueZone: t.Due.Zone}
	switch {
	case !t.Due.Day.IsZero():
		b.Due = t.Due.Day.String()
	case !t.Due.At.IsZero():
		at := t.Due.At
		if loc, err := time.LoadLocation(t.Due.Zone); t.Due.Zone != "" && err == nil {
			at = at.In(loc)
		} else {
			at = at.UTC()
		}
		b.Due = at.Format(time.RFC3339)
	}
	if t.Done && !t.CompletedAt.IsZero() {
		c := t.CompletedAt.UTC()
		b.CompletedAt = &c
	}
	return b
}

// parseTodoDue reads a due date or date-time; field names the problem.
func parseTodoDue(v *domain.ValidationError, s, zone string) domain.TodoDue {
	s = strings.TrimSpace(s)
	if s == "" {
		return domain.TodoDue{}
	}
	if d, err := domain.ParseDay(s); err == nil {
		return domain.TodoDue{Day: d}
	}
	at, err := time.Parse(time.RFC3339, s)
	if err != nil {
		v.Add("due", s, "must be a date YYYY-MM-DD or a date-time like 2026-03-02T18:00:00+01:00")
		return domain.TodoDue{}
	}
	return domain.TodoDue{At: at, Zone: zone}
}

func registerTodos(api huma.API, svc *app.Service) {
	tags := []string{"todos"}
	op(api, scoped(huma.Operation{
		OperationID: "list-todos", Method: http.MethodGet, Path: "/api/v1/people/{person}/todos",
		Summary: "List a person's to-dos", Description: "Open ones first, then done ones, each oldest first, with their ETags (version).",
		Tags: tags, Errors: []int{404},
	}, "path"), func(ctx context.Context, in *PersonPath) (*struct{ Body TodoList }, error) {
		list, err := svc.Todos(ctx, in.Person)
		if err != nil {
			return nil, err
		}
		out := &struct{ Body TodoList }{}
		out.Body.Items = make([]TodoBody, len(list))
		for i, t := range list {
			out.Body.Items[i] = todoBody(t)
		}
		return out, nil
	})
	op(api, idempotent(scoped(huma.Operation{
		OperationID: "create-todo", Method: http.MethodPost, Path: "/api/v1/people/{person}/todos",
		Summary: "Add a to-do", Description: "A one-off task with an optional due date or time and notes. It also appears in the person's CalDAV to-do list.",
		Tags: tags, DefaultStatus: http.StatusCreated, Errors: []int{404, 409, 422},
	}, "path")), func(ctx context.Context, in *struct {
		PersonPath
		IdempotencyHeader
		Body TodoInput
	}) (*todoOutput, error) {
		var v domain.ValidationError
		due := parseTodoDue(&v, in.Body.Due, in.Body.DueZone)
		if err := v.Err(); err != nil {
			return nil, err
		}
		res, err := svc.CreateTodo(ctx, in.Person, app.TodoInput{Title: in.Body.Title, Notes: in.Body.Notes, Due: due,
			Done: in.Body.Done, Source: domain.SourceAPI})
		if err != nil {
			return nil, err
		}
		return &todoOutput{ETag: etag(res.Todo.Version), Body: todoBody(res.Todo)}, nil
	})
	op(api, scoped(huma.Operation{
		OperationID: "get-todo", Method: http.MethodGet, Path: "/api/v1/people/{person}/todos/{todo}",
		Summary: "Read a to-do", Description: "Answers the to-do with its ETag.", Tags: tags, Errors: []int{404},
	}, "path"), func(ctx context.Context, in *TodoPath) (*todoOutput, error) {
		t, err := svc.Todo(ctx, in.Person, in.Todo)
		if err != nil {
			return nil, err
		}
		return &todoOutput{ETag: etag(t.Version), Body: todoBody(t)}, nil
	})
	op(api, scoped(huma.Operation{
		OperationID: "update-todo", Method: http.MethodPatch, Path: "/api/v1/people/{person}/todos/{todo}",
		Summary: "Change, complete or reopen a to-do",
		Description: "Absent fields stay as they are. done true earns the to-do's XP once; false gives it back, so completing it again earns it once more, never twice. " +
			"Repeating a change changes nothing. Send If-Match to refuse a stale update (412).",
		Tags: tags, Errors: []int{404, 412, 422},
	}, "path"), func(ctx context.Context, in *struct {
		TodoPath
		IfMatch
		Body TodoPatch
	}) (*todoOutput, error) {
		ver, err := in.version()
		if err != nil {
			return nil, err
		}
		var v domain.ValidationError
		patch := app.TodoPatch{Title: in.Body.Title, Notes: in.Body.Notes, Done: in.Body.Done, Source: domain.SourceAPI}
		if in.Body.Due != nil {
			zone := ""
			if in.Body.DueZone != nil {
				zone = *in.Body.DueZone
			}
			due := parseTodoDue(&v, *in.Body.Due, zone)
			patch.Due = &due
		} else if in.Body.DueZone != nil {
			v.Add("due_zone", *in.Body.DueZone, "needs due")
		}
		if err := v.Err(); err != nil {
			return nil, err
		}
		res, err := svc.UpdateTodo(ctx, in.Person, in.Todo, patch, ver)
		if err != nil {
			return nil, err
		}
		return &todoOutput{ETag: etag(res.Todo.Version), Body: todoBody(res.Todo)}, nil
	})
	op(api, scoped(huma.Operation{
		OperationID: "delete-todo", Method: http.MethodDelete, Path: "/api/v1/people/{person}/todos/{todo}",
		Summary: "Delete a to-do", Description: "XP a done to-do earned stays. Send If-Match to refuse deleting a changed to-do (412).",
		Tags: tags, DefaultStatus: http.StatusNoContent, Errors: []int{404, 412},
	}, "path"), func(ctx context.Context, in *struct {
		TodoPath
		IfMatch
	}) (*struct{}, error) {
		ver, err := in.version()
		if err != nil {
			return nil, err
		}
		return nil, svc.DeleteTodo(ctx, in.Person, in.Todo, ver)
	})
}
