package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/routine"
)

// RoutineStore keeps routines and each person's daily timeline.
type RoutineStore interface {
	// RoutineInsert stores r and its items and returns them with their ids.
	RoutineInsert(ctx context.Context, r routine.Routine) (routine.Routine, error)
	// RoutineGet finds a person's routine; domain.ErrNotFound when there is
	// none (or it was deleted).
	RoutineGet(ctx context.Context, personID, id int64) (Versioned[routine.Routine], error)
	// RoutineList lists a person's routines, oldest first.
	RoutineList(ctx context.Context, personID int64) ([]Versioned[routine.Routine], error)
	// RoutineUpdate writes r when its stored version is still version. Items
	// with an id keep it (and their history), items without one are added,
	// stored items r leaves out are retired. It returns r with its ids and
	// the new version; domain.ErrPrecondition when the version changed.
	RoutineUpdate(ctx context.Context, r routine.Routine, version int) (routine.Routine, int, error)
	// RoutineDelete retires a routine and its items; their past timeline
	// entries stay.
	RoutineDelete(ctx context.Context, personID, id int64) error
	// TimelineDay lists a person's entries of day by planned time; lock
	// takes their row locks.
	TimelineDay(ctx context.Context, personID int64, day domain.Day, lock bool) ([]TimelineEntry, error)
	// TimelineApply brings stored entries in line with a generated timeline.
	// Inserting an entry that exists, and updating or deleting one that is
	// no longer open, does nothing: another transaction got there first.
	TimelineApply(ctx context.Context, c routine.Changes) error
	// TimelineUpdate writes an entry's status, snooze, reminder, completion
	// and check-in.
	TimelineUpdate(ctx context.Context, e TimelineEntry) error
	// TimelineOpen lists, locked, every person's open entries of days from
	// since on, planned at or before until.
	TimelineOpen(ctx context.Context, since domain.Day, until time.Time) ([]TimelineEntry, error)
}

// TimelineEntry is a stored timeline entry.
type TimelineEntry struct {
	routine.Entry
	// CheckInID is the habit check-in that completing the item made (0:
	// none), undone with the item.
	CheckInID int64
}

// Notifier delivers a message to a person (the HA bridge sends it as a
// notification). It must not block for long: the timeline tick waits.
type Notifier interface {
	Notify(ctx context.Context, n Notification) error
}

// NotificationKind says what a notification is about.
type NotificationKind string

// Notification kinds.
const (
	NotifyRoutineDue    NotificationKind = "routine_due"
	NotifyRoutineMissed NotificationKind = "routine_missed"
	NotifyLevelUp       NotificationKind = "level_up"
	NotifyAchievement   NotificationKind = "achievement_unlocked"
)

// Notification is one message to one person. ItemID and Day name the
// timeline entry, so the receiver can offer "done" and "snooze" actions.
type Notification struct {
	PersonID int64
	Title    string
	Message  string
	Kind     NotificationKind
	ItemID   int64
	Day      domain.Day
	// Ref names what the notification is about when it is not a timeline
	// item (an achievement's key), so each gets its own notification.
	Ref string
}

// xpRoutineSource names a routine item's XP award of one day in the ledger.
func xpRoutineSource(itemID int64, day domain.Day) string {
	return fmt.Sprintf("%d:%s", itemID, day)
}

// RoutineInput is a routine as a client writes it. An item with an ID keeps
// that item (and its history); an item without one is new.
type RoutineInput struct {
	Name     string
	Schedule routine.Schedule
	Items    []routine.Item
}

// CreateRoutine stores a new routine and adds its items to today's timeline.
func (s *Service) CreateRoutine(ctx context.Context, personRef string, in RoutineInput) (Versioned[routine.Routine], error) {
	var out Versioned[routine.Routine]
	err := s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		p, err := tx.PersonGet(ctx, personRef)
		if err != nil {
			return err
		}
		r := routine.Routine{PersonID: p.Value.ID, Name: strings.TrimSpace(in.Name), Schedule: in.Schedule, Items: in.Items}
		for i := range r.Items {
			r.Items[i].ID = 0
		}
		if err := s.validateRoutine(ctx, tx, r, nil); err != nil {
			return err
		}
		if r, err = tx.RoutineInsert(ctx, r); err != nil {
			return err
		}
		out = Versioned[routine.Routine]{Value: r, Version: 1}
		s.changed(ev, p.Value.ID)
		_, err = s.syncTimeline(ctx, tx, p.Value.ID, s.today())
		return err
	})
	return out, err
}

