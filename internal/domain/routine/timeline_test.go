package routine

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
)

func TestTransitionTable(t *testing.T) {
	t.Parallel()
	statuses := []Status{StatusPending, StatusDone, StatusSkipped, StatusMissed, StatusSnoozed}
	// Written out in full rather than derived, so a change to the rules
	// shows up here as a deliberate edit.
	ok := map[[2]Status]bool{
		{StatusPending, StatusDone}: true, {StatusPending, StatusSkipped}: true, {StatusPending, StatusMissed}: true, {StatusPending, StatusSnoozed}: true,
		{StatusSnoozed, StatusDone}: true, {StatusSnoozed, StatusSkipped}: true, {StatusSnoozed, StatusMissed}: true, {StatusSnoozed, StatusSnoozed}: true,
		{StatusMissed, StatusDone}: true, {StatusMissed, StatusSkipped}: true,
		{StatusDone, StatusPending}: true, {StatusSkipped, StatusPending}: true, {StatusSkipped, StatusDone}: true,
	}
	for _, from := range statuses {
		for _, to := range statuses {
			err := Transition(from, to)
			if ok[[2]Status{from, to}] {
				if err != nil {
					t.Errorf("%s → %s: %v, want allowed", from, to, err)
				}
				continue
			}
			if !errors.Is(err, domain.ErrInvalidTransition) {
				t.Errorf("%s → %s: %v, want ErrInvalidTransition", from, to, err)
				continue
			}
			if msg := err.Error(); !strings.Contains(msg, string(from)) || !strings.Contains(msg, string(to)) {
				t.Errorf("%s → %s: %q does not name both states", from, to, msg)
			}
		}
	}
	var ve *domain.ValidationError
	if err := Transition(StatusPending, "finished"); !errors.As(err, &ve) {
		t.Errorf("unknown status: %v, want a validation error", err)
	}
}

// entryAt is a pending entry planned at 07:00 UTC with a 60-minute grace.
func entryAt() Entry {
	return Entry{ItemID: 11, Day: d(2026, 6, 10), Title: "Stretch", Planned: utc("2026-06-10T07:00:00Z"), GraceMin: 60, XP: 20, Status: StatusPending}
}

func TestDueMissedReminders(t *testing.T) {
	t.Parallel()
	at := func(hhmm string) time.Time { return utc("2026-06-10T" + hhmm + ":00Z") }
	e := entryAt()
	reminded := e
	reminded.RemindedAt = at("07:00")
	snoozed, err := reminded.Snooze(at("07:10"), 30) // due again 07:40, missed 08:40
	if err != nil {
		t.Fatal(err)
	}
	done, _ := e.Set(StatusDone, at("06:50"), domain.SourceHA)
	noGrace := e
	noGrace.GraceMin = 0 // asked for 0: missed right at the planned time
	tests := []struct {
		name                  string
		e                     Entry
		now                   string
		due, remind, isMissed bool
	}{
		{"before planned", e, "06:59", false, false, false},
		{"at planned", e, "07:00", true, true, false},
		{"within grace", e, "07:59", true, true, false},
		{"grace over", e, "08:00", false, false, true},
		{"reminded already", reminded, "07:30", true, false, false},
		{"snoozed, not yet due again", snoozed, "07:39", false, false, false},
		{"snoozed, due again: a new reminder", snoozed, "07:40", true, true, false},
		{"snooze moves the deadline", snoozed, "08:39", true, true, false},
		{"snooze deadline over", snoozed, "08:40", false, false, true},
		{"done is never due or missed", done, "09:00", false, false, false},
		{"grace 0, before planned", noGrace, "06:59", false, false, false},
		{"grace 0, missed at planned", noGrace, "07:00", false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			now := at(tt.now)
			if got := tt.e.Due(now); got != tt.due {
				t.Errorf("Due = %v, want %v", got, tt.due)
			}
			if got := tt.e.NeedsReminder(now); got != tt.remind {
				t.Errorf("NeedsReminder = %v, want %v", got, tt.remind)
			}
			if got := tt.e.Missed(now); got != tt.isMissed {
				t.Errorf("Missed = %v, want %v", got, tt.isMissed)
			}
		})
	}
}

