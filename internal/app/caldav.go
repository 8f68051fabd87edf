package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/routine"
)

// Use cases for clients that only know "done" and "not done" of a day's
// item (CalDAV to-do lists): each call names the state wanted, and asking
// for the state an item is already in changes nothing, so a client that
// repeats its request cannot count twice.

// caldavCheckInKey is the idempotency key of the check-in a client made
// by marking a habit's day done.
func caldavCheckInKey(habitID int64, day domain.Day) string {
	return fmt.Sprintf("caldav:habit:%d:%s", habitID, day)
}

// SetHabitDone marks a habit's day done with one check-in (done) or takes
// that check-in back (not done). Marking a day that is already done, or
// undoing one with nothing to undo, changes nothing and reports false.
// Undoing takes back the check-in the client made; when there is none,
// the day's latest check-in.
func (s *Service) SetHabitDone(ctx context.Context, personRef string, habitID int64, day domain.Day, done bool, src domain.Source) (bool, error) {
	changed := false
	err := s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		changed = false
		p, err := tx.PersonGet(ctx, personRef)
		if err != nil {
			return err
		}
		h, err := tx.HabitGet(ctx, p.Value.ID, sourceID(habitID), true)
		if err != nil {
			return err
		}
		rows, err := tx.HabitDaysOfPerson(ctx, p.Value.ID, day)
		if err != nil {
			return err
		}
		status := rows[habitID].Result.Status
		checkIns, err := tx.CheckIns(ctx, h.Value.ID, day, day)
		if err != nil {
			return err
		}
		if done {
			if status == domain.StatusDone {
				return nil
			}
			at := s.now()
			if !day.Contains(at, s.loc()) {
				at = day.Start(s.loc()).Add(12 * time.Hour)
			}
			res, err := s.checkInTx(ctx, tx, CheckInInput{Person: sourceID(p.Value.ID), Habit: sourceID(habitID), At: at, Source: src,
				IdempotencyKey: caldavCheckInKey(habitID, day)}, noDescription, ev)
			changed = err == nil && !res.Replayed
			return err
		}
		if len(checkIns) == 0 {
			return nil
		}
		undo := checkIns[len(checkIns)-1]
		if c, found, err := tx.CheckInByKey(ctx, p.Value.ID, caldavCheckInKey(habitID, day)); err != nil {
			return err
		} else if found {
			undo = c
		}
		if err := s.undoCheckInTx(ctx, tx, undo, ev); err != nil {
			return err
		}
		changed = true
		return s.afterChange(ctx, tx, p.Value.ID, day, ev)
	})
	return changed, err
}

// SetTimelineItemDone marks a timeline entry done, skipped or back to
// pending unless it is in that state already (then it reports false). A
// missed entry counts as not done: putting it back is a no-op.
func (s *Service) SetTimelineItemDone(ctx context.Context, personRef string, itemID int64, day domain.Day, status routine.Status, src domain.Source) (bool, error) {
	entries, err := s.Timeline(ctx, personRef, day)
	if err != nil {
		return false, err
	}
	for _, e := range entries {
		if e.ItemID != itemID {
			continue
		}
		if e.Status == status || (status == routine.StatusPending && (e.Open() || e.Status == routine.StatusMissed)) {
			return false, nil
		}
		_, err := s.SetItemStatus(ctx, ItemStatusInput{Person: personRef, Item: sourceID(itemID), Day: day, Status: status, Source: src})
		if errors.Is(err, domain.ErrInvalidTransition) {
			return false, fmt.Errorf("item %d on %s: %w", itemID, day, err)
		}
		return err == nil, err
	}
	return false, fmt.Errorf("item %d on %s's timeline: %w", itemID, day, domain.ErrNotFound)
}

// PlannedEntries lists a person's routine items of the days from … to: the
// stored timeline for today and earlier days, the plan (generated, not
// stored) for later days.
func (s *Service) PlannedEntries(ctx context.Context, personRef string, from, to domain.Day) ([]routine.Entry, error) {
	p, err := s.store.PersonGet(ctx, personRef)
	if err != nil {
		return nil, err
	}
	today := s.today()
	var out []routine.Entry
	var routines []routine.Routine
	for day := from; !day.After(to); day = day.Add(1) {
		if !day.After(today) {
			var entries []TimelineEntry
			if day == today {
				entries, err = s.Timeline(ctx, personRef, day)
			} else {
				entries, err = s.store.TimelineDay(ctx, p.Value.ID, day, false)
			}
			if err != nil {
				return nil, err
			}
			out = append(out, entriesOf(entries)...)
			continue
		}
		if routines == nil {
			list, err := s.store.RoutineList(ctx, p.Value.ID)
			if err != nil {
				return nil, err
			}
			routines = make([]routine.Routine, len(list))
			for i, r := range list {
				routines[i] = r.Value
			}
		}
		out = append(out, routine.Generate(routines, day, s.loc(), nil, routine.DefaultWake)...)
	}
	return out, nil
}
