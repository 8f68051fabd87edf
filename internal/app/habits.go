package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/character"
)

// HabitInput defines a habit.
type HabitInput struct {
	Name     string
	Slug     string // empty: from Name
	Kind     domain.HabitKind
	Schedule domain.Schedule
	Target   domain.Target
	Window   domain.TimeWindow
	Start    domain.Day // zero: today
}

// CreateHabit adds a habit to a person.
func (s *Service) CreateHabit(ctx context.Context, personRef string, in HabitInput) (Versioned[StoredHabit], error) {
	var out Versioned[StoredHabit]
	err := s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		p, err := tx.PersonGet(ctx, personRef)
		if err != nil {
			return err
		}
		h := domain.Habit{PersonID: p.Value.ID, Name: strings.TrimSpace(in.Name), Kind: in.Kind,
			Schedule: in.Schedule, Target: in.Target, Window: in.Window, Start: in.Start}
		if h.Start.IsZero() {
			h.Start = s.today()
		}
		if h.Kind == "" {
			h.Kind = domain.HabitPositive
		}
		if h.Target.Kind == "" {
			h.Target.Kind = domain.TargetCheck
		}
		slug := in.Slug
		if slug == "" {
			slug = domain.Slugify(h.Name)
		}
		var v domain.ValidationError
		if ve := (*domain.ValidationError)(nil); errors.As(domain.ValidateHabit(h), &ve) {
			v = *ve
		}
		if !domain.ValidSlug(slug) {
			v.Add("slug", slug, "must be 1-40 lowercase letters, digits or _, starting with a letter")
		}
		if ve := (*domain.ValidationError)(nil); errors.As(domain.ValidateHabitDates(h, s.today(), s.today()), &ve) {
			v.Fields = append(v.Fields, ve.Fields...)
		}
		if err := v.Err(); err != nil {
			return err
		}
		// A limit habit pays for its kept days from today on.
		if h.Avoids() {
			h.LimitSpans = domain.OpenLimitSpan(nil, s.today())
		}
		created, err := tx.HabitInsert(ctx, h, slug)
		if err != nil {
			return err
		}
		out = Versioned[StoredHabit]{Value: StoredHabit{Habit: created, Slug: slug}, Version: 1}
		s.changed(ev, created.PersonID)
		return s.refoldHabit(ctx, tx, created, created.Start, ev)
	})
	return out, err
}

// Habits lists a person's active habits.
func (s *Service) Habits(ctx context.Context, personRef string) ([]Versioned[StoredHabit], error) {
	p, err := s.store.PersonGet(ctx, personRef)
	if err != nil {
		return nil, err
	}
	return s.store.HabitList(ctx, p.Value.ID)
}

// Habit finds one of a person's habits by id, slug or name.
func (s *Service) Habit(ctx context.Context, personRef, habitRef string) (Versioned[StoredHabit], error) {
	p, err := s.store.PersonGet(ctx, personRef)
	if err != nil {
		return Versioned[StoredHabit]{}, err
	}
	return s.store.HabitGet(ctx, p.Value.ID, habitRef, false)
}