// UpdateRoutine replaces a routine's definition when ifVersion (0: any) is
// still current, and brings today's open entries in line with it.
func (s *Service) UpdateRoutine(ctx context.Context, personRef string, id int64, in RoutineInput, ifVersion int) (Versioned[routine.Routine], error) {
	var out Versioned[routine.Routine]
	err := s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		p, err := tx.PersonGet(ctx, personRef)
		if err != nil {
			return err
		}
		cur, err := tx.RoutineGet(ctx, p.Value.ID, id)
		if err != nil {
			return err
		}
		if ifVersion == 0 {
			ifVersion = cur.Version
		}
		r := routine.Routine{ID: id, PersonID: p.Value.ID, Name: strings.TrimSpace(in.Name), Schedule: in.Schedule, Items: in.Items}
		if err := s.validateRoutine(ctx, tx, r, cur.Value.Items); err != nil {
			return err
		}
		r, version, err := tx.RoutineUpdate(ctx, r, ifVersion)
		if err != nil {
			return err
		}
		out = Versioned[routine.Routine]{Value: r, Version: version}
		s.changed(ev, p.Value.ID)
		_, err = s.syncTimeline(ctx, tx, p.Value.ID, s.today())
		return err
	})
	return out, err
}

// DeleteRoutine retires a routine: it leaves today's timeline where still
// open, and its past entries stay as they happened.
func (s *Service) DeleteRoutine(ctx context.Context, personRef string, id int64) error {
	return s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		p, err := tx.PersonGet(ctx, personRef)
		if err != nil {
			return err
		}
		if err := tx.RoutineDelete(ctx, p.Value.ID, id); err != nil {
			return err
		}
		s.changed(ev, p.Value.ID)
		_, err = s.syncTimeline(ctx, tx, p.Value.ID, s.today())
		return err
	})
}

// ListRoutines lists a person's routines, oldest first.
func (s *Service) ListRoutines(ctx context.Context, personRef string) ([]Versioned[routine.Routine], error) {
	p, err := s.store.PersonGet(ctx, personRef)
	if err != nil {
		return nil, err
	}
	return s.store.RoutineList(ctx, p.Value.ID)
}

// GetRoutine finds one of a person's routines.
func (s *Service) GetRoutine(ctx context.Context, personRef string, id int64) (Versioned[routine.Routine], error) {
	p, err := s.store.PersonGet(ctx, personRef)
	if err != nil {
		return Versioned[routine.Routine]{}, err
	}
	return s.store.RoutineGet(ctx, p.Value.ID, id)
}

// validateRoutine checks r, that its linked habits are the person's, and
// (on update) that item ids name items of this routine.
func (s *Service) validateRoutine(ctx context.Context, tx Store, r routine.Routine, stored []routine.Item) error {
	var v domain.ValidationError
	if err := r.Validate(); err != nil {
		var ve *domain.ValidationError
		if !errors.As(err, &ve) {
			return err
		}
		v = *ve
	}
	known := map[int64]bool{}
	for _, it := range stored {
		known[it.ID] = true
	}
	for i, it := range r.Items {
		if it.ID != 0 && !known[it.ID] {
			v.Add(fmt.Sprintf("items[%d].id", i), it.ID, "is not an item of this routine (leave it out for a new item)")
		}
		if it.HabitID == nil || *it.HabitID <= 0 {
			continue
		}
		h, err := tx.HabitGet(ctx, r.PersonID, sourceID(*it.HabitID), false)
		switch {
		case errors.Is(err, domain.ErrNotFound):
			v.Add(fmt.Sprintf("items[%d].habit_id", i), *it.HabitID, "is not one of the person's habits")
		case err != nil:
			return err
		case h.Value.Archived:
			v.Add(fmt.Sprintf("items[%d].habit_id", i), *it.HabitID, "is an archived habit")
		}
	}
	return v.Err()
}

// Timeline is a person's timeline of day (zero: today). It only reads: past
// days as they were stored; today and later days as the stored entries
// brought in line with the routines and a newly known wake-up, in memory.
// Storing that is the job of the use cases that change a timeline (the
// rollover and the minutely tick generate the day, a routine's change and
// an item's status store theirs).
func (s *Service) Timeline(ctx context.Context, personRef string, day domain.Day) ([]TimelineEntry, error) {
	p, err := s.store.PersonGet(ctx, personRef)
	if err != nil {
		return nil, err
	}
	if day.IsZero() {
		day = s.today()
	}
	return s.timelineOf(ctx, p.Value.ID, day)
}

