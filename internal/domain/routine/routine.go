package routine

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/lifeops/lifeops/internal/domain"
)

// Limits of a routine definition.
const (
	MaxNameLen      = 80
	MaxTitleLen     = 120
	MaxItems        = 50
	MaxChecklist    = 30
	MaxChecklistLen = 120
	MaxItemXP       = 500
	MaxOffsetMin    = 12 * 60 // a wake-up offset, either way
	MaxDurationMin  = 24 * 60
	MaxGraceMin     = 24 * 60
	DefaultGraceMin = 60
)

// DefaultWake is the wake-up time wake anchors count from when neither a
// measured wake-up nor a configured default is known.
const DefaultWake domain.ClockTime = 7 * 60

// Routine is a planned sequence of items one person does on the days its
// schedule says (a morning routine, medication, a workout).
type Routine struct {
	ID       int64
	PersonID int64
	Name     string
	Items    []Item
	Schedule Schedule
}

// AnchorKind says what an item's planned time is counted from.
type AnchorKind string

// Anchor kinds.
const (
	AnchorClock AnchorKind = "clock" // a local wall-clock time
	AnchorWake  AnchorKind = "wake"  // minutes after (or before) wake-up
)

// Anchor fixes an item's planned time on a day.
type Anchor struct {
	Kind AnchorKind
	// At is the clock time of AnchorClock.
	At domain.ClockTime
	// OffsetMin is AnchorWake's offset from wake-up in minutes; negative is
	// before waking (an alarm-side item).
	OffsetMin int
}

// Item is one step of a routine.
type Item struct {
	ID          int64
	Title       string
	Anchor      Anchor
	DurationMin int // how long it takes, for display and the timeline's layout
	Checklist   []string
	XP          int    // base XP when done; see domain.RoutineItemXP
	HabitID     *int64 // checked in when the item is done
	// GraceMin is how long after its planned time a pending item waits
	// before it is missed: 0 is missed right at the planned time; nil (not
	// given) is DefaultGraceMin.
	GraceMin *int
}

// Grace is the item's grace period in minutes, the default applied when
// none was given.
func (it Item) Grace() int {
	if it.GraceMin == nil {
		return DefaultGraceMin
	}
	return *it.GraceMin
}

// GraceOf is a grace period for Item.GraceMin.
func GraceOf(min int) *int { return &min }

// Validate checks a routine definition and names every bad field, items as
// "items[2].title".
func (r Routine) Validate() error {
	var v domain.ValidationError
	if r.PersonID <= 0 {
		v.Add("person_id", r.PersonID, "must name a person")
	}
	validateText(&v, "name", r.Name, MaxNameLen)
	r.Schedule.validate(&v, "schedule.")
	switch {
	case len(r.Items) == 0:
		v.Add("items", nil, "a routine needs at least one item")
	case len(r.Items) > MaxItems:
		v.Add("items", len(r.Items), fmt.Sprintf("a routine has at most %d items", MaxItems))
	}
	titles := map[string]int{}
	for i, it := range r.Items {
		p := fmt.Sprintf("items[%d].", i)
		validateText(&v, p+"title", it.Title, MaxTitleLen)
		// Items are completed by title from HA and voice, so a title must
		// say which item it is.
		key := strings.ToLower(strings.TrimSpace(it.Title))
		if j, dup := titles[key]; dup && key != "" {
			v.Add(p+"title", it.Title, fmt.Sprintf("is the same as items[%d].title", j))
		} else {
			titles[key] = i
		}
		switch it.Anchor.Kind {
		case AnchorClock:
			if it.Anchor.At < 0 || it.Anchor.At >= domain.Clock(24, 0) {
				v.Add(p+"anchor.at", it.Anchor.At, "is not a time of day (00:00–23:59)")
			}
			if it.Anchor.OffsetMin != 0 {
				v.Add(p+"anchor.offset_min", it.Anchor.OffsetMin, "is only for wake anchors")
			}
		case AnchorWake:
			if it.Anchor.OffsetMin < -MaxOffsetMin || it.Anchor.OffsetMin > MaxOffsetMin {
				v.Add(p+"anchor.offset_min", it.Anchor.OffsetMin, "must be within 12 hours (-720 to 720 minutes) of wake-up")
			}
			if it.Anchor.At != 0 {
				v.Add(p+"anchor.at", it.Anchor.At, "is only for clock anchors")
			}
		default:
			v.Add(p+"anchor.kind", it.Anchor.Kind, "must be clock or wake")
		}
		if it.DurationMin < 0 || it.DurationMin > MaxDurationMin {
			v.Add(p+"duration_min", it.DurationMin, "must be 0 to 1440 minutes")
		}
		if it.XP < 0 || it.XP > MaxItemXP {
			v.Add(p+"xp", it.XP, fmt.Sprintf("must be 0 to %d", MaxItemXP))
		}
		if g := it.GraceMin; g != nil && (*g < 0 || *g > MaxGraceMin) {
			v.Add(p+"grace_min", *g, "must be 0 to 1440 minutes (leave it out for the default, 60)")
		}
		if it.HabitID != nil && *it.HabitID <= 0 {
			v.Add(p+"habit_id", *it.HabitID, "must name a habit")
		}
		if len(it.Checklist) > MaxChecklist {
			v.Add(p+"checklist", len(it.Checklist), fmt.Sprintf("has at most %d entries", MaxChecklist))
		}
		for j, c := range it.Checklist {
			validateText(&v, fmt.Sprintf("%schecklist[%d]", p, j), c, MaxChecklistLen)
		}
	}
	return v.Err()
}

func validateText(v *domain.ValidationError, field, s string, maxLen int) {
	switch {
	case strings.TrimSpace(s) == "":
		v.Add(field, nil, "is required")
	case !utf8.ValidString(s):
		v.Add(field, nil, "must be valid UTF-8")
	case utf8.RuneCountInString(s) > maxLen:
		v.Add(field, nil, fmt.Sprintf("must be at most %d characters", maxLen))
	}
}
