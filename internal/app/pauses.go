package app

import (
	"context"
	"fmt"

	"github.com/lifeops/lifeops/internal/domain"
)

// PauseInput pauses one habit or all of a person's habits.
type PauseInput struct {
	Person string
	Habit  string // empty: every habit
	Reason domain.PauseReason
	From   domain.Day // zero: today
	Until  domain.Day // zero: open, until someone ends it
}

// PauseChange is a partial update of a pause: nil fields stay as they are.
type PauseChange struct {
	Reason *domain.PauseReason
	From   *domain.Day
	// Until is the new last day; the zero Day opens the pause. Ending a
	// running pause early is setting it to yesterday (today counts again) or
	// today (today stays paused).
	Until *domain.Day
}

// Pause adds a pause. It starts at most domain.PauseBackDays before today
// and at most a year ahead, and may not overlap another pause of the same
// habit (a person-wide pause overlaps every habit): the conflict names the
// other pause. Every day it covers is judged again and every day's score
// from its start on is recomputed in the same transaction.
func (s *Service) Pause(ctx context.Context, in PauseInput) (Versioned[domain.Pause], error) {
	var out Versioned[domain.Pause]
	err := s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		p, err := s.lockPerson(ctx, tx, in.Person)
		if err != nil {
			return err
		}
		today := s.today()
		pause := domain.Pause{Reason: in.Reason, From: in.From, Until: in.Until}
		if pause.From.IsZero() {
			pause.From = today
		}
		if in.Habit != "" {
			h, err := tx.HabitGet(ctx, p.ID, in.Habit, true)
			if err != nil {
				return err
			}
			pause.HabitID = h.Value.ID
		}
		if err := domain.ValidatePause(pause, today); err != nil {
			return err
		}
		if err := s.pauseOverlap(ctx, tx, p.ID, pause); err != nil {
			return err
		}
		if out, err = tx.PauseInsert(ctx, p.ID, pause); err != nil {
			return err
		}
		return s.pauseChanged(ctx, tx, p.ID, out.Value, pause.From, false, ev)
	})
	return out, err
}

// Pauses lists a person's pauses, newest start first.
func (s *Service) Pauses(ctx context.Context, personRef string) ([]Versioned[domain.Pause], error) {
	p, err := s.store.PersonGet(ctx, personRef)
	if err != nil {
		return nil, err
	}
	return s.store.PauseList(ctx, p.Value.ID)
}

// PauseGet reads one of a person's pauses.
func (s *Service) PauseGet(ctx context.Context, personRef string, id int64) (Versioned[domain.Pause], error) {
	p, err := s.store.PersonGet(ctx, personRef)
	if err != nil {
		return Versioned[domain.Pause]{}, err
	}
	return s.store.PauseGet(ctx, p.Value.ID, id)
}

// UpdatePause changes a pause when its version is still ifVersion (0 skips
// the check). Only days from domain.PauseBackDays before today on may gain
// or lose the pause; ending a running pause early is setting Until.
func (s *Service) UpdatePause(ctx context.Context, personRef string, id int64, ch PauseChange, ifVersion int) (Versioned[domain.Pause], error) {
	var out Versioned[domain.Pause]
	err := s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		p, err := s.lockPerson(ctx, tx, personRef)
		if err != nil {
			return err
		}
		cur, err := tx.PauseGet(ctx, p.ID, id)
		if err != nil {
			return err
		}
		if ifVersion != 0 && cur.Version != ifVersion {
			return domain.Stale(fmt.Sprintf("Pause %d", id), cur.Version, ifVersion)
		}
		next := cur.Value
		if ch.Reason != nil {
			next.Reason = *ch.Reason
		}
		if ch.From != nil {
			next.From = *ch.From
		}
		if ch.Until != nil {
			next.Until = *ch.Until
		}
		if err := domain.ValidatePauseChange(cur.Value, next, s.today()); err != nil {
			return err
		}
		if next == cur.Value {
			out = cur
			return nil
		}
		if err := s.pauseOverlap(ctx, tx, p.ID, next); err != nil {
			return err
		}
		v, err := tx.PauseUpdate(ctx, next, cur.Version)
		if err != nil {
			return err
		}
		out = Versioned[domain.Pause]{Value: next, Version: v}
		from := firstChangedDay(cur.Value, next)
		if from.IsZero() {
			from = s.today()
		}
		return s.pauseChanged(ctx, tx, p.ID, next, from, false, ev)
	})
	return out, err
}

// DeletePause removes a pause that has not begun, or began at most
// domain.PauseBackDays ago; an older one is history and can only be ended
// (UpdatePause with Until).
func (s *Service) DeletePause(ctx context.Context, personRef string, id int64, ifVersion int) error {
	return s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		p, err := s.lockPerson(ctx, tx, personRef)
		if err != nil {
			return err
		}
		cur, err := tx.PauseGet(ctx, p.ID, id)
		if err != nil {
			return err
		}
		if ifVersion != 0 && cur.Version != ifVersion {
			return domain.Stale(fmt.Sprintf("Pause %d", id), cur.Version, ifVersion)
		}
		if first := s.today().Add(-domain.PauseBackDays); cur.Value.From.Before(first) {
			return fmt.Errorf("pause %d began on %s, before %s: its past days stay paused; end it instead (set until): %w",
				id, cur.Value.From, first, domain.ErrConflict)
		}
		if err := tx.PauseDelete(ctx, id); err != nil {
			return err
		}
		return s.pauseChanged(ctx, tx, p.ID, cur.Value, cur.Value.From, true, ev)
	})
}

