package app

import (
	"context"
	"fmt"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
)

// CalendarStatus is how a habit's calendar shows one day.
type CalendarStatus string

// Calendar statuses: the day's verdict, with partial for a day that has
// some of its amount but not all, and future for days still ahead.
const (
	CalendarDone    CalendarStatus = "done"
	CalendarPartial CalendarStatus = "partial"
	CalendarMissed  CalendarStatus = "missed"
	CalendarPaused  CalendarStatus = "paused"
	CalendarNotDue  CalendarStatus = "not_due"
	CalendarPending CalendarStatus = "pending"
	CalendarFuture  CalendarStatus = "future"
)

// CalendarDay is one day of a habit's calendar.
type CalendarDay struct {
	Day      domain.Day
	Status   CalendarStatus
	Value    float64 // what counted: check-ins for a yes/no habit, else the amount
	CheckIns int
}

// MaxCalendarDays bounds one calendar read.
const MaxCalendarDays = 366

// HabitCalendar shows every day of a habit from from to to as its stored
// day rows judge it (the same rows streaks and scores read): days before
// the start are not due, days after today are future (or paused when a
// pause already covers them).
func (s *Service) HabitCalendar(ctx context.Context, personRef, habitRef string, from, to domain.Day) ([]CalendarDay, error) {
	if to.Before(from) {
		return nil, domain.Invalid("to", to.String(), "must not be before from")
	}
	if to.Sub(from) >= MaxCalendarDays {
		return nil, domain.Invalid("to", to.String(), fmt.Sprintf("a calendar covers at most %d days", MaxCalendarDays))
	}
	p, err := s.store.PersonGet(ctx, personRef)
	if err != nil {
		return nil, err
	}
	h, err := s.store.HabitGet(ctx, p.Value.ID, habitRef, false)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.HabitDays(ctx, h.Value.ID, from, to)
	if err != nil {
		return nil, err
	}
	byDay := make(map[domain.Day]HabitDay, len(rows))
	for _, r := range rows {
		byDay[r.Day] = r
	}
	today := s.today()
	out := make([]CalendarDay, 0, to.Sub(from)+1)
	for d := from; !d.After(to); d = d.Add(1) {
		c := CalendarDay{Day: d, Status: CalendarNotDue}
		r, ok := byDay[d]
		switch {
		case d.Before(h.Value.Start):
		case d.After(today) && h.Value.Paused(d):
			c.Status = CalendarPaused
		case d.After(today):
			c.Status = CalendarFuture
		case ok:
			c.Status, c.Value, c.CheckIns = CalendarStatus(r.Result.Status), r.Result.Value, r.Result.CheckIns
			if (r.Result.Status == domain.StatusMissed || r.Result.Status == domain.StatusPending) &&
				!h.Value.Avoids() && r.Result.Value > 0 && r.Result.Completion > 0 {
				c.Status = CalendarPartial
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// CheckInPage lists a person's check-ins (of one habit when habitRef is
// set) newest recorded first, on days from q.From to q.To.
func (s *Service) CheckInPage(ctx context.Context, personRef, habitRef string, q CheckInQuery) ([]domain.CheckIn, error) {
	p, err := s.store.PersonGet(ctx, personRef)
	if err != nil {
		return nil, err
	}
	if habitRef != "" {
		h, err := s.store.HabitGet(ctx, p.Value.ID, habitRef, false)
		if err != nil {
			return nil, err
		}
		q.HabitID = h.Value.ID
	}
	if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
		return nil, domain.Invalid("to", q.To.String(), "must not be before from")
	}
	return s.store.CheckInPage(ctx, p.Value.ID, q)
}

// Moods lists a person's moods on days from from to to (zero: unbounded),
// newest recorded first, before the mood id before (0: from the newest).
func (s *Service) Moods(ctx context.Context, personRef string, from, to domain.Day, before int64, limit int) ([]domain.Mood, error) {
	p, err := s.store.PersonGet(ctx, personRef)
	if err != nil {
		return nil, err
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		return nil, domain.Invalid("to", to.String(), "must not be before from")
	}
	return s.store.MoodPage(ctx, p.Value.ID, from, to, before, limit)
}

// SetDayInput sets one past or current day of a habit.
type SetDayInput struct {
	Person   string
	Habit    string
	Day      domain.Day
	Quantity float64 // the day's amount for a habit with an amount target; ignored for yes/no
	Source   domain.Source
	Note     string
}

// SetHabitDay makes a day's record of a habit exactly one check-in (of
// Quantity, for a habit with an amount), as Loop Habit Tracker lets a person
// fix any day: back to the habit's start, never after today. It goes
// through the check-in and undo use cases, so XP follows their rules in one
// place. A day already recorded that way is left as it is.
func (s *Service) SetHabitDay(ctx context.Context, in SetDayInput) (CheckInResult, error) {
	var out CheckInResult
	err := s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		p, err := tx.PersonGet(ctx, in.Person)
		if err != nil {
			return err
		}
		h, err := tx.HabitGet(ctx, p.Value.ID, in.Habit, true)
		if err != nil {
			return err
		}
		if in.Day, err = s.checkDay(h.Value, in.Day); err != nil {
			return err
		}
		qty := in.Quantity
		if h.Value.Target.Kind == domain.TargetCheck {
			qty = 0
		} else if qty <= 0 || qty > domain.MaxTargetValue {
			return domain.Invalid("quantity", in.Quantity, fmt.Sprintf("must be more than 0 and at most %g for a habit with an amount", domain.MaxTargetValue))
		}
		prior, err := tx.CheckIns(ctx, h.Value.ID, in.Day, in.Day)
		if err != nil {
			return err
		}
		if len(prior) == 1 && prior[0].Quantity == qty {
			out.CheckIn, out.Habit, out.Replayed = prior[0], h.Value, true
			out, err = s.describeCheckIn(ctx, tx, out, prior[0])
			return err
		}
		for _, c := range prior {
			if err := s.undoCheckInTx(ctx, tx, c, ev); err != nil {
				return err
			}
		}
		out, err = s.checkInTx(ctx, tx, CheckInInput{Person: in.Person, Habit: sourceID(h.Value.ID), Quantity: qty,
			At: s.dayMoment(h.Value.Habit, in.Day), Source: in.Source, Note: in.Note}, describe, ev)
		return err
	})
	return out, err
}

// ClearHabitDay removes every check-in of a habit on one day (back to the
// habit's start, never after today) through the undo use case, and answers
// how many it removed.
func (s *Service) ClearHabitDay(ctx context.Context, personRef, habitRef string, day domain.Day) (int, error) {
	n := 0
	err := s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		n = 0
		p, err := tx.PersonGet(ctx, personRef)
		if err != nil {
			return err
		}
		h, err := tx.HabitGet(ctx, p.Value.ID, habitRef, true)
		if err != nil {
			return err
		}
		if day, err = s.checkDay(h.Value, day); err != nil {
			return err
		}
		prior, err := tx.CheckIns(ctx, h.Value.ID, day, day)
		if err != nil {
			return err
		}
		for _, c := range prior {
			if err := s.undoCheckInTx(ctx, tx, c, ev); err != nil {
				return err
			}
		}
		n = len(prior)
		if n == 0 {
			return nil
		}
		return s.afterChange(ctx, tx, p.Value.ID, day, ev)
	})
	return n, err
}

