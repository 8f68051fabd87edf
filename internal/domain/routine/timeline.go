package routine

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
)

// Status is where a timeline entry stands.
type Status string

// Entry statuses.
const (
	StatusPending Status = "pending"
	StatusDone    Status = "done"
	StatusSkipped Status = "skipped"
	StatusMissed  Status = "missed"
	StatusSnoozed Status = "snoozed"
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	switch s {
	case StatusPending, StatusDone, StatusSkipped, StatusMissed, StatusSnoozed:
		return true
	}
	return false
}

// allowed is the transition table. Undo is a move back to pending, allowed
// from done and skipped only: a missed entry is settled by doing or skipping
// it late, not by pretending it is still open. A skipped item may still be
// done after all (and that done undone, back to pending).
func allowed(from, to Status) bool {
	switch from {
	case StatusPending, StatusSnoozed:
		return to == StatusDone || to == StatusSkipped || to == StatusMissed || to == StatusSnoozed
	case StatusMissed:
		return to == StatusDone || to == StatusSkipped
	case StatusSkipped:
		return to == StatusPending || to == StatusDone
	case StatusDone:
		return to == StatusPending
	}
	return false
}

// Transition reports whether an entry may move from one status to another;
// the error wraps domain.ErrInvalidTransition and names both.
func Transition(from, to Status) error {
	if !to.Valid() {
		return domain.Invalid("status", to, "must be pending, done, skipped, missed or snoozed")
	}
	if allowed(from, to) {
		return nil
	}
	if from == to {
		return fmt.Errorf("the item is already %s: %w", from, domain.ErrInvalidTransition)
	}
	return fmt.Errorf("an item that is %s cannot become %s: %w", from, to, domain.ErrInvalidTransition)
}

// Key identifies a timeline entry: one per routine item and day, which is
// what makes generating a timeline twice change nothing.
type Key struct {
	ItemID int64
	Day    domain.Day
}

// Entry is one routine item on one person's timeline for one day. The
// definition fields (title, XP, habit, grace) are copied when the entry is
// generated, so the history shows what was planned then.
type Entry struct {
	PersonID    int64
	RoutineID   int64
	ItemID      int64
	Day         domain.Day
	RoutineName string
	Title       string
	Planned     time.Time
	DurationMin int
	GraceMin    int // Item.Grace when generated; 0 is missed at the planned time
	XP          int
	HabitID     *int64
	Status      Status
	// SnoozedUntil is when a snoozed entry is due again.
	SnoozedUntil time.Time
	// RemindedAt is when the last reminder went out; a snooze re-arms it.
	RemindedAt time.Time
	// CompletedAt and Source record when and through what an entry was done
	// or skipped (zero while pending).
	CompletedAt time.Time
	Source      domain.Source
}

// Key is e's identity.
func (e Entry) Key() Key { return Key{ItemID: e.ItemID, Day: e.Day} }

// Open reports whether e still waits for something to happen (pending or
// snoozed).
func (e Entry) Open() bool { return e.Status == StatusPending || e.Status == StatusSnoozed }

// DueAt is when e is due: its planned time, or the end of its snooze.
func (e Entry) DueAt() time.Time {
	if e.Status == StatusSnoozed && e.SnoozedUntil.After(e.Planned) {
		return e.SnoozedUntil
	}
	return e.Planned
}

// Deadline is when an open e becomes missed: its grace period after it was
// due, so a snooze moves the deadline with it.
func (e Entry) Deadline() time.Time {
	return e.DueAt().Add(time.Duration(e.GraceMin) * time.Minute)
}

// Due reports whether e is due at now and not yet missed: open, at or after
// DueAt, before Deadline.
func (e Entry) Due(now time.Time) bool {
	return e.Open() && !now.Before(e.DueAt()) && now.Before(e.Deadline())
}

// NeedsReminder reports whether a reminder for e should go out at now: it is
// due and none went out since it became due.
func (e Entry) NeedsReminder(now time.Time) bool {
	return e.Due(now) && e.RemindedAt.Before(e.DueAt())
}

// Missed reports whether e's deadline has passed while it was still open.
func (e Entry) Missed(now time.Time) bool {
	return e.Open() && !now.Before(e.Deadline())
}

// OnTime reports whether completing e at is within its window (no later
// than its planned time plus grace; early counts), which earns the on-time
// bonus of domain.RoutineItemXP. A snooze does not stretch the window.
func (e Entry) OnTime(at time.Time) bool {
	return !at.After(e.Planned.Add(time.Duration(e.GraceMin) * time.Minute))
}

// XPAt is the XP completing e at earns under m.
func (e Entry) XPAt(at time.Time, m domain.Modifiers) int {
	return domain.RoutineItemXP(e.XP, e.OnTime(at), m)
}

// Set moves e to status to at instant at, recording source for done and
// skipped. Moving back to pending is the undo: it clears the completion.
// Snoozing goes through Snooze, which needs a length.
func (e Entry) Set(to Status, at time.Time, source domain.Source) (Entry, error) {
	if to == StatusSnoozed {
		return e, domain.Invalid("status", to, "snoozing needs a number of minutes")
	}
	if err := Transition(e.Status, to); err != nil {
		return e, fmt.Errorf("%s on %s: %w", e.Title, e.Day, err)
	}
	e.Status = to
	e.SnoozedUntil = time.Time{}
	switch to {
	case StatusDone, StatusSkipped:
		e.CompletedAt, e.Source = at, source
	default:
		e.CompletedAt, e.Source = time.Time{}, ""
	}
	return e, nil
}

