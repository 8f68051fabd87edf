package domain

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
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

// Refusal is an error whose text is written for the person who asked: a
// whole sentence naming the thing and what to do, with no internal words.
// It wraps one of the sentinels above, so the edges still answer with the
// right status (404, 409, 412) by errors.Is.
type Refusal struct {
	Kind  error  // ErrNotFound, ErrConflict, ErrPrecondition or ErrInvalidTransition
	Text  string // the sentence, e.g. `No person is called "zoe".`
	Cause error  // optional: a more specific error (character.ErrNoPoints) callers match
}

func (r *Refusal) Error() string { return r.Text }

// Unwrap makes errors.Is(r, r.Kind) and errors.Is(r, r.Cause) hold.
func (r *Refusal) Unwrap() []error {
	if r.Cause != nil {
		return []error{r.Kind, r.Cause}
	}
	return []error{r.Kind}
}

// Refuse makes a Refusal of kind with a formatted sentence.
func Refuse(kind error, format string, args ...any) error {
	return &Refusal{Kind: kind, Text: fmt.Sprintf(format, args...)}
}

// NotFound is a Refusal saying something asked for does not exist.
func NotFound(format string, args ...any) error { return Refuse(ErrNotFound, format, args...) }

// Conflict is a Refusal saying the request clashes with the current state.
func Conflict(format string, args ...any) error { return Refuse(ErrConflict, format, args...) }

// Stale is the Refusal of a write whose If-Match version is not the current
// one: what names the thing as a person knows it (`Habit "Read"`).
func Stale(what string, now, sent int) error {
	return Refuse(ErrPrecondition, "%s changed since you loaded it (version %d now, you sent %d); reload and try again.", what, now, sent)
}

// Sentence is the caller's own field problem as a person reads it: the field
// as the caller spells it (or, inside a list, "Item 2's title"), the value
// they sent, and what is allowed.
func (e FieldError) Sentence() string {
	s := FieldLabel(e.Field)
	if e.Value != nil {
		v := showValue(e.Value)
		if last := s[len(s)-1]; last >= '0' && last <= '9' {
			v = "(" + v + ")" // "stats entry 3 (\"XYZ\")", not "stats entry 3 \"XYZ\""
		}
		s += " " + v
	}
	return s + " " + e.Reason + "."
}

// Verbatim is a value echoed in a FieldError as it is, unquoted: the JSON
// a caller sent where another type was expected (["read"]).
type Verbatim string

func showValue(v any) string {
	switch x := v.(type) {
	case Verbatim:
		return string(x)
	case string:
		return fmt.Sprintf("%q", x)
	case fmt.Stringer:
		return fmt.Sprintf("%q", x.String())
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.String {
		return fmt.Sprintf("%q", rv.String())
	}
	return fmt.Sprint(v)
}

// fieldWords names, in words, the fields inside a list element whose path
// alone reads poorly.
var fieldWords = map[string]string{
	"anchor.at":         "time",
	"anchor.offset_min": "offset in minutes",
	"anchor.kind":       "anchor",
	"duration_min":      "duration in minutes",
	"xp":                "XP",
}

// FieldLabel names a field path for people: a top-level field as the caller
// spells it ("quantity"), an element of a list by its position counted from
// 1 ("items[0].anchor.at" is "Item 1's time", "stats[2]" is "stats entry 3").
func FieldLabel(path string) string {
	open := strings.IndexByte(path, '[')
	if open < 0 {
		return path
	}
	shut := strings.IndexByte(path[open:], ']')
	if shut < 0 {
		return path
	}
	n, err := strconv.Atoi(path[open+1 : open+shut])
	if err != nil {
		return path
	}
	list := path[:open]
	rest := strings.TrimPrefix(path[open+shut+1:], ".")
	if rest == "" {
		return fmt.Sprintf("%s entry %d", list, n+1)
	}
	name := list[strings.LastIndexByte(list, '.')+1:]
	head := fmt.Sprintf("%s %d's", upper(strings.TrimSuffix(name, "s")), n+1)
	if strings.ContainsRune(rest, '[') {
		return head + " " + strings.ToLower(FieldLabel(rest)[:1]) + FieldLabel(rest)[1:]
	}
	if w, ok := fieldWords[rest]; ok {
		return head + " " + w
	}
	return head + " " + strings.NewReplacer(".", " ", "_", " ").Replace(rest)
}

func upper(s string) string {
	if s == "" {
		return s
	}
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[size:]
}

// RenameFields returns err with its field names changed as names maps them,
// for an edge whose callers spell a field differently from the use case
// (Home Assistant's duration_min for an activity's amount). Any other error
// is returned as it is.
func RenameFields(err error, names map[string]string) error {
	var v *ValidationError
	if !errors.As(err, &v) {
		return err
	}
	out := &ValidationError{Fields: make([]FieldError, len(v.Fields))}
	for i, f := range v.Fields {
		if n, ok := names[f.Field]; ok {
			f.Field = n
		}
		out.Fields[i] = f
	}
	return out
}

// sentinelWords are the sentinels' own texts, which never reach a person.
var sentinelWords = []error{ErrNotFound, ErrConflict, ErrPrecondition, ErrInvalidTransition}

// Say is err as the person who caused it should read it, and whether it is
// theirs to fix: every field problem as a sentence; a Refusal's sentence;
// any other error of the domain's kinds without its internal words and
// repeated prefixes. ok is false for a failure of the server, whose text
// is for the log only.
func Say(err error) (text string, ok bool) {
	var v *ValidationError
	var r *Refusal
	switch {
	case err == nil:
		return "", false
	case errors.As(err, &v):
		parts := make([]string, len(v.Fields))
		for i, f := range v.Fields {
			parts[i] = f.Sentence()
		}
		return strings.Join(parts, " "), true
	case errors.As(err, &r):
		return sentence(r.Text), true
	}
	for _, s := range sentinelWords {
		if errors.Is(err, s) {
			return plain(err.Error()), true
		}
	}
	return "", false
}

// plain turns a wrapped error's text ("node \"x\": node \"x\": unknown
// stat-tree node: not found") into a sentence: the sentinels' words go
// ("not found" says so in words), a prefix said twice is said once.
func plain(s string) string {
	parts := strings.Split(s, ": ")
	var kept []string
	notFound := false
	for _, p := range parts {
		switch p {
		case ErrNotFound.Error():
			notFound = true
			continue
		case ErrConflict.Error(), ErrPrecondition.Error(), ErrInvalidTransition.Error():
			continue
		}
		if len(kept) > 0 && strings.EqualFold(kept[len(kept)-1], p) {
			continue
		}
		kept = append(kept, p)
	}
	out := strings.Join(kept, ": ")
	if notFound {
		if out == "" {
			return "That was not found."
		}
		out += " was not found"
	}
	return sentence(out)
}

// sentence capitalises s and ends it with a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	s = upper(s)
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "?") && !strings.HasSuffix(s, "!") {
		s += "."
	}
	return s
}