// checkDay refuses a day a person may not set: before the habit's start,
// after today, or of an archived habit. It answers the day to set: a client
// whose clock runs a little ahead (within domain.ClockSkew) may already be
// on tomorrow, which is still today here, and no fact is stored on a day
// after today (docs/rules.md, fair play).
func (s *Service) checkDay(h StoredHabit, day domain.Day) (domain.Day, error) {
	if h.Archived {
		return day, fmt.Errorf("habit %q is archived: %w", h.Name, domain.ErrConflict)
	}
	today := s.today()
	skewed := domain.DayOf(s.now().Add(domain.ClockSkew), s.loc())
	switch {
	case day.IsZero():
		return day, domain.Invalid("day", nil, "must be set")
	case day.Before(h.Start):
		return day, domain.Invalid("day", day.String(), fmt.Sprintf("must be from the habit's start %s to today %s", h.Start, today))
	case day.After(skewed):
		return day, domain.Invalid("day", day.String(), fmt.Sprintf("must be from the habit's start %s to today %s: the future cannot be set", h.Start, today))
	case day.After(today):
		return today, nil
	}
	return day, nil
}

// dayMoment is when a set day's check-in happened: now for today, else
// the start of the habit's window (noon without one), so it counts.
func (s *Service) dayMoment(h domain.Habit, day domain.Day) time.Time {
	if day == s.today() {
		return s.now()
	}
	clock := domain.Clock(12, 0)
	if !h.Window.IsZero() {
		clock = h.Window.From
	}
	return time.Date(day.Year, day.Month, day.Day, int(clock)/60, int(clock)%60, 0, 0, s.loc())
}

// ArchivedHabits lists a person's archived habits, oldest first.
func (s *Service) ArchivedHabits(ctx context.Context, personRef string) ([]Versioned[StoredHabit], error) {
	p, err := s.store.PersonGet(ctx, personRef)
	if err != nil {
		return nil, err
	}
	return s.store.HabitsArchived(ctx, p.Value.ID)
}

// UnarchiveHabit makes an archived habit due again. The days it was
// archived are judged like any others (a person who wants them forgiven
// pauses them), and every score from then to today is recomputed so each
// reads the habit again.
func (s *Service) UnarchiveHabit(ctx context.Context, personRef, habitRef string) (Versioned[StoredHabit], error) {
	var out Versioned[StoredHabit]
	err := s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		p, err := tx.PersonGet(ctx, personRef)
		if err != nil {
			return err
		}
		h, err := tx.HabitGet(ctx, p.Value.ID, habitRef, true)
		if err != nil {
			return err
		}
		if !h.Value.Archived {
			out = h
			return nil
		}
		today := s.today()
		from := h.Value.Start
		if last, ok, err := tx.HabitDayBefore(ctx, h.Value.ID, today.Add(1)); err != nil {
			return err
		} else if ok {
			from = last.Day
		}
		if err := tx.HabitUnarchive(ctx, h.Value.ID); err != nil {
			return err
		}
		out = Versioned[StoredHabit]{Value: h.Value, Version: h.Version + 1}
		out.Value.Archived = false
		// A limit habit pays for kept days again from today on; the days
		// it spent archived pay nothing.
		if h.Value.Avoids() {
			out.Value.LimitSpans = domain.OpenLimitSpan(h.Value.LimitSpans, today)
			if err := tx.HabitLimitSpansPut(ctx, h.Value.ID, out.Value.LimitSpans); err != nil {
				return err
			}
		}
		s.changed(ev, p.Value.ID)
		if err := s.refoldHabit(ctx, tx, out.Value.Habit, today, ev); err != nil {
			return err
		}
		// The days it missed while archived are judged now: rescore and
		// close them again (the perfect-day mark follows), as any
		// correction does.
		return s.afterChange(ctx, tx, p.Value.ID, from, ev)
	})
	return out, err
}