func TestSetAndUndo(t *testing.T) {
	t.Parallel()
	e := entryAt()
	at := utc("2026-06-10T07:20:00Z")
	done, err := e.Set(StatusDone, at, domain.SourceHA)
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != StatusDone || !done.CompletedAt.Equal(at) || done.Source != domain.SourceHA {
		t.Errorf("done = %+v", done)
	}
	if _, err := done.Set(StatusDone, at, domain.SourceAPI); !errors.Is(err, domain.ErrInvalidTransition) || !strings.Contains(err.Error(), "already done") {
		t.Errorf("done twice: %v", err)
	}
	if _, err := done.Set(StatusMissed, at, ""); err == nil || !strings.Contains(err.Error(), "an item that is done cannot become missed") {
		t.Errorf("done → missed: %v", err)
	}
	undone, err := done.Set(StatusPending, at, domain.SourceAPI)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(undone, e) {
		t.Errorf("undo = %+v, want the entry as it was %+v", undone, e)
	}
	missed, _ := e.Set(StatusMissed, utc("2026-06-10T08:00:00Z"), "")
	if _, err := missed.Set(StatusPending, at, ""); !errors.Is(err, domain.ErrInvalidTransition) {
		t.Errorf("undo of missed: %v, want refused", err)
	}
	late, err := missed.Set(StatusDone, utc("2026-06-10T09:00:00Z"), domain.SourceManual)
	if err != nil || late.Status != StatusDone {
		t.Errorf("late done: %+v, %v", late, err)
	}
	if _, err := e.Set(StatusSnoozed, at, ""); err == nil {
		t.Error("Set(snoozed) without minutes: want an error")
	}
	for _, m := range []int{-5, MaxSnoozeMin + 1} {
		if _, err := e.Snooze(at, m); fmt.Sprint(fieldsOf(t, err)) != "[snooze_min]" {
			t.Errorf("Snooze(%d): %v", m, err)
		}
	}
	// The documented minimum 0 is the default snooze; a snooze before the
	// planned time (07:00) moves the item later, from its planned time.
	early := utc("2026-06-10T06:00:00Z")
	if s, err := e.Snooze(early, 0); err != nil || !s.SnoozedUntil.Equal(e.Planned.Add(DefaultSnoozeMin*time.Minute)) {
		t.Errorf("Snooze(0) at 06:00 = %v, %v; want due %v", s.SnoozedUntil, err, e.Planned.Add(DefaultSnoozeMin*time.Minute))
	}
	if s, _ := e.Snooze(early, 30); !s.DueAt().After(e.DueAt()) {
		t.Errorf("a snooze at 06:00 moved the item from %v to %v", e.DueAt(), s.DueAt())
	}
	// Snoozing a snoozed item moves it on from its snoozed time.
	s1, _ := e.Snooze(at, 30) // 07:20 → 07:50
	if s2, _ := s1.Snooze(at, 10); !s2.SnoozedUntil.Equal(s1.SnoozedUntil.Add(10 * time.Minute)) {
		t.Errorf("snooze again: %v, want %v", s2.SnoozedUntil, s1.SnoozedUntil.Add(10*time.Minute))
	}
	skipped, _ := e.Set(StatusSkipped, at, domain.SourceAPI)
	if d, err := skipped.Set(StatusDone, at, domain.SourceAPI); err != nil || d.Status != StatusDone {
		t.Errorf("skipped → done: %+v, %v", d, err)
	}
	if _, err := done.Snooze(at, 10); !errors.Is(err, domain.ErrInvalidTransition) {
		t.Errorf("snooze done: %v", err)
	}
}