// lockPerson reads a person and takes the lock on their running totals, so
// two pauses of one person are checked for overlap one after the other.
func (s *Service) lockPerson(ctx context.Context, tx Store, ref string) (domain.Person, error) {
	p, err := tx.PersonGet(ctx, ref)
	if err != nil {
		return domain.Person{}, err
	}
	if _, err := tx.ProgressGet(ctx, p.Value.ID); err != nil {
		return domain.Person{}, err
	}
	return p.Value, nil
}

// pauseOverlap refuses p when another of the person's pauses shares a day
// and a habit with it, naming that pause.
func (s *Service) pauseOverlap(ctx context.Context, tx Store, personID int64, p domain.Pause) error {
	all, err := tx.PauseList(ctx, personID)
	if err != nil {
		return err
	}
	for _, o := range all {
		if o.Value.ID != p.ID && o.Value.Overlaps(p) {
			until := "open"
			if !o.Value.Open() {
				until = o.Value.Until.String()
			}
			return fmt.Errorf("overlaps pause %d (%s, %s to %s): change or end that one instead: %w",
				o.Value.ID, o.Value.Reason, o.Value.From, until, domain.ErrConflict)
		}
	}
	return nil
}

// firstChangedDay is the first day that old and next judge differently;
// zero when only the reason changed (no day reads differently).
func firstChangedDay(old, next domain.Pause) domain.Day {
	var first domain.Day
	note := func(d domain.Day) {
		if first.IsZero() || d.Before(first) {
			first = d
		}
	}
	if old.From != next.From {
		note(minDay(old.From, next.From))
	}
	if old.Until != next.Until {
		switch {
		case old.Open():
			note(next.Until.Add(1))
		case next.Open():
			note(old.Until.Add(1))
		default:
			note(minDay(old.Until, next.Until).Add(1))
		}
	}
	return first
}

// pauseChanged re-judges every habit the pause touches from day from on,
// recomputes each of the person's scores from that day to today, and
// announces the change.
func (s *Service) pauseChanged(ctx context.Context, tx Store, personID int64, p domain.Pause, from domain.Day, removed bool, ev *[]domain.Event) error {
	var habits []Versioned[StoredHabit]
	if p.HabitID != 0 {
		h, err := tx.HabitGet(ctx, personID, sourceID(p.HabitID), true)
		if err != nil {
			return err
		}
		habits = append(habits, h)
	} else {
		var err error
		if habits, err = tx.HabitList(ctx, personID); err != nil {
			return err
		}
	}
	today := s.today()
	first, err := s.refoldEach(ctx, tx, habits, from, ev)
	if err != nil {
		return err
	}
	*ev = append(*ev, domain.Event{Kind: domain.EventPauseChanged, PersonID: personID, At: s.now(),
		Pause: &domain.PauseChangedData{PauseID: p.ID, HabitID: p.HabitID, Reason: p.Reason, From: p.From, Until: p.Until, Removed: removed}})
	// Every day the pause reaches (and the earlier days of a week it
	// re-judged) has a stored score that reads its habits: recompute each
	// of them now, not at the next event, and close the past ones again (a
	// day a pause makes perfect gets its mark).
	return s.afterChange(ctx, tx, personID, minDay(first, today), ev)
}

// refoldEach refolds every habit that is not archived from day from on
// and answers the first day any of them folded: from, or the first day of
// a period (a week of "3 times a week") whose earlier days it judged again.
func (s *Service) refoldEach(ctx context.Context, tx Store, habits []Versioned[StoredHabit], from domain.Day, ev *[]domain.Event) (domain.Day, error) {
	first := from
	for _, h := range habits {
		if h.Value.Archived {
			continue // judged again when it comes back
		}
		f, err := s.refold(ctx, tx, h.Value.Habit, from, ev)
		if err != nil {
			return first, err
		}
		if len(f.rows) > 0 {
			first = minDay(first, f.rows[0].Day)
		}
	}
	return first, nil
}

// vacationDays is how long the vacation switch pauses habits when turned
// on without an end date; turning it off ends the pause early.
const vacationDays = 30

// SetVacation pauses (on) or resumes (off) all of a person's habits from
// today, as the Home Assistant vacation switch does. Turning it on while a
// vacation already covers today changes nothing.
func (s *Service) SetVacation(ctx context.Context, personRef string, on bool) error {
	today := s.today()
	if on {
		p, err := s.store.PersonGet(ctx, personRef)
		if err != nil {
			return err
		}
		if active, err := s.store.PauseActive(ctx, p.Value.ID, domain.PauseVacation, today); err != nil || active {
			return err
		}
		_, err = s.Pause(ctx, PauseInput{Person: personRef, Reason: domain.PauseVacation, From: today, Until: today.Add(vacationDays - 1)})
		return err
	}
	return s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		p, err := s.lockPerson(ctx, tx, personRef)
		if err != nil {
			return err
		}
		if err := tx.PausesEnd(ctx, p.ID, domain.PauseVacation, today); err != nil {
			return err
		}
		habits, err := tx.HabitList(ctx, p.ID)
		if err != nil {
			return err
		}
		first, err := s.refoldEach(ctx, tx, habits, today, ev)
		if err != nil {
			return err
		}
		*ev = append(*ev, domain.Event{Kind: domain.EventPauseChanged, PersonID: p.ID, At: s.now(),
			Pause: &domain.PauseChangedData{Reason: domain.PauseVacation, From: today, Removed: true}})
		return s.afterChange(ctx, tx, p.ID, first, ev)
	})
}