// UpdateHabit replaces a habit's definition when its version is still
// ifVersion (0 skips the check) and re-derives its days from the earliest
// day the change can affect.
func (s *Service) UpdateHabit(ctx context.Context, personRef, habitRef string, in HabitInput, ifVersion int) (Versioned[StoredHabit], error) {
	var out Versioned[StoredHabit]
	err := s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		p, err := tx.PersonGet(ctx, personRef)
		if err != nil {
			return err
		}
		cur, err := tx.HabitGet(ctx, p.Value.ID, habitRef, true)
		if err != nil {
			return err
		}
		if ifVersion != 0 && cur.Version != ifVersion {
			return domain.Stale(fmt.Sprintf("Habit %q", cur.Value.Name), cur.Version, ifVersion)
		}
		h := cur.Value
		h.Name, h.Kind, h.Schedule, h.Target, h.Window = strings.TrimSpace(in.Name), in.Kind, in.Schedule, in.Target, in.Window
		if !in.Start.IsZero() {
			h.Start = in.Start
		}
		if in.Slug != "" {
			h.Slug = in.Slug
		}
		if err := domain.ValidateHabit(h.Habit); err != nil {
			return err
		}
		// The start may move later, or back to where it was; never before
		// the day the habit was created (at most its stored start, or today).
		if err := domain.ValidateHabitDates(h.Habit, minDay(cur.Value.Start, s.today()), s.today()); err != nil {
			return err
		}
		if !domain.ValidSlug(h.Slug) {
			return domain.Invalid("slug", h.Slug, "must be 1-40 lowercase letters, digits or _, starting with a letter")
		}
		// Kept-day XP follows what the habit was on each day: becoming a
		// limit habit pays from today on, never for the days before; no
		// longer being one ends that. An archived habit's span opens when
		// it comes back (UnarchiveHabit).
		if !h.Archived {
			switch was, is := cur.Value.Avoids(), h.Avoids(); {
			case is && !was:
				h.LimitSpans = domain.OpenLimitSpan(h.LimitSpans, s.today())
			case was && !is:
				h.LimitSpans = domain.CloseLimitSpan(h.LimitSpans, s.today().Add(-1))
			}
		}
		v, err := tx.HabitUpdate(ctx, h, cur.Version)
		if err != nil {
			return err
		}
		out = Versioned[StoredHabit]{Value: h, Version: v}
		s.changed(ev, h.PersonID)
		// A new definition changes how every past day is judged, and so
		// those days' scores; an archived habit's days too (its history
		// stays, judged as the habit is now defined).
		if err := s.refoldHabit(ctx, tx, h.Habit, h.Start, ev); err != nil {
			return err
		}
		return s.afterChange(ctx, tx, h.PersonID, minDay(h.Start, cur.Value.Start), ev)
	})
	return out, err
}

// ArchiveHabit retires a habit: its history stays, it is no longer due.
func (s *Service) ArchiveHabit(ctx context.Context, personRef, habitRef string) error {
	return s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		p, err := tx.PersonGet(ctx, personRef)
		if err != nil {
			return err
		}
		h, err := tx.HabitGet(ctx, p.Value.ID, habitRef, true)
		if err != nil {
			return err
		}
		s.changed(ev, p.Value.ID)
		if h.Value.Archived {
			return nil
		}
		// Close the days up to yesterday as they stand, then retire the
		// habit from today on: today's score no longer counts it. Its
		// days before stay, and so does the XP they paid; UnarchiveHabit
		// folds on from them.
		today := s.today()
		if err := s.refoldHabit(ctx, tx, h.Value.Habit, today, ev); err != nil {
			return err
		}
		if err := tx.HabitArchive(ctx, h.Value.ID, today); err != nil {
			return err
		}
		// Archived, it is no longer an active limit habit: its kept days
		// from today on pay nothing, even once it comes back.
		if spans := domain.CloseLimitSpan(h.Value.LimitSpans, today.Add(-1)); !slices.Equal(spans, h.Value.LimitSpans) {
			if err := tx.HabitLimitSpansPut(ctx, h.Value.ID, spans); err != nil {
				return err
			}
		}
		return s.afterChange(ctx, tx, p.Value.ID, today, ev)
	})
}

// modifiers are what a person's allocated tree nodes change in the rules.
func (s *Service) modifiers(ctx context.Context, tx Store, personID int64) (domain.Modifiers, error) {
	if u, ok := tx.(*unit); ok {
		return u.modifiers(ctx, s.tree, personID)
	}
	nodes, err := tx.Allocations(ctx, personID)
	if err != nil {
		return domain.Modifiers{}, err
	}
	return character.Modifiers(s.tree, nodeIDs(nodes)), nil
}

func nodeIDs(nodes []string) []character.NodeID {
	out := make([]character.NodeID, len(nodes))
	for i, n := range nodes {
		out[i] = character.NodeID(n)
	}
	return out
}

// refoldHabit re-derives a habit's day rows from day `from` to today: it
// starts from the stored state of the day before (or the habit's start) and
// folds each day's verdict into streak and strength. Only the days from
// `from` on are touched, so a backdated check-in costs the same whatever the
// length of the history.
func (s *Service) refoldHabit(ctx context.Context, tx Store, h domain.Habit, from domain.Day, ev *[]domain.Event) error {
	_, err := s.refold(ctx, tx, h, from, ev)
	return err
}