func (s *Service) timelineOf(ctx context.Context, personID int64, day domain.Day) ([]TimelineEntry, error) {
	stored, err := s.store.TimelineDay(ctx, personID, day, false)
	if err != nil || day.Before(s.today()) {
		return stored, err
	}
	changes, err := s.timelineChanges(ctx, s.store, personID, day, stored)
	if err != nil {
		return nil, err
	}
	return planned(stored, changes), nil
}

// planned is stored with changes applied, as TimelineApply would store
// them, in the stored order (planned time, routine, item).
func planned(stored []TimelineEntry, c routine.Changes) []TimelineEntry {
	if c.Empty() {
		return stored
	}
	gone := make(map[routine.Key]bool, len(c.Delete))
	for _, k := range c.Delete {
		gone[k] = true
	}
	updated := make(map[routine.Key]routine.Entry, len(c.Update))
	for _, u := range c.Update {
		updated[u.Key()] = u
	}
	out := make([]TimelineEntry, 0, len(stored)+len(c.Insert))
	for _, e := range stored {
		if gone[e.Key()] {
			continue
		}
		if u, ok := updated[e.Key()]; ok {
			e.Entry = u
		}
		out = append(out, e)
	}
	for _, e := range c.Insert {
		out = append(out, TimelineEntry{Entry: e})
	}
	slices.SortStableFunc(out, func(a, b TimelineEntry) int {
		return cmp.Or(a.Planned.Compare(b.Planned), cmp.Compare(a.RoutineID, b.RoutineID), cmp.Compare(a.ItemID, b.ItemID))
	})
	return out
}

// timelineChanges is what generating a person's timeline of day would
// change in stored.
func (s *Service) timelineChanges(ctx context.Context, tx Store, personID int64, day domain.Day, stored []TimelineEntry) (routine.Changes, error) {
	list, err := tx.RoutineList(ctx, personID)
	if err != nil {
		return routine.Changes{}, err
	}
	routines := make([]routine.Routine, len(list))
	for i, r := range list {
		routines[i] = r.Value
	}
	wake, err := s.wakeUp(ctx, tx, personID, day)
	if err != nil {
		return routine.Changes{}, err
	}
	return routine.Reconcile(entriesOf(stored), routine.Generate(routines, day, s.loc(), wake, routine.DefaultWake)), nil
}

// syncTimeline generates a person's timeline of day and stores what changed.
func (s *Service) syncTimeline(ctx context.Context, tx Store, personID int64, day domain.Day) ([]TimelineEntry, error) {
	stored, err := tx.TimelineDay(ctx, personID, day, false)
	if err != nil {
		return nil, err
	}
	changes, err := s.timelineChanges(ctx, tx, personID, day, stored)
	if err != nil {
		return nil, err
	}
	if changes.Empty() {
		return stored, nil
	}
	if err := tx.TimelineApply(ctx, changes); err != nil {
		return nil, fmt.Errorf("timeline of person %d on %s: %w", personID, day, err)
	}
	return tx.TimelineDay(ctx, personID, day, false)
}

// wakeUp is when the person woke up on day, as the ring (or a bed sensor
// feeding the same record) reported; nil when unknown.
func (s *Service) wakeUp(ctx context.Context, tx Store, personID int64, day domain.Day) (*time.Time, error) {
	bio, err := tx.Biometrics(ctx, personID, day, day)
	if err != nil {
		return nil, err
	}
	for _, b := range bio {
		if b.SleepEnd != nil {
			return b.SleepEnd, nil
		}
	}
	return nil, nil
}

func entriesOf(stored []TimelineEntry) []routine.Entry {
	out := make([]routine.Entry, len(stored))
	for i, e := range stored {
		out[i] = e.Entry
	}
	return out
}

// ItemStatusInput changes one entry of a person's timeline.
type ItemStatusInput struct {
	Person string
	// Item is the item's id, or its title as it stands in the day's
	// timeline (case and surrounding spaces do not matter).
	Item string
	// Day is the timeline's day; zero means today.
	Day domain.Day
	// Status is done, skipped, snoozed, or pending (the undo of done or
	// skipped). Missed is the timeline's own verdict.
	Status    routine.Status
	SnoozeMin int // for snoozed
	Source    domain.Source
}

