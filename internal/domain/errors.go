package domain

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors that the edges (HTTP, HA events, MQTT commands) translate into
// answers people understand. Wrap them with context; match them with errors.Is.
var (
	// ErrNotFound means the thing asked for does not exist (or is not visible).
	ErrNotFound = errors.New("not found")
	// ErrConflict means the request clashes with the current state: a duplicate
	// slug, an idempotency key reused with another body, a stale ETag.
	ErrConflict = errors.New("conflict")
	// ErrPrecondition means an If-Match precondition did not hold.
	ErrPrecondition = errors.New("precondition failed")
	// ErrInvalidTransition means a state machine refused a move (for example a
	// timeline item that is already done being marked missed).
	ErrInvalidTransition = errors.New("invalid transition")
)

// FieldError names one invalid input field and says why it is invalid.
type FieldError struct {
	Field  string // dotted path as the caller spelled it, e.g. "schedule.weekdays"
	Value  any    // the offending value, when it is safe to echo
	Reason string // a short sentence, lowercase, no trailing period
}

func (e FieldError) Error() string {
	if e.Value == nil {
		return fmt.Sprintf("%s: %s", e.Field, e.Reason)
	}
	return fmt.Sprintf("%s (%v): %s", e.Field, e.Value, e.Reason)
}

// ValidationError collects every problem with one input, so a caller can fix
// them all at once instead of one round trip per field.
type ValidationError struct {
	Fields []FieldError
}

// Add records a problem with field.
func (v *ValidationError) Add(field string, value any, reason string) {
	v.Fields = append(v.Fields, FieldError{Field: field, Value: value, Reason: reason})
}

// Err returns v when it holds at least one problem, else nil. It lets a
// validator end with `return v.Err()`.
func (v *ValidationError) Err() error {
	if v == nil || len(v.Fields) == 0 {
		return nil
	}
	return v
}

func (v *ValidationError) Error() string {
	parts := make([]string, len(v.Fields))
	for i, f := range v.Fields {
		parts[i] = f.Error()
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Invalid is a shorthand for a ValidationError with a single field.
func Invalid(field string, value any, reason string) error {
	return &ValidationError{Fields: []FieldError{{Field: field, Value: value, Reason: reason}}}
}