// MaxSnoozeMin is the longest single snooze; DefaultSnoozeMin is the
// snooze of 0 (or no) minutes.
const (
	MaxSnoozeMin     = 12 * 60
	DefaultSnoozeMin = 10
)

// Snooze puts e off by minutes (0: DefaultSnoozeMin) from when it is due
// now, or from now when that is later: a snooze always moves the item later,
// never earlier (snoozing at 06:00 an item planned at 07:00 makes it due at
// 07:00 + minutes). It is reminded again then. The field is named as the
// API names it.
func (e Entry) Snooze(now time.Time, minutes int) (Entry, error) {
	if minutes < 0 || minutes > MaxSnoozeMin {
		return e, domain.Invalid("snooze_min", minutes, "a snooze lasts 0 (the default, 10) to 720 minutes")
	}
	if minutes == 0 {
		minutes = DefaultSnoozeMin
	}
	if err := Transition(e.Status, StatusSnoozed); err != nil {
		return e, fmt.Errorf("%s on %s: %w", e.Title, e.Day, err)
	}
	from := e.DueAt()
	if now.After(from) {
		from = now
	}
	e.Status = StatusSnoozed
	e.SnoozedUntil = from.Add(time.Duration(minutes) * time.Minute)
	return e, nil
}

// Generate is the timeline of day for routines: one pending entry per item of
// every routine that occurs on day, planned with PlannedTime, ordered by
// planned time (then routine and item id). It is deterministic: the same
// input gives the same entries, keyed by (item, day).
func Generate(routines []Routine, day domain.Day, loc *time.Location, wake *time.Time, defaultWake domain.ClockTime) []Entry {
	n := 0
	for _, r := range routines {
		n += len(r.Items)
	}
	out := make([]Entry, 0, n)
	for _, r := range routines {
		if !r.Schedule.OccursOn(day) {
			continue
		}
		for _, it := range r.Items {
			out = append(out, Entry{
				PersonID:    r.PersonID,
				RoutineID:   r.ID,
				ItemID:      it.ID,
				Day:         day,
				RoutineName: r.Name,
				Title:       it.Title,
				Planned:     PlannedTime(it, day, loc, wake, defaultWake),
				DurationMin: it.DurationMin,
				GraceMin:    it.Grace(),
				XP:          it.XP,
				HabitID:     it.HabitID,
				Status:      StatusPending,
			})
		}
	}
	slices.SortFunc(out, compareEntries)
	return out
}

func compareEntries(a, b Entry) int {
	return cmp.Or(a.Planned.Compare(b.Planned), cmp.Compare(a.RoutineID, b.RoutineID), cmp.Compare(a.ItemID, b.ItemID))
}

// Changes is what it takes to bring a stored timeline in line with a freshly
// generated one.
type Changes struct {
	Insert []Entry // new items (or a routine that now occurs)
	Update []Entry // open entries whose plan changed (a new time, a later wake-up, a renamed item)
	Delete []Key   // open entries whose item no longer occurs that day
}

// Empty reports whether nothing needs to change.
func (c Changes) Empty() bool { return len(c.Insert) == 0 && len(c.Update) == 0 && len(c.Delete) == 0 }

// Reconcile compares the stored entries of a day with a generated timeline.
// Only open entries follow the definitions: what was done, skipped or missed
// stays as it happened. Applying the changes and reconciling again gives no
// changes.
func Reconcile(stored, generated []Entry) Changes {
	var c Changes
	have := make(map[Key]Entry, len(stored))
	for _, e := range stored {
		have[e.Key()] = e
	}
	want := make(map[Key]bool, len(generated))
	for _, g := range generated {
		want[g.Key()] = true
		e, ok := have[g.Key()]
		switch {
		case !ok:
			c.Insert = append(c.Insert, g)
		case e.Open() && !samePlan(e, g):
			u := e
			u.RoutineID, u.RoutineName, u.Title = g.RoutineID, g.RoutineName, g.Title
			u.Planned, u.DurationMin, u.GraceMin, u.XP, u.HabitID = g.Planned, g.DurationMin, g.GraceMin, g.XP, g.HabitID
			c.Update = append(c.Update, u)
		}
	}
	for _, e := range stored {
		if !want[e.Key()] && e.Open() {
			c.Delete = append(c.Delete, e.Key())
		}
	}
	slices.SortFunc(c.Delete, func(a, b Key) int { return cmp.Compare(a.ItemID, b.ItemID) })
	return c
}

func samePlan(a, b Entry) bool {
	return a.RoutineID == b.RoutineID && a.RoutineName == b.RoutineName && a.Title == b.Title &&
		a.Planned.Equal(b.Planned) && a.DurationMin == b.DurationMin && a.GraceMin == b.GraceMin &&
		a.XP == b.XP && equalPtr(a.HabitID, b.HabitID)
}

func equalPtr(a, b *int64) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}