// folded is what refold derived: the rows it wrote and the modifiers it
// folded with, so a caller describing a day reads neither again.
type folded struct {
	rows []HabitDay
	mods domain.Modifiers
	// gained is, per day, what the day's check-in XP award changed by.
	gained map[domain.Day]int
}

// row is the derived row of day, if refold wrote one.
func (f folded) row(day domain.Day) (HabitDay, bool) {
	for _, r := range f.rows {
		if r.Day == day {
			return r, true
		}
	}
	return HabitDay{}, false
}

// refold is refoldHabit returning what it derived.
func (s *Service) refold(ctx context.Context, tx Store, h domain.Habit, from domain.Day, ev *[]domain.Event) (folded, error) {
	loc, today := s.loc(), s.today()
	// A period schedule (3 times a week) judges each day by its whole
	// period: a change on one day (a pause from Thursday on makes the
	// week's three unreachable) changes the verdict of the period's days
	// before it, so they are folded again too.
	if first, _ := h.Schedule.Period(from, h.Start); first.Before(from) {
		from = first
	}
	if from.Before(h.Start) {
		from = h.Start
	}
	if from.After(today) {
		return folded{}, nil
	}
	mods, err := s.modifiers(ctx, tx, h.PersonID)
	if err != nil {
		return folded{}, err
	}
	// The row before `from` (the state to fold on from), the rows from
	// `from` on and the fold's sources, in one round trip. The fold starts
	// the day after that row, or on its day when it is still open: the day
	// before `from` at the earliest, which the sources are read from.
	guess := from.Add(-1)
	if guess.Before(h.Start) {
		guess = h.Start
	}
	kinds := []string{xpCheckInDay, xpHabitDay}
	guessPeriod, _ := h.Schedule.Period(guess, h.Start)
	hf, err := tx.HabitFold(ctx, h.PersonID, h.ID, from, minDay(guessPeriod, guess), guess, today, kinds, foldSources(h.ID, guess, today))
	if err != nil {
		return folded{}, err
	}
	prev, ok, old := hf.Before, hf.OK, hf.Rows
	var streak domain.StreakState
	var strength domain.StrengthState
	start := h.Start
	if ok {
		streak, strength = prev.Streak, prev.Strength
		start = prev.Day.Add(1)
		if !prev.Final {
			// An open row holds the state before its day (it was today when
			// written): that day itself must be folded again.
			start = prev.Day
		}
	}
	// Days between the last stored row and `from` were never derived (the
	// process was down): they are derived too, from start (never after
	// `from`). No row lies between prev and `from`, so the rows from start
	// on are prev (when still open) and those from `from` on.
	oldByDay := make(map[domain.Day]HabitDay, len(old)+1)
	if ok && !prev.Day.Before(start) {
		oldByDay[prev.Day] = prev
	}
	for _, r := range old {
		oldByDay[r.Day] = r
	}
	// The sources read along cover the days from guess on; check-ins from
	// before the fold's start are left out by the evaluation, and paid days
	// and awards are looked up by day. Days never derived start the fold
	// earlier: their sources are read now. Period schedules (N per week)
	// need the check-ins from the period's start.
	fs := hf.Sources
	if start.Before(guess) {
		periodStart, _ := h.Schedule.Period(start, h.Start)
		if fs, err = tx.FoldSources(ctx, h.PersonID, h.ID, minDay(periodStart, start), start, today, kinds, foldSources(h.ID, start, today)); err != nil {
			return folded{}, err
		}
	}
	checkIns, paid := fs.CheckIns, fs.Paid
	results := domain.EvaluateRangeAt(h, start, today, checkIns, loc, s.now())
	freq := h.Schedule.Frequency()
	rows := make([]HabitDay, 0, len(results))
	for _, r := range results {
		row := HabitDay{Day: r.Day, Result: r, Streak: streak, Strength: strength, Final: r.Day.Before(today)}
		if r.Day.Before(today) {
			before := streak
			streak = streak.Advance(r, mods)
			strength = strength.Advance(r, freq, mods)
			row.Streak, row.Strength = streak, strength
			if o, had := oldByDay[r.Day]; !had || !o.Final {
				s.streakEvents(h, before, streak, r.Day, ev)
			}
		} else if o, had := oldByDay[r.Day]; r.Status == domain.StatusDone && (!had || o.Result.Status != domain.StatusDone) {
			// Today just became done: the streak grows by one (shown through
			// View until the day closes).
			view := streak.View(r, mods)
			*ev = append(*ev, domain.Event{Kind: domain.EventStreakExtended, PersonID: h.PersonID, At: s.now(),
				Streak: &domain.StreakData{HabitID: h.ID, Day: r.Day, Current: view.Current, Best: view.Best, Previous: streak.Current}})
			if isStreakMilestone(view.Current) && view.Current > streak.Best {
				*ev = append(*ev, domain.Event{Kind: domain.EventStreakMilestone, PersonID: h.PersonID, At: s.now(),
					Streak: &domain.StreakData{HabitID: h.ID, Day: r.Day, Current: view.Current, Best: view.Best, Milestone: view.Current}})
			}
		}
		rows = append(rows, row)
	}
	if err := tx.HabitDaysUpsert(ctx, h.ID, rows); err != nil {
		return folded{}, err
	}
	gained := map[domain.Day]int{}
	// A day that reached a streak milestone (or no longer does) grows LCK.
	var cat *domain.Catalogue
	for _, r := range rows {
		if milestoneDay(r) == milestoneDay(oldByDay[r.Day]) {
			continue
		}
		if cat == nil {
			c, err := s.catalogue(ctx, tx)
			if err != nil {
				return folded{}, err
			}
			cat = &c
		}
		if err := s.regrow(ctx, tx, h.PersonID, r.Day, *cat); err != nil {
			return folded{}, err
		}
	}
	for _, r := range rows {
		source := habitDaySource(h.ID, r.Day)
		// A day with a counted check-in pays once, when the check-in was
		// recorded in time (the XP window); a later one pays nothing.
		xp := domain.CheckInDayXP(h, r.Day, checkIns, loc)
		if paid[r.Day] {
			xp = 0
		}
		had := fs.Awards[AwardKey(xpCheckInDay, source)]
		if err := s.replaceXP(ctx, tx, h.PersonID, r.Day, xpCheckInDay, source, had, xp, ev); err != nil {
			return folded{}, err
		}
		if had != xp {
			gained[r.Day] = xp - had
		}
		// Limit habits earn their XP when a kept day closes.
		if r.Final {
			had := fs.Awards[AwardKey(xpHabitDay, source)]
			if err := s.replaceXP(ctx, tx, h.PersonID, r.Day, xpHabitDay, source, had, domain.ClosedDayXP(h, r.Result), ev); err != nil {
				return folded{}, err
			}
		}
	}
	return folded{rows: rows, mods: mods, gained: gained}, s.noteLongestStreak(ctx, tx, h.PersonID, streak.Best)
}