func TestXPAt(t *testing.T) {
	t.Parallel()
	e := entryAt() // 20 XP, 07:00 + 60
	m := domain.Modifiers{RoutineOnTimeXP: 0.25}
	snoozed, _ := e.Snooze(utc("2026-06-10T07:30:00Z"), 60)
	tests := []struct {
		name string
		e    Entry
		at   string
		m    domain.Modifiers
		want int
	}{
		{"early counts as on time", e, "06:30", m, 25},
		{"at the end of grace", e, "08:00", m, 25},
		{"late", e, "08:01", m, 20},
		{"no modifier", e, "07:00", domain.Modifiers{}, 20},
		{"a snooze does not stretch the window", snoozed, "08:20", m, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.e.XPAt(utc("2026-06-10T"+tt.at+":00Z"), tt.m); got != tt.want {
				t.Errorf("XPAt = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestGenerate(t *testing.T) {
	t.Parallel()
	berlin := mustLoc(t, "Europe/Berlin")
	evening := Routine{ID: 2, PersonID: 7, Name: "Evening", Schedule: Schedule{Kind: ScheduleWeekdays}, Items: []Item{
		{ID: 20, Title: "Tidy", Anchor: Anchor{Kind: AnchorClock, At: domain.Clock(21, 0)}},
		{ID: 21, Title: "Read", Anchor: Anchor{Kind: AnchorClock, At: domain.Clock(7, 0)}}, // same time as Stretch: routine id breaks the tie
	}}
	routines := []Routine{evening, morning()}
	wake := utc("2026-06-10T04:30:00Z") // 06:30 CEST, a Wednesday

	got := Generate(routines, d(2026, 6, 10), berlin, &wake, DefaultWake)
	type row struct {
		item    int64
		planned string
		grace   int
	}
	var rows []row
	for _, e := range got {
		if e.Status != StatusPending || e.PersonID != 7 || e.Day != d(2026, 6, 10) {
			t.Errorf("entry %+v: want pending for person 7 on the day", e)
		}
		rows = append(rows, row{e.ItemID, e.Planned.In(berlin).Format("15:04"), e.GraceMin})
	}
	want := []row{{10, "06:35", 60}, {11, "07:00", 60}, {21, "07:00", 60}, {12, "07:30", 120}, {20, "21:00", 60}}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("timeline = %v, want %v", rows, want)
	}
	if again := Generate(routines, d(2026, 6, 10), berlin, &wake, DefaultWake); !reflect.DeepEqual(again, got) {
		t.Error("generating twice gave different timelines")
	}
	if c := Reconcile(got, Generate(routines, d(2026, 6, 10), berlin, &wake, DefaultWake)); !c.Empty() {
		t.Errorf("reconciling a timeline with itself: %+v", c)
	}
	// Saturday: the weekday routine does not occur.
	if sat := Generate(routines, d(2026, 6, 13), berlin, nil, DefaultWake); len(sat) != 3 {
		t.Errorf("Saturday has %d entries, want the 3 of the morning routine", len(sat))
	}
}

func TestGenerateOnDSTDays(t *testing.T) {
	t.Parallel()
	berlin := mustLoc(t, "Europe/Berlin")
	night := Routine{ID: 3, PersonID: 7, Name: "Night", Schedule: Schedule{Kind: ScheduleDaily}, Items: []Item{
		{ID: 30, Title: "Meds 02:30", Anchor: Anchor{Kind: AnchorClock, At: domain.Clock(2, 30)}},
		{ID: 31, Title: "Meds 03:30", Anchor: Anchor{Kind: AnchorClock, At: domain.Clock(3, 30)}},
		{ID: 32, Title: "Wake +60", Anchor: Anchor{Kind: AnchorWake, OffsetMin: 60}},
	}}
	tests := []struct {
		day  domain.Day
		want []string // UTC, in item order
	}{
		// Spring forward: 02:30 does not exist and moves to the jump (03:00 CEST).
		{d(2026, 3, 29), []string{"2026-03-29T01:00:00Z", "2026-03-29T01:30:00Z", "2026-03-29T06:00:00Z"}},
		// Fall back: 02:30 happens twice; the first (CEST) is planned.
		{d(2026, 10, 25), []string{"2026-10-25T00:30:00Z", "2026-10-25T02:30:00Z", "2026-10-25T07:00:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.day.String(), func(t *testing.T) {
			t.Parallel()
			got := Generate([]Routine{night}, tt.day, berlin, nil, DefaultWake)
			if len(got) != len(tt.want) {
				t.Fatalf("%d entries, want %d", len(got), len(tt.want))
			}
			for i, e := range got {
				if want := utc(tt.want[i]); !e.Planned.Equal(want) || e.ItemID != night.Items[i].ID {
					t.Errorf("entry %d: item %d at %s, want item %d at %s", i, e.ItemID, e.Planned.UTC().Format(time.RFC3339), night.Items[i].ID, tt.want[i])
				}
			}
		})
	}
}

func TestReconcile(t *testing.T) {
	t.Parallel()
	loc := time.UTC
	day := d(2026, 6, 10)
	r := morning()
	stored := Generate([]Routine{r}, day, loc, nil, DefaultWake)
	// Water is done, Stretch pending, Vitamins missed.
	for i, e := range stored {
		switch e.ItemID {
		case 10:
			stored[i], _ = e.Set(StatusDone, utc("2026-06-10T07:06:00Z"), domain.SourceHA)
		case 12:
			stored[i], _ = e.Set(StatusMissed, utc("2026-06-10T09:30:00Z"), "")
		}
	}

	// The definitions change: Stretch moves to 07:45, Water moves too (but is
	// done), Vitamins is removed (but was missed), a new item arrives.
	r.Items[1].Anchor.At = domain.Clock(7, 45)
	r.Items[0].Anchor.OffsetMin = 20
	r.Items = append(r.Items[:2], Item{ID: 13, Title: "Journal", Anchor: Anchor{Kind: AnchorClock, At: domain.Clock(8, 0)}})
	gen := Generate([]Routine{r}, day, loc, nil, DefaultWake)

	c := Reconcile(stored, gen)
	if len(c.Insert) != 1 || c.Insert[0].ItemID != 13 {
		t.Errorf("insert = %+v, want Journal", c.Insert)
	}
	if len(c.Update) != 1 || c.Update[0].ItemID != 11 || !c.Update[0].Planned.Equal(utc("2026-06-10T07:45:00Z")) || c.Update[0].Status != StatusPending {
		t.Errorf("update = %+v, want Stretch at 07:45 still pending", c.Update)
	}
	if len(c.Delete) != 0 {
		t.Errorf("delete = %+v, want nothing: Vitamins was missed and stays", c.Delete)
	}

	// Apply, then reconcile again: nothing left to do.
	applied := apply(stored, c)
	if again := Reconcile(applied, gen); !again.Empty() {
		t.Errorf("second reconcile: %+v", again)
	}

	// Removing a pending item deletes its entry.
	r.Items = r.Items[:1]
	c = Reconcile(applied, Generate([]Routine{r}, day, loc, nil, DefaultWake))
	if len(c.Delete) != 2 || c.Delete[0].ItemID != 11 || c.Delete[1].ItemID != 13 {
		t.Errorf("delete = %+v, want Stretch and Journal", c.Delete)
	}
}

func apply(stored []Entry, c Changes) []Entry {
	var out []Entry
	del := map[Key]bool{}
	for _, k := range c.Delete {
		del[k] = true
	}
	upd := map[Key]Entry{}
	for _, e := range c.Update {
		upd[e.Key()] = e
	}
	for _, e := range stored {
		if del[e.Key()] {
			continue
		}
		if u, ok := upd[e.Key()]; ok {
			e = u
		}
		out = append(out, e)
	}
	return append(out, c.Insert...)
}
