package domain

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// TodoXP is what completing a to-do earns: a one-off task is worth a little,
// so a list of trivial to-dos cannot outweigh habits.
const TodoXP = 5

// Limits of a to-do's text.
const (
	TodoTitleMax = 200
	TodoNotesMax = 4000
)

// Todo is a person's one-off task: done once, with an optional due day or
// due time. UID is its iCalendar UID and Name its resource name in the
// person's CalDAV to-do list; both are fixed when it is made.
type Todo struct {
	ID       int64
	PersonID int64
	UID      string
	Name     string
	Title    string
	Notes    string
	Due      TodoDue
	Done     bool
	// CompletedAt is when it was last marked done (zero while open).
	CompletedAt time.Time
	Source      Source
	Created     time.Time
	Updated     time.Time
}

// TodoDue is when a to-do is due: nothing, a day, or an instant. Zone keeps
// the time zone an instant was given in, so it is shown back the same way.
type TodoDue struct {
	Day  Day
	At   time.Time
	Zone string
}

// IsZero reports whether no due date is set.
func (d TodoDue) IsZero() bool { return d.Day.IsZero() && d.At.IsZero() }

// Validate checks a to-do's fields, naming each that is wrong.
func (t Todo) Validate() error {
	var v ValidationError
	title := strings.TrimSpace(t.Title)
	switch {
	case title == "":
		v.Add("title", nil, "must not be empty")
	case utf8.RuneCountInString(title) > TodoTitleMax:
		v.Add("title", nil, "must be at most 200 characters")
	case strings.IndexFunc(title, unicode.IsControl) >= 0:
		v.Add("title", nil, "must be one line without control characters")
	}
	if utf8.RuneCountInString(t.Notes) > TodoNotesMax {
		v.Add("notes", nil, "must be at most 4000 characters")
	}
	if strings.IndexFunc(t.Notes, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) >= 0 {
		v.Add("notes", nil, "must not contain control characters other than new lines and tabs")
	}
	if !t.Due.Day.IsZero() && !t.Due.At.IsZero() {
		v.Add("due", nil, "is either a day or a time, not both")
	}
	if !t.Due.Day.IsZero() && (t.Due.Day.Year < 1970 || t.Due.Day.Year > 2200) {
		v.Add("due", t.Due.Day.String(), "must be a day between 1970 and 2200")
	}
	if !t.Due.At.IsZero() && (t.Due.At.Year() < 1970 || t.Due.At.Year() > 2200) {
		v.Add("due", t.Due.At.Format(time.RFC3339), "must be a time between 1970 and 2200")
	}
	if t.Due.Zone != "" {
		if _, err := time.LoadLocation(t.Due.Zone); err != nil {
			v.Add("due_zone", t.Due.Zone, "is not a known IANA time zone")
		}
	}
	if t.UID != "" && !validTodoRef(t.UID) {
		v.Add("uid", nil, "must be 1 to 200 printable characters")
	}
	if t.Name != "" && !validTodoRef(t.Name) {
		v.Add("name", nil, "must be 1 to 200 printable characters")
	}
	return v.Err()
}

func validTodoRef(s string) bool {
	if s == "" || len(s) > 200 || !utf8.ValidString(s) {
		return false
	}
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) || r == '/' }) < 0
}