func habitDaySource(habitID int64, day domain.Day) string { return fmt.Sprintf("%d:%s", habitID, day) }

// foldSources are the XP sources of a habit's days from … to.
func foldSources(habitID int64, from, to domain.Day) []string {
	var out []string
	for d := from; !d.After(to); d = d.Add(1) {
		out = append(out, habitDaySource(habitID, d))
	}
	return out
}

func isStreakMilestone(n int) bool {
	for _, m := range domain.StreakMilestones() {
		if m == n {
			return true
		}
	}
	return false
}

// streakEvents tells people what a closing day did to a streak.
func (s *Service) streakEvents(h domain.Habit, before, after domain.StreakState, day domain.Day, ev *[]domain.Event) {
	data := func(m int) *domain.StreakData {
		return &domain.StreakData{HabitID: h.ID, Day: day, Current: after.Current, Best: after.Best, Previous: before.Current, Milestone: m}
	}
	if after.Last == domain.StreakBroken {
		*ev = append(*ev, domain.Event{Kind: domain.EventStreakBroken, PersonID: h.PersonID, At: s.now(), Streak: data(0)})
	}
}

func (s *Service) noteLongestStreak(ctx context.Context, tx Store, personID int64, best int) error {
	p, err := tx.ProgressGet(ctx, personID)
	if err != nil {
		return err
	}
	if best <= p.LongestStreak {
		return nil
	}
	p.LongestStreak = best
	return tx.ProgressPut(ctx, personID, p)
}