// ItemStatusResult says what a status change did.
type ItemStatusResult struct {
	Entry TimelineEntry
	XP    int // XP earned (done) or given back (undo, negative)
	// CheckedIn is set when completing the item checked in its habit.
	CheckedIn bool
}

// SetItemStatus moves a timeline entry to a new status. Done earns the
// item's XP (with the on-time bonus inside its window) and checks in its
// linked habit; undoing done gives both back.
func (s *Service) SetItemStatus(ctx context.Context, in ItemStatusInput) (ItemStatusResult, error) {
	var out ItemStatusResult
	switch in.Status {
	case routine.StatusDone, routine.StatusSkipped, routine.StatusSnoozed, routine.StatusPending:
	default:
		return out, domain.Invalid("status", in.Status, "must be done, skipped, snoozed or pending")
	}
	if in.Source == "" {
		in.Source = domain.SourceAPI
	}
	if !in.Source.Valid() {
		return out, domain.Invalid("source", in.Source, "must be one of manual, ha, sensor, oura, api")
	}
	err := s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		var err error
		out, err = s.setItemStatusTx(ctx, tx, in, ev)
		return err
	})
	return out, err
}

// UndoItem puts a done or skipped item back to pending.
func (s *Service) UndoItem(ctx context.Context, personRef, item string, day domain.Day) (ItemStatusResult, error) {
	return s.SetItemStatus(ctx, ItemStatusInput{Person: personRef, Item: item, Day: day, Status: routine.StatusPending})
}

func (s *Service) setItemStatusTx(ctx context.Context, tx Store, in ItemStatusInput, ev *[]domain.Event) (ItemStatusResult, error) {
	var out ItemStatusResult
	p, err := tx.PersonGet(ctx, in.Person)
	if err != nil {
		return out, err
	}
	personID, now, day := p.Value.ID, s.now(), in.Day
	if day.IsZero() {
		day = s.today()
	}
	// The future is not a fact yet (fair play, docs/rules.md).
	if today := s.today(); day.After(today) || day.Before(domain.MinDate) {
		return out, domain.Invalid("day", day.String(), fmt.Sprintf("must be between %s and today (%s)", domain.MinDate, today))
	}
	if !day.Before(s.today()) {
		if _, err := s.syncTimeline(ctx, tx, personID, day); err != nil {
			return out, err
		}
	}
	entries, err := tx.TimelineDay(ctx, personID, day, true)
	if err != nil {
		return out, err
	}
	e, err := findEntry(entries, in.Item, p.Value.Name, day)
	if err != nil {
		return out, err
	}
	was := e
	if in.Status == routine.StatusSnoozed {
		e.Entry, err = e.Snooze(now, in.SnoozeMin)
	} else {
		e.Entry, err = e.Set(in.Status, now, in.Source)
	}
	if err != nil {
		return out, err
	}
	switch {
	case e.Status == routine.StatusDone:
		mods, err := s.modifiers(ctx, tx, personID)
		if err != nil {
			return out, err
		}
		out.XP = e.XPAt(now, mods)
		if day.Before(s.today().Add(-domain.XPWindowDays)) {
			out.XP = 0 // recorded, but too late to pay
		}
		if err := s.awardXP(ctx, tx, personID, day, xpRoutineItem, xpRoutineSource(e.ItemID, day), out.XP, ev); err != nil {
			return out, err
		}
		if e.HabitID != nil {
			if e.CheckInID, err = s.routineCheckIn(ctx, tx, e, now, in.Source, ev); err != nil {
				return out, err
			}
			out.CheckedIn = e.CheckInID != 0
		}
	case was.Status == routine.StatusDone: // undo
		amount, err := s.revokeXP(ctx, tx, personID, xpRoutineItem, xpRoutineSource(e.ItemID, day), ev)
		if err != nil {
			return out, err
		}
		out.XP = -amount
		if was.CheckInID != 0 {
			if err := s.undoRoutineCheckIn(ctx, tx, personID, was.CheckInID, ev); err != nil {
				return out, err
			}
			e.CheckInID = 0
		}
	}
	if err := tx.TimelineUpdate(ctx, e); err != nil {
		return out, err
	}
	s.touched(ev, personID, domain.ChangeRoutineItem)
	if e.Status == routine.StatusDone || e.Status == routine.StatusSkipped {
		*ev = append(*ev, domain.Event{Kind: domain.EventRoutineItemClosed, PersonID: personID, At: now, Item: itemData(e)})
	}
	out.Entry = e
	return out, s.afterChange(ctx, tx, personID, day, ev)
}

