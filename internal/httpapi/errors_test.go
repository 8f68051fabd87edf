package httpapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/rs/zerolog"

	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/character"
)

func TestProblemMapsEveryKindOfError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		err    error
		status int
		detail string
	}{
		// The detail is a sentence: no sentinel words, no prefix said twice.
		{"not found", fmt.Errorf("person %q: %w", "zoe", domain.ErrNotFound), 404, `Person "zoe" was not found.`},
		{"conflict", fmt.Errorf("slug taken: %w", domain.ErrConflict), 409, "Slug taken."},
		{"precondition", domain.Stale(`Habit "Read"`, 1, 999), 412, `Habit "Read" changed since you loaded it (version 1 now, you sent 999); reload and try again.`},
		{"invalid transition", fmt.Errorf("the item is already done: %w", domain.ErrInvalidTransition), 409, "The item is already done."},
		{"tree conflict", fmt.Errorf("node %q: %w", "x", character.ErrNoPoints), 409, `Node "x": no unspent points.`},
		{"repeated prefix", fmt.Errorf("node %q: %w", "x", fmt.Errorf("node %q: %w", "x", character.ErrUnknownNode)), 404, `Node "x": unknown stat-tree node was not found.`},
		{"refusal", domain.Conflict("The slug %q is already used by %s. Choose another.", "anna", "Anna"), 409, `The slug "anna" is already used by Anna. Choose another.`},
		{"validation", domain.Invalid("color", "red", "must be a colour like #3a7bd5"), 422, `color "red" must be a colour like #3a7bd5.`},
		{"internal", errors.New("pq: connection refused at 10.0.0.7"), 500, detailInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			ctx := zerolog.New(&logs).With().Str("request_id", "req-1").Logger().WithContext(context.Background())
			got := problem(ctx, tt.err)
			var m *huma.ErrorModel
			if !errors.As(got, &m) {
				t.Fatalf("problem gave %T", got)
			}
			if m.Status != tt.status || (tt.status != 500 && m.Detail != tt.detail) || !strings.Contains(m.Detail, tt.detail) {
				t.Errorf("got %d %q, want %d %q", m.Status, m.Detail, tt.status, tt.detail)
			}
			for _, word := range []string{"conflict", "precondition failed", "invalid transition", ": not found"} {
				if strings.Contains(m.Detail, word) {
					t.Errorf("detail %q has the internal words %q", m.Detail, word)
				}
			}
			if tt.status == 500 {
				if strings.Contains(m.Detail, "10.0.0.7") {
					t.Errorf("internal error text leaked: %q", m.Detail)
				}
				if !strings.Contains(logs.String(), "req-1") || !strings.Contains(logs.String(), "10.0.0.7") {
					t.Errorf("500 not logged with the request id and cause: %s", logs.String())
				}
			} else if logs.Len() != 0 {
				t.Errorf("a %d was logged: %s", tt.status, logs.String())
			}
		})
	}
}

func TestValidationErrorsNameTheirFields(t *testing.T) {
	t.Parallel()
	v := &domain.ValidationError{}
	v.Add("schedule.weekdays[0]", 9, "must be a weekday 0 (Sunday) to 6 (Saturday)")
	v.Add("name", nil, "is required")
	var m *huma.ErrorModel
	if !errors.As(problem(context.Background(), v), &m) {
		t.Fatal("not a problem")
	}
	if len(m.Errors) != 2 || m.Errors[0].Location != "body.schedule.weekdays[0]" || m.Errors[0].Value != 9 ||
		m.Errors[0].Message != "schedule.weekdays entry 1 (9) must be a weekday 0 (Sunday) to 6 (Saturday)." ||
		m.Errors[1].Location != "body.name" || m.Errors[1].Message != "name is required." {
		t.Errorf("details: %+v %+v", m.Errors[0], m.Errors[1])
	}
	if want := "schedule.weekdays entry 1 (9) must be a weekday 0 (Sunday) to 6 (Saturday). name is required."; m.Detail != want {
		t.Errorf("detail %q, want %q", m.Detail, want)
	}
}