func minDay(a, b domain.Day) domain.Day {
	if a.Before(b) {
		return a
	}
	return b
}

// CheckInInput is one check-in of a habit.
type CheckInInput struct {
	Person         string
	Habit          string // id, slug or name
	Quantity       float64
	At             time.Time // zero: now
	Source         domain.Source
	Note           string
	IdempotencyKey string
	Evidence       []byte // JSON: what an automatic check-in saw
}

// CheckInResult says what a check-in did.
type CheckInResult struct {
	CheckIn  domain.CheckIn
	Habit    StoredHabit
	Day      domain.DayResult
	Streak   domain.StreakView
	XP       int
	Replayed bool // the idempotency key was seen before: nothing changed
	// Level is the person's level after the check-in (and whatever it
	// unlocked).
	Level int
}

// CheckIn records a check-in and everything it changes: the habit's day,
// streak and strength, XP, the day's score and achievements.
func (s *Service) CheckIn(ctx context.Context, in CheckInInput) (CheckInResult, error) {
	var out CheckInResult
	err := s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		var err error
		if out, err = s.checkInTx(ctx, tx, in, describe, ev); err != nil {
			return err
		}
		prog, err := tx.ProgressGet(ctx, out.CheckIn.PersonID)
		out.Level, _, _ = domain.LevelForTotal(prog.TotalXP)
		return err
	})
	return out, err
}

// checkInTx records a check-in inside tx. Its day and streak come from the
// fold it makes; a replayed check-in (its idempotency key seen before) is
// described by reading its day again only when the caller asks (describe),
// a caller that drops the description (an evidence match, a routine item,
// a to-do) pays nothing for it.
func (s *Service) checkInTx(ctx context.Context, tx Store, in CheckInInput, describe describing, ev *[]domain.Event) (CheckInResult, error) {
	var out CheckInResult
	t, err := tx.CheckInTarget(ctx, in.Person, in.Habit, in.IdempotencyKey)
	if err != nil {
		return out, err
	}
	p, h := t.Person, t.Habit
	if h.Value.Archived {
		return out, fmt.Errorf("habit %q is archived: %w", h.Value.Name, domain.ErrConflict)
	}
	out.Habit = h.Value
	if t.Replay {
		prior := t.Prior
		if prior.HabitID != h.Value.ID {
			return out, fmt.Errorf("idempotency key %q was used for another habit: %w", in.IdempotencyKey, domain.ErrConflict)
		}
		out.CheckIn, out.Replayed = prior, true
		if !describe {
			return out, nil
		}
		return s.describeCheckIn(ctx, tx, out, prior)
	}
	c := domain.CheckIn{HabitID: h.Value.ID, PersonID: p.Value.ID, At: in.At, Quantity: in.Quantity, Source: in.Source, Note: in.Note}
	now := s.now()
	if c.At.IsZero() {
		c.At = now
	}
	if c.Source == "" {
		c.Source = domain.SourceAPI
	}
	// A correction (SetHabitDay) is a check-in like any other: it may be
	// dated back to the habit's start and pays XP only within the XP window.
	if err := domain.ValidateCheckIn(h.Value.Habit, c, now, s.loc()); err != nil {
		return out, err
	}
	c.At = domain.NotAfter(c.At, now)
	day := domain.DayOf(c.At, s.loc())
	c.Recorded = now
	// The insert goes with the fold's first read: c's id is known after
	// refold.
	if err := tx.CheckInInsert(ctx, &c, day, in.IdempotencyKey); err != nil {
		return out, err
	}
	// The day pays its check-in XP once (refold awards it); this
	// check-in's XP is what the day gained by it.
	f, err := s.refold(ctx, tx, h.Value.Habit, day, ev)
	if err != nil {
		return out, err
	}
	if c.ID == 0 { // refold of a day up to today always reads
		return out, fmt.Errorf("check-in of habit %q on %s: the insert was not sent", h.Value.Name, day)
	}
	out.CheckIn = c
	out.XP = f.gained[day]
	prog, err := tx.ProgressGet(ctx, p.Value.ID)
	if err != nil {
		return out, err
	}
	prog.CheckIns++
	if err := tx.ProgressPut(ctx, p.Value.ID, prog); err != nil {
		return out, err
	}
	// The day and streak come from the fold just made, not read again.
	if r, ok := f.row(day); ok {
		out.Day, out.Streak = r.Result, streakView(r, s.today(), f.mods)
	} else if describe {
		if out, err = s.describeCheckIn(ctx, tx, out, c); err != nil {
			return out, err
		}
	}
	*ev = append(*ev, domain.Event{Kind: domain.EventCheckIn, PersonID: p.Value.ID, At: now,
		CheckIn: &domain.CheckInData{CheckInID: c.ID, HabitID: h.Value.ID, Day: day, Quantity: c.Quantity, Status: out.Day.Status, XP: out.XP}})
	return out, s.afterChange(ctx, tx, p.Value.ID, day, ev)
}