// findEntry picks the entry ref names: an item id, else a title.
func findEntry(entries []TimelineEntry, ref, person string, day domain.Day) (TimelineEntry, error) {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		for _, e := range entries {
			if e.ItemID == id {
				return e, nil
			}
		}
	}
	want := strings.ToLower(strings.TrimSpace(ref))
	var found []TimelineEntry
	for _, e := range entries {
		if strings.ToLower(strings.TrimSpace(e.Title)) == want {
			found = append(found, e)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return TimelineEntry{}, domain.NotFound("No item called %q is on %s's timeline for %s; %s.", ref, person, day, itemsHint(entries))
	}
	return TimelineEntry{}, domain.Conflict("%d items are called %q on %s's timeline for %s; name one by its id.", len(found), ref, person, day)
}

// routineCheckIn checks in the habit a completed item is linked to and
// returns the check-in's id. A habit that is gone or archived since the
// item was planned, or one that the check-in does not fit, is no reason to
// refuse the item: it is left out.
func (s *Service) routineCheckIn(ctx context.Context, tx Store, e TimelineEntry, now time.Time, src domain.Source, ev *[]domain.Event) (int64, error) {
	at := now
	if !e.Day.Contains(at, s.loc()) {
		// Done late (or ahead): the habit's day is the item's day.
		at = e.Planned
	}
	res, err := s.checkInTx(ctx, tx, CheckInInput{
		Person: sourceID(e.PersonID), Habit: sourceID(*e.HabitID), At: at, Source: src,
		IdempotencyKey: "routine:" + xpRoutineSource(e.ItemID, e.Day),
	}, noDescription, ev)
	// A habit counted in amounts needs a quantity the item does not carry
	// (and a check-in without one would count for nothing): it is left out
	// too, and so is a check-in the habit refuses (before its start).
	var invalid *domain.ValidationError
	if errors.Is(err, domain.ErrNotFound) || errors.Is(err, domain.ErrConflict) || errors.As(err, &invalid) {
		s.log.Info().Err(err).Int64("item_id", e.ItemID).Int64("habit_id", *e.HabitID).Msg("routine item done without its habit check-in")
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("item %d: habit %d check-in: %w", e.ItemID, *e.HabitID, err)
	}
	return res.CheckIn.ID, nil
}

// undoRoutineCheckIn removes the check-in an item's completion made, with
// everything it changed (the steps of UndoCheckIn, inside this transaction).
func (s *Service) undoRoutineCheckIn(ctx context.Context, tx Store, personID, id int64, ev *[]domain.Event) error {
	c, err := tx.CheckInGet(ctx, personID, id)
	if errors.Is(err, domain.ErrNotFound) {
		return nil // undone by hand meanwhile
	}
	if err != nil {
		return err
	}
	return s.undoCheckInTx(ctx, tx, c, ev)
}

// tickLookback is how many past days the tick still settles: entries of
// older days that were left open stay as they are.
const tickLookback = 2

// TimelineTick is the minutely timeline job for now (the job's slot): it
// keeps everyone's timeline of today generated, marks missed what passed
// its grace period, and reminds people of what became due. Reminders go
// out through n after the commit, so a rolled-back tick reminds no one; a
// reminder is recorded before it is sent, so none is sent twice (a failed
// send is not retried).
func (s *Service) TimelineTick(ctx context.Context, now time.Time, n Notifier) error {
	today := domain.DayOf(now, s.loc())
	people, err := s.store.PersonList(ctx)
	if err != nil {
		return err
	}
	for _, p := range people {
		err := s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
			_, err := s.syncTimeline(ctx, tx, p.Value.ID, today)
			return err
		})
		if err != nil {
			return fmt.Errorf("timeline tick: person %d: %w", p.Value.ID, err)
		}
	}
	var notes []Notification
	err = s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		notes = notes[:0]
		open, err := tx.TimelineOpen(ctx, today.Add(-tickLookback), now)
		if err != nil {
			return err
		}
		type personDay struct {
			person int64
			day    domain.Day
		}
		changed := map[personDay]bool{}
		var order []personDay
		for _, e := range open {
			switch {
			case e.Missed(now):
				if e.Entry, err = e.Set(routine.StatusMissed, now, ""); err != nil {
					return err
				}
				*ev = append(*ev, domain.Event{Kind: domain.EventRoutineMissed, PersonID: e.PersonID, At: now, Item: itemData(e)})
				s.touched(ev, e.PersonID, domain.ChangeRoutineItem)
				if k := (personDay{e.PersonID, e.Day}); !changed[k] {
					changed[k] = true
					order = append(order, k)
				}
			case e.NeedsReminder(now):
				e.RemindedAt = now
				notes = append(notes, reminder(e))
			default:
				continue
			}
			if err := tx.TimelineUpdate(ctx, e); err != nil {
				return err
			}
		}
		for _, k := range order {
			if err := s.afterChange(ctx, tx, k.person, k.day, ev); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("timeline tick: %w", err)
	}
	var errs []error
	for _, note := range notes {
		if err := n.Notify(ctx, note); err != nil {
			errs = append(errs, fmt.Errorf("remind person %d of item %d: %w", note.PersonID, note.ItemID, err))
		}
	}
	return errors.Join(errs...)
}

