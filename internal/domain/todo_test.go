package domain

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestTodoValidate(t *testing.T) {
	t.Parallel()
	ok := Todo{Title: "Buy shoes", Notes: "size 43\nblack"}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid to-do refused: %v", err)
	}
	cases := []struct {
		name  string
		todo  Todo
		field string
	}{
		{"empty title", Todo{Title: "  "}, "title"},
		{"long title", Todo{Title: strings.Repeat("x", 201)}, "title"},
		{"title with a newline", Todo{Title: "a\nb"}, "title"},
		{"long notes", Todo{Title: "a", Notes: strings.Repeat("n", 4001)}, "notes"},
		{"day and time", Todo{Title: "a", Due: TodoDue{Day: NewDay(2026, 1, 2), At: time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)}}, "due"},
		{"unknown zone", Todo{Title: "a", Due: TodoDue{At: time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC), Zone: "Mars/Olympus"}}, "due_zone"},
		{"slash in name", Todo{Title: "a", Name: "x/y.ics"}, "name"},
	}
	for _, c := range cases {
		err := c.todo.Validate()
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Fields[0].Field != c.field {
			t.Errorf("%s: got %v, want a problem with %s", c.name, err, c.field)
		}
	}
}
