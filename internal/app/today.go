package app

import (
	"context"

	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/character"
)

// HabitToday is one habit as it stands today.
type HabitToday struct {
	Habit    StoredHabit
	Result   domain.DayResult
	Streak   domain.StreakView
	Strength float64
}

// TodayView is everything a person's day shows: the score with its
// explanation, habits due, XP and level.
type TodayView struct {
	Person  domain.Person
	Day     domain.Day
	Score   StoredScore
	Habits  []HabitToday
	TotalXP int64
	Level   int
	// XPIntoLevel and XPToNext place the person on the level curve.
	XPIntoLevel, XPToNext int64
	// Mood is today's latest mood (1–9), nil when none was logged.
	Mood *int
	// Vacation is true while a vacation pause covers today.
	Vacation bool
	// SleepNotInYet: the person's ring is connected but last night's sleep
	// has not arrived (Oura has it once the app syncs): the score leaves
	// sleep out rather than counting it as 0.
	SleepNotInYet bool
}

// Today reads a person's day. It writes nothing: the day's rows are kept
// current by every change and by the day rollover.
func (s *Service) Today(ctx context.Context, personRef string) (TodayView, error) {
	p, err := s.store.PersonGet(ctx, personRef)
	if err != nil {
		return TodayView{}, err
	}
	return s.todayOf(ctx, s.store, p.Value)
}

func (s *Service) todayOf(ctx context.Context, tx Store, p domain.Person) (TodayView, error) {
	prog, err := tx.ProgressGet(ctx, p.ID)
	if err != nil {
		return TodayView{}, err
	}
	nodes, err := tx.Allocations(ctx, p.ID)
	if err != nil {
		return TodayView{}, err
	}
	return s.todayFrom(ctx, tx, p, prog, nodeIDs(nodes))
}

// todayFrom is todayOf with the person's progress and allocations read
// already (PersonView reads them once for today and the character).
func (s *Service) todayFrom(ctx context.Context, tx Store, p domain.Person, prog Progress, allocated []character.NodeID) (TodayView, error) {
	today := s.today()
	v := TodayView{Person: p, Day: today}
	var err error
	if v.Score, err = s.Score(ctx, p.ID, today); err != nil {
		return v, err
	}
	habits, err := tx.HabitList(ctx, p.ID)
	if err != nil {
		return v, err
	}
	days, err := tx.HabitDaysOfPerson(ctx, p.ID, today)
	if err != nil {
		return v, err
	}
	mods := character.Modifiers(s.tree, allocated)
	for _, h := range habits {
		ht := HabitToday{Habit: h.Value}
		if r, ok := days[h.Value.ID]; ok && r.Day == today {
			ht.Result, ht.Streak = r.Result, streakView(r, today, mods)
			// Strength after today, as if the day closed now.
			ht.Strength = r.Strength.Advance(r.Result, h.Value.Schedule.Frequency(), mods).Score
		} else {
			ht.Result = domain.DayResult{Day: today, Status: domain.StatusNotDue}
		}
		v.Habits = append(v.Habits, ht)
	}
	v.TotalXP = prog.TotalXP
	v.Level, v.XPIntoLevel, v.XPToNext = domain.LevelForTotal(prog.TotalXP)
	if m, ok, err := tx.MoodLatest(ctx, p.ID, today); err != nil {
		return v, err
	} else if ok {
		v.Mood = &m.Value
	}
	if v.Vacation, err = tx.PauseActive(ctx, p.ID, domain.PauseVacation, today); err != nil {
		return v, err
	}
	v.SleepNotInYet, err = sleepNotInYet(ctx, tx, p.ID, today)
	return v, err
}