// itemData is what the routine events say of an entry.
func itemData(e TimelineEntry) *domain.RoutineItemData {
	return &domain.RoutineItemData{ItemID: e.ItemID, RoutineID: e.RoutineID, Title: e.Title, Day: e.Day, Planned: e.Planned,
		Status: string(e.Status), Reminded: !e.RemindedAt.IsZero()}
}

func reminder(e TimelineEntry) Notification {
	msg := e.Title
	if e.DurationMin > 0 {
		msg = fmt.Sprintf("%s (%d min)", e.Title, e.DurationMin)
	}
	return Notification{PersonID: e.PersonID, Title: e.RoutineName, Message: msg, Kind: NotifyRoutineDue, ItemID: e.ItemID, Day: e.Day}
}

// RoutineTally counts a person's routine items of day as the Daily Life
// Score sees them (see routineTally).
func (s *Service) RoutineTally(ctx context.Context, personRef string, day domain.Day) (domain.Tally, error) {
	p, err := s.store.PersonGet(ctx, personRef)
	if err != nil {
		return domain.Tally{}, err
	}
	return s.routineTally(ctx, s.store, p.Value.ID, day)
}

// routineTally counts a person's routine items of day for the score:
// due are the day's entries but the skipped ones, done the done ones, lost
// the missed ones and (for a day that has ended) the ones left open.
func (s *Service) routineTally(ctx context.Context, tx Store, personID int64, day domain.Day) (domain.Tally, error) {
	entries, err := tx.TimelineDay(ctx, personID, day, false)
	if err != nil {
		return domain.Tally{}, err
	}
	return s.tally(entries, day), nil
}

// tally counts a day's timeline entries for the score.
func (s *Service) tally(entries []TimelineEntry, day domain.Day) domain.Tally {
	var t domain.Tally
	ended := day.Before(s.today())
	for _, e := range entries {
		switch {
		case e.Status == routine.StatusSkipped:
			continue
		case e.Status == routine.StatusDone:
			t.Done++
			if e.CompletedAt.After(t.At) {
				t.At = e.CompletedAt
			}
		case e.Status == routine.StatusMissed, ended && e.Open():
			t.Lost++
		}
		t.Due++
	}
	return t
}

// CompleteRoutineItem is SetItemStatus as Home Assistant asks for it: an
// item of today's timeline by id or title, done or skipped (default done).
func (s *Service) CompleteRoutineItem(ctx context.Context, person, item, status string) error {
	if status == "" {
		status = string(routine.StatusDone)
	}
	_, err := s.SetItemStatus(ctx, ItemStatusInput{Person: person, Item: item, Status: routine.Status(status), Source: domain.SourceHA})
	return err
}

// itemsHint names a timeline's items for a caller who named none of them.
func itemsHint(entries []TimelineEntry) string {
	if len(entries) == 0 {
		return "the timeline is empty"
	}
	names := make([]string, 0, min(len(entries), 8))
	for _, e := range entries[:min(len(entries), 8)] {
		names = append(names, strconv.Quote(e.Title))
	}
	more := ""
	if len(entries) > len(names) {
		more = fmt.Sprintf(" and %d more", len(entries)-len(names))
	}
	return "its items are " + strings.Join(names, ", ") + more
}
