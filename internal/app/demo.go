package app

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/lifeops/lifeops/internal/domain"
	"github.com/lifeops/lifeops/internal/domain/routine"
)

// demoDays is how much history the demo household gets.
const demoDays = 30

// ErrNotEmpty means the demo household was asked for in a database that
// already holds people: the demo never mixes with real data.
var ErrNotEmpty = fmt.Errorf("the database already has people: %w", domain.ErrConflict)

// SeedDemo fills an empty database with a demo household: two people, a
// few habits and a morning routine, and 30 days of plausible history, all
// made through the same use cases a household uses, with the clock walked
// forward day by day. The people are flagged, so RemoveDemo deletes exactly
// what this added.
func (s *Service) SeedDemo(ctx context.Context) error {
	people, err := s.store.PersonList(ctx)
	if err != nil {
		return err
	}
	if len(people) > 0 {
		return ErrNotEmpty
	}
	now := s.now()
	loc := s.loc()
	start := domain.DayOf(now, loc).Add(-demoDays)
	// A service on a walking clock: every fact is written "live" on its day.
	var clock time.Time
	walk := New(Options{Store: s.store, Logger: s.log, Tree: s.tree, Location: s.loc, Now: func() time.Time { return clock }})
	clock = start.Start(loc).Add(8 * time.Hour)

	type person struct {
		name       string
		habits     []HabitInput
		activities []string
		diligence  float64 // chance a habit gets done on a day
	}
	household := []person{
		{name: "Alex", diligence: 0.85, activities: []string{"run", "reading", "meditation"}, habits: []HabitInput{
			{Name: "Drink water", Target: domain.Target{Kind: domain.TargetAtLeast, Value: 2, Unit: "l"}},
			{Name: "Read", Schedule: domain.Schedule{Kind: domain.ScheduleTimesPerWeek, Times: 4}},
			{Name: "No phone in bed", Kind: domain.HabitNegative},
		}},
		{name: "Sam", diligence: 0.7, activities: []string{"workout", "walk", "social"}, habits: []HabitInput{
			{Name: "Stretch"},
			{Name: "Journal", Schedule: domain.Schedule{Kind: domain.ScheduleWeekdays, Weekdays: []time.Weekday{time.Monday, time.Wednesday, time.Friday}}},
		}},
	}
	rng := rand.New(rand.NewPCG(42, 7)) // the same demo every time
	ids := map[string]int64{}
	for _, p := range household {
		created, err := walk.CreatePerson(ctx, PersonInput{Name: p.name})
		if err != nil {
			return err
		}
		if err := s.store.PersonMarkDemo(ctx, created.Value.ID); err != nil {
			return err
		}
		ids[created.Value.Slug] = created.Value.ID
		for _, h := range p.habits {
			if h.Schedule.Kind == "" {
				h.Schedule.Kind = domain.ScheduleDaily
			}
			h.Start = start
			if _, err := walk.CreateHabit(ctx, created.Value.Slug, h); err != nil {
				return fmt.Errorf("demo habit %q: %w", h.Name, err)
			}
		}
		if _, err := walk.CreateRoutine(ctx, created.Value.Slug, RoutineInput{Name: "Morning",
			Schedule: routine.Schedule{Kind: routine.ScheduleDaily},
			Items: []routine.Item{
				{Title: "Glass of water", XP: 5, Anchor: routine.Anchor{Kind: routine.AnchorWake, OffsetMin: 5}},
				{Title: "Stretch", XP: 10, DurationMin: 10, Anchor: routine.Anchor{Kind: routine.AnchorWake, OffsetMin: 15}},
			}}); err != nil {
			return fmt.Errorf("demo routine: %w", err)
		}
	}

	// Three relationships are planted for the Insights page (docs/insights.md):
	// Alex sleeps worse the night after a phone in bed and is in a better
	// mood on meditation days; Sam's readiness rises the day after a walk.
	type yesterday struct {
		slip bool
		walk float64
	}
	last := map[string]yesterday{}
	for d := start; d.Before(domain.DayOf(now, loc)); d = d.Add(1) {
		for _, p := range household {
			slug := domain.Slugify(p.name)
			clock = d.Start(loc).Add(7 * time.Hour)
			y := last[slug]
			last[slug] = yesterday{}
			sleep, ready := 72+rng.Float64()*20, 50+rng.Float64()*12+y.walk/2
			if y.slip {
				sleep -= 20
			}
			if err := walk.store.BiometricsPut(ctx, ids[slug], Biometrics{Day: d, Sleep: &sleep, Readiness: &ready, UpdatedAt: clock}); err != nil {
				return err
			}
			for _, h := range p.habits {
				if h.Kind == domain.HabitNegative {
					if rng.Float64() > p.diligence-0.15 { // a slip, a little more often than a miss
						last[slug] = yesterday{slip: true}
						clock = d.Start(loc).Add(22 * time.Hour)
						if _, err := walk.CheckIn(ctx, CheckInInput{Person: slug, Habit: h.Name, Source: domain.SourceManual}); err != nil {
							return err
						}
					}
					continue
				}
				if rng.Float64() < p.diligence {
					clock = d.Start(loc).Add(time.Duration(9+rng.IntN(10)) * time.Hour)
					q := 0.0
					if h.Target.Kind == domain.TargetAtLeast {
						q = h.Target.Value
					}
					if _, err := walk.CheckIn(ctx, CheckInInput{Person: slug, Habit: h.Name, Quantity: q, Source: domain.SourceManual}); err != nil {
						return fmt.Errorf("demo check-in %q on %s: %w", h.Name, d, err)
					}
				}
			}
			clock = d.Start(loc).Add(18 * time.Hour)
			typ := p.activities[rng.IntN(len(p.activities))]
			amount := float64(15 + 5*rng.IntN(10))
			if _, err := walk.LogActivity(ctx, ActivityInput{Person: slug, Type: typ, Amount: amount, Source: domain.SourceManual}); err != nil {
				return fmt.Errorf("demo activity on %s: %w", d, err)
			}
			mood := 4 + rng.IntN(3)
			switch typ {
			case "meditation":
				mood = min(mood+int(amount)/20+1, domain.MaxMood)
			case "walk":
				y := last[slug]
				y.walk = amount
				last[slug] = y
			}
			if _, _, err := walk.LogMood(ctx, MoodInput{Person: slug, Value: mood, Source: domain.SourceManual}); err != nil {
				return err
			}
		}
		clock = d.Add(1).Start(loc).Add(time.Minute)
		if err := walk.Rollover(ctx); err != nil {
			return err
		}
	}
	// Last night's sleep has synced, as a ring's would have by morning.
	for _, id := range ids {
		sleep, ready := 70+rng.Float64()*20, 65+rng.Float64()*25
		if err := s.store.BiometricsPut(ctx, id, Biometrics{Day: domain.DayOf(now, loc), Sleep: &sleep, Readiness: &ready, UpdatedAt: now}); err != nil {
			return err
		}
	}
	return s.Rollover(ctx)
}

// RemoveDemo deletes the demo household and everything recorded about it.
func (s *Service) RemoveDemo(ctx context.Context) (int, error) {
	var n int
	err := s.tx(ctx, func(tx Store, ev *[]domain.Event) error {
		var err error
		n, err = tx.PersonDeleteDemo(ctx)
		if n > 0 {
			s.changed(ev, 0)
		}
		return err
	})
	return n, err
}