// describing says whether a check-in's caller shows its day and streak.
type describing bool

const (
	describe      describing = true
	noDescription describing = false
)

// describeCheckIn fills the day and streak a check-in's answer shows.
func (s *Service) describeCheckIn(ctx context.Context, tx Store, out CheckInResult, c domain.CheckIn) (CheckInResult, error) {
	day := domain.DayOf(c.At, s.loc())
	rows, err := tx.HabitDays(ctx, c.HabitID, day, day)
	if err != nil || len(rows) == 0 {
		return out, err
	}
	mods, err := s.modifiers(ctx, tx, c.PersonID)
	if err != nil {
		return out, err
	}
	out.Day = rows[0].Result
	out.Streak = streakView(rows[0], s.today(), mods)
	return out, nil
}

// streakView is how a stored day row shows a streak: today's row holds the
// state before today, closed rows the state after their day.
func streakView(r HabitDay, today domain.Day, mods domain.Modifiers) domain.StreakView {
	if r.Day == today {
		return r.Streak.View(r.Result, mods)
	}
	return domain.StreakView{Current: r.Streak.Current, Best: r.Streak.Best, ShieldsLeft: r.Streak.ShieldsLeft(mods)}
}

// UndoCheckIn removes a check-in and every effect it had.
func (s *Service) UndoCheckIn(ctx context.Context, personRef string, id int64) error {
	return s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		p, err := tx.PersonGet(ctx, personRef)
		if err != nil {
			return err
		}
		c, err := tx.CheckInGet(ctx, p.Value.ID, id)
		if err != nil {
			return err
		}
		if err := s.undoCheckInTx(ctx, tx, c, ev); err != nil {
			return err
		}
		s.touched(ev, p.Value.ID, domain.ChangeUndo)
		return s.afterChange(ctx, tx, p.Value.ID, domain.DayOf(c.At, s.loc()), ev)
	})
}

// undoCheckInTx reverses a check-in inside tx: the row, its XP, the habit's
// days from the check-in's day on, and the running count.
func (s *Service) undoCheckInTx(ctx context.Context, tx Store, c domain.CheckIn, ev *[]domain.Event) error {
	h, err := tx.HabitGet(ctx, c.PersonID, sourceID(c.HabitID), true)
	if err != nil {
		return err
	}
	if h.Value.Archived {
		return fmt.Errorf("habit %q is archived: bring it back first: %w", h.Value.Name, domain.ErrConflict)
	}
	if err := tx.CheckInDelete(ctx, c.ID); err != nil {
		return err
	}
	if _, err := s.revokeXP(ctx, tx, c.PersonID, xpCheckIn, sourceID(c.ID), ev); err != nil {
		return err
	}
	if err := s.refoldHabit(ctx, tx, h.Value.Habit, domain.DayOf(c.At, s.loc()), ev); err != nil {
		return err
	}
	if c.Source == domain.SourceImport {
		return nil // imported history is not in the check-in counter
	}
	prog, err := tx.ProgressGet(ctx, c.PersonID)
	if err != nil {
		return err
	}
	prog.CheckIns--
	return tx.ProgressPut(ctx, c.PersonID, prog)
}
